"""SMS and WeChat subscribe-message channels: deliveries and each person's chosen channels

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 08:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
