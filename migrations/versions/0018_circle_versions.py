"""circles: a version per circle, raised whenever anything a circle page shows changes

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 12:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    # Each process keeps a circle's page under its number and reads only the number on a
    # visit (wol/circles/versions.py). No foreign key: a row of its own, locked last at
    # COMMIT, never with the circle's; row 0 is raised by changes of unknown circles.
    op.create_table(
        "circle_versions",
        sa.Column("circle_id", sa.Integer(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("circle_id", name=op.f("pk_circle_versions")),
    )


def downgrade():
    op.drop_table("circle_versions")
