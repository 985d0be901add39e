"""user session token: logout and password changes end every session of the account

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

RANDOM_TOKEN = {
    "postgresql": "md5(random()::text || id::text)",
    "sqlite": "lower(hex(randomblob(16)))",
}


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=32), nullable=True))
    dialect = op.get_bind().dialect.name
    # Every existing account gets its own random token (old cookies stop working: a fresh login).
    op.execute(f"UPDATE user_account SET session_token = {RANDOM_TOKEN[dialect]}")
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.alter_column('session_token', existing_type=sa.String(length=32), nullable=False)


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_token')
