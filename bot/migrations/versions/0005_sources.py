"""lead sources: request log, delivered ids, roster crm_id

Revision ID: 0005_sources
Revises: 0004_stages
Create Date: 2026-11-25 23:20:00
"""

from alembic import op
import sqlalchemy as sa
import bot.models


revision = '0005_sources'
down_revision = '0004_stages'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('source_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('at', bot.models.UTCDateTime(), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('received', sa.Integer(), nullable=False),
    sa.Column('accepted', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('duplicates', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=300), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_source_requests'))
    )
    with op.batch_alter_table('source_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_source_requests_at'), ['at'], unique=False)
        batch_op.create_index('ix_source_requests_source_at', ['source', 'at'], unique=False)

    op.create_table('source_seen',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=250), nullable=False),
    sa.Column('at', bot.models.UTCDateTime(), nullable=False),
    sa.Column('modified_at', bot.models.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_source_seen')),
    sa.UniqueConstraint('source', 'key', name=op.f('uq_source_seen_source'))
    )
    with op.batch_alter_table('source_seen', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_source_seen_at'), ['at'], unique=False)

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('crm_id', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_people_crm_id'), ['crm_id'])


def downgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_people_crm_id'), type_='unique')
        batch_op.drop_column('crm_id')

    with op.batch_alter_table('source_seen', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_source_seen_at'))

    op.drop_table('source_seen')
    with op.batch_alter_table('source_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_source_requests_source_at')
        batch_op.drop_index(batch_op.f('ix_source_requests_at'))

    op.drop_table('source_requests')
