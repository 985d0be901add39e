"""The dashboard's roll-ups: per region node, its subtree's cases by state and category with the
deadline figures (dashboard_rollup), monitored households by risk type (dashboard_risk), the
monthly trend (dashboard_trend), and each county's last refresh (dashboard_refresh)

The tables start empty: the queue's first refresh (every 10 minutes) fills them, and until then
the dashboard counts live and says so.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 07:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    # region_id has no foreign key: the rows are derived, and a key would refuse a region's merge.
    op.create_table(
        'dashboard_rollup',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=24), nullable=False),
        sa.Column('category', sa.String(length=24), nullable=False),
        sa.Column('cases', sa.Integer(), nullable=False),
        sa.Column('overdue', sa.Integer(), nullable=False),
        sa.Column('due_soon', sa.Integer(), nullable=False),
        sa.Column('long_unresolved', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dashboard_rollup')),
        sa.UniqueConstraint('region_id', 'state', 'category', name='uq_dashboard_rollup_key'),
    )
    op.create_table(
        'dashboard_risk',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('risk_type', sa.String(length=24), nullable=False),
        sa.Column('households', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dashboard_risk')),
        sa.UniqueConstraint('region_id', 'risk_type', name='uq_dashboard_risk_key'),
    )
    op.create_table(
        'dashboard_trend',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('series', sa.String(length=16), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dashboard_trend')),
        sa.UniqueConstraint('region_id', 'month', 'series', name='uq_dashboard_trend_key'),
    )
    op.create_table(
        'dashboard_refresh',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('duration_ms', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dashboard_refresh')),
        sa.UniqueConstraint('region_id', name='uq_dashboard_refresh_region'),
    )


def downgrade():
    op.drop_table('dashboard_refresh')
    op.drop_table('dashboard_trend')
    op.drop_table('dashboard_risk')
    op.drop_table('dashboard_rollup')
