"""The triage inbox service: scope, sort order, filters, search through blind tail indexes,
duplicate flags, merging and all-or-nothing bulk assignment of verifiers."""
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core.extensions import db
from domain.enums import CaseSource, LabourCapacity, Relation
from domain.workflow import Action, CaseState, TransitionRefused
from factories import build_world, new_id
from models import AuditLog, Case, CaseEvent
from services.errors import NotFound, PermissionDenied, ValidationFailed
from services.households import records
from services.households.records import MemberInput
from services.identification import inbox, inbox_actions as actions
from services.workflow import cases
from services.workflow.cases import StepInput

TODAY = date(2026, 11, 20)
NO_FILTERS = inbox.Filters()


def id_ending_in_x() -> str:
    while True:
        number = new_id()
        if number.endswith("X"):
            return number


def family(region, head: str, *, phone: str, id_number: str | None = None, other: str = "家人"):
    return records.register_household(None, region, [
        MemberInput(name=head, relation=Relation.HEAD.value, labour_capacity=LabourCapacity.ORDINARY.value,
                    id_number=id_number or new_id(), phone=phone),
        MemberInput(name=other, relation=Relation.CHILD.value, labour_capacity=LabourCapacity.ORDINARY.value,
                    id_number=new_id()),
    ], today=TODAY)


@dataclass
class Scene:
    world: object
    id_x: str
    old: Case       # village A, overdue by 4 days
    urgent: Case    # village A, urgent (green channel asked), 13 days left
    soon: Case      # village A, unmatched clue by name, 3 days left
    verifying: Case  # village A, with grid worker A1, 7 days left
    dup: Case       # village A, same household as ``old``, 10 days left
    b: Case         # village B, 5 days left
    closed: Case    # village A, rejected: never listed


def clue(world, region, source, day, **kw) -> Case:
    """A farmer's own report, or one recorded by the village's staff."""
    staff = world.users["village_a" if world.village_a.contains(region) else "village_b"]
    reporter = None if source is CaseSource.SELF_REPORT else staff
    return cases.open_case(reporter, region, source, today=day, **kw)


@pytest.fixture
def scene(app):
    w = build_world()
    id_x = id_ending_in_x()
    h1 = family(w.grid_a1, "王大山", phone="13800001234", id_number=id_x, other="王小河")
    h2 = family(w.village_a, "李小花", phone="13900005678")
    h4 = family(w.grid_a1, "周大成", phone="13600002468")
    h3 = family(w.village_b, "赵铁柱", phone="13700001234")
    d = lambda day: date(2026, 11, day)  # noqa: E731
    old = clue(w, w.grid_a1, CaseSource.SELF_REPORT, d(1), household=h1, risk_types=["illness"])
    urgent = clue(w, w.village_a, CaseSource.GRID_VISIT, d(18), household=h2, risk_types=["disaster"],
                  urgent=True)
    soon = clue(w, w.village_a, CaseSource.PETITION_MEDIA, d(8), claimed_name="孙二娘",
                risk_types=["lack_funds"])
    verifying = clue(w, w.grid_a1, CaseSource.GRID_VISIT, d(12), household=h4, risk_types=["schooling"])
    cases.perform(w.users["village_a"], verifying.id, Action.ACCEPT, StepInput(), today=d(12))
    cases.perform(w.users["village_a"], verifying.id, Action.ASSIGN_VERIFIER,
                  StepInput(assignee_id=w.users["grid_a1"].id), today=d(12))
    dup = clue(w, w.grid_a1, CaseSource.DEPARTMENT_WARNING, d(15), household=h1, risk_types=["illness"])
    b = clue(w, w.village_b, CaseSource.SELF_REPORT, d(10), household=h3, risk_types=["housing"])
    closed = clue(w, w.village_a, CaseSource.SELF_REPORT, d(2), claimed_name="孙二娘")
    closed.state = CaseState.REJECTED.value  # seeding shortcut: only "is it open" matters here
    db.session.commit()
    return Scene(w, id_x, old, urgent, soon, verifying, dup, b, closed)


