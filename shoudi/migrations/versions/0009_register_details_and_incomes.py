"""register details: the national file's person columns, natural changes, 住房/饮水安全, risk
elimination as recorded nationally, and the yearly income records (household_income)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gender', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('ethnicity', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('education', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('work_status', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('work_months', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('medical_insured', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('minimum_living', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('extreme_poverty', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('status', sa.String(length=16), server_default='present', nullable=False))
        batch_op.add_column(sa.Column('joined_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('join_reason', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('left_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('left_note', sa.String(length=200), nullable=True))
        batch_op.create_check_constraint(batch_op.f('ck_member_gender_valid'),
                                         "gender IS NULL OR gender IN ('male', 'female')")
        batch_op.create_check_constraint(
            batch_op.f('ck_member_status_valid'),
            "status IN ('present', 'deceased', 'married_out', 'moved_out', 'other_left')")
        batch_op.create_check_constraint(
            batch_op.f('ck_member_join_reason_valid'),
            "join_reason IS NULL OR join_reason IN ('born', 'married_in', 'moved_in', 'other')")
        batch_op.create_check_constraint(batch_op.f('ck_member_work_months_range'),
                                         'work_months IS NULL OR (work_months BETWEEN 0 AND 12)')
        batch_op.create_check_constraint(batch_op.f('ck_member_left_with_date'),
                                         "status = 'present' OR left_on IS NOT NULL")

    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.add_column(sa.Column('housing_safe', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('water_safe', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('risk_eliminated', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('risk_eliminated_on', sa.Date(), nullable=True))

    op.create_table(
        'household_income',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('measured_on', sa.Date(), nullable=False),
        sa.Column('household_size', sa.Integer(), nullable=False),
        *[sa.Column(name, sa.Text(), nullable=True)
          for name in ('wages', 'business', 'property', 'transfers', 'business_costs',
                       'medical_spending', 'schooling_spending', 'disaster_spending')],
        sa.Column('net_income', sa.Text(), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('visit_id', sa.Integer(), nullable=True),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("source IN ('import', 'visit', 'staff')", name=op.f('ck_household_income_source_valid')),
        sa.CheckConstraint('household_size >= 1', name=op.f('ck_household_income_household_size_positive')),
        sa.CheckConstraint('period_start <= measured_on', name=op.f('ck_household_income_period_in_order')),
        sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_household_income_household_id_household')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_household_income_recorded_by_id_user_account')),
        sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_household_income_visit_id_visit')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_household_income')),
        sa.UniqueConstraint('household_id', 'year', name='uq_household_income_year'),
    )
    with op.batch_alter_table('household_income', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_household_income_household_id'), ['household_id'], unique=False)


def downgrade():
    with op.batch_alter_table('household_income', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_household_income_household_id'))
    op.drop_table('household_income')
    with op.batch_alter_table('household', schema=None) as batch_op:
        for name in ('risk_eliminated_on', 'risk_eliminated', 'water_safe', 'housing_safe'):
            batch_op.drop_column(name)
    with op.batch_alter_table('member', schema=None) as batch_op:
        for name in ('left_with_date', 'work_months_range', 'join_reason_valid', 'status_valid', 'gender_valid'):
            batch_op.drop_constraint(batch_op.f(f'ck_member_{name}'), type_='check')
        for name in ('left_note', 'left_on', 'join_reason', 'joined_on', 'status', 'extreme_poverty',
                     'minimum_living', 'medical_insured', 'work_months', 'work_status', 'education',
                     'ethnicity', 'gender'):
            batch_op.drop_column(name)
