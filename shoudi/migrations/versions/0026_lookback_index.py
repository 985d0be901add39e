"""回头看's index: the eliminated cases of an area with what the list sorts, counts and flags by
(deadline kind, due day, elimination day, household), so the list reads them from the index alone

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

ELIMINATED = sa.text("state = 'eliminated'")


def upgrade():
    op.create_index('ix_case_file_eliminated', 'case_file', ['region_path'],
                    postgresql_ops={'region_path': 'varchar_pattern_ops'},
                    postgresql_include=['id', 'deadline_kind', 'due_date', 'eliminated_on', 'household_id'],
                    postgresql_where=ELIMINATED, sqlite_where=ELIMINATED)


def downgrade():
    op.drop_index('ix_case_file_eliminated', table_name='case_file')
