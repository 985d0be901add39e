"""Risk elimination follows seed 004 exactly: natural vanishing waives only the minimum period,
no proposal while a measure of the plan is unfinished, the look-back flags households without
labour for 回退; and the county's 清退 of a household included by mistake (not an elimination)."""
from datetime import timedelta

import pytest

import factories
from conftest import TODAY
from core.extensions import db
from domain.deadlines import add_months
from domain.enums import HouseholdAttribute, LabourCapacity, MemberStatus
from domain.workflow import Action, CaseState, TransitionRefused
from elimination_support import eliminated_case, helping_case
from help_support import choices, library
from models import AuditLog, Case
from office_support import drive, new_case, put_on_elimination_list
from services.elimination import clearing, lookback, procedure
from services.errors import NotFound, ValidationFailed
from services.help import measure_tasks, plans
from services.workflow import cases

DAY = TODAY - timedelta(days=40)
ANSWERS = dict(guarantees_secure=True, rigid_spending_resolved=True)
UNFINISHED = ("帮扶计划中还有措施未落实：乡村公益性岗位（已安排）、医疗救助（落实中）"
              "（措施须已落实，或写明理由从帮扶计划中取消）")


@pytest.fixture
def world(app):
    return factories.build_world()


def _with_plan(world, case, day):
    """The plan revised to two library measures; the medical one under way."""
    lib = library(world)
    case.household.sanitary_toilet = True
    plans.save_plan(world.users["village_a"], case.id, Action.REVISE_HELP_PLAN,
                    choices(lib, "乡村公益性岗位", "医疗救助"), comment="按风险类型制定", today=day)
    medical = plans.current(case)[1]
    measure_tasks.update(world.users["county"], medical.id, status="in_progress", done_on=None, note="", today=day)
    db.session.flush()
    return plans.current(case)


def _no_labour(case, *, except_departed=False):
    for member in case.household.members:
        member.labour_capacity = LabourCapacity.NONE.value
    if except_departed:  # a worker who moved out no longer counts
        worker = case.household.members[-1]
        worker.labour_capacity, worker.status, worker.left_on = LabourCapacity.ORDINARY.value, \
            MemberStatus.MOVED_OUT.value, DAY - timedelta(days=100)
    db.session.flush()


def test_no_proposal_while_a_measure_is_unfinished(world):
    case = helping_case(world, DAY)
    rows = _with_plan(world, case, DAY - timedelta(days=5))
    village = world.users["village_a"]
    with pytest.raises(TransitionRefused) as info:
        procedure.propose(village, case.id, natural=False, **ANSWERS, today=DAY)
    assert info.value.reasons == ("尚不符合风险消除条件：" + UNFINISHED,)
    # The case page says so before anyone fills in the form, and the panel lists them.
    assert cases.preview(village, case, Action.PROPOSE_ELIMINATION, today=DAY) == ("尚不符合风险消除条件：" + UNFINISHED,)
    panel = procedure.conditions(village, case, DAY)
    assert panel.unfinished_measures == ("乡村公益性岗位（已安排）", "医疗救助（落实中）")
    assert UNFINISHED in panel.blockers
    # Natural vanishing does not waive it either.
    with pytest.raises(TransitionRefused):
        procedure.propose(village, case.id, natural=True, **ANSWERS, today=DAY)
    for pm in rows:
        measure_tasks.update(world.users["county"], pm.id, status="done", done_on=DAY, note="已落实", today=DAY)
    assert procedure.conditions(village, case, DAY).unfinished_measures == ()
    procedure.propose(village, case.id, natural=False, **ANSWERS, today=DAY)
    assert case.state_enum is CaseState.ELIM_PROPOSED


