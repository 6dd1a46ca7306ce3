"""reassign: leads that move on when left untouched (REASSIGN_AFTER)

Revision ID: 0011_reassign
Revises: 0010_home
Create Date: 2026-11-26 02:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_reassign"
down_revision = "0010_home"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("auto_reassigns", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.add_column(sa.Column("untouched_seconds", sa.Integer(), nullable=True))
    with op.batch_alter_table("routing_decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reassigned_from", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("routing_decisions", schema=None) as batch_op:
        batch_op.drop_column("reassigned_from")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_column("untouched_seconds")
        batch_op.drop_column("auto_reassigns")
