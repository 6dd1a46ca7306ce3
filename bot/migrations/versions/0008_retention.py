"""retention and erasure: job_runs (a periodic job once across processes), leads.erased_at,
an index on outbox.created_at for the prune

Revision ID: 0008_retention
Revises: 0007_routing
Create Date: 2026-11-25 22:50:00
"""

import sqlalchemy as sa
from alembic import op

import bot.models

revision = "0008_retention"
down_revision = "0007_routing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("job", sa.String(length=64), nullable=False),
        sa.Column("slot", sa.String(length=32), nullable=False),
        sa.Column("started_at", bot.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("job", "slot", name=op.f("pk_job_runs")),
    )
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", bot.models.UTCDateTime(), nullable=True))
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_created_at", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_created_at")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
    op.drop_table("job_runs")
