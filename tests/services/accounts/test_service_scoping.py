"""A user sees only what lies under their region node — in lists and by id."""
import pytest
from sqlalchemy import func

from core.extensions import db
from domain.enums import CaseSource
from factories import build_world, household
from models import Case, Household, Measure, Member, PlanMeasure
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


# Least privilege: an admin administers and sees no household; a pair cadre sees only the
# households paired with them and a department officer those carrying its measures (none here:
# see the tests below).
VISIBLE = {
    "county": {"a1", "a2", "b1"},
    "admin": set(),
    "dept": set(),
    "township": {"a1", "a2", "b1"},
    "village_a": {"a1", "a2"},
    "village_b": {"b1"},
    "grid_a1": {"a1"},
    "grid_b1": {"b1"},
    "cadre_a": set(),
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


def test_a_pair_cadre_sees_the_households_paired_with_them_and_nothing_else(populated, today):
    world, homes, opened = populated
    cadre = world.users["cadre_a"]
    opened["a1"].pair_cadre_id = cadre.id
    db.session.flush()
    assert {h.id for h in db.session.execute(scoping.households(cadre)).scalars()} == {homes["a1"].id}
    assert {c.id for c in db.session.execute(scoping.cases(cadre)).scalars()} == {opened["a1"].id}
    assert records.read_household(cadre, homes["a1"].id).id == homes["a1"].id  # a full record: paired
    with pytest.raises(NotFound):
        scoping.get(cadre, Household, homes["a2"].id)  # same village, not paired
    with pytest.raises(NotFound):
        scoping.get(cadre, Case, opened["a2"].id)


def test_a_department_sees_only_what_carries_its_measures_and_never_the_full_record(populated, today):
    world, homes, opened = populated
    officer = world.users["dept"]  # 民政 (civil affairs)
    measure = Measure(county_id=world.county.id, name="临时救助", kind="security", department="civil_affairs")
    db.session.add(measure)
    db.session.flush()
    db.session.add_all([
        PlanMeasure(case_id=opened["b1"].id, measure_id=measure.id, department="civil_affairs", planned_on=today),
        PlanMeasure(case_id=opened["a2"].id, measure_id=measure.id, department="medical_insurance", planned_on=today)])
    db.session.flush()
    assert {h.id for h in db.session.execute(scoping.households(officer)).scalars()} == {homes["b1"].id}
    assert {c.id for c in db.session.execute(scoping.cases(officer)).scalars()} == {opened["b1"].id}
    assert {m.household_id for m in db.session.execute(scoping.members(officer)).scalars()} == {homes["b1"].id}
    with pytest.raises(NotFound):
        records.read_household(officer, homes["b1"].id)  # the measure's row, never the full record
    with pytest.raises(NotFound):
        cases.read_case(officer, opened["b1"].id)
    with pytest.raises(NotFound):
        scoping.get(officer, Household, homes["a2"].id)  # another department's measure


def test_an_admin_reaches_regions_and_accounts_but_no_household_or_case(populated):
    world, homes, opened = populated
    admin = world.users["admin"]
    assert db.session.execute(scoping.regions(admin)).scalars().first() is not None
    assert db.session.execute(scoping.users(admin)).scalars().first() is not None
    assert db.session.execute(scoping.cases(admin)).scalars().first() is None
    with pytest.raises(NotFound):
        records.read_household(admin, homes["a1"].id)