def listed(actor, filters=NO_FILTERS, search=None, page=1):
    return [r.case_id for r in inbox.inbox(actor, filters, TODAY, search=search, page=page).rows]


def test_sorted_green_channel_first_then_overdue_then_days_left_then_oldest(scene):
    s, users = scene, scene.world.users
    assert listed(users["village_a"]) == [s.urgent.id, s.old.id, s.soon.id, s.verifying.id, s.dup.id]
    assert listed(users["township"]) == [s.urgent.id, s.old.id, s.soon.id, s.b.id, s.verifying.id, s.dup.id]
    assert listed(users["county"]) == listed(users["township"])
    assert listed(users["village_b"]) == [s.b.id]


def test_a_started_green_channel_sorts_first_and_ties_go_to_the_oldest_clue(scene):
    s, village = scene, scene.world.users["village_a"]
    cases.perform(village, s.urgent.id, Action.GREEN_CHANNEL, StepInput(), today=TODAY)
    s.urgent.urgent = False  # only the started green channel now puts it first
    later = clue(s.world, s.world.village_a, CaseSource.GRID_VISIT, date(2026, 11, 8), claimed_name="钱七")
    db.session.flush()
    order = listed(village)
    assert order[0] == s.urgent.id
    assert order.index(s.soon.id) + 1 == order.index(later.id)  # same due date: older id first


def test_rows_carry_what_the_desk_needs_and_no_phone(scene):
    s = scene
    view = inbox.inbox(s.world.users["village_a"], NO_FILTERS, TODAY)
    rows = {r.case_id: r for r in view.rows}
    old = rows[s.old.id]
    assert (old.village, old.name, old.source, old.risk_types) == ("青山村", "王大山", "农户自主申报", ("因病",))
    assert old.id_masked.endswith("X") and old.id_masked != s.id_x and "*" in old.id_masked
    assert (old.clock, old.clock_class, old.due) == ("已逾期 4 天", "overdue", "2026-11-16")
    assert old.state == "已提交" and old.matched
    assert rows[s.soon.id].clock == "剩 3 天" and rows[s.soon.id].clock_class == "soon"
    assert rows[s.soon.id].name == "孙二娘" and not rows[s.soon.id].matched
    assert rows[s.verifying.id].verifier == "GRID_A1" and rows[s.verifying.id].clock == "剩 7 天"
    assert rows[s.urgent.id].urgent and not rows[s.urgent.id].green_channel
    assert (view.total, view.urgent, view.overdue, view.duplicates) == (5, 1, 1, 2)
    assert all("1380000" not in str(r) and "13800001234" not in str(r) for r in view.rows)


def test_likely_duplicates_are_flagged_and_mergeable_by_village_staff_only(scene):
    s, users = scene, scene.world.users
    rows = {r.case_id: r for r in inbox.inbox(users["village_a"], NO_FILTERS, TODAY).rows}
    assert rows[s.old.id].duplicate_of == (s.dup.id,) and rows[s.dup.id].duplicate_of == (s.old.id,)
    assert rows[s.old.id].duplicate_reasons == "同一农户"
    assert rows[s.old.id].merge_targets == (s.dup.id,)
    assert rows[s.soon.id].duplicate_of == ()
    county_rows = {r.case_id: r for r in inbox.inbox(users["county"], NO_FILTERS, TODAY).rows}
    assert county_rows[s.old.id].duplicate_of == (s.dup.id,) and county_rows[s.old.id].merge_targets == ()


