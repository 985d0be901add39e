"""administration: province and city levels above the county, city/province staff and auditor
roles, the history of each setting change, the audit log's export and archive jobs and its
archive runs (an archived entry is the only one the append-only trigger lets leave the table),
and the audit log's person and object indexes ending with the id

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 22:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

OLD_LEVELS = ('county', 'township', 'village', 'grid')
NEW_LEVELS = ('province', 'city') + OLD_LEVELS
OLD_ROLES = ('grid_worker', 'pair_cadre', 'village_staff', 'township_staff', 'county_staff', 'department', 'admin')
NEW_ROLES = OLD_ROLES + ('city_staff', 'province_staff', 'auditor')
OLD_JOBS = ('township_sheets', 'reminders', 'file_sweep', 'register_check', 'register_import', 'register_export')
NEW_JOBS = OLD_JOBS + ('audit_export', 'audit_archive')

SQLITE_NO_DELETE = {
    'archived': """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
       WHEN NOT EXISTS (SELECT 1 FROM audit_archive a WHERE old.id BETWEEN a.first_id AND a.last_id)
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    'never': """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
}
POSTGRES_FUNCTION = {
    'archived': """CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM audit_archive a
                                         WHERE OLD.id BETWEEN a.first_id AND a.last_id) THEN
           RETURN OLD;
         END IF;
         RAISE EXCEPTION 'audit_log is append-only';
       END; $$ LANGUAGE plpgsql""",
    'never': """CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql""",
}


def _codes(column: str, codes: tuple[str, ...], nullable: bool = False) -> str:
    listed = ", ".join(f"'{c}'" for c in codes)
    return f"{column} IS NULL OR {column} IN ({listed})" if nullable else f"{column} IN ({listed})"


def _checks(levels, roles, jobs) -> None:
    for table, name, expr in (
            ('job', 'ck_job_kind_valid', _codes('kind', jobs)),
            ('region', 'ck_region_level_valid', _codes('level', levels)),
            ('user_account', 'ck_user_account_role_valid', _codes('role', roles)),
            ('case_event', 'ck_case_event_actor_role_valid', _codes('actor_role', roles, nullable=True))):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(name), type_='check')
            batch_op.create_check_constraint(batch_op.f(name), expr)


def _delete_rule(which: str) -> None:
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
        op.execute(SQLITE_NO_DELETE[which])
    elif dialect == 'postgresql':
        op.execute(POSTGRES_FUNCTION[which])


def upgrade():
    _checks(NEW_LEVELS, NEW_ROLES, NEW_JOBS)
    op.create_table(
        'setting_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('year', sa.Integer(), nullable=True),
        sa.Column('old_value', sa.String(length=64), nullable=True),
        sa.Column('new_value', sa.String(length=64), nullable=True),
        sa.Column('reason', sa.String(length=255), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_setting_change_region_id_region')),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_setting_change_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_setting_change')),
    )
    op.create_index('ix_setting_change_region_key', 'setting_change', ['region_id', 'key', 'year'], unique=False)
    op.create_table(
        'audit_archive',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('first_id', sa.Integer(), nullable=False),
        sa.Column('last_id', sa.Integer(), nullable=False),
        sa.Column('entries', sa.Integer(), nullable=False),
        sa.Column('cutoff', sa.DateTime(timezone=True), nullable=False),
        sa.Column('file_key', sa.String(length=255), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('first_id <= last_id', name=op.f('ck_audit_archive_id_range')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_archive')),
    )
    _delete_rule('archived')
    # The audit search reads by person or object, newest first.
    op.drop_index('ix_audit_log_object', table_name='audit_log')
    op.create_index('ix_audit_log_object', 'audit_log', ['object_type', 'object_id', 'id'], unique=False)
    op.drop_index('ix_audit_log_user_id', table_name='audit_log')
    op.create_index('ix_audit_log_user', 'audit_log', ['user_id', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_audit_log_user', table_name='audit_log')
    op.create_index('ix_audit_log_user_id', 'audit_log', ['user_id'], unique=False)
    op.drop_index('ix_audit_log_object', table_name='audit_log')
    op.create_index('ix_audit_log_object', 'audit_log', ['object_type', 'object_id'], unique=False)
    _delete_rule('never')
    op.drop_table('audit_archive')
    op.drop_index('ix_setting_change_region_key', table_name='setting_change')
    op.drop_table('setting_change')
    op.execute("DELETE FROM job WHERE kind IN ('audit_export', 'audit_archive')")
    _checks(OLD_LEVELS, OLD_ROLES, OLD_JOBS)
