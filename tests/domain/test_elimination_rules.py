"""Who verifies a risk elimination at home (seed 000: "入户核实原则上由监测户识别时的核查员负责"),
and the preconditions of proposing it. Pure domain, no database."""
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from domain.elimination import EliminationFacts, elimination_blockers
from domain.enums import Role
from domain.income import IncomeYear
from domain.settings import PolicySettings
from domain.workflow import Action, CaseState, TransitionContext, decide

VERIFIER, TOWNSHIP, OTHER = 7, 8, 9
R = Role


def _ctx(**kw) -> TransitionContext:
    base = TransitionContext(actor_id=VERIFIER, original_verifier_id=VERIFIER, household_signed=True, signed=True)
    return replace(base, **kw)


def _verify(role: Role, **kw):
    ctx = _ctx(actor_role=role.value, **kw)
    return decide(CaseState.ELIM_PROPOSED, Action.ELIM_VERIFY, role, ctx)


def test_the_available_original_verifier_verifies_and_nobody_else():
    assert _verify(R.GRID_WORKER).allowed
    assert _verify(R.VILLAGE_STAFF, actor_id=OTHER).reasons == ("风险消除入户核实应由识别时的核查员负责",)
    # Township staff may not stand in while the original verifier is available, reason or not.
    assert _verify(R.TOWNSHIP_STAFF, actor_id=TOWNSHIP, reason="方便").reasons == (
        "风险消除入户核实应由识别时的核查员负责",)


@pytest.mark.parametrize("gone", [dict(original_verifier_active=False), dict(original_verifier_id=None)])
def test_township_stands_in_for_a_verifier_who_is_gone_with_a_written_reason(gone):
    assert _verify(R.TOWNSHIP_STAFF, actor_id=TOWNSHIP, reason="原核查员已调离", **gone).allowed
    assert _verify(R.TOWNSHIP_STAFF, actor_id=TOWNSHIP, reason="  ", **gone).reasons == (
        "乡镇工作人员代为入户核实的，请写明原核查员不能负责的原因",)


def test_nobody_else_stands_in():
    inactive = _verify(R.VILLAGE_STAFF, actor_id=OTHER, reason="原核查员已调离", original_verifier_active=False)
    assert inactive.reasons == ("识别时的核查员已不在岗，应由乡镇工作人员写明原因后代为入户核实",)
    # The deactivated verifier themself cannot verify either.
    assert not _verify(R.GRID_WORKER, original_verifier_active=False).allowed
    unknown = _verify(R.PAIR_CADRE, actor_id=OTHER, reason="x", original_verifier_id=None)
    assert unknown.reasons == ("未记录识别时的核查员，无法确定风险消除入户核实人",)
    # Without the actor's role in the facts, nobody is taken for township staff.
    ctx = _ctx(actor_id=TOWNSHIP, reason="原核查员已调离", original_verifier_active=False)
    assert not decide(CaseState.ELIM_PROPOSED, Action.ELIM_VERIFY, R.TOWNSHIP_STAFF, ctx).allowed


def test_the_household_signs_whoever_verifies():
    d = _verify(R.TOWNSHIP_STAFF, actor_id=TOWNSHIP, reason="原核查员已调离", original_verifier_active=False,
                household_signed=False)
    assert d.reasons == ("须由农户签字认可风险消除",)


S = PolicySettings()
SINCE = date(2026, 1, 10)
LINES = {2022: Decimal("7000")}
# Re-measured on 2026-07-10: 18,000 for 2 people, 9,000 a head, above the 7,000 line; counted from
# inclusion that is exactly 6 months.
ABOVE = IncomeYear(2026, date(2025, 7, 11), date(2026, 7, 10), 2, Decimal("18000"))
FACTS = EliminationFacts(monitored_since=SINCE, incomes=(ABOVE,), lines=LINES,
                         whole_household_without_labour=False, guarantees_secure=True,
                         rigid_spending_resolved=True)


def test_every_precondition_in_one_list():
    at_line = IncomeYear(2026, date(2025, 2, 21), date(2026, 2, 20), 2, Decimal("14000"))
    facts = replace(FACTS, incomes=(at_line,), whole_household_without_labour=True,
                    guarantees_secure=False, rigid_spending_resolved=False)
    assert elimination_blockers(facts, date(2026, 3, 1), S) == (
        "纳入监测未满6个月，最早可于2026-07-10启动风险消除",
        "2026年家庭人均纯收入7,000.00元（2026-02-20核定），未超过当年监测范围7,000元",
        "整户无劳动能力的监测对象落实兜底保障后，暂不标注风险消除",
        "大额刚性支出尚未稳定解决",
        "“三保障”和饮水安全尚未持续巩固",
    )
    assert elimination_blockers(FACTS, date(2026, 7, 10), S) == ()


