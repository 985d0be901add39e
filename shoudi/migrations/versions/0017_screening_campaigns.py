"""集中排查 campaigns: the screening round's year, line, income period, phases, area and creator;
the villages' problems (village_problem, 附件2), the rectification ledger (ledger_item, 附件4),
the weekly figures as submitted (weekly_report, 附件3), and the campaign export job

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 03:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

OLD_JOBS = ('township_sheets', 'reminders', 'file_sweep', 'register_check', 'register_import', 'register_export',
            'audit_export', 'audit_archive', 'department_check', 'department_compare', 'department_monthly')
NEW_JOBS = OLD_JOBS + ('campaign_export',)
AREAS = "'monitoring', 'grids', 'large_scale', 'policy', 'funds', 'construction', 'governance', 'other'"
TYPES = "'monitoring', 'securities', 'policy', 'funds', 'construction', 'governance', 'other'"


def _job_kinds(codes) -> None:
    listed = ", ".join(f"'{c}'" for c in codes)
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_job_kind_valid'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_job_kind_valid'), f"kind IN ({listed})")


def upgrade():
    _job_kinds(NEW_JOBS)
    with op.batch_alter_table('screening_round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('year', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('monitoring_line', sa.Numeric(precision=10, scale=2), nullable=True))
        batch_op.add_column(sa.Column('income_start', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('income_end', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('phases', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('area', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('created_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_screening_round_created_by_id_user_account'), 'user_account',
                                    ['created_by_id'], ['id'])
    # A round made before campaigns had a year is of the year it started.
    op.execute("UPDATE screening_round SET year = CAST(SUBSTR(CAST(starts_on AS VARCHAR(10)), 1, 4) AS INTEGER)")
    op.create_table(
        'village_problem',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('area', sa.String(length=16), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('remarks', sa.Text(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"area IN ({AREAS})", name=op.f('ck_village_problem_area_valid')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name=op.f('fk_village_problem_created_by_id_user_account')),
        sa.ForeignKeyConstraint(['round_id'], ['screening_round.id'],
                                name=op.f('fk_village_problem_round_id_screening_round')),
        sa.ForeignKeyConstraint(['village_id'], ['region.id'], name=op.f('fk_village_problem_village_id_region')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_village_problem')),
    )
    op.create_index('ix_village_problem_round_village', 'village_problem', ['round_id', 'village_id', 'id'])
    op.create_table(
        'ledger_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('unit', sa.String(length=100), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=True),
        sa.Column('problem_type', sa.String(length=16), nullable=False),
        sa.Column('problem', sa.Text(), nullable=False),
        sa.Column('measure', sa.Text(), nullable=False),
        sa.Column('responsible_id', sa.Integer(), nullable=True),
        sa.Column('responsible_name', sa.String(length=64), nullable=False),
        sa.Column('deadline', sa.Date(), nullable=False),
        sa.Column('state', sa.String(length=8), nullable=False),
        sa.Column('fixed_on', sa.Date(), nullable=True),
        sa.Column('fixed_note', sa.Text(), nullable=True),
        sa.Column('evidence_key', sa.String(length=255), nullable=True),
        sa.Column('evidence_type', sa.String(length=64), nullable=True),
        sa.Column('remarks', sa.Text(), nullable=True),
        sa.Column('source_problem_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"problem_type IN ({TYPES})", name=op.f('ck_ledger_item_problem_type_valid')),
        sa.CheckConstraint("state IN ('fixing', 'fixed')", name=op.f('ck_ledger_item_state_valid')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name=op.f('fk_ledger_item_created_by_id_user_account')),
        sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_ledger_item_household_id_household')),
        sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_ledger_item_region_id_region')),
        sa.ForeignKeyConstraint(['responsible_id'], ['user_account.id'],
                                name=op.f('fk_ledger_item_responsible_id_user_account')),
        sa.ForeignKeyConstraint(['round_id'], ['screening_round.id'], name=op.f('fk_ledger_item_round_id_screening_round')),
        sa.ForeignKeyConstraint(['source_problem_id'], ['village_problem.id'],
                                name=op.f('fk_ledger_item_source_problem_id_village_problem')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_item')),
        sa.UniqueConstraint('source_problem_id', name=op.f('uq_ledger_item_source_problem_id')),
    )
    op.create_index('ix_ledger_item_round_region', 'ledger_item', ['round_id', 'region_id', 'id'])
    op.create_index('ix_ledger_item_state_deadline', 'ledger_item', ['state', 'deadline'])
    op.create_index(op.f('ix_ledger_item_household_id'), 'ledger_item', ['household_id'])
    op.create_index(op.f('ix_ledger_item_responsible_id'), 'ledger_item', ['responsible_id'])
    op.create_table(
        'weekly_report',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('week_ending', sa.Date(), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.Column('entered', sa.JSON(), nullable=False),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('submitted_by_id', sa.Integer(), nullable=True),
        sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('returned_reason', sa.Text(), nullable=True),
        sa.Column('returned_by_id', sa.Integer(), nullable=True),
        sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state IN ('submitted', 'returned')", name=op.f('ck_weekly_report_state_valid')),
        sa.ForeignKeyConstraint(['returned_by_id'], ['user_account.id'],
                                name=op.f('fk_weekly_report_returned_by_id_user_account')),
        sa.ForeignKeyConstraint(['round_id'], ['screening_round.id'], name=op.f('fk_weekly_report_round_id_screening_round')),
        sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id'],
                                name=op.f('fk_weekly_report_submitted_by_id_user_account')),
        sa.ForeignKeyConstraint(['village_id'], ['region.id'], name=op.f('fk_weekly_report_village_id_region')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_weekly_report')),
        sa.UniqueConstraint('round_id', 'village_id', 'week_ending', name='uq_weekly_report_round_village_week'),
    )
    op.create_index(op.f('ix_weekly_report_village_id'), 'weekly_report', ['village_id'])


def downgrade():
    op.drop_index(op.f('ix_weekly_report_village_id'), table_name='weekly_report')
    op.drop_table('weekly_report')
    op.drop_index(op.f('ix_ledger_item_responsible_id'), table_name='ledger_item')
    op.drop_index(op.f('ix_ledger_item_household_id'), table_name='ledger_item')
    op.drop_index('ix_ledger_item_state_deadline', table_name='ledger_item')
    op.drop_index('ix_ledger_item_round_region', table_name='ledger_item')
    op.drop_table('ledger_item')
    op.drop_index('ix_village_problem_round_village', table_name='village_problem')
    op.drop_table('village_problem')
    with op.batch_alter_table('screening_round', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_screening_round_created_by_id_user_account'), type_='foreignkey')
        for column in ('created_at', 'created_by_id', 'area', 'phases', 'income_end', 'income_start',
                       'monitoring_line', 'year'):
            batch_op.drop_column(column)
    op.execute("DELETE FROM job WHERE kind = 'campaign_export'")
    _job_kinds(OLD_JOBS)
