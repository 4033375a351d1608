"""sign-up rounds and circle forming

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 02:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'rounds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=120), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('organiser_id', sa.Integer(), nullable=False),
        sa.Column('languages', sa.String(length=40), nullable=False),
        sa.Column('slots', sa.String(length=400), nullable=False),
        sa.Column('timezone', sa.String(length=64), nullable=False),
        sa.Column('first_week', sa.Date(), nullable=False),
        sa.Column('deadline_at', sa.DateTime(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('place', sa.String(length=200), nullable=True),
        sa.Column('video_url', sa.String(length=500), nullable=True),
        sa.Column('signup_token', sa.String(length=64), nullable=False),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('proposal', sa.Text(), nullable=True),
        sa.Column('proposal_version', sa.Integer(), nullable=True),
        sa.Column('confirmed_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['organiser_id'], ['users.id'],
                                name=op.f('fk_rounds_organiser_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rounds')),
        sa.UniqueConstraint('signup_token', name=op.f('uq_rounds_signup_token')),
    )
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rounds_organiser_id'), ['organiser_id'],
                              unique=False)

    op.create_table(
        'round_signups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('email_key', sa.String(length=254), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('department', sa.String(length=120), nullable=False),
        sa.Column('languages', sa.String(length=40), nullable=False),
        sa.Column('slots', sa.String(length=400), nullable=False),
        sa.Column('be_with', sa.String(length=254), nullable=True),
        sa.Column('not_with', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['rounds.id'],
                                name=op.f('fk_round_signups_round_id_rounds'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_round_signups_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_round_signups')),
        sa.UniqueConstraint('round_id', 'email_key', name='uq_round_signups_round_email'),
    )
    with op.batch_alter_table('round_signups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_signups_round_id'), ['round_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_round_signups_user_id'), ['user_id'],
                              unique=False)

    op.create_table(
        'round_circles',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('circle_id', sa.Integer(), nullable=False),
        sa.Column('slot', sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(['circle_id'], ['circles.id'],
                                name=op.f('fk_round_circles_circle_id_circles'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['round_id'], ['rounds.id'],
                                name=op.f('fk_round_circles_round_id_rounds'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_round_circles')),
        sa.UniqueConstraint('circle_id', name=op.f('uq_round_circles_circle_id')),
    )
    with op.batch_alter_table('round_circles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_circles_round_id'), ['round_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('round_circles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_circles_round_id'))
    op.drop_table('round_circles')
    with op.batch_alter_table('round_signups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_signups_user_id'))
        batch_op.drop_index(batch_op.f('ix_round_signups_round_id'))
    op.drop_table('round_signups')
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rounds_organiser_id'))
    op.drop_table('rounds')
