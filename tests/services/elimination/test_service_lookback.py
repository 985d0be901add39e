"""Look-back (回头看): the list of eliminated households due for a re-check, and its three
outcomes — stable, revert to helping, identify again — each by its role."""
from datetime import timedelta

import pytest

from conftest import TODAY
from domain.deadlines import add_months
from domain.members import whole_household_without_labour
from domain.workflow import Action, CaseState, TransitionRefused
from elimination_support import eliminated_case
from factories import build_world
from services.elimination import lookback
from services.errors import NotFound, PermissionDenied, ValidationFailed


@pytest.fixture
def world(app):
    return build_world()


def _eliminated_on(world, announced):
    """A case whose elimination was announced on ``announced``."""
    return eliminated_case(world, announced - timedelta(days=11))


def test_list_shows_overdue_and_soon_first_and_the_rest_apart(world):
    overdue = _eliminated_on(world, add_months(TODAY, -7))
    soon = _eliminated_on(world, add_months(TODAY, -6) + timedelta(days=10))
    later = _eliminated_on(world, add_months(TODAY, -2))
    lists = lookback.due_list(world.users["village_a"], TODAY)
    assert [r.case_id for r in lists.due] == [overdue.id, soon.id]
    assert [r.case_id for r in lists.later] == [later.id]
    first, second = lists.due
    assert first.overdue and first.days_left < 0 and not first.soon
    assert second.soon and second.days_left == 10 and not second.overdue
    assert first.village == "青山村" and first.head == overdue.household.head.name
    assert first.id_number == overdue.household.head.id_number_masked
    assert first.due == add_months(overdue.eliminated_on, 6).isoformat()
    assert len(lookback.due_list(world.users["county"], TODAY).due) == 2
    assert lookback.due_list(world.users["village_b"], TODAY).due == []


def test_list_is_for_desk_roles(world):
    for who in ("grid_a1", "cadre_a", "dept", "admin"):
        with pytest.raises(PermissionDenied):
            lookback.due_list(world.users[who], TODAY)


def test_stable_clears_the_deadline_and_leaves_the_list(world):
    case = _eliminated_on(world, add_months(TODAY, -6))
    village = world.users["village_a"]
    with pytest.raises(ValidationFailed) as info:
        lookback.stable(village, case.id, findings="", confirmed=False, today=TODAY)
    assert set(info.value.fields) == {"findings", "confirmed"}
    lookback.stable(village, case.id, findings="务工收入稳定", confirmed=True, today=TODAY)
    assert case.state_enum is CaseState.ELIMINATED and case.lookback_on == TODAY
    assert case.due_date is None and case.deadline_kind is None
    event = case.events[-1]
    assert event.action == "lookback_stable" and "回头看：收入稳定，未发现新的风险" in event.data["notes"]
    assert event.comment == "回头看情况：务工收入稳定"
    assert lookback.due_list(village, TODAY).due == []


def test_revert_by_township_or_county_back_to_helping(world):
    case = _eliminated_on(world, add_months(TODAY, -6))
    with pytest.raises(TransitionRefused) as info:
        lookback.revert(world.users["village_a"], case.id, reason="务工中断", today=TODAY)
    assert "乡镇工作人员或县级工作人员" in str(info.value)
    with pytest.raises(ValidationFailed):
        lookback.revert(world.users["township"], case.id, reason="", today=TODAY)
    assert case.household.risk_eliminated is True
    lookback.revert(world.users["township"], case.id, reason="务工中断，收入不稳", today=TODAY)
    assert case.state_enum is CaseState.HELPING and case.eliminated_on is None
    assert (case.household.risk_eliminated, case.household.risk_eliminated_on) == (False, None)
    assert case.deadline_kind == "evaluation"
    assert case.events[-1].comment == "务工中断，收入不稳"


def test_reidentify_starts_identification_again_with_the_new_risk(world):
    case = _eliminated_on(world, add_months(TODAY, -6))
    with pytest.raises(TransitionRefused):
        lookback.reidentify(world.users["county"], case.id, reason="新病", risk_types=("illness",), today=TODAY)
    with pytest.raises(ValidationFailed) as info:
        lookback.reidentify(world.users["village_a"], case.id, reason="", risk_types=("bad",), today=TODAY)
    assert set(info.value.fields) == {"reason", "risk_types"}
    lookback.reidentify(world.users["village_a"], case.id, reason="房屋受灾", risk_types=("disaster",),
                        today=TODAY)
    assert case.state_enum is CaseState.RECEIVED and case.risk_types == ["disaster"]
    assert case.clue_date == TODAY and case.deadline_kind == "identification"
    assert case.due_date == TODAY + timedelta(days=15) and case.identified_on is None
    assert case.events[-1].data["risk_types"] == ["disaster"]


@pytest.mark.parametrize("step, who, kw", [
    (lookback.stable, "village_b", dict(findings="稳定", confirmed=True)),
    (lookback.revert, "village_b", dict(reason="不稳")),
    (lookback.reidentify, "village_b", dict(reason="新风险", risk_types=("illness",))),
])
def test_outcomes_outside_scope_are_not_found(world, step, who, kw):
    case = _eliminated_on(world, add_months(TODAY, -6))
    with pytest.raises(NotFound):
        step(world.users[who], case.id, today=TODAY, **kw)
    assert case.state_enum is CaseState.ELIMINATED and case.events[-1].action == Action.ANNOUNCE.value


def test_the_households_counted_without_labour_are_those_of_the_domain_rule(world):
    """The list counts 整户无劳动力 in SQL (``flagged``, the third section's total) and flags each
    row by ``domain.members.whole_household_without_labour``: both agree on who left and who
    remains."""
    made = [_eliminated_on(world, add_months(TODAY, -6)) for _ in range(5)]
    lookback.stable(world.users["village_a"], made[4].id, findings="务工收入稳定", confirmed=True, today=TODAY)
    shapes = [
        [("present", "none"), ("present", "lost")],          # nobody can work
        [("present", "ordinary"), ("present", "none")],      # someone can
        [("deceased", "skilled"), ("present", "none")],      # the one who could has died
        [("moved_out", "none"), ("married_out", "none")],    # nobody present: not judged
        [("present", "lost"), ("married_out", "ordinary")],  # looked back, then the worker left
    ]
    for case, shape in zip(made, shapes):
        for member, (status, labour) in zip(case.household.members, shape):
            member.status, member.labour_capacity = status, labour
            member.left_on = None if status == "present" else TODAY
    expected = {c.id for c in made if whole_household_without_labour(c.household.members)}
    assert expected == {made[0].id, made[2].id, made[4].id}

    lists = lookback.due_list(world.users["village_a"], TODAY)
    rows = (*lists.due, *lists.later, *lists.without_labour)
    assert {r.case_id for r in rows if r.without_labour} == expected
    assert lists.flagged == 3
    assert [r.case_id for r in lists.without_labour] == [made[4].id] and lists.without_labour_total == 1
    assert (lists.due_total, lists.later_total) == (len(lists.due), len(lists.later)) == (4, 0)
    assert (lists.page, lists.pages) == (1, 1)
