"""The farmer's re-review (申请复核) of a refusal, and finding a lost lookup code again."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from conftest import TODAY
from core.extensions import db
from domain.enums import CaseSource, RegionLevel
from domain.workflow import Action, CaseState, TransitionRefused
from factories import PASSWORD, build_world, new_id
from models import AuditLog, Case, CaseEvent, Notification, ReviewRequest
from services.accounts import users
from services.errors import NotFound, PermissionDenied, ValidationFailed
from services.farmer import reviews, tracking
from services.regions import settings, tree
from services.workflow import cases
from services.workflow.cases import StepInput

PHONE = "13812345678"
REASON = "家里老人又住院了，开支很大"


def _refused(world, *, id_number=None, phone=PHONE, region=None) -> Case:
    """A farmer's own report, refused at the village review, with its real history."""
    case = cases.open_case(None, region or world.village_a, CaseSource.SELF_REPORT, today=TODAY,
                           claimed_name="王大山", claimed_id_number=id_number or new_id(), claimed_phone=phone,
                           with_lookup_code=True)
    village, grid = world.users["village_a"], world.users["grid_a1"]
    cases.perform(village, case.id, Action.ACCEPT, StepInput(), today=TODAY)
    cases.perform(village, case.id, Action.ASSIGN_VERIFIER, StepInput(assignee_id=grid.id), today=TODAY)
    cases.perform(grid, case.id, Action.VERIFY, StepInput(), today=TODAY)
    review = {"date": TODAY.isoformat(), "participants": "村两委、党员代表"}
    cases.perform(village, case.id, Action.VILLAGE_REVIEW_FAIL,
                  StepInput(review=review, reason="家庭收入高于监测范围"), today=TODAY)
    db.session.commit()
    return case


def _ask(case, reason=REASON, day=TODAY, tail=PHONE[-4:]):
    return reviews.ask(case.lookup_code, tail, reason, day)


def test_a_request_reaches_the_township_with_its_deadline(app):
    world = build_world()
    case = _refused(world)
    request = _ask(case)
    db.session.commit()
    assert request.state == "open" and request.reason == REASON
    assert request.due_on == TODAY + timedelta(days=15)
    assert (case.deadline_kind, case.due_date) == ("review", request.due_on)
    event = db.session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id)
                               .order_by(CaseEvent.id.desc())).scalars().first()
    assert event.action is None and event.to_state == "rejected" and event.comment == REASON
    assert event.data["review_request"] == request.id
    told = db.session.execute(select(Notification).where(Notification.case_id == case.id,
                                                         Notification.dedupe_key == f"review:{request.id}")).scalars().all()
    assert [n.user_id for n in told] == [world.users["township"].id]
    assert "农户申请复核" in told[0].title and REASON not in told[0].title
    entry = db.session.execute(select(AuditLog).where(AuditLog.object_type == "review_request")).scalar_one()
    assert entry.user_id is None and REASON not in entry.detail


def test_the_deadline_follows_the_regions_setting(app):
    world = build_world()
    settings.set_policy(None, world.county, "review_days", "20", "本县规定20天内答复")
    case = _refused(world)
    assert _ask(case).due_on == TODAY + timedelta(days=20)


@pytest.mark.parametrize("code, tail", [("ABCDEFGH", "5678"), (None, "0000"), (None, "56")])
def test_a_wrong_code_or_phone_asks_nothing(app, code, tail):
    world = build_world()
    case = _refused(world)
    assert reviews.ask(code or case.lookup_code, tail, REASON, TODAY) is None
    assert db.session.execute(select(ReviewRequest)).first() is None


@pytest.mark.parametrize("reason, message", [("  ", "请写一写"), ("难" * 501, "500字以内")])
def test_the_reason_is_required_and_short(app, reason, message):
    world = build_world()
    case = _refused(world)
    with pytest.raises(ValidationFailed) as refused:
        _ask(case, reason)
    assert message in refused.value.fields["reason"]


