"""calendar: versions and sequences for iCalendar

Each personal feed remembers the ETag it last served and since when, so that its
Last-Modified never goes back (a member leaving or a circle ending removes the newest change).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 02:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'feed_states',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('etag', sa.String(length=64), nullable=False),
        sa.Column('modified_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_feed_states_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_feed_states')),
    )


def downgrade():
    op.drop_table('feed_states')
