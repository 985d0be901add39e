"""A user sees only what lies under their region node — in lists and by id."""
import pytest
from sqlalchemy import func

from core.extensions import db
from domain.enums import CaseSource
from factories import build_world, household
from models import Case, Household, Member
from domain.enums import RegionLevel
from domain.workflow import Action
from services.accounts import scoping
from services.errors import NotFound
from services.households import records
from services.regions import tree
from services.workflow import cases
from services.workflow.cases import StepInput


@pytest.fixture
def populated(app, today):
    world = build_world()
    homes = {
        "a1": household(world.grid_a1, today),
        "a2": household(world.grid_a2, today),
        "b1": household(world.grid_b1, today),
    }
    opened = {key: cases.open_case(None, h.region, CaseSource.SELF_REPORT, today=today, household=h)
              for key, h in homes.items()}
    opened["village_b_unmatched"] = cases.open_case(None, world.village_b, CaseSource.SELF_REPORT,
                                                    today=today, claimed_name="某某")
    db.session.flush()
    return world, homes, opened


VISIBLE = {
    "county": {"a1", "a2", "b1"},
    "admin": {"a1", "a2", "b1"},
    "township": {"a1", "a2", "b1"},
    "village_a": {"a1", "a2"},
    "village_b": {"b1"},
    "grid_a1": {"a1"},
    "grid_b1": {"b1"},
    "cadre_a": {"a1", "a2"},
}


@pytest.mark.parametrize("user", sorted(VISIBLE))
def test_lists_and_lookups_follow_the_region_tree(populated, user):
    world, homes, opened = populated
    actor = world.users[user]
    expected = {homes[k].id for k in VISIBLE[user]}
    listed = {h.id for h in db.session.execute(scoping.households(actor)).scalars()}
    assert listed == expected
    assert records.count_in_scope(actor) == len(expected)
    member_households = {m.household_id for m in db.session.execute(scoping.members(actor)).scalars()}
    assert member_households == expected
    case_households = {c.household_id for c in db.session.execute(scoping.cases(actor)).scalars()}
    # grid workers see only the cases assigned to them (none here), not every case of their grid
    expected_cases = set() if actor.role == "grid_worker" else expected
    assert case_households - {None} == expected_cases
    for key, home in homes.items():
        if key in VISIBLE[user]:
            assert scoping.get(actor, Household, home.id).id == home.id
            if actor.role != "grid_worker":
                assert scoping.get(actor, Case, opened[key].id).id == opened[key].id
        else:
            with pytest.raises(NotFound):
                scoping.get(actor, Household, home.id)
            with pytest.raises(NotFound):
                scoping.get(actor, Case, opened[key].id)
            with pytest.raises(NotFound):
                scoping.get(actor, Member, home.members[0].id)


def test_unmatched_case_belongs_to_its_reported_village(populated):
    world, _, opened = populated
    case_id = opened["village_b_unmatched"].id
    assert scoping.get(world.users["village_b"], Case, case_id).id == case_id
    with pytest.raises(NotFound):
        scoping.get(world.users["village_a"], Case, case_id)
    assert cases.count_open_in_scope(world.users["village_b"]) == 2
    assert cases.count_open_in_scope(world.users["village_a"]) == 2
    assert cases.count_open_in_scope(world.users["county"]) == 4


def test_missing_id_and_out_of_scope_id_are_the_same_answer(populated):
    world, homes, _ = populated
    actor = world.users["village_a"]
    missing = db.session.query(func.max(Household.id)).scalar() + 100
    with pytest.raises(NotFound) as out_of_scope:
        scoping.get(actor, Household, homes["b1"].id)
    with pytest.raises(NotFound) as absent:
        scoping.get(actor, Household, missing)
    assert str(out_of_scope.value) == str(absent.value)


@pytest.mark.parametrize("user", sorted(VISIBLE))
def test_require_answers_like_get_and_loads_nothing(populated, user):
    world, homes, _ = populated
    actor = world.users[user]
    for key, h in homes.items():
        if key in VISIBLE[user]:
            scoping.require(actor, Household, h.id)
        else:
            with pytest.raises(NotFound):
                scoping.require(actor, Household, h.id)
    for absurd in (2**40, 0, -1):  # past 32 bits (PostgreSQL would refuse it), or no id at all
        with pytest.raises(NotFound):
            scoping.require(actor, Household, absurd)
        with pytest.raises(NotFound):
            scoping.get(actor, Household, absurd)


def test_require_reads_only_the_id(populated):
    world, homes, _ = populated
    db.session.expunge_all()
    actor = db.session.get(type(world.users["county"]), world.users["county"].id)
    scoping.require(actor, Household, homes["a1"].id)
    assert not any(isinstance(obj, Household) for obj in db.session.identity_map.values())


def test_lookalike_paths_do_not_leak(app, today):
    """Region /1/2/ must not see /1/23/: the prefix match ends at a slash."""
    world = build_world()
    for n in range(20):  # push ids past 10 so that a sibling's id can start with ours
        tree.create_region(f"X{n}", f"组{n}", RegionLevel.GRID, world.village_b)
    db.session.flush()
    assert world.village_a.path.endswith("/")
    other = [r for r in db.session.execute(scoping.regions(world.users["village_a"])).scalars()]
    assert all(r.path.startswith(world.village_a.path) for r in other)
    assert {r.code for r in other} == {world.village_a.code, "A1", "A2"}


def test_a_case_assigned_to_a_worker_is_in_their_scope(populated, today):
    world, _, opened = populated
    case = cases.open_case(None, world.village_a, CaseSource.SELF_REPORT, today=today, claimed_name="某")
    worker = world.users["grid_a1"]
    with pytest.raises(NotFound):
        scoping.get(worker, Case, case.id)
    cases.perform(world.users["village_a"], case.id, Action.ACCEPT, StepInput(), today=today)
    cases.perform(world.users["village_a"], case.id, Action.ASSIGN_VERIFIER,
                  StepInput(assignee_id=worker.id), today=today)
    assert scoping.get(worker, Case, case.id).id == case.id
    with pytest.raises(NotFound):  # another village's case stays hidden
        scoping.get(worker, Case, opened["b1"].id)