def test_only_a_refusal_may_be_asked_about_and_only_once(app):
    world = build_world()
    open_case = cases.open_case(None, world.village_a, CaseSource.SELF_REPORT, today=TODAY, claimed_name="李四",
                                claimed_id_number=new_id(), claimed_phone=PHONE, with_lookup_code=True)
    with pytest.raises(ValidationFailed) as not_refused:
        _ask(open_case)
    assert "只有未纳入" in not_refused.value.fields["reason"]
    case = _refused(world)
    _ask(case)
    with pytest.raises(ValidationFailed) as twice:
        _ask(case)
    assert "已经申请过复核" in twice.value.fields["reason"]
    assert len(db.session.execute(select(ReviewRequest)).all()) == 1


def test_the_township_upholds_with_a_note_the_farmer_reads(app):
    world = build_world()
    case = _refused(world)
    _ask(case)
    db.session.commit()
    township = world.users["township"]
    request = reviews.decide(township, case.id, Action.REVIEW_UPHOLD, "复核了收入，仍高于监测范围", today=TODAY)
    db.session.commit()
    assert (request.state, request.decided_by_id, request.decision_note) == (
        "upheld", township.id, "复核了收入，仍高于监测范围")
    assert request.decided_at is not None
    assert case.state == "rejected" and case.due_date is None and case.rejection_reason == "家庭收入高于监测范围"
    todo = db.session.execute(select(Notification).where(Notification.dedupe_key == f"review:{request.id}")).scalar_one()
    assert todo.read_at is not None  # the to-do is retired once answered
    view = tracking.track(case.lookup_code, PHONE[-4:])
    assert view.review.state == "upheld" and view.review.note == "复核了收入，仍高于监测范围"
    assert not view.may_ask_review
    with pytest.raises(ValidationFailed):
        _ask(case)  # an upheld refusal is final here


def test_reopening_sends_the_case_back_with_a_fresh_clock(app):
    world = build_world()
    case = _refused(world)
    _ask(case)
    later = TODAY + timedelta(days=40)
    request = reviews.decide(world.users["township"], case.id, Action.REVIEW_REOPEN, "请村里重新入户核实", today=later)
    db.session.commit()
    assert request.state == "reopened" and case.state == CaseState.RECEIVED.value
    assert (case.deadline_kind, case.due_date) == ("identification", later + timedelta(days=15))
    assert case.rejection_reason is None
    view = tracking.track(case.lookup_code, PHONE[-4:])
    assert view.progress.outcome == "pending" and view.review.state == "reopened" and not view.may_ask_review
    # Verified again and refused again: a new refusal, which may be asked about again.
    village, grid = world.users["village_a"], world.users["grid_a1"]
    cases.perform(village, case.id, Action.ASSIGN_VERIFIER, StepInput(assignee_id=grid.id), today=later)
    cases.perform(grid, case.id, Action.VERIFY, StepInput(), today=later)
    cases.perform(village, case.id, Action.VILLAGE_REVIEW_FAIL, StepInput(
        review={"date": later.isoformat(), "participants": "村两委"}, reason="仍高于监测范围"), today=later)
    assert tracking.track(case.lookup_code, PHONE[-4:]).may_ask_review


def test_without_an_open_request_the_workflow_refuses(app):
    world = build_world()
    case = _refused(world)
    with pytest.raises(TransitionRefused) as refused:
        reviews.decide(world.users["township"], case.id, Action.REVIEW_REOPEN, "重新核实", today=TODAY)
    assert "没有待答复的复核申请" in str(refused.value)
    reasons = cases.preview(world.users["township"], case, Action.REVIEW_UPHOLD, today=TODAY)
    assert reasons and "没有待答复的复核申请" in reasons[0]
    _ask(case)
    assert cases.preview(world.users["township"], case, Action.REVIEW_UPHOLD, today=TODAY) == ()


