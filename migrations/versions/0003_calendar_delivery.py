"""calendar delivery choice and personal feed token

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 13:25:00

"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar_delivery', sa.String(length=8),
                                      server_default='email', nullable=False))
        batch_op.add_column(sa.Column('feed_token', sa.String(length=64), nullable=True))
    # Every existing account gets its own random token before the column becomes required.
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('feed_token', sa.String))
    conn = op.get_bind()
    for (user_id,) in conn.execute(sa.select(users.c.id)).fetchall():
        conn.execute(users.update().where(users.c.id == user_id)
                     .values(feed_token=secrets.token_urlsafe(32)))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('feed_token', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_users_feed_token'), ['feed_token'])


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_feed_token'), type_='unique')
        batch_op.drop_column('feed_token')
        batch_op.drop_column('calendar_delivery')
