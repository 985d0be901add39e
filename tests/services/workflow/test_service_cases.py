import hashlib
import os
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from core.extensions import db
from domain.deadlines import quarter_code
from domain.enums import CaseSource, IncomeSource
from domain.evidence import ELIMINATION_PAPERS
from domain.workflow import Action, TransitionRefused
from factories import build_world, household, new_id
from models import AuditLog, Evaluation
from services.errors import NotFound, ValidationFailed
from services.households import incomes
from services.regions import settings
from services.workflow import cases
from services.workflow.cases import Evidence, StepInput


@pytest.fixture
def world(app):
    return build_world()


def _review(day):
    return {"date": day.isoformat(), "participants": "村两委、驻村工作队、村民代表", "result": "同意"}


def put_on_list(world, case, day):
    """The quarterly evaluation that puts the household on the elimination list."""
    db.session.add(Evaluation(case=case, quarter=quarter_code(day), evaluated_on=day,
                              measures_in_place=True, measures_working=True, risk_gone=True,
                              propose_elimination=True, actor=world.users["village_a"]))
    db.session.flush()


def all_papers():
    return [Evidence(k.label + ".pdf", b"%PDF-1.4", "application/pdf", k.value) for k in ELIMINATION_PAPERS]


def run(world, case, steps, start):
    for who, action, offset, kw in steps:
        cases.perform(world.users[who], case.id, action, StepInput(**kw), today=start + timedelta(days=offset))
    return case


def identification(world, start):
    return [
        ("village_a", Action.ACCEPT, 0, {}),
        ("village_a", Action.ASSIGN_VERIFIER, 0, {"assignee_id": world.users["grid_a1"].id}),
        ("grid_a1", Action.VERIFY, 2, {"comment": "入户核实，家中老人住院"}),
        ("village_a", Action.VILLAGE_REVIEW_PASS, 4, {"review": _review(start), "notice_start": start + timedelta(days=4)}),
        ("village_a", Action.CLOSE_NOTICE, 9, {"notice_end": start + timedelta(days=9)}),
        ("township", Action.TOWNSHIP_APPROVE, 10, {"signed": True}),
        ("county", Action.COUNTY_CONFIRM, 11, {"category": "marginal", "risk_types": ("illness",), "signed": True,
                                             "reason": "人均收入高于监测范围，但老人住院开支大，经研判确定纳入"}),
    ]


def test_report_opens_case_with_fifteen_day_clock(world, today):
    h = household(world.grid_a1, today)
    case = cases.open_case(None, world.village_a, CaseSource.SELF_REPORT, today=today, household=h,
                           risk_types=["illness"], words="老伴住院花了很多钱")
    assert case.state == "reported"
    assert case.region_id == world.grid_a1.id  # the household's node, not the reported village
    assert case.due_date == today + timedelta(days=15) and case.deadline_kind == "identification"
    event = case.events[0]
    assert event.action is None and event.actor_id is None and event.to_state == "reported"


def test_whole_identification_chain_by_the_right_roles(world, today):
    h = household(world.grid_a1, today)
    case = cases.open_case(world.users["grid_a1"], h.region, CaseSource.GRID_VISIT, today=today, household=h)
    run(world, case, identification(world, today), today)
    assert case.state == "monitored"
    assert case.original_verifier_id == world.users["grid_a1"].id
    assert h.attribute == "monitored" and h.monitoring_category == "marginal" and h.risk_types == ["illness"]
    assert case.identified_on == today + timedelta(days=11)
    assert case.deadline_kind == "pairing" and case.due_date == today + timedelta(days=14)
    run(world, case, [("township", Action.ASSIGN_PAIR_CADRE, 12, {"assignee_id": world.users["cadre_a"].id})], today)
    assert case.deadline_kind == "first_visit" and case.due_date == today + timedelta(days=19)
    roles = [(e.action, e.actor_role) for e in case.events]
    assert ("township_approve", "township_staff") in roles and ("county_confirm", "county_staff") in roles
    signed = {e.action: e.signed for e in case.events}
    assert signed["township_approve"] and signed["county_confirm"]


@pytest.mark.parametrize("who, action, message", [
    ("county", Action.ACCEPT, "县级工作人员"),
    ("village_a", Action.COUNTY_CONFIRM, "当前状态"),
])
def test_wrong_role_or_state_is_refused_and_nothing_changes(world, today, who, action, message):
    h = household(world.grid_a1, today)
    case = cases.open_case(None, h.region, CaseSource.SELF_REPORT, today=today, household=h)
    db.session.flush()
    events_before = len(case.events)
    with pytest.raises(TransitionRefused) as info:
        cases.perform(world.users[who], case.id, action, StepInput(), today=today)
    assert message in str(info.value)
    assert case.state == "reported" and len(case.events) == events_before


