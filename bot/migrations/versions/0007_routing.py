"""routing: who takes leads (roster weight) and how each lead's current owner got it

Revision ID: 0007_routing
Revises: 0003_owner_lookups
Create Date: 2026-11-25 23:20:00
"""

import sqlalchemy as sa
from alembic import op

import bot.models

revision = "0007_routing"
down_revision = "0003_owner_lookups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("weight", sa.Integer(), nullable=True))
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

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("weight")