def test_same_name_in_one_village_is_flagged_but_not_offered_for_merging(scene):
    s = scene
    again = clue(s.world, s.world.village_a, CaseSource.GRID_VISIT, TODAY, claimed_name="孙 二娘")
    db.session.flush()
    rows = {r.case_id: r for r in inbox.inbox(s.world.users["village_a"], NO_FILTERS, TODAY).rows}
    assert rows[again.id].duplicate_of == (s.soon.id,)  # the rejected clue of the same name is closed
    assert rows[again.id].merge_targets == () and "不一定是同一户" in rows[again.id].merge_hint


def test_filters_by_village_source_risk_state_and_overdue(scene):
    s, township = scene, scene.world.users["township"]
    f = inbox.Filters
    assert listed(township, f(village="341599101002")) == [s.b.id]
    assert listed(township, f(source="grid_visit")) == [s.urgent.id, s.verifying.id]
    assert listed(township, f(risk="illness")) == [s.old.id, s.dup.id]
    assert listed(township, f(risk="lack_funds")) == [s.soon.id]
    assert listed(township, f(state="verifying")) == [s.verifying.id]
    assert listed(township, f(overdue=True)) == [s.old.id]
    assert listed(township, f(village="341599101001", risk="illness", source="department_warning")) == [s.dup.id]


def test_invalid_filters_are_reported_and_ignored(scene):
    village_a = scene.world.users["village_a"]
    filters, errors = inbox.read_filters(village_a, {
        "village": "341599101002", "source": "rumour", "risk": "illness", "state": "rejected", "overdue": "yes"})
    assert filters == inbox.Filters(risk="illness")
    assert set(errors) == {"village", "source", "state", "overdue"}
    assert "管辖范围" in errors["village"]
    filters, errors = inbox.read_filters(scene.world.users["township"], {"village": "341599101002", "overdue": "1"})
    assert filters == inbox.Filters(village="341599101002", overdue=True) and errors == {}
    assert filters.args() == {"village": "341599101002", "overdue": "1"}
    assert inbox.read_page("x") == (1, "页码无效，已显示第1页")
    assert inbox.read_page("3") == (3, None)


def test_search_by_member_name_phone_tail_and_id_tail(scene):
    s, users = scene, scene.world.users
    village_a, township = users["village_a"], users["township"]
    assert listed(village_a, search=inbox.read_search("王小河")) == [s.old.id, s.dup.id]  # any member
    assert listed(village_a, search=inbox.read_search("大")) == [s.old.id, s.verifying.id, s.dup.id]
    assert listed(village_a, search=inbox.read_search("1234")) == [s.old.id, s.dup.id]  # phone tail
    assert listed(township, search=inbox.read_search("1234")) == [s.old.id, s.b.id, s.dup.id]
    tail = s.id_x[-4:]
    assert listed(village_a, search=inbox.read_search(tail.lower())) == [s.old.id, s.dup.id]
    assert listed(village_a, search=inbox.read_search("孙二娘")) == [s.soon.id]  # unmatched: claimed name
    assert listed(village_a, search=inbox.read_search("赵铁柱")) == []  # village B: out of scope
    assert listed(township, search=inbox.read_search("赵铁柱"), filters=inbox.Filters(source="self_report")) == [s.b.id]
    assert listed(village_a, search=inbox.read_search("0000")) == []


def test_search_terms_are_checked_and_never_written_to_the_audit_log(scene):
    for bad in ("", "  ", "123", "138000012345", "12x"):
        with pytest.raises(ValidationFailed) as exc:
            inbox.read_search(bad)
        assert set(exc.value.fields) == {"q"}
        assert not bad.strip() or bad.strip() not in exc.value.fields["q"]
    assert inbox.read_search("12 3x") == inbox.Search("123X", by_tail=True)
    inbox.inbox(scene.world.users["village_a"], NO_FILTERS, TODAY, search=inbox.read_search("王大山"))
    entry = db.session.execute(select(AuditLog).where(AuditLog.action == "search")).scalar_one()
    assert "王大山" not in entry.detail and entry.detail == "inbox search by name: 2 found"


