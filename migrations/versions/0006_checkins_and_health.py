"""check-ins, circle health and reminders

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 02:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('not_held_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('attended', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('checkin_version', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('checkin_mailed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('reminder_sent_at', sa.DateTime(), nullable=True))
    # Meetings the demo data (or anyone) marked held before check-ins existed count as
    # recorded once, so corrections start from version 1.
    op.execute("UPDATE meetings SET checkin_version = 1 WHERE held_at IS NOT NULL")

    with op.batch_alter_table('circles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('health_status', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('health_changed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('organiser_nudged_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('meeting_reminders', sa.Boolean(), server_default=sa.true(),
                                      nullable=False))
        batch_op.add_column(sa.Column('digest_sent_at', sa.DateTime(), nullable=True))

    op.create_table(
        'meeting_attendances',
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'],
                                name=op.f('fk_meeting_attendances_meeting_id_meetings'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_meeting_attendances_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('meeting_id', 'user_id', name=op.f('pk_meeting_attendances')),
    )
    op.create_table(
        'checkin_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('held', sa.Boolean(), nullable=False),
        sa.Column('attendee_ids', sa.String(length=200), nullable=False),
        sa.Column('via', sa.String(length=12), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'],
                                name=op.f('fk_checkin_records_meeting_id_meetings'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'],
                                name=op.f('fk_checkin_records_recorded_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_checkin_records')),
    )
    with op.batch_alter_table('checkin_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkin_records_meeting_id'), ['meeting_id'],
                              unique=False)
    op.create_table(
        'circle_status_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('circle_id', sa.Integer(), nullable=False),
        sa.Column('from_status', sa.String(length=12), nullable=True),
        sa.Column('to_status', sa.String(length=12), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['circle_id'], ['circles.id'],
                                name=op.f('fk_circle_status_changes_circle_id_circles'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_circle_status_changes')),
    )
    with op.batch_alter_table('circle_status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_circle_status_changes_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_circle_status_changes_circle_id'), ['circle_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('circle_status_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_circle_status_changes_circle_id'))
        batch_op.drop_index(batch_op.f('ix_circle_status_changes_at'))
    op.drop_table('circle_status_changes')
    with op.batch_alter_table('checkin_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkin_records_meeting_id'))
    op.drop_table('checkin_records')
    op.drop_table('meeting_attendances')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('digest_sent_at')
        batch_op.drop_column('meeting_reminders')
    with op.batch_alter_table('circles', schema=None) as batch_op:
        batch_op.drop_column('organiser_nudged_at')
        batch_op.drop_column('health_changed_at')
        batch_op.drop_column('health_status')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('reminder_sent_at')
        batch_op.drop_column('checkin_mailed_at')
        batch_op.drop_column('checkin_version')
        batch_op.drop_column('attended')
        batch_op.drop_column('not_held_at')