def test_natural_elimination_waives_only_the_minimum_period():
    # Seed 004: "除风险自然消除对象外，收入持续稳定原则上不低于半年" — the exception is the period.
    # Included on 2026-01-10, proposed the same day: no months of monitoring, no stable months;
    # the latest income (measured before inclusion here) is above the line.
    before = IncomeYear(2025, date(2024, 12, 1), date(2025, 11, 30), 2, Decimal("18000"))
    facts = replace(FACTS, natural=True, incomes=(before,))
    assert elimination_blockers(facts, SINCE, S) == ()
    assert elimination_blockers(replace(facts, natural=False), SINCE, S) == (
        "纳入监测未满6个月，最早可于2026-07-10启动风险消除",
        "纳入监测后尚未重新核定收入（最近一次核定于2025-11-30），无法判断收入是否稳定超过监测范围")
    assert elimination_blockers(replace(facts, guarantees_secure=False), SINCE, S) == (
        "“三保障”和饮水安全尚未持续巩固",)


def test_natural_elimination_still_needs_labour_income_above_the_line_and_measures_finished():
    # Seed 004: "对整户无劳动能力的监测对象，落实兜底保障措施后，暂不标注风险消除" holds for natural
    # vanishing too: a whole household without labour on 低保兜底 is not eliminated 3.5 months in.
    spring = IncomeYear(2026, date(2025, 4, 1), date(2026, 3, 31), 2, Decimal("16000"))
    facts = replace(FACTS, natural=True, incomes=(spring,), whole_household_without_labour=True,
                    unfinished_measures=("低保兜底（已安排）", "临时救助（落实中）"))
    assert elimination_blockers(facts, date(2026, 4, 25), S) == (
        "整户无劳动能力的监测对象落实兜底保障后，暂不标注风险消除（风险自然消除的也不例外）",
        "帮扶计划中还有措施未落实：低保兜底（已安排）、临时救助（落实中）（措施须已落实，或写明理由从帮扶计划中取消）",
    )
    below = IncomeYear(2026, date(2025, 3, 1), date(2026, 2, 28), 2, Decimal("12000"))
    assert elimination_blockers(replace(FACTS, natural=True, incomes=(below,)), date(2026, 3, 1), S) == (
        "2026年家庭人均纯收入6,000.00元（2026-02-28核定），未超过当年监测范围7,000元",)
    assert elimination_blockers(replace(FACTS, natural=True, incomes=()), SINCE, S) == (
        "尚无收入记录，无法判断收入是否超过监测范围（风险自然消除的也须收入超过监测范围）",)
    # A record measured after today does not count yet.
    assert elimination_blockers(replace(FACTS, natural=True), date(2026, 7, 9), S) == (
        "尚无收入记录，无法判断收入是否超过监测范围（风险自然消除的也须收入超过监测范围）",)


def test_unfinished_measures_block_the_proposal():
    facts = replace(FACTS, unfinished_measures=("帮扶车间就业（已安排）",))
    assert elimination_blockers(facts, date(2026, 7, 10), S) == (
        "帮扶计划中还有措施未落实：帮扶车间就业（已安排）（措施须已落实，或写明理由从帮扶计划中取消）",)
    refused = decide(CaseState.HELPING, Action.PROPOSE_ELIMINATION, R.VILLAGE_STAFF, TransitionContext(
        from_quarterly_evaluation=True, elimination_blockers=elimination_blockers(facts, date(2026, 7, 10), S)))
    assert refused.reasons == ("尚不符合风险消除条件：帮扶计划中还有措施未落实：帮扶车间就业（已安排）"
                               "（措施须已落实，或写明理由从帮扶计划中取消）",)


def test_minimum_period_is_a_setting():
    year = replace(S, min_monitoring_months=12)
    assert elimination_blockers(FACTS, date(2026, 12, 1), year) == (
        "纳入监测未满12个月，最早可于2027-01-10启动风险消除",
        "收入自2026-01-10起稳定超过监测范围，至2026-07-10核定仅6个月，不足12个月",)


def test_the_verifier_and_the_village_review_sign_for_the_elimination():
    # Seed 000: "镇乡村的相关责任人必须签字担责" — the verifier and the village sign too.
    assert _verify(R.GRID_WORKER, signed=False).reasons == ("须由经办人签字确认（谁核查、谁签字、谁负责）",)
    review = TransitionContext(review_recorded=True)
    refused = decide(CaseState.ELIM_VERIFIED, Action.ELIM_VILLAGE_REVIEW, R.VILLAGE_STAFF, review)
    assert refused.reasons == ("须由经办人签字确认（谁核查、谁签字、谁负责）",)
    assert decide(CaseState.ELIM_VERIFIED, Action.ELIM_VILLAGE_REVIEW, R.VILLAGE_STAFF,
                  replace(review, signed=True)).allowed
