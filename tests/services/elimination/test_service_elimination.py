"""Risk elimination in five steps through services.elimination.procedure: each step by its role, with its
signatures and papers; wrong roles refused, other villages not found; the conditions panel and
the printable announcement."""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from conftest import TODAY
from core.extensions import db
from domain.deadlines import add_months
from domain.enums import LabourCapacity
from domain.evidence import EvidenceKind
from domain.workflow import Action, CaseState, TransitionRefused
from elimination_support import eliminated_case, file, five_steps, helping_case, remeasure, run_steps
from factories import build_world
from office_support import new_case
from models import AuditLog
from services.elimination import procedure
from services.errors import NotFound, PermissionDenied, ValidationFailed

DAY = TODAY - timedelta(days=40)  # the quarterly evaluation that put the household on the list


@pytest.fixture
def world(app):
    return build_world()


def _event(case, action: Action):
    return next(e for e in reversed(case.events) if e.action == action.value)


def _kinds(event) -> list[str]:
    return sorted(ev.kind for ev in event.evidence)


def test_five_steps_by_their_roles_with_signatures_papers_and_announcement(world):
    case = eliminated_case(world, DAY)
    assert case.state_enum is CaseState.ELIMINATED
    assert case.eliminated_on == DAY + timedelta(days=11)
    # the register's 是否风险消除 / 风险消除时间, as its export carries them to the national system
    assert (case.household.risk_eliminated, case.household.risk_eliminated_on) == (True, case.eliminated_on)
    assert case.deadline_kind == "lookback" and case.due_date == add_months(case.eliminated_on, 6)
    proposed = _event(case, Action.PROPOSE_ELIMINATION)
    assert proposed.actor_role == "village_staff"
    assert proposed.data["natural"] is False and proposed.data["guarantees_secure"] is True
    assert "“三保障”和饮水安全：有保障" in proposed.data["notes"]
    verified = _event(case, Action.ELIM_VERIFY)
    assert verified.actor_id == world.users["grid_a1"].id and verified.signed
    assert verified.data["household_signed"] is True and verified.data["stand_in"] is False
    assert _kinds(verified) == ["household_signature"]
    assert "核实情况：收入稳定" in verified.comment
    review = _event(case, Action.ELIM_VILLAGE_REVIEW)
    assert review.signed and review.data["review"]["result"] == "同意"
    assert _kinds(review) == ["review_minutes"]
    assert _kinds(_event(case, Action.ELIM_CLOSE_NOTICE)) == ["notice_record"]
    township = _event(case, Action.ELIM_TOWNSHIP_APPROVE)
    assert township.signed and township.actor_role == "township_staff"
    assert _kinds(township) == ["elimination_form", "evaluation_form", "help_handbook", "measure_table"]
    county = _event(case, Action.ELIM_COUNTY_APPROVE)
    assert county.signed and county.data["phone_survey"] is True and county.data["onsite_check"] is False
    assert "电话调查（行业部门）：医保局确认已报销" in county.comment
    assert _event(case, Action.ANNOUNCE).actor_role == "county_staff"


def test_proposing_needs_the_three_answers(world):
    case = helping_case(world, DAY)
    with pytest.raises(ValidationFailed) as info:
        procedure.propose(world.users["village_a"], case.id, natural=None, guarantees_secure=None,
                            rigid_spending_resolved=None, today=DAY)
    assert set(info.value.fields) == {"natural", "guarantees_secure", "rigid_spending_resolved"}
    with pytest.raises(TransitionRefused) as refused:
        procedure.propose(world.users["village_a"], case.id, natural=False, guarantees_secure=False,
                            rigid_spending_resolved=False, today=DAY)
    assert "“三保障”和饮水安全尚未持续巩固" in refused.value.reasons[0]
    assert "大额刚性支出尚未稳定解决" in refused.value.reasons[0]
    assert case.state_enum is CaseState.HELPING


def test_minimum_period_blocks_unless_the_risk_vanished_by_itself(world):
    start = TODAY - timedelta(days=60)
    case = helping_case(world, TODAY)
    case.identified_on = start  # monitored only two months
    village = world.users["village_a"]
    with pytest.raises(TransitionRefused) as info:
        procedure.propose(village, case.id, natural=False, guarantees_secure=True,
                            rigid_spending_resolved=True, today=TODAY)
    assert "纳入监测未满6个月" in info.value.reasons[0]
    panel = procedure.conditions(village, case, TODAY)
    assert not panel.earliest_reached and panel.offer_natural
    assert any("未满6个月" in b for b in panel.blockers)
    procedure.propose(village, case.id, natural=True, guarantees_secure=True,
                        rigid_spending_resolved=True, today=TODAY)
    assert case.state_enum is CaseState.ELIM_PROPOSED and case.events[-1].data["natural"] is True