def test_desk_roles_only(scene):
    for name in ("grid_a1", "dept", "cadre_a", "admin"):
        with pytest.raises(PermissionDenied):
            inbox.inbox(scene.world.users[name], NO_FILTERS, TODAY)
        with pytest.raises(PermissionDenied):
            actions.merge(scene.world.users[name], scene.dup.id, scene.old.id, today=TODAY)


def test_pages_of_fifty(scene, monkeypatch):
    monkeypatch.setattr(inbox, "PAGE_SIZE", 2)
    village_a = scene.world.users["village_a"]
    first = inbox.inbox(village_a, NO_FILTERS, TODAY)
    third = inbox.inbox(village_a, NO_FILTERS, TODAY, page=3)
    assert (first.pages, first.first, first.last, len(first.rows)) == (3, 1, 2, 2)
    assert (third.first, third.last, [r.case_id for r in third.rows]) == (5, 5, [scene.dup.id])
    assert inbox.inbox(village_a, NO_FILTERS, TODAY, page=99).page == 3


def test_bulk_assign_accepts_new_clues_and_reassigns(scene):
    s, users = scene, scene.world.users
    cadre = users["cadre_a"]
    done = actions.assign_verifiers(users["village_a"], [s.old.id, s.soon.id, s.verifying.id], cadre.id, today=TODAY)
    assert done == actions.Assigned((s.old.id, s.soon.id, s.verifying.id), ())
    for case in (s.old, s.soon, s.verifying):
        assert case.state_enum is CaseState.VERIFYING and case.verifier_id == cadre.id
    steps = db.session.execute(select(CaseEvent.action).where(CaseEvent.case_id == s.old.id)
                               .order_by(CaseEvent.id)).scalars().all()
    assert steps == [None, "accept", "assign_verifier"]
    again = actions.assign_verifiers(users["village_a"], [s.verifying.id], cadre.id, today=TODAY)
    assert again == actions.Assigned((), (s.verifying.id,))


def test_bulk_assign_is_all_or_nothing_with_every_refusal_named(scene):
    s, users = scene, scene.world.users
    township = users["township"]
    grid_a1 = users["grid_a1"]
    events_before = db.session.execute(select(func.count(CaseEvent.id))).scalar_one()
    with pytest.raises(actions.BulkRefused) as exc:
        actions.assign_verifiers(township, [s.old.id, s.b.id, s.soon.id], grid_a1.id, today=TODAY)
    db.session.rollback()
    [refusal] = exc.value.refusals
    assert refusal.case_id == s.b.id and "不负责该户所在区域" in refusal.reasons[0]
    assert not exc.value.conflict
    for case in (s.old, s.b, s.soon):
        db.session.refresh(case)
        assert case.state_enum is CaseState.REPORTED and case.verifier_id is None
    assert db.session.execute(select(func.count(CaseEvent.id))).scalar_one() == events_before


def test_bulk_assign_refuses_cases_past_verification_and_wrong_roles(scene):
    s, users = scene, scene.world.users
    s.dup.state = CaseState.VERIFIED.value  # seeding shortcut
    db.session.flush()
    with pytest.raises(actions.BulkRefused) as exc:
        actions.assign_verifiers(users["village_a"], [s.dup.id], users["grid_a1"].id, today=TODAY)
    assert exc.value.conflict and "不能指派核实人" in exc.value.refusals[0].reasons[0]
    db.session.rollback()
    with pytest.raises(actions.BulkRefused) as exc:  # county staff see the inbox but do not assign
        actions.assign_verifiers(users["county"], [s.old.id], users["grid_a1"].id, today=TODAY)
    assert exc.value.conflict and "须由" in exc.value.refusals[0].reasons[0]