@pytest.mark.parametrize("who", ["cadre_a", "dept", "admin"])
def test_roles_that_do_not_reach_a_case_find_nothing_to_act_on(world, today, who):
    h = household(world.grid_a1, today)
    case = cases.open_case(None, h.region, CaseSource.SELF_REPORT, today=today, household=h)
    db.session.flush()
    with pytest.raises(NotFound):
        cases.perform(world.users[who], case.id, Action.ACCEPT, StepInput(), today=today)
    assert case.state == "reported"


def test_grid_worker_cannot_reach_a_case_not_assigned_to_them(world, today):
    h = household(world.grid_a1, today)
    case = cases.open_case(None, h.region, CaseSource.SELF_REPORT, today=today, household=h)
    with pytest.raises(NotFound):
        cases.perform(world.users["grid_a1"], case.id, Action.ACCEPT, StepInput(), today=today)


def test_outside_scope_is_not_found(world, today):
    h = household(world.grid_b1, today)
    case = cases.open_case(None, h.region, CaseSource.SELF_REPORT, today=today, household=h)
    with pytest.raises(NotFound):
        cases.perform(world.users["village_a"], case.id, Action.ACCEPT, StepInput(), today=today)


def test_only_the_assigned_verifier_verifies(world, today):
    h = household(world.grid_a1, today)
    case = cases.open_case(None, h.region, CaseSource.SELF_REPORT, today=today, household=h)
    run(world, case, identification(world, today)[:2], today)
    other = world.users["cadre_a"]  # not assigned, and a pair cadre reaches only their own cases
    with pytest.raises(NotFound):
        cases.perform(other, case.id, Action.VERIFY, StepInput(), today=today)
    case.pair_cadre_id = other.id  # now theirs to see, still not theirs to verify
    with pytest.raises(TransitionRefused):
        cases.perform(other, case.id, Action.VERIFY, StepInput(), today=today)


def test_verifier_must_be_in_scope_and_able(world, today):
    h = household(world.grid_a1, today)
    case = cases.open_case(None, h.region, CaseSource.SELF_REPORT, today=today, household=h)
    run(world, case, identification(world, today)[:1], today)
    for who in ("grid_b1", "township"):
        with pytest.raises(ValidationFailed):
            cases.perform(world.users["village_a"], case.id, Action.ASSIGN_VERIFIER,
                          StepInput(assignee_id=world.users[who].id), today=today)


def test_short_public_notice_is_refused(world, today):
    h = household(world.grid_a1, today)
    case = cases.open_case(None, h.region, CaseSource.SELF_REPORT, today=today, household=h)
    run(world, case, identification(world, today)[:4], today)
    with pytest.raises(TransitionRefused) as info:
        cases.perform(world.users["village_a"], case.id, Action.CLOSE_NOTICE,
                      StepInput(notice_end=today + timedelta(days=6)), today=today + timedelta(days=6))
    assert "公示" in str(info.value)


def test_notice_length_is_a_regional_setting(world, today):
    settings.set_policy(world.users["county"], world.village_a, "notice_min_days", "7")
    h = household(world.grid_a1, today)
    case = cases.open_case(None, h.region, CaseSource.SELF_REPORT, today=today, household=h)
    run(world, case, identification(world, today)[:4], today)
    with pytest.raises(TransitionRefused):  # 5 days would do by default; this village says 7
        cases.perform(world.users["village_a"], case.id, Action.CLOSE_NOTICE,
                      StepInput(notice_end=today + timedelta(days=9)), today=today + timedelta(days=9))


def test_county_rejection_keeps_the_reason(world, today):
    h = household(world.grid_a1, today)
    case = cases.open_case(None, h.region, CaseSource.SELF_REPORT, today=today, household=h)
    run(world, case, identification(world, today)[:6], today)
    cases.perform(world.users["county"], case.id, Action.COUNTY_REJECT,
                  StepInput(reason="收入高于监测范围"), today=today + timedelta(days=11))
    assert case.state == "rejected" and case.rejection_reason == "收入高于监测范围"
    assert case.due_date is None and not case.is_open


def test_confirmation_needs_a_matched_household(world, today):
    case = cases.open_case(None, world.village_a, CaseSource.SELF_REPORT, today=today, claimed_name="某")
    run(world, case, identification(world, today)[:6], today)
    with pytest.raises(ValidationFailed) as info:
        run(world, case, identification(world, today)[6:], today)
    assert "尚未关联到农户" in info.value.fields["household"]


