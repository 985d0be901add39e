"""Indexes for the lists at scale: the cases of an area by their due day (the overdue list),
and each household's members by presence and labour (回头看's 整户无劳动力)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 08:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

WITH_A_CLOCK = sa.text("due_date IS NOT NULL")


def upgrade():
    op.create_index('ix_case_file_clock', 'case_file', ['region_path', 'due_date'],
                    postgresql_ops={'region_path': 'varchar_pattern_ops'},
                    postgresql_where=WITH_A_CLOCK, sqlite_where=WITH_A_CLOCK)
    op.create_index('ix_member_household_labour', 'member', ['household_id', 'status', 'labour_capacity'])


def downgrade():
    op.drop_index('ix_member_household_labour', table_name='member')
    op.drop_index('ix_case_file_clock', table_name='case_file')
