"""harvests, stories and follow-up circles

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 05:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "harvests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("aim", sa.Text(), nullable=True),
        sa.Column("happened", sa.Text(), nullable=True),
        sa.Column("learned", sa.Text(), nullable=True),
        sa.Column("audience", sa.String(length=10), nullable=False),
        sa.Column("anonymous", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("shared_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["circle_id"],
            ["circles.id"],
            name=op.f("fk_harvests_circle_id_circles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_harvests_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harvests")),
        sa.UniqueConstraint("circle_id", "user_id", name="uq_harvests_circle_user"),
    )
    with op.batch_alter_table("harvests", schema=None) as batch_op:
        batch_op.create_index("ix_harvests_shared_at", ["shared_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_harvests_user_id"), ["user_id"], unique=False)

    op.create_table(
        "circle_follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("from_circle_id", sa.Integer(), nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=True),
        sa.Column("together", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["circle_id"],
            ["circles.id"],
            name=op.f("fk_circle_follow_ups_circle_id_circles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["from_circle_id"],
            ["circles.id"],
            name=op.f("fk_circle_follow_ups_from_circle_id_circles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["started_by_id"],
            ["users.id"],
            name=op.f("fk_circle_follow_ups_started_by_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_circle_follow_ups")),
        sa.UniqueConstraint("circle_id", name=op.f("uq_circle_follow_ups_circle_id")),
        sa.UniqueConstraint("from_circle_id", "started_by_id", name="uq_circle_follow_ups_starter"),
    )
    with op.batch_alter_table("circle_follow_ups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_circle_follow_ups_started_by_id"), ["started_by_id"], unique=False
        )
        batch_op.create_index(
            "uq_circle_follow_ups_together",
            ["from_circle_id"],
            unique=True,
            sqlite_where=sa.text("together"),
            postgresql_where=sa.text("together"),
        )

    op.create_table(
        "follow_up_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["circle_id"],
            ["circles.id"],
            name=op.f("fk_follow_up_invitations_circle_id_circles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["users.id"],
            name=op.f("fk_follow_up_invitations_invited_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_follow_up_invitations_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up_invitations")),
        sa.UniqueConstraint("circle_id", "user_id", name="uq_follow_up_invitations_circle_user"),
    )
    with op.batch_alter_table("follow_up_invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_follow_up_invitations_user_id"), ["user_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("follow_up_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_up_invitations_user_id"))
    op.drop_table("follow_up_invitations")
    with op.batch_alter_table("circle_follow_ups", schema=None) as batch_op:
        batch_op.drop_index("uq_circle_follow_ups_together")
        batch_op.drop_index(batch_op.f("ix_circle_follow_ups_started_by_id"))
    op.drop_table("circle_follow_ups")
    with op.batch_alter_table("harvests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_harvests_user_id"))
        batch_op.drop_index("ix_harvests_shared_at")
    op.drop_table("harvests")