def test_income_below_the_line_and_no_labour_block_and_the_panel_says_so(world):
    case = helping_case(world, TODAY)
    remeasured = TODAY - timedelta(days=5)
    remeasure(case, remeasured, Decimal("10000"))  # 5,000 a head, below the 7,000 line
    for member in case.household.members:
        member.labour_capacity = LabourCapacity.NONE.value
    village = world.users["village_a"]
    with pytest.raises(TransitionRefused) as info:
        procedure.propose(village, case.id, natural=False, guarantees_secure=True,
                            rigid_spending_resolved=True, today=TODAY)
    assert (f"{remeasured.year}年家庭人均纯收入5,000.00元（{remeasured.isoformat()}核定），未超过当年监测范围7,000元"
            in str(info.value))
    assert "整户无劳动能力" in str(info.value)
    panel = procedure.conditions(village, case, TODAY)
    assert panel.income == "5,000.00" and panel.line == "7,000" and panel.income_above is False
    assert panel.income_year == f"{remeasured.year}年（{remeasured.isoformat()}核定）" and panel.income_since == ""
    assert panel.without_labour and panel.on_list and "列入拟风险消除名单" in panel.evaluation


WRONG_ROLE = [  # (steps taken before, the actor who may not take the next one, words of the refusal)
    (0, "township", "村级工作人员"),
    (1, "cadre_a", "识别时的核查员"),
    (2, "township", "村级工作人员"),
    (3, "township", "村级工作人员"),
    (4, "village_a", "乡镇工作人员"),
    (5, "township", "县级工作人员"),
    (6, "township", "县级工作人员"),
]


@pytest.mark.parametrize("done, who, words", WRONG_ROLE)
def test_each_step_is_refused_to_the_wrong_role(world, done, who, words):
    case = run_steps(world, helping_case(world, DAY), DAY, done)
    step, _, offset, kw = five_steps(world, DAY)[done]
    state, events = case.state, len(case.events)
    with pytest.raises(TransitionRefused) as info:
        step(world.users[who], case.id, today=DAY + timedelta(days=offset), **kw)
    assert words in str(info.value)
    assert case.state == state and len(case.events) == events


@pytest.mark.parametrize("done", range(7))
def test_each_step_is_not_found_outside_scope(world, done):
    case = run_steps(world, helping_case(world, DAY), DAY, done)
    step, _, offset, kw = five_steps(world, DAY)[done]
    with pytest.raises(NotFound):
        step(world.users["village_b"], case.id, today=DAY + timedelta(days=offset), **kw)


def _proposed(world):
    return run_steps(world, helping_case(world, DAY), DAY, 1)


def _verify(world, who, **kw):
    case = _proposed(world)
    args = dict(findings="收入稳定", companions="乡镇干部", household_signed=True, signed=True)
    args.update(kw)
    procedure.verify(world.users[who], case.id, today=DAY + timedelta(days=1), **args)
    return case


def test_household_must_sign_and_verifier_signs_off(world):
    with pytest.raises(TransitionRefused) as info:
        _verify(world, "grid_a1", household_signed=False)
    assert info.value.reasons == ("须由农户签字认可风险消除",)
    with pytest.raises(ValidationFailed) as invalid:
        _verify(world, "grid_a1", signed=False, findings=" ")
    assert set(invalid.value.fields) == {"signed", "findings"}


def test_township_stands_in_for_a_deactivated_verifier_with_a_reason(world):
    case = _proposed(world)
    world.users["grid_a1"].active = False
    day = DAY + timedelta(days=1)
    args = dict(findings="收入稳定", companions="结对干部", household_signed=True, signed=True)
    with pytest.raises(TransitionRefused) as info:
        procedure.verify(world.users["village_a"], case.id, today=day, **args)
    assert "由乡镇工作人员写明原因后代为入户核实" in str(info.value)
    with pytest.raises(TransitionRefused) as info:
        procedure.verify(world.users["township"], case.id, today=day, **args)
    assert "请写明原核查员不能负责的原因" in str(info.value)
    procedure.verify(world.users["township"], case.id, today=day, stand_in_reason="原核查员已离职", **args)
    event = case.events[-1]
    assert case.state_enum is CaseState.ELIM_VERIFIED and event.data["stand_in"] is True
    assert event.comment.startswith("原核查员已离职")


