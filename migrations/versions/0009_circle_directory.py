"""circle directory: listed circles, alerts, quiet periods

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 02:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("circles", schema=None) as batch_op:
        # Existing circles are listed, as new ones are by default; their organisers can
        # switch it off. listed_at stays empty: they are not news for anyone's alert.
        batch_op.add_column(
            sa.Column("listed", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(sa.Column("listed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("members_may_invite", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.create_index("ix_circles_listed_first_day", ["listed", "first_day"], unique=False)

    op.create_table(
        "circle_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("query", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("seen_until", sa.DateTime(), nullable=False),
        sa.Column("mailed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_circle_alerts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_circle_alerts")),
    )
    with op.batch_alter_table("circle_alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_circle_alerts_user_id"), ["user_id"], unique=False)

    op.create_table(
        "quiet_periods_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.Column("saved_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["saved_by_id"],
            ["users.id"],
            name=op.f("fk_quiet_periods_versions_saved_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiet_periods_versions")),
    )


def downgrade():
    op.drop_table("quiet_periods_versions")
    with op.batch_alter_table("circle_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_circle_alerts_user_id"))
    op.drop_table("circle_alerts")
    with op.batch_alter_table("circles", schema=None) as batch_op:
        batch_op.drop_index("ix_circles_listed_first_day")
        batch_op.drop_column("members_may_invite")
        batch_op.drop_column("listed_at")
        batch_op.drop_column("listed")
