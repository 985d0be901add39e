"""policy fidelity: every clue source the seeds name (信访, 媒体/舆情, the 12317 hotline), 清退 (a
terminal state and its action), the farmer's re-review of a refusal (its actions, its deadline
kind and the review_request table)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 23:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

OLD_SOURCES = ('self_report', 'proxy_report', 'grid_visit', 'department_warning', 'petition_media')
NEW_SOURCES = OLD_SOURCES + ('petition', 'media', 'hotline')
OLD_STATES = ('reported', 'received', 'verifying', 'verified', 'publicizing', 'township_review', 'county_review',
              'monitored', 'paired', 'visited', 'helping', 'elim_proposed', 'elim_verified', 'elim_publicizing',
              'elim_township_review', 'elim_county_review', 'elim_approved', 'eliminated', 'rejected', 'merged')
NEW_STATES = OLD_STATES + ('cleared',)
OLD_ACTIONS = ('accept', 'merge', 'assign_verifier', 'reassign_verifier', 'verify', 'village_review_pass',
               'village_review_fail', 'close_notice', 'notice_objection', 'township_approve', 'township_return',
               'township_reject', 'county_confirm', 'county_reject', 'green_channel', 'record_entry',
               'assign_pair_cadre', 'first_visit', 'make_help_plan', 'revise_help_plan', 'quarterly_evaluation',
               'propose_elimination', 'elim_verify', 'elim_village_review', 'elim_close_notice',
               'elim_township_approve', 'elim_county_approve', 'elim_return', 'announce', 'lookback_stable',
               'lookback_revert', 'reidentify')
NEW_ACTIONS = OLD_ACTIONS + ('clear_out', 'review_uphold', 'review_reopen')
OLD_DEADLINES = ('identification', 'pairing', 'first_visit', 'help_plan', 'evaluation', 'notice', 'lookback')
NEW_DEADLINES = OLD_DEADLINES + ('review',)


def _codes(column: str, codes: tuple[str, ...], nullable: bool = False) -> str:
    listed = ", ".join(f"'{c}'" for c in codes)
    return f"{column} IS NULL OR {column} IN ({listed})" if nullable else f"{column} IN ({listed})"


def _checks(sources, states, actions, deadlines) -> None:
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        for name, expr in (('ck_case_file_source_valid', _codes('source', sources)),
                           ('ck_case_file_state_valid', _codes('state', states)),
                           ('ck_case_file_deadline_kind_valid', _codes('deadline_kind', deadlines, nullable=True))):
            batch_op.drop_constraint(batch_op.f(name), type_='check')
            batch_op.create_check_constraint(batch_op.f(name), expr)
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_case_event_action_valid'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_case_event_action_valid'),
                                         _codes('action', actions, nullable=True))


def upgrade():
    _checks(NEW_SOURCES, NEW_STATES, NEW_ACTIONS, NEW_DEADLINES)
    op.create_table(
        'review_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decision_note', sa.Text(), nullable=True),
        sa.CheckConstraint("state IN ('open', 'upheld', 'reopened')", name=op.f('ck_review_request_state_valid')),
        sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_review_request_case_id_case_file')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'],
                                name=op.f('fk_review_request_decided_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_review_request')),
    )
    with op.batch_alter_table('review_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_request_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_request_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_request_state'), ['state'], unique=False)


def downgrade():
    op.drop_table('review_request')
    op.execute("DELETE FROM case_event WHERE action IN ('clear_out', 'review_uphold', 'review_reopen')")
    op.execute("UPDATE case_file SET deadline_kind = NULL, due_date = NULL WHERE deadline_kind = 'review'")
    op.execute("UPDATE case_file SET state = 'rejected' WHERE state = 'cleared'")
    op.execute("UPDATE case_file SET source = 'petition_media' WHERE source IN ('petition', 'media', 'hotline')")
    _checks(OLD_SOURCES, OLD_STATES, OLD_ACTIONS, OLD_DEADLINES)
