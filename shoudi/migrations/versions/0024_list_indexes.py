"""Indexes for the lists at a province's size: each case's open measures (the task and overdue
lists), each household's visits by time (its latest visit), and the clues not linked to a
household by the name they gave (the inbox's search)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

OPEN_MEASURES = sa.text("status IN ('in_progress', 'planned')")
UNMATCHED = sa.text("household_id IS NULL")


def upgrade():
    op.create_index('ix_plan_measure_open', 'plan_measure', ['case_id'],
                    postgresql_include=['due_on', 'department', 'measure_id', 'status', 'id'],
                    postgresql_where=OPEN_MEASURES, sqlite_where=OPEN_MEASURES)
    op.create_index('ix_visit_household_visited', 'visit', ['household_id', 'visited_at'])
    op.create_index('ix_case_file_unmatched_claim', 'case_file', ['claimed_name'],
                    postgresql_ops={'claimed_name': 'varchar_pattern_ops'},
                    postgresql_where=UNMATCHED, sqlite_where=UNMATCHED)
    op.create_index('ix_case_file_unmatched_given_name', 'case_file',
                    [sa.func.substr(sa.text('claimed_name'), 2).label('given_name')],
                    postgresql_ops={'given_name': 'text_pattern_ops'},
                    postgresql_where=UNMATCHED, sqlite_where=UNMATCHED)


def downgrade():
    op.drop_index('ix_case_file_unmatched_given_name', table_name='case_file')
    op.drop_index('ix_case_file_unmatched_claim', table_name='case_file')
    op.drop_index('ix_visit_household_visited', table_name='visit')
    op.drop_index('ix_plan_measure_open', table_name='plan_measure')