def test_green_channel_only_for_urgent_cases_and_once(world, today):
    h = household(world.grid_a1, today)
    urgent = cases.open_case(None, h.region, CaseSource.SELF_REPORT, today=today, household=h, urgent=True)
    cases.perform(world.users["village_a"], urgent.id, Action.GREEN_CHANNEL, StepInput(), today=today)
    assert urgent.green_channel_at is not None and urgent.state == "reported"
    with pytest.raises(TransitionRefused):
        cases.perform(world.users["village_a"], urgent.id, Action.GREEN_CHANNEL, StepInput(), today=today)
    calm = cases.open_case(None, world.village_a, CaseSource.SELF_REPORT, today=today, claimed_name="某")
    with pytest.raises(TransitionRefused):
        cases.perform(world.users["village_a"], calm.id, Action.GREEN_CHANNEL, StepInput(), today=today)


def test_duplicate_clue_merges_into_the_open_case(world, today):
    id_number = new_id()
    first = cases.open_case(None, world.village_a, CaseSource.SELF_REPORT, today=today,
                            claimed_name="甲", claimed_id_number=id_number)
    second = cases.open_case(None, world.village_a, CaseSource.SELF_REPORT, today=today,
                             claimed_name="甲", claimed_id_number=id_number)
    assert cases.find_open_case(id_number=id_number).id == first.id
    cases.perform(world.users["village_a"], second.id, Action.MERGE,
                  StepInput(target_case_id=first.id), today=today)
    assert second.state == "merged" and second.merged_into_id == first.id
    assert first.events[-1].data == {"merged_case": second.id}
    stranger = cases.open_case(None, world.village_a, CaseSource.SELF_REPORT, today=today,
                               claimed_name="乙", claimed_id_number=new_id())
    with pytest.raises(ValidationFailed):
        cases.perform(world.users["village_a"], stranger.id, Action.MERGE,
                      StepInput(target_case_id=first.id), today=today)


def test_evidence_files_are_stored_under_server_names_with_hash(world, today, app):
    h = household(world.grid_a1, today)
    case = cases.open_case(None, h.region, CaseSource.SELF_REPORT, today=today, household=h)
    content = b"%PDF-1.4 minutes of the village review"
    cases.perform(world.users["village_a"], case.id, Action.ACCEPT,
                  StepInput(evidence=[Evidence("评议记录.pdf", content, "application/pdf")]), today=today)
    item = case.events[-1].evidence[0]
    assert item.sha256 == hashlib.sha256(content).hexdigest() and item.size == len(content)
    assert "评议" not in item.stored_name
    with open(os.path.join(app.config["SHOUDI_UPLOAD_FOLDER"], item.stored_name), "rb") as fh:
        assert fh.read() == content


def test_event_comments_are_encrypted_and_transitions_audited(world, today):
    h = household(world.grid_a1, today)
    case = cases.open_case(None, h.region, CaseSource.SELF_REPORT, today=today, household=h)
    cases.perform(world.users["village_a"], case.id, Action.ACCEPT, StepInput(comment="患白血病"), today=today)
    db.session.commit()
    raw = db.session.execute(text("SELECT comment FROM case_event WHERE case_id = :id"),
                             {"id": case.id}).scalars().all()
    assert any(raw) and all("白血病" not in (c or "") for c in raw)
    entry = db.session.execute(select(AuditLog).where(AuditLog.action == "transition")).scalar_one()
    assert entry.detail == "accept: reported->received" and entry.object_id == str(case.id)


def _monitored_case(world, start, remeasured_on=None, net_income=Decimal("30000")):
    """Included on ``start + 11``; the income (收入台账) measured again on ``remeasured_on``."""
    h = household(world.grid_a1, start, size=2, net_income=Decimal("30000"))
    case = cases.open_case(None, h.region, CaseSource.SELF_REPORT, today=start, household=h)
    run(world, case, identification(world, start) + [
        ("township", Action.ASSIGN_PAIR_CADRE, 12, {"assignee_id": world.users["cadre_a"].id}),
        ("cadre_a", Action.FIRST_VISIT, 14, {}),
        ("village_a", Action.MAKE_HELP_PLAN, 18, {}),
    ], start)
    if remeasured_on is not None:
        incomes.record_income(None, h, year=remeasured_on.year, measured_on=remeasured_on, net_total=net_income,
                              source=IncomeSource.STAFF, today=remeasured_on)
    return case, h


