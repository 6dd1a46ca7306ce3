"""App Home publishing state (debounced refreshes)

Revision ID: 0010_home
Revises: 0009_speed
Create Date: 2026-11-25 23:00:00
"""

from alembic import op
import sqlalchemy as sa
import bot.models


revision = '0010_home'
down_revision = '0009_speed'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('home_views',
    sa.Column('slack_id', sa.String(length=32), nullable=False),
    sa.Column('published_at', bot.models.UTCDateTime(), nullable=True),
    sa.Column('due_at', bot.models.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('slack_id', name=op.f('pk_home_views'))
    )
    with op.batch_alter_table('home_views', schema=None) as batch_op:
        batch_op.create_index('ix_home_views_due', ['due_at'], unique=False, postgresql_where=sa.text('due_at IS NOT NULL'), sqlite_where=sa.text('due_at IS NOT NULL'))


def downgrade() -> None:
    with op.batch_alter_table('home_views', schema=None) as batch_op:
        batch_op.drop_index('ix_home_views_due', postgresql_where=sa.text('due_at IS NOT NULL'), sqlite_where=sa.text('due_at IS NOT NULL'))

    op.drop_table('home_views')
