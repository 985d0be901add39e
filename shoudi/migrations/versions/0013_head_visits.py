"""党政主职遍访: the township account that is its 党委书记 or 乡镇长 (user_account.head_title), and
their yearly visits to the households still at risk (head_visit)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 23:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('head_title', sa.String(length=16), nullable=True))
        batch_op.create_check_constraint(batch_op.f('ck_user_account_head_title_valid'),
                                         "head_title IS NULL OR head_title IN ('secretary', 'mayor')")
        batch_op.create_check_constraint(batch_op.f('ck_user_account_head_is_township_staff'),
                                         "head_title IS NULL OR role = 'township_staff'")
    op.create_table(
        'head_visit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('township_id', sa.Integer(), nullable=False),
        sa.Column('visitor_id', sa.Integer(), nullable=False),
        sa.Column('visitor_title', sa.String(length=16), nullable=False),
        sa.Column('visited_on', sa.Date(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("visitor_title IN ('secretary', 'mayor')", name=op.f('ck_head_visit_visitor_title_valid')),
        sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_head_visit_case_id_case_file')),
        sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_head_visit_household_id_household')),
        sa.ForeignKeyConstraint(['township_id'], ['region.id'], name=op.f('fk_head_visit_township_id_region')),
        sa.ForeignKeyConstraint(['visitor_id'], ['user_account.id'],
                                name=op.f('fk_head_visit_visitor_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_head_visit')),
    )
    op.create_index('ix_head_visit_township_year', 'head_visit', ['township_id', 'visited_on'], unique=False)
    op.create_index(op.f('ix_head_visit_household_id'), 'head_visit', ['household_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_head_visit_household_id'), table_name='head_visit')
    op.drop_index('ix_head_visit_township_year', table_name='head_visit')
    op.drop_table('head_visit')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_user_account_head_is_township_staff'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_user_account_head_title_valid'), type_='check')
        batch_op.drop_column('head_title')
