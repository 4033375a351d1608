"""follow-up length: a circle's number of weekly meetings

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 06:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    # Every circle so far has twelve weeks; a follow-up round may have 4 or 6.
    with op.batch_alter_table("circles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("weeks", sa.Integer(), server_default="12", nullable=False))
        batch_op.create_check_constraint(op.f("ck_circles_weeks_known"), "weeks IN (4, 6, 12)")


def downgrade():
    with op.batch_alter_table("circles", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_circles_weeks_known"), type_="check")
        batch_op.drop_column("weeks")
