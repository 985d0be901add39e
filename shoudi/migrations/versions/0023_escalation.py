"""逾期升级: the notification kind 'escalated', the escalation recorded on the case
(case_file.escalated_at / escalated_due / escalated_state) and the escalated cases counted in the
dashboard's roll-up (dashboard_rollup.escalated, 0 until the next refresh)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 08:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

# The notification kinds as 0016 left them (0022 does not change them), and with escalation.
OLD_NOTICES = ('due_soon', 'overdue', 'assigned', 'measure', 'warning')
NEW_NOTICES = OLD_NOTICES + ('escalated',)


def _notice_kinds(codes) -> None:
    listed = ", ".join(f"'{c}'" for c in codes)
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_notification_kind_valid'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_notification_kind_valid'), f"kind IN ({listed})")


def upgrade():
    _notice_kinds(NEW_NOTICES)
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('escalated_due', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('escalated_state', sa.String(length=24), nullable=True))
    with op.batch_alter_table('dashboard_rollup', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escalated', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    with op.batch_alter_table('dashboard_rollup', schema=None) as batch_op:
        batch_op.drop_column('escalated')
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.drop_column('escalated_state')
        batch_op.drop_column('escalated_due')
        batch_op.drop_column('escalated_at')
    op.execute("DELETE FROM notification WHERE kind = 'escalated'")
    _notice_kinds(OLD_NOTICES)
