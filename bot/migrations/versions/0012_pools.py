"""pools: the reps a campaign's leads go to by round robin (the campaign form's "Reps")

Revision ID: 0012_pools
Revises: 0011_reassign
Create Date: 2026-11-26 01:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_pools"
down_revision = "0011_reassign"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaign_reps",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("slack_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_reps_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "slack_id", name=op.f("pk_campaign_reps")),
    )


def downgrade() -> None:
    op.drop_table("campaign_reps")