def test_township_stands_in_when_no_verifier_was_recorded_or_they_moved(world):
    case = _proposed(world)
    case.original_verifier_id = None  # an imported household
    db.session.flush()
    db.session.refresh(case)
    assert procedure.conditions(world.users["township"], case, DAY).verifier_available is False
    procedure.verify(world.users["township"], case.id, today=DAY, stand_in_reason="导入户无核查员记录",
                       findings="收入稳定", companions="结对干部", household_signed=True, signed=True)
    assert case.state_enum is CaseState.ELIM_VERIFIED
    other = _proposed(world)
    world.users["grid_a1"].region = world.grid_b1  # moved to another village
    with pytest.raises(TransitionRefused) as info:
        procedure.verify(world.users["township"], other.id, today=DAY, findings="收入稳定",
                           companions="结对干部", household_signed=True, signed=True)
    assert info.value.reasons == ("乡镇工作人员代为入户核实的，请写明原核查员不能负责的原因",)


def test_township_does_not_stand_in_while_the_verifier_is_available(world):
    with pytest.raises(TransitionRefused) as info:
        _verify(world, "township", stand_in_reason="图省事")
    assert info.value.reasons == ("风险消除入户核实应由识别时的核查员负责",)


def test_village_review_needs_the_sign_off_and_dates_in_order(world):
    case = run_steps(world, helping_case(world, DAY), DAY, 2)
    day = DAY + timedelta(days=2)
    with pytest.raises(ValidationFailed) as info:
        procedure.village_review(world.users["village_a"], case.id, review_date=day, participants="村民代表",
                                   result="同意", notice_start=day - timedelta(days=1), signed=False, today=day)
    assert set(info.value.fields) == {"notice_start", "signed"}


def test_short_notice_and_objections_hold_the_notice_open(world):
    case = run_steps(world, helping_case(world, DAY), DAY, 3)
    village = world.users["village_a"]
    early = DAY + timedelta(days=5)
    with pytest.raises(TransitionRefused) as info:
        procedure.close_notice(village, case.id, notice_end=early, no_objection=True, today=early)
    assert "公示期不少于5天" in str(info.value)
    with pytest.raises(ValidationFailed) as invalid:
        procedure.close_notice(village, case.id, notice_end=early, no_objection=False, today=early)
    assert "退回继续帮扶" in invalid.value.fields["no_objection"]


def test_township_is_refused_until_the_papers_are_complete(world):
    case = run_steps(world, helping_case(world, DAY), DAY, 4)
    day = DAY + timedelta(days=9)
    township = world.users["township"]
    rows = {row.label: bool(row.files) for row in procedure.papers_of_current_elimination(case)}
    assert rows == {"民主评议会议记录": True, "公示记录（照片）": True, "风险消除信息采集表": False,
                    "帮扶措施落实情况表": False, "帮扶效果评估表": False, "帮扶手册": False}
    with pytest.raises(TransitionRefused) as info:
        procedure.township_approve(township, case.id, papers=file(EvidenceKind.ELIMINATION_FORM),
                                     opinion="同意", signed=True, today=day)
    assert info.value.reasons == ("上报资料不齐全，缺少：帮扶措施落实情况表、帮扶效果评估表、帮扶手册",)
    panel = procedure.conditions(township, case, day)
    assert panel.papers_missing == ("风险消除信息采集表", "帮扶措施落实情况表", "帮扶效果评估表", "帮扶手册")
    rest = five_steps(world, DAY)[4][3]["papers"]
    with pytest.raises(TransitionRefused) as unsigned:
        procedure.township_approve(township, case.id, papers=rest, opinion="同意", signed=False, today=day)
    assert unsigned.value.reasons == ("须由经办人签字确认（谁核查、谁签字、谁负责）",)
    procedure.township_approve(township, case.id, papers=rest, opinion="同意", signed=True, today=day)
    assert case.state_enum is CaseState.ELIM_COUNTY_REVIEW


def _at_county(world):
    return run_steps(world, helping_case(world, DAY), DAY, 5)