def test_elimination_is_blocked_before_the_minimum_period(world, today):
    start = today - timedelta(days=60)
    case, _ = _monitored_case(world, start)
    with pytest.raises(TransitionRefused) as info:  # not put on the list at an evaluation
        cases.perform(world.users["village_a"], case.id, Action.PROPOSE_ELIMINATION, StepInput(), today=today)
    assert "季度帮扶效果评估" in str(info.value)
    put_on_list(world, case, today)
    with pytest.raises(TransitionRefused) as info:
        cases.perform(world.users["village_a"], case.id, Action.PROPOSE_ELIMINATION, StepInput(), today=today)
    assert "未满6个月" in str(info.value)
    # risk that vanished by itself needs no minimum period
    cases.perform(world.users["village_a"], case.id, Action.PROPOSE_ELIMINATION,
                  StepInput(natural_elimination=True), today=today)
    assert case.state == "elim_proposed"


def test_elimination_is_blocked_below_the_line_and_for_households_without_labour(world, today):
    start = today - timedelta(days=400)
    remeasured = today - timedelta(days=60)
    case, h = _monitored_case(world, start, remeasured, Decimal("10000"))  # 5,000 per person, below 7,000
    for m in h.members:
        m.labour_capacity = "none"
    put_on_list(world, case, today)
    with pytest.raises(TransitionRefused) as info:
        cases.perform(world.users["village_a"], case.id, Action.PROPOSE_ELIMINATION, StepInput(), today=today)
    assert (f"{remeasured.year}年家庭人均纯收入5,000.00元（{remeasured.isoformat()}核定），未超过当年监测范围7,000元"
            in str(info.value))
    assert "整户无劳动能力" in str(info.value)


def test_full_elimination_by_five_steps_then_lookback_revert(world, today):
    start = today - timedelta(days=400)
    case, _ = _monitored_case(world, start, today - timedelta(days=60))
    day = today - timedelta(days=30)
    put_on_list(world, case, day)
    run(world, case, [
        ("village_a", Action.QUARTERLY_EVALUATION, 0, {}),
        ("village_a", Action.PROPOSE_ELIMINATION, 0, {}),
        ("grid_a1", Action.ELIM_VERIFY, 2, {"household_signed": True, "signed": True}),
        ("village_a", Action.ELIM_VILLAGE_REVIEW, 3,
         {"review": _review(day), "notice_start": day + timedelta(days=3), "signed": True}),
        ("village_a", Action.ELIM_CLOSE_NOTICE, 9, {"notice_end": day + timedelta(days=9)}),
        ("township", Action.ELIM_TOWNSHIP_APPROVE, 10, {"signed": True, "evidence": all_papers()}),
        ("county", Action.ELIM_COUNTY_APPROVE, 12, {"signed": True, "phone_survey_done": True}),
        ("county", Action.ANNOUNCE, 13, {}),
    ], day)
    assert case.state == "eliminated" and case.eliminated_on == day + timedelta(days=13)
    assert case.deadline_kind == "lookback"
    cases.perform(world.users["township"], case.id, Action.LOOKBACK_REVERT,
                  StepInput(reason="收入不稳定"), today=today)
    assert case.state == "helping" and case.eliminated_on is None


def test_only_the_original_verifier_verifies_elimination(world, today):
    start = today - timedelta(days=400)
    case, _ = _monitored_case(world, start, today - timedelta(days=60))
    put_on_list(world, case, today)
    run(world, case, [("village_a", Action.PROPOSE_ELIMINATION, 0, {})], today)
    other = world.users["cadre_a"]
    with pytest.raises(TransitionRefused):
        cases.perform(other, case.id, Action.ELIM_VERIFY, StepInput(household_signed=True), today=today)


def test_a_clue_is_matched_to_its_household_later(world, today):
    h = household(world.grid_a1, today)
    case = cases.open_case(None, world.village_a, CaseSource.SELF_REPORT, today=today, claimed_name="某")
    cases.match_household(world.users["village_a"], case.id, h.id)
    assert case.household_id == h.id and case.region_id == world.grid_a1.id
    assert case.events[-1].data == {"matched_household": h.id}
    with pytest.raises(ValidationFailed):
        cases.match_household(world.users["village_a"], case.id, h.id)
    other = household(world.grid_b1, today)
    second = cases.open_case(None, world.village_a, CaseSource.SELF_REPORT, today=today, claimed_name="乙")
    with pytest.raises(NotFound):  # a household outside the actor's village
        cases.match_household(world.users["village_a"], second.id, other.id)
