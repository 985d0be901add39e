"""Shared helpers for the workflow tests (imported from this folder, which pytest puts on sys.path)."""
import re
from datetime import date

from domain.enums import MonitoringCategory, RiskType
from domain.workflow import TransitionContext

CJK = re.compile(r"[\u4e00-\u9fff]")
ACTOR = 7
OTHER = 8


def satisfying_context() -> TransitionContext:
    """A context in which every guard of every rule passes.

    The actor is the assigned verifier, the original verifier and the paired cadre; the person
    being assigned is someone else, so "new verifier/cadre" checks pass too.
    """
    return TransitionContext(
        actor_id=ACTOR,
        today=date(2024, 3, 20),
        urgent=True,
        green_channel_started=False,
        assigned_verifier_id=ACTOR,
        original_verifier_id=ACTOR,
        pair_cadre_id=ACTOR,
        assignee_id=OTHER,
        target_case_id=99,
        reason="经核实家庭收入已稳定",
        signed=True,
        review_recorded=True,
        notice_start=date(2024, 3, 10),
        notice_end=date(2024, 3, 15),
        notice_min_days=5,
        category=MonitoringCategory.MARGINAL.value,
        risk_types=(RiskType.ILLNESS.value, RiskType.LACK_LABOUR.value),
        plan_problems=(),
        elimination_blockers=(),
        from_quarterly_evaluation=True,
        household_signed=True,
        papers_missing=(),
        phone_survey_done=True,
        doubts_remain=False,
        onsite_check_done=False,
        already_recorded=False,
        review_open=True,
    )