def _county(world, case, **kw):
    args = dict(household_survey="", department_survey="", survey_files=[], doubts_remain=False,
                onsite_notes="", onsite_files=[], opinion="同意", signed=True)
    args.update(kw)
    procedure.county_approve(world.users["county"], case.id, today=DAY + timedelta(days=10), **args)


def test_county_needs_the_phone_survey_of_household_and_departments(world):
    case = _at_county(world)
    with pytest.raises(TransitionRefused) as info:
        _county(world, case, household_survey="农户认可")  # the departments were not asked
    assert info.value.reasons == ("请先对农户和相关行业部门开展电话调查",)
    with pytest.raises(ValidationFailed) as invalid:
        _county(world, case, doubts_remain=None)
    assert "doubts_remain" in invalid.value.fields
    _county(world, case, survey_files=file(EvidenceKind.PHONE_SURVEY))  # a survey record will do
    assert case.state_enum is CaseState.ELIM_APPROVED
    assert _kinds(case.events[-1]) == ["phone_survey"]


def test_doubts_need_an_onsite_check_record(world):
    case = _at_county(world)
    with pytest.raises(TransitionRefused) as info:
        _county(world, case, household_survey="农户说收入不稳", department_survey="人社局", doubts_remain=True,
                onsite_notes="拟入户")
    assert info.value.reasons == ("电话调查后仍有疑虑，须先入户调查",)
    _county(world, case, household_survey="农户说收入不稳", department_survey="人社局", doubts_remain=True,
            onsite_files=file(EvidenceKind.ONSITE_CHECK))
    event = case.events[-1]
    assert event.data["onsite_check"] is True and event.data["doubts_remain"] is True
    assert _kinds(event) == ["onsite_check"]


@pytest.mark.parametrize("done, holder, other", [
    (1, "village_a", "township"), (4, "township", "village_a"), (5, "county", "township")])
def test_whoever_holds_the_step_sends_it_back_with_a_reason(world, done, holder, other):
    case = run_steps(world, helping_case(world, DAY), DAY, done)
    with pytest.raises(TransitionRefused):
        procedure.send_back(world.users[other], case.id, reason="收入不稳定", today=TODAY)
    with pytest.raises(ValidationFailed):
        procedure.send_back(world.users[holder], case.id, reason=" ", today=TODAY)
    procedure.send_back(world.users[holder], case.id, reason="收入不稳定", today=TODAY)
    assert case.state_enum is CaseState.HELPING
    assert case.events[-1].comment == "收入不稳定"


def test_announcement_lists_eliminated_households_masked_in_scope_and_dates(world):
    case = eliminated_case(world, DAY)
    day = DAY + timedelta(days=11)
    later = eliminated_case(world, DAY + timedelta(days=3))
    run_steps(world, helping_case(world, DAY), DAY, 6)  # approved, not yet announced
    page = procedure.announcement(world.users["county"], day, day)
    assert [r.head for r in page.rows] == [case.household.head.name]
    row = page.rows[0]
    head = case.household.head
    assert row.id_number == head.id_number_masked and row.id_number != head.id_number
    assert row.village == "青山村" and row.category == "边缘易致贫户" and row.size == 2
    assert len(procedure.announcement(world.users["township"], day, day + timedelta(days=3)).rows) == 2
    assert procedure.announcement(world.users["village_b"], day, day + timedelta(days=3)).rows == []
    assert later.state_enum is CaseState.ELIMINATED
    entry = db.session.execute(select(AuditLog).where(AuditLog.object_type == "announcement")).scalars().first()
    assert entry.detail.startswith(f"start={day}")
    with pytest.raises(PermissionDenied):
        procedure.announcement(world.users["grid_a1"], day, day)
    with pytest.raises(ValidationFailed):
        procedure.announcement(world.users["county"], day, day - timedelta(days=1))


def test_conditions_panel_only_for_monitored_or_eliminated_cases(world):
    case = helping_case(world, TODAY)
    county = world.users["county"]
    panel = procedure.conditions(county, case, TODAY)
    assert panel.blockers == () and not panel.offer_natural  # nothing blocks; county may not propose anyway
    assert panel.income == "15,000.00" and panel.income_above is True
    assert panel.original_verifier == "GRID_A1" and panel.verifier_available
    fresh = new_case(world, TODAY)
    assert procedure.conditions(county, fresh, TODAY) is None
