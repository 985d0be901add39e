"""accounts and consent: lockout and forced password change on accounts; each report's consent
(when, which wording, which channel, who took it) and the wordings themselves

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 20:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('password_changed_at', sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        'consent_wording',
        sa.Column('version', sa.String(length=32), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('version', name=op.f('pk_consent_wording')),
    )
    with op.batch_alter_table('form_submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('consent_version', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('consent_channel', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('consent_taken_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_form_submission_consent_version_consent_wording'),
                                    'consent_wording', ['consent_version'], ['version'])
        batch_op.create_foreign_key(batch_op.f('fk_form_submission_consent_taken_by_id_user_account'),
                                    'user_account', ['consent_taken_by_id'], ['id'])
        batch_op.create_check_constraint(
            batch_op.f('ck_form_submission_consent_channel_valid'),
            "consent_channel IS NULL OR consent_channel IN ('self_report', 'proxy_report')")


def downgrade():
    with op.batch_alter_table('form_submission', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_form_submission_consent_channel_valid'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_form_submission_consent_taken_by_id_user_account'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_form_submission_consent_version_consent_wording'), type_='foreignkey')
        for name in ('consent_taken_by_id', 'consent_channel', 'consent_version', 'consent_at'):
            batch_op.drop_column(name)
    op.drop_table('consent_wording')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        for name in ('password_changed_at', 'must_change_password', 'locked_until', 'failed_logins'):
            batch_op.drop_column(name)
