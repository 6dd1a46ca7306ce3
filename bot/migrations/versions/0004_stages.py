"""lead stages and their history

Revision ID: 0004_stages
Revises: 0003_owner_lookups
Create Date: 2026-11-25 22:45:00
"""

from alembic import op
import sqlalchemy as sa
import bot.models


revision = '0004_stages'
down_revision = '0003_owner_lookups'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lead_stage_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('previous', sa.String(length=16), nullable=False),
    sa.Column('at', bot.models.UTCDateTime(), nullable=False),
    sa.Column('by_kind', sa.String(length=8), nullable=False),
    sa.Column('by', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_lead_stage_changes_lead_id_leads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lead_stage_changes'))
    )
    with op.batch_alter_table('lead_stage_changes', schema=None) as batch_op:
        batch_op.create_index('ix_lead_stage_changes_lead', ['lead_id', 'at'], unique=False)

    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stage', sa.String(length=16), server_default='new', nullable=False))
        batch_op.add_column(sa.Column('stage_at', bot.models.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_column('stage_at')
        batch_op.drop_column('stage')

    with op.batch_alter_table('lead_stage_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_lead_stage_changes_lead')

    op.drop_table('lead_stage_changes')