def test_a_measure_cancelled_with_its_reason_is_finished(world):
    case = helping_case(world, DAY)
    work, _medical = _with_plan(world, case, DAY - timedelta(days=5))
    lib = {m.name: m for m in plans.library_for(case).values()}
    measure_tasks.update(world.users["county"], work.id, status="done", done_on=DAY, note="", today=DAY)
    plans.save_plan(world.users["village_a"], case.id, Action.REVISE_HELP_PLAN,
                    [plans.PlanChoice(lib["乡村公益性岗位"].id), plans.PlanChoice(lib["先诊疗后付费"].id)],
                    comment="医疗救助不再需要，改为先诊疗后付费", today=DAY)
    assert procedure.conditions(world.users["village_a"], case, DAY).unfinished_measures == ("先诊疗后付费（已安排）",)
    new = plans.current(case)[-1]
    measure_tasks.update(world.users["county"], new.id, status="done", done_on=DAY, note="", today=DAY)
    procedure.propose(world.users["village_a"], case.id, natural=False, **ANSWERS, today=DAY)
    assert case.state_enum is CaseState.ELIM_PROPOSED


@pytest.mark.parametrize("except_departed", [False, True])
def test_natural_vanishing_does_not_eliminate_a_whole_household_without_labour(world, except_departed):
    # Seed 004: "对整户无劳动能力的监测对象，落实兜底保障措施后，暂不标注风险消除" — 3.5 months
    # after inclusion, natural or not.
    start = TODAY - timedelta(days=120)
    case = drive(world, new_case(world, start), CaseState.HELPING, start)
    put_on_elimination_list(world, case, TODAY)
    _no_labour(case, except_departed=except_departed)
    with pytest.raises(TransitionRefused) as info:
        procedure.propose(world.users["village_a"], case.id, natural=True, **ANSWERS, today=TODAY)
    assert info.value.reasons == (
        "尚不符合风险消除条件：整户无劳动能力的监测对象落实兜底保障后，暂不标注风险消除（风险自然消除的也不例外）",)
    assert case.state_enum is CaseState.HELPING
    # With labour in the household, the natural route needs no minimum period.
    case.household.members[0].labour_capacity = LabourCapacity.WEAK.value
    db.session.flush()
    procedure.propose(world.users["village_a"], case.id, natural=True, **ANSWERS, today=TODAY)
    assert case.state_enum is CaseState.ELIM_PROPOSED


def test_natural_vanishing_still_needs_income_above_the_line(world):
    start = TODAY - timedelta(days=120)
    case = drive(world, new_case(world, start, net_income=12000), CaseState.HELPING, start)  # 6,000 a head
    put_on_elimination_list(world, case, TODAY)
    with pytest.raises(TransitionRefused) as info:
        procedure.propose(world.users["village_a"], case.id, natural=True, **ANSWERS, today=TODAY)
    assert "未超过当年监测范围" in info.value.reasons[0]


# --- the look-back flags households without labour -----------------------------------------------

def test_the_lookback_flags_a_household_without_labour_for_revert(world):
    announced = add_months(TODAY, -7)
    flagged = eliminated_case(world, announced - timedelta(days=11))
    other = eliminated_case(world, announced - timedelta(days=11))
    _no_labour(flagged, except_departed=True)
    lists = lookback.due_list(world.users["village_a"], TODAY)
    assert {r.case_id: r.without_labour for r in lists.due} == {flagged.id: True, other.id: False}
    assert lists.flagged == 1 and lists.rule == "对风险消除不稳定和整户无劳动力的监测对象进行回退"
    # Stable is refused, naming the rule; revert goes ahead.
    with pytest.raises(ValidationFailed) as exc:
        lookback.stable(world.users["village_a"], flagged.id, findings="收入稳定", confirmed=True, today=TODAY)
    assert exc.value.fields["confirmed"] == ("该户现有成员均无劳动能力（整户无劳动力）。按“对风险消除不稳定和整户无劳动力的"
                                             "监测对象进行回退”，应回退，不能登记为稳定")
    lookback.revert(world.users["township"], flagged.id, reason="整户无劳动力", today=TODAY)
    assert flagged.state_enum is CaseState.HELPING


