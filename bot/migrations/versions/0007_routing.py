"""routing: who takes leads (roster weight) and how each lead's current owner got it

Revision ID: 0007_routing
Revises: 0006_outcomes
Create Date: 2026-11-25 23:20:00
"""

import sqlalchemy as sa
from alembic import op

import bot.models

revision = "0007_routing"
down_revision = "0006_outcomes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("weight", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("away_since", bot.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("away_until", bot.models.UTCDateTime(), nullable=True))
    op.create_table(
        "routing_turns",
        sa.Column("pool", sa.String(length=100), nullable=False),
        sa.Column("slack_id", sa.String(length=32), nullable=False),
        sa.Column("credit", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("pool", "slack_id", name=op.f("pk_routing_turns")),
    )
    op.create_table(
        "routing_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("decided_at", bot.models.UTCDateTime(), nullable=False),
        sa.Column("pool", sa.String(length=200), nullable=False),
        sa.Column("chosen", sa.String(length=32), nullable=True),
        sa.Column("considered", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.id"],
            name=op.f("fk_routing_decisions_lead_id_leads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_decisions")),
    )
    with op.batch_alter_table("routing_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_routing_decisions_lead_id"), ["lead_id"], unique=False
        )
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assigned_at", bot.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("assigned_how", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("assigned_by", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("assigned_from", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_column("assigned_from")
        batch_op.drop_column("assigned_by")
        batch_op.drop_column("assigned_how")
        batch_op.drop_column("assigned_at")

    op.drop_table("routing_decisions")
    op.drop_table("routing_turns")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("away_until")
        batch_op.drop_column("away_since")
        batch_op.drop_column("weight")
