"""The inbox's indexes: the open cases of an area, and each person's own cases, with what the
inbox sorts and counts by, so its order and totals are read from the indexes alone

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 07:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

# CaseState.is_open at the time of this migration (a later change of the states rewrites it).
OPEN_STATES = ('reported', 'received', 'verifying', 'verified', 'township_review', 'publicizing', 'county_review',
               'paired', 'visited', 'monitored', 'helping', 'elim_proposed', 'elim_verified', 'elim_township_review',
               'elim_publicizing', 'elim_county_review', 'elim_approved')
OWN_CASES = (('ix_case_file_verifier', 'verifier_id'), ('ix_case_file_original_verifier', 'original_verifier_id'),
             ('ix_case_file_pair_cadre', 'pair_cadre_id'), ('ix_case_file_reported_by', 'reported_by_id'))
INCLUDE = ['region_path', 'verifier_id', 'original_verifier_id', 'pair_cadre_id', 'reported_by_id', 'id', 'due_date',
           'clue_date', 'urgent', 'green_channel_at']
PREDICATE = sa.text("state IN ({})".format(", ".join(f"'{s}'" for s in OPEN_STATES)))


def upgrade():
    for name, column in OWN_CASES:
        op.drop_index(name, table_name='case_file')
        op.create_index(name, 'case_file', [column, 'state'], postgresql_include=INCLUDE)
    op.create_index('ix_case_file_open_inbox', 'case_file', ['region_path', 'state'],
                    postgresql_ops={'region_path': 'varchar_pattern_ops'},
                    postgresql_include=['id', 'due_date', 'clue_date', 'urgent', 'green_channel_at'],
                    postgresql_where=PREDICATE, sqlite_where=PREDICATE)


def downgrade():
    op.drop_index('ix_case_file_open_inbox', table_name='case_file')
    for name, column in OWN_CASES:
        op.drop_index(name, table_name='case_file')
        op.create_index(name, 'case_file', [column, 'state'])
