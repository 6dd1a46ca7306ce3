"""weekly sync reports, and leads indexed by arrival time for scorecards and the export

Revision ID: 0006_outcomes
Revises: 0005_sources
Create Date: 2026-11-25 23:00:00
"""

from alembic import op
import sqlalchemy as sa
import bot.models


revision = '0006_outcomes'
down_revision = '0005_sources'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sync_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('week', sa.String(length=10), nullable=False),
    sa.Column('created_at', bot.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_reports')),
    sa.UniqueConstraint('week', name=op.f('uq_sync_reports_week'))
    )
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.create_index('ix_leads_received', ['received_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_index('ix_leads_received')

    op.drop_table('sync_reports')
