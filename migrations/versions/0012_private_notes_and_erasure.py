"""private notes and erasure

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 05:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(), nullable=True))

    op.create_table(
        "private_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_private_notes_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_private_notes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_private_notes")),
        sa.UniqueConstraint("user_id", "meeting_id", name="uq_private_notes_user_meeting"),
    )
    with op.batch_alter_table("private_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_private_notes_meeting_id"), ["meeting_id"])
        batch_op.create_index(batch_op.f("ix_private_notes_user_id"), ["user_id"])

    op.create_table(
        "exercise_ticks",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("exercise_id", sa.String(length=64), nullable=False),
        sa.Column("ticked_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_exercise_ticks_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_exercise_ticks_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "user_id", "meeting_id", "exercise_id", name=op.f("pk_exercise_ticks")
        ),
    )
    with op.batch_alter_table("exercise_ticks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exercise_ticks_meeting_id"), ["meeting_id"])


def downgrade():
    with op.batch_alter_table("exercise_ticks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exercise_ticks_meeting_id"))
    op.drop_table("exercise_ticks")
    with op.batch_alter_table("private_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_private_notes_user_id"))
        batch_op.drop_index(batch_op.f("ix_private_notes_meeting_id"))
    op.drop_table("private_notes")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
