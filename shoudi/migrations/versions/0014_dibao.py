"""低保标准 per region and year (dibao_standard), and the household's 低保渐退期
(household.dibao_phaseout_start / _end, the end indexed for the daily reminder)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

PHASEOUT_IN_ORDER = ("(dibao_phaseout_start IS NULL) = (dibao_phaseout_end IS NULL) "
                     "AND (dibao_phaseout_start IS NULL OR dibao_phaseout_start < dibao_phaseout_end)")


def upgrade():
    op.create_table(
        'dibao_standard',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('rural_annual', sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column('urban_monthly', sa.Numeric(precision=10, scale=2), nullable=False),
        sa.CheckConstraint('rural_annual > 0', name=op.f('ck_dibao_standard_rural_annual_positive')),
        sa.CheckConstraint('urban_monthly > 0', name=op.f('ck_dibao_standard_urban_monthly_positive')),
        sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_dibao_standard_region_id_region')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dibao_standard')),
        sa.UniqueConstraint('region_id', 'year', name='uq_dibao_standard_region_year'),
    )
    with op.batch_alter_table('dibao_standard', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dibao_standard_region_id'), ['region_id'], unique=False)
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dibao_phaseout_start', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('dibao_phaseout_end', sa.Date(), nullable=True))
        batch_op.create_check_constraint(batch_op.f('ck_household_dibao_phaseout_in_order'), PHASEOUT_IN_ORDER)
        batch_op.create_index(batch_op.f('ix_household_dibao_phaseout_end'), ['dibao_phaseout_end'], unique=False)


def downgrade():
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_household_dibao_phaseout_end'))
        batch_op.drop_constraint(batch_op.f('ck_household_dibao_phaseout_in_order'), type_='check')
        batch_op.drop_column('dibao_phaseout_end')
        batch_op.drop_column('dibao_phaseout_start')
    # The earlier code refuses a policy key it does not know; the history of changes stays.
    op.execute("DELETE FROM region_policy WHERE key = 'dibao_phaseout_months'")
    with op.batch_alter_table('dibao_standard', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dibao_standard_region_id'))
    op.drop_table('dibao_standard')
