"""outbox.attempt_started_at: a post that may have reached Slack is looked up before a re-send

Revision ID: 0002_outbox
Revises: 0001
Create Date: 2026-11-25 19:40:00
"""

import sqlalchemy as sa
from alembic import op

import bot.models

revision = "0002_outbox"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("attempt_started_at", bot.models.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("attempt_started_at")
