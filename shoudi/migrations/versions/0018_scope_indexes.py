"""Index-bound scoping: the case's region path kept on the case, indexes for each person's own
cases, prefix indexes for region paths and member names, and the overdue list's export job

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

OLD_JOBS = ('township_sheets', 'reminders', 'file_sweep', 'register_check', 'register_import', 'register_export',
            'audit_export', 'audit_archive', 'department_check', 'department_compare', 'department_monthly',
            'campaign_export')
NEW_JOBS = OLD_JOBS + ('overdue_export',)
OWN_CASES = (('ix_case_file_verifier', 'verifier_id'), ('ix_case_file_original_verifier', 'original_verifier_id'),
             ('ix_case_file_pair_cadre', 'pair_cadre_id'), ('ix_case_file_reported_by', 'reported_by_id'))


def _job_kinds(codes) -> None:
    listed = ", ".join(f"'{c}'" for c in codes)
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_job_kind_valid'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_job_kind_valid'), f"kind IN ({listed})")


def upgrade():
    _job_kinds(NEW_JOBS)
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('region_path', sa.String(length=255), nullable=False, server_default=''))
    op.execute("UPDATE case_file SET region_path = (SELECT region.path FROM region WHERE region.id = case_file.region_id)")
    op.create_index('ix_case_file_scope', 'case_file', ['region_path', 'state'],
                    postgresql_ops={'region_path': 'varchar_pattern_ops'})
    for name, column in OWN_CASES:
        op.create_index(name, 'case_file', [column, 'state'])
    op.create_index('ix_region_path_prefix', 'region', ['path'], postgresql_ops={'path': 'varchar_pattern_ops'})
    op.create_index('ix_member_name_prefix', 'member', ['name'], postgresql_ops={'name': 'varchar_pattern_ops'})
    op.create_index('ix_member_given_name_prefix', 'member', [sa.func.substr(sa.text('name'), 2).label('given_name')],
                    postgresql_ops={'given_name': 'text_pattern_ops'})


def downgrade():
    op.drop_index('ix_member_given_name_prefix', table_name='member')
    op.drop_index('ix_member_name_prefix', table_name='member')
    op.drop_index('ix_region_path_prefix', table_name='region')
    for name, _ in OWN_CASES:
        op.drop_index(name, table_name='case_file')
    op.drop_index('ix_case_file_scope', table_name='case_file')
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.drop_column('region_path')
    op.execute("DELETE FROM job WHERE kind = 'overdue_export'")
    _job_kinds(OLD_JOBS)