def test_only_the_township_of_the_case_decides(app):
    world = build_world()
    case = _refused(world)
    _ask(case)
    with pytest.raises(TransitionRefused) as wrong_role:
        reviews.decide(world.users["village_a"], case.id, Action.REVIEW_UPHOLD, "维持", today=TODAY)
    assert "乡镇工作人员" in str(wrong_role.value)
    other = tree.create_region("341599102000", "白沙镇", RegionLevel.TOWNSHIP, world.county)
    elsewhere = users.create_user("township_other", "白沙镇干部", PASSWORD, "township_staff", other.code)
    with pytest.raises(NotFound):
        reviews.decide(elsewhere, case.id, Action.REVIEW_UPHOLD, "维持", today=TODAY)
    assert db.session.execute(select(ReviewRequest.state)).scalar_one() == "open"


def test_the_open_list_puts_the_soonest_deadline_first(app):
    world = build_world()
    first, second = _refused(world), _refused(world)
    _ask(second, day=TODAY - timedelta(days=20))  # overdue by five days
    _ask(first, day=TODAY)
    rows = reviews.open_in_scope(world.users["township"], TODAY)
    assert [r.case_id for r in rows] == [second.id, first.id]
    assert rows[0].overdue and rows[0].days_left == -5 and not rows[1].overdue and rows[1].days_left == 15
    assert [r.case_id for r in reviews.open_in_scope(world.users["county"], TODAY)] == [second.id, first.id]
    assert reviews.count_open(world.users["township"]) == 2 and reviews.count_open(world.users["village_a"]) == 0
    other = tree.create_region("341599102000", "白沙镇", RegionLevel.TOWNSHIP, world.county)
    elsewhere = users.create_user("township_other", "白沙镇干部", PASSWORD, "township_staff", other.code)
    assert reviews.open_in_scope(elsewhere, TODAY) == []
    for name in ("village_a", "grid_a1", "admin", "auditor", "dept", "cadre_a"):
        with pytest.raises(PermissionDenied):
            reviews.open_in_scope(world.users[name], TODAY)


# --- a lost lookup code ----------------------------------------------------------------------------

def test_the_id_number_and_the_phone_given_find_the_code(app):
    world = build_world()
    id_number = new_id()
    case = _refused(world, id_number=id_number)
    found = tracking.recover(id_number.lower(), "138 1234 5678", TODAY)
    assert [f.code for f in found] == [f"{case.lookup_code[:4]}-{case.lookup_code[4:]}"]
    assert found[0].village == "青山村" and found[0].reported_on == TODAY
    entries = db.session.execute(select(AuditLog).where(AuditLog.action == "track")).scalars().all()
    assert [e.object_id for e in entries] == [str(case.id)]
    assert all(id_number not in (e.detail or "") and PHONE not in (e.detail or "") for e in entries)


@pytest.mark.parametrize("other_id, other_phone", [(True, False), (False, True)])
def test_a_pair_that_does_not_belong_together_finds_nothing(app, other_id, other_phone):
    world = build_world()
    id_number = new_id()
    _refused(world, id_number=id_number)
    _refused(world, id_number=new_id(), phone="13900001111")  # someone else's report
    found = tracking.recover(new_id() if other_id else id_number, "13900001111" if other_phone else PHONE, TODAY)
    assert found == []
    entry = db.session.execute(select(AuditLog).where(AuditLog.action == "track")).scalar_one()
    assert entry.object_id is None and entry.detail == "lookup code recovery: no match"


def test_a_family_members_phone_on_the_register_recovers_nothing(app):
    """Only the phone given with the report counts: the one /track checks."""
    world = build_world()
    id_number = new_id()
    _refused(world, id_number=id_number, phone="13700007777")
    assert tracking.recover(id_number, PHONE, TODAY) == []


@pytest.mark.parametrize("id_text, phone, fields", [
    ("", "", {"id_number", "phone"}), ("11010519491231002Y", PHONE, {"id_number"}),
    ("11010519491231002X", "0551-1234567", {"phone"}), ("\x00" * 50, "²" * 50, {"id_number", "phone"}),
])
def test_badly_typed_numbers_are_refused_beside_their_field(app, id_text, phone, fields):
    with pytest.raises(ValidationFailed) as refused:
        tracking.recover(id_text, phone, TODAY)
    assert set(refused.value.fields) == fields
