"""self-reports recorded by the queue: the form row keeps the village, the actor, the day and the encrypted report until recorded

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 13:13:58.100753

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('form_submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('region_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('actor_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reported_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('report', sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_form_submission_region_id_region'), 'region', ['region_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_form_submission_actor_id_user_account'), 'user_account', ['actor_id'], ['id'])


def downgrade():
    with op.batch_alter_table('form_submission', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_form_submission_actor_id_user_account'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_form_submission_region_id_region'), type_='foreignkey')
        batch_op.drop_column('report')
        batch_op.drop_column('reported_on')
        batch_op.drop_column('actor_id')
        batch_op.drop_column('region_id')