def test_a_household_losing_its_labour_after_the_lookback_is_flagged_too(world):
    case = eliminated_case(world, add_months(TODAY, -7) - timedelta(days=11))
    lookback.stable(world.users["village_a"], case.id, findings="收入稳定", confirmed=True, today=TODAY)
    lists = lookback.due_list(world.users["village_a"], TODAY)
    assert lists.due == [] and lists.without_labour == [] and lists.flagged == 0
    _no_labour(case)
    lists = lookback.due_list(world.users["township"], TODAY)
    assert [(r.case_id, r.without_labour, r.due) for r in lists.without_labour] == [(case.id, True, "")]
    assert lookback.due_list(world.users["village_b"], TODAY).without_labour == []


# --- 清退 ----------------------------------------------------------------------------------------

def test_the_county_clears_out_a_household_included_by_mistake(world):
    case = helping_case(world, DAY)
    household = case.household
    assert household.attribute == HouseholdAttribute.MONITORED.value
    for who in ("township", "village_a"):
        with pytest.raises(TransitionRefused) as info:
            clearing.clear_out(world.users[who], case.id, reason="错误纳入", today=TODAY)
        assert "须由县级工作人员办理" in str(info.value)
    with pytest.raises(ValidationFailed) as exc:
        clearing.clear_out(world.users["county"], case.id, reason="  ", today=TODAY)
    assert set(exc.value.fields) == {"reason"}
    with pytest.raises(ValidationFailed) as exc:
        clearing.clear_out(world.users["county"], case.id, reason="x" * 1001, application="y" * 201, today=TODAY)
    assert set(exc.value.fields) == {"reason", "application"}
    assert case.state_enum is CaseState.HELPING
    clearing.clear_out(world.users["county"], case.id, reason="家庭有经营性收入未如实申报，不符合监测范围",
                       application="青山镇2026-11-18申请", today=TODAY)
    assert case.state_enum is CaseState.CLEARED and case.due_date is None
    assert household.attribute == HouseholdAttribute.ORDINARY.value and household.monitoring_category is None
    assert not household.risk_eliminated and household.risk_eliminated_on is None
    event = case.events[-1]
    assert event.action == "clear_out" and "未如实申报" in event.comment and "青山镇2026-11-18申请" in event.comment
    assert event.data["notes"] == ["清退：该户系错误纳入监测，不是风险消除", "户属性：一般农户，不再计为监测户"]
    assert event.data["attribute_before"] == "monitored"
    audit = db.session.query(AuditLog).filter_by(object_type="case", object_id=str(case.id)).all()[-1]
    assert audit.detail == "clear_out: helping->cleared"
    with pytest.raises(TransitionRefused):  # the case is closed
        clearing.clear_out(world.users["county"], case.id, reason="再次清退", today=TODAY)


def test_clearing_out_after_elimination_withdraws_it_and_ends_the_lookback(world):
    case = eliminated_case(world, add_months(TODAY, -5))
    case.category = "unstable_lifted"  # a 脱贫不稳定户: back to 脱贫户
    assert case.household.risk_eliminated
    clearing.clear_out(world.users["county"], case.id, reason="脱贫户误纳入", today=TODAY)
    assert case.state_enum is CaseState.CLEARED
    assert case.household.attribute == HouseholdAttribute.LIFTED.value
    assert not case.household.risk_eliminated and case.household.risk_eliminated_on is None
    lists = lookback.due_list(world.users["county"], TODAY)
    assert case.id not in [r.case_id for r in (*lists.due, *lists.later)]
    assert procedure.conditions(world.users["county"], case, TODAY) is None


def test_clear_out_outside_the_county_is_not_found(world):
    factories.with_a_neighbour(world)
    case = helping_case(world, DAY)
    with pytest.raises(NotFound):
        clearing.clear_out(world.users["other_county"], case.id, reason="错误纳入", today=TODAY)
    assert db.session.get(Case, case.id).state_enum is CaseState.HELPING
