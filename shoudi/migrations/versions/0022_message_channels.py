"""SMS and WeChat subscribe-message channels: deliveries and each person's chosen channels

The delivery ledger (delivery: one row per message per channel, with its status, tries, next
try, the provider's ids and last code; the address only as a keyed hash, the template fields
encrypted), each staff member's choice and bound WeChat (channel_preference), and a farmer's
WeChat bound to their report (submission_wechat).

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

MOMENT = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        'channel_preference',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('choice', sa.String(length=8), nullable=False),
        sa.Column('wechat_openid', sa.Text(), nullable=True),
        sa.Column('wechat_index', sa.String(length=64), nullable=True),
        sa.Column('wechat_bound_at', MOMENT, nullable=True),
        sa.Column('updated_at', MOMENT, nullable=False),
        sa.CheckConstraint("choice IN ('in_app', 'sms', 'wechat')", name=op.f('ck_channel_preference_choice_valid')),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_channel_preference_user_id_user_account')),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_channel_preference')),
        sa.UniqueConstraint('wechat_index', name=op.f('uq_channel_preference_wechat_index')),
    )
    op.create_table(
        'delivery',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('recipient', sa.String(length=24), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('submission_id', sa.Integer(), nullable=True),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('template', sa.String(length=8), nullable=False),
        sa.Column('dedupe_key', sa.String(length=120), nullable=False),
        sa.Column('params', sa.Text(), nullable=False),
        sa.Column('address_index', sa.String(length=64), nullable=True),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', MOMENT, nullable=True),
        sa.Column('provider_id', sa.String(length=64), nullable=True),
        sa.Column('request_id', sa.String(length=64), nullable=True),
        sa.Column('last_error', sa.String(length=64), nullable=True),
        sa.Column('created_at', MOMENT, nullable=False),
        sa.Column('sent_at', MOMENT, nullable=True),
        sa.Column('finished_at', MOMENT, nullable=True),
        sa.CheckConstraint("channel IN ('sms', 'wechat')", name=op.f('ck_delivery_channel_valid')),
        sa.CheckConstraint("status IN ('queued', 'sent', 'delivered', 'failed', 'refused')",
                           name=op.f('ck_delivery_status_valid')),
        sa.CheckConstraint("template IN ('staff', 'farmer')", name=op.f('ck_delivery_template_valid')),
        sa.CheckConstraint('(user_id IS NULL) <> (submission_id IS NULL)', name=op.f('ck_delivery_one_recipient')),
        sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_delivery_case_id_case_file')),
        sa.ForeignKeyConstraint(['submission_id'], ['form_submission.id'],
                                name=op.f('fk_delivery_submission_id_form_submission')),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_delivery_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery')),
        sa.UniqueConstraint('channel', 'recipient', 'dedupe_key', name='uq_delivery_recipient_key'),
    )
    op.create_index('ix_delivery_address', 'delivery', ['address_index', 'sent_at'])
    op.create_index('ix_delivery_due', 'delivery', ['status', 'next_attempt_at'])
    op.create_index('ix_delivery_case_id', 'delivery', ['case_id'])
    op.create_index('ix_delivery_submission_id', 'delivery', ['submission_id'])
    op.create_index('ix_delivery_user_id', 'delivery', ['user_id'])
    op.create_table(
        'submission_wechat',
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('openid', sa.Text(), nullable=False),
        sa.Column('openid_index', sa.String(length=64), nullable=False),
        sa.Column('bound_at', MOMENT, nullable=False),
        sa.ForeignKeyConstraint(['submission_id'], ['form_submission.id'],
                                name=op.f('fk_submission_wechat_submission_id_form_submission')),
        sa.PrimaryKeyConstraint('submission_id', name=op.f('pk_submission_wechat')),
    )
    op.create_index('ix_submission_wechat_openid_index', 'submission_wechat', ['openid_index'])


def downgrade():
    op.drop_table('submission_wechat')
    op.drop_index('ix_delivery_user_id', table_name='delivery')
    op.drop_index('ix_delivery_submission_id', table_name='delivery')
    op.drop_index('ix_delivery_case_id', table_name='delivery')
    op.drop_index('ix_delivery_due', table_name='delivery')
    op.drop_index('ix_delivery_address', table_name='delivery')
    op.drop_table('delivery')
    op.drop_table('channel_preference')
