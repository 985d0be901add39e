"""register jobs: the job kinds register_check, register_import and register_export

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 16:55:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

BEFORE = "kind IN ('township_sheets', 'reminders', 'file_sweep')"
AFTER = ("kind IN ('township_sheets', 'reminders', 'file_sweep', 'register_check', 'register_import', "
         "'register_export')")


def _kinds(expression: str) -> None:
    with op.batch_alter_table('job', schema=None, recreate='auto') as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_job_kind_valid'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_job_kind_valid'), expression)


def upgrade():
    _kinds(AFTER)


def downgrade():
    op.execute("DELETE FROM job WHERE kind IN ('register_check', 'register_import', 'register_export')")
    _kinds(BEFORE)
