"""部门筛查预警: department lists (department_list, department_row), the warnings they raise
(department_warning), the yearly warning thresholds by region (warning_threshold), the pending
warning on the case (case_file.warning_grade / warning_due), and the department list jobs

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 01:36:52.592921

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

OLD_JOBS = ('township_sheets', 'reminders', 'file_sweep', 'register_check', 'register_import', 'register_export',
            'audit_export', 'audit_archive')
NEW_JOBS = OLD_JOBS + ('department_check', 'department_compare', 'department_monthly')
OLD_NOTICES = ('due_soon', 'overdue', 'assigned', 'measure')
NEW_NOTICES = OLD_NOTICES + ('warning',)


def _kinds(table: str, codes) -> None:
    listed = ", ".join(f"'{c}'" for c in codes)
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(f'ck_{table}_kind_valid'), type_='check')
        batch_op.create_check_constraint(batch_op.f(f'ck_{table}_kind_valid'), f"kind IN ({listed})")


def upgrade():
    _kinds('job', NEW_JOBS)
    _kinds('notification', NEW_NOTICES)
    op.create_table('warning_threshold',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('value', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_warning_threshold_region_id_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warning_threshold')),
    sa.UniqueConstraint('region_id', 'year', 'key', name='uq_warning_threshold_region_year_key')
    )
    with op.batch_alter_table('warning_threshold', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_warning_threshold_region_id'), ['region_id'], unique=False)

    op.create_table('department_list',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('department', sa.String(length=32), nullable=False),
    sa.Column('filename', sa.String(length=100), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('repeated', sa.Integer(), nullable=False),
    sa.Column('problems', sa.Integer(), nullable=False),
    sa.Column('unmatched', sa.Integer(), nullable=False),
    sa.Column('warnings', sa.Integer(), nullable=False),
    sa.CheckConstraint("department IN ('education', 'health', 'medical_insurance', 'housing', 'water', 'civil_affairs', 'disabled_federation', 'emergency', 'human_resources', 'agriculture', 'rural_revitalization')", name=op.f('ck_department_list_department_valid')),
    sa.CheckConstraint("kind IN ('medical', 'civil', 'disability', 'education', 'housing', 'water', 'disaster', 'employment')", name=op.f('ck_department_list_kind_valid')),
    sa.ForeignKeyConstraint(['county_id'], ['region.id'], name=op.f('fk_department_list_county_id_region')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_department_list_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_department_list'))
    )
    with op.batch_alter_table('department_list', schema=None) as batch_op:
        batch_op.create_index('ix_department_list_county_department', ['county_id', 'department', 'id'], unique=False)

    op.create_table('department_row',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('id_number_enc', sa.Text(), nullable=False),
    sa.Column('id_number_index', sa.String(length=64), nullable=False),
    sa.Column('facts_enc', sa.Text(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('compared_on', sa.Date(), nullable=True),
    sa.CheckConstraint("state IN ('unmatched', 'no_warning', 'warning')", name=op.f('ck_department_row_state_valid')),
    sa.ForeignKeyConstraint(['county_id'], ['region.id'], name=op.f('fk_department_row_county_id_region')),
    sa.ForeignKeyConstraint(['list_id'], ['department_list.id'], name=op.f('fk_department_row_list_id_department_list')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_department_row_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_department_row')),
    sa.UniqueConstraint('county_id', 'fingerprint', name='uq_department_row_county_fingerprint')
    )
    with op.batch_alter_table('department_row', schema=None) as batch_op:
        batch_op.create_index('ix_department_row_county_state', ['county_id', 'state', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_department_row_id_number_index'), ['id_number_index'], unique=False)
        batch_op.create_index('ix_department_row_list_line', ['list_id', 'line'], unique=False)

    op.create_table('department_warning',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('row_id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('department', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('grade', sa.String(length=8), nullable=False),
    sa.Column('figures', sa.Text(), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('joined_open_case', sa.Boolean(), nullable=False),
    sa.Column('feedback', sa.String(length=16), nullable=True),
    sa.Column('feedback_reason', sa.Text(), nullable=True),
    sa.Column('feedback_on', sa.Date(), nullable=True),
    sa.Column('feedback_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("department IN ('education', 'health', 'medical_insurance', 'housing', 'water', 'civil_affairs', 'disabled_federation', 'emergency', 'human_resources', 'agriculture', 'rural_revitalization')", name=op.f('ck_department_warning_department_valid')),
    sa.CheckConstraint("feedback IS NULL OR feedback IN ('included', 'helped', 'no_risk', 'wrong')", name=op.f('ck_department_warning_feedback_valid')),
    sa.CheckConstraint("grade IN ('red', 'orange', 'yellow')", name=op.f('ck_department_warning_grade_valid')),
    sa.CheckConstraint("kind IN ('medical', 'civil', 'disability', 'education', 'housing', 'water', 'disaster', 'employment')", name=op.f('ck_department_warning_kind_valid')),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_department_warning_case_id_case_file')),
    sa.ForeignKeyConstraint(['county_id'], ['region.id'], name=op.f('fk_department_warning_county_id_region')),
    sa.ForeignKeyConstraint(['feedback_by_id'], ['user_account.id'], name=op.f('fk_department_warning_feedback_by_id_user_account')),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_department_warning_household_id_household')),
    sa.ForeignKeyConstraint(['list_id'], ['department_list.id'], name=op.f('fk_department_warning_list_id_department_list')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_department_warning_region_id_region')),
    sa.ForeignKeyConstraint(['row_id'], ['department_row.id'], name=op.f('fk_department_warning_row_id_department_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_department_warning')),
    sa.UniqueConstraint('row_id', name=op.f('uq_department_warning_row_id'))
    )
    with op.batch_alter_table('department_warning', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_department_warning_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_department_warning_county_department', ['county_id', 'department', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_department_warning_household_id'), ['household_id'], unique=False)
        batch_op.create_index('ix_department_warning_region', ['region_id', 'id'], unique=False)

    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('warning_grade', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('warning_due', sa.Date(), nullable=True))
        batch_op.create_check_constraint(batch_op.f('ck_case_file_warning_grade_valid'),
                                         "warning_grade IS NULL OR warning_grade IN ('red', 'orange', 'yellow')")


def downgrade():
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_case_file_warning_grade_valid'), type_='check')
        batch_op.drop_column('warning_due')
        batch_op.drop_column('warning_grade')

    with op.batch_alter_table('department_warning', schema=None) as batch_op:
        batch_op.drop_index('ix_department_warning_region')
        batch_op.drop_index(batch_op.f('ix_department_warning_household_id'))
        batch_op.drop_index('ix_department_warning_county_department')
        batch_op.drop_index(batch_op.f('ix_department_warning_case_id'))

    op.drop_table('department_warning')
    with op.batch_alter_table('department_row', schema=None) as batch_op:
        batch_op.drop_index('ix_department_row_list_line')
        batch_op.drop_index(batch_op.f('ix_department_row_id_number_index'))
        batch_op.drop_index('ix_department_row_county_state')

    op.drop_table('department_row')
    with op.batch_alter_table('department_list', schema=None) as batch_op:
        batch_op.drop_index('ix_department_list_county_department')

    op.drop_table('department_list')
    with op.batch_alter_table('warning_threshold', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_warning_threshold_region_id'))

    op.drop_table('warning_threshold')
    op.execute("DELETE FROM job WHERE kind IN ('department_check', 'department_compare', 'department_monthly')")
    op.execute("DELETE FROM notification WHERE kind = 'warning'")
    _kinds('notification', OLD_NOTICES)
    _kinds('job', OLD_JOBS)
