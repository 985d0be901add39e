"""临时救助 on the plan (plan_measure.amount / relief_kind, measure.is_temporary_relief) and who
made the help plan with the household's will to develop (case_file.plan_makers /
development_will)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_temporary_relief', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    # A library's existing 临时救助 measure is the relief measure.
    op.execute("UPDATE measure SET is_temporary_relief = true WHERE name = '临时救助'")
    with op.batch_alter_table('plan_measure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=True))
        batch_op.add_column(sa.Column('relief_kind', sa.String(length=16), nullable=True))
        batch_op.create_check_constraint(batch_op.f('ck_plan_measure_relief_kind_valid'),
                                         "relief_kind IS NULL OR relief_kind IN ('emergency', 'expense')")
        batch_op.create_check_constraint(batch_op.f('ck_plan_measure_amount_positive'),
                                         "amount IS NULL OR amount > 0")
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_makers', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('development_will', sa.Boolean(), nullable=True))


def downgrade():
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.drop_column('development_will')
        batch_op.drop_column('plan_makers')
    with op.batch_alter_table('plan_measure', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_plan_measure_amount_positive'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_plan_measure_relief_kind_valid'), type_='check')
        batch_op.drop_column('relief_kind')
        batch_op.drop_column('amount')
    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.drop_column('is_temporary_relief')
