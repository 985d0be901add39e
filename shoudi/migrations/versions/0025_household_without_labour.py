"""整户无劳动力 kept on the household, for 回头看's 回退 count: a flag set from the present
members' labour capacity, and a partial index of the households that have it

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

FLAGGED = sa.text("without_labour")
# domain.members.whole_household_without_labour as it stands at this revision: someone present,
# and nobody present with ordinary, skilled or weak labour (LabourCapacity.can_work).
BACKFILL = """
UPDATE household SET without_labour = true
WHERE EXISTS (SELECT 1 FROM member m WHERE m.household_id = household.id AND m.status = 'present')
  AND NOT EXISTS (SELECT 1 FROM member m WHERE m.household_id = household.id AND m.status = 'present'
                  AND m.labour_capacity IN ('ordinary', 'skilled', 'weak'))
"""


def upgrade():
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.add_column(sa.Column('without_labour', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(BACKFILL)
    op.create_index('ix_household_without_labour', 'household', ['id'],
                    postgresql_where=FLAGGED, sqlite_where=FLAGGED)


def downgrade():
    op.drop_index('ix_household_without_labour', table_name='household')
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.drop_column('without_labour')