def test_bulk_assign_checks_the_choice_and_the_scope(scene):
    s, users = scene, scene.world.users
    village_a = users["village_a"]
    with pytest.raises(ValidationFailed) as exc:
        actions.assign_verifiers(village_a, [s.old.id], None, today=TODAY)
    assert "assignee_id" in exc.value.fields
    for who in ("grid_b1", "township"):  # outside the village / not a verifier
        with pytest.raises(ValidationFailed):
            actions.assign_verifiers(village_a, [s.old.id], users[who].id, today=TODAY)
    with pytest.raises(NotFound):
        actions.assign_verifiers(village_a, [s.old.id, s.b.id], users["grid_a1"].id, today=TODAY)
    assert s.old.state_enum is CaseState.REPORTED
    assert actions.read_case_ids(["3", "3", " 4 "]) == [3, 4]
    for bad in ([], ["x"], [str(n) for n in range(actions.MAX_SELECTED + 1)]):
        with pytest.raises(ValidationFailed):
            actions.read_case_ids(bad)


def test_verifier_picker_follows_the_village_filter(scene):
    users = scene.world.users
    labels = [label for _, label in actions.verifier_choices(users["township"], NO_FILTERS)]
    assert any("石门村" in label for label in labels) and any("青山村" in label for label in labels)
    only_b = actions.verifier_choices(users["township"], inbox.Filters(village="341599101002"))
    assert [i for i, _ in only_b] and all("石门村" in label for _, label in only_b)
    assert actions.verifier_choices(users["county"], NO_FILTERS) == []


def test_merge_through_the_workflow(scene):
    s, users = scene, scene.world.users
    merged = actions.merge(users["village_a"], s.dup.id, s.old.id, today=TODAY)
    assert merged.state_enum is CaseState.MERGED and merged.merged_into_id == s.old.id
    assert s.dup.id not in listed(users["village_a"])
    assert inbox.inbox(users["village_a"], NO_FILTERS, TODAY).duplicates == 0


def test_merge_refusals(scene):
    s, users = scene, scene.world.users
    with pytest.raises(ValidationFailed) as exc:  # not the same household
        actions.merge(users["village_a"], s.soon.id, s.old.id, today=TODAY)
    assert "不属于同一农户" in exc.value.fields["target_case_id"]
    with pytest.raises(TransitionRefused):  # county staff do not merge
        actions.merge(users["county"], s.dup.id, s.old.id, today=TODAY)
    with pytest.raises(TransitionRefused):  # a case under verification is past triage
        actions.merge(users["village_a"], s.verifying.id, s.old.id, today=TODAY)
    with pytest.raises(NotFound):
        actions.merge(users["village_a"], s.b.id, s.old.id, today=TODAY)
    with pytest.raises(NotFound):
        actions.merge(users["village_a"], s.dup.id, s.b.id, today=TODAY)
    assert s.dup.state_enum is CaseState.REPORTED


def test_verifiers_may_be_picked_days_later_without_the_clock_moving(scene):
    """Assigning does not restart the 15-day identification clock."""
    s, users = scene, scene.world.users
    actions.assign_verifiers(users["village_a"], [s.old.id], users["grid_a1"].id, today=TODAY + timedelta(days=1))
    assert s.old.due_date == date(2026, 11, 16)


def test_a_village_filter_outside_the_area_matches_nothing_and_picks_no_foreign_verifier(app):
    """Services are called with filters the portal has checked; given a foreign code anyway they
    answer "nothing here" instead of failing or reaching outside the scope."""
    world = build_world()
    case = cases.open_case(None, world.village_b, CaseSource.SELF_REPORT, today=TODAY, claimed_name="乙")
    db.session.flush()
    village_a = world.users["village_a"]
    foreign = inbox.Filters(village=world.village_b.code)
    assert case.id not in [r.case_id for r in inbox.inbox(village_a, foreign, TODAY).rows]
    assert inbox.inbox(village_a, inbox.Filters(village="999999999999"), TODAY).total == 0
    picked = dict(actions.verifier_choices(village_a, foreign))
    assert world.users["grid_b1"].id not in picked
