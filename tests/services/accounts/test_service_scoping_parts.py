"""The scope of cases in parts that never overlap (read each from its own index by the inbox):
together they are exactly the scope, and no case is in two."""
import importlib.util
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from core.extensions import db
from domain.case_states import CaseState
from factories import build_world, with_a_neighbour
from models import Case
from services.accounts import scoping

TODAY = date(2026, 11, 20)


def _case(region, **people) -> Case:
    case = Case(source="self_report", state="reported", region=region, clue_date=TODAY, **people)
    db.session.add(case)
    return case


def test_the_parts_add_up_to_the_scope_without_overlap(app):
    world = with_a_neighbour(build_world())
    township = world.users["township"]
    outside = world.users["other_county"].region
    _case(world.village_a)                                                     # in the area
    _case(world.village_b, verifier_id=township.id, reported_by_id=township.id)  # in the area, own too
    mine = [_case(outside, verifier_id=township.id, reported_by_id=township.id),  # outside: named twice
            _case(outside, original_verifier_id=township.id),
            _case(outside, pair_cadre_id=township.id),
            _case(outside, reported_by_id=township.id)]
    _case(outside)                                                             # nobody's here
    db.session.flush()

    def ids(condition) -> list[int]:
        return list(db.session.execute(select(Case.id).where(condition)).scalars())

    whole = set(db.session.execute(scoping.cases(township).with_only_columns(Case.id)).scalars())
    parts = [ids(part) for part in scoping.case_parts(township)]
    found = [case_id for part in parts for case_id in part]
    assert sorted(found) == sorted(whole) and len(found) == len(set(found))
    assert {c.id for c in mine} <= whole and len(whole) == 6
    assert [len(p) for p in parts] == [2, 1, 1, 1, 1]


def test_other_reaches_are_one_part(app):
    world = build_world()
    grid = world.users["grid_a1"]
    _case(world.village_a, verifier_id=grid.id)
    db.session.flush()
    [part] = scoping.case_parts(grid)
    assert db.session.execute(select(func.count()).where(part)).scalar_one() == 1


def test_the_inbox_index_migration_names_the_open_states():
    path = Path(__file__).parents[3] / "shoudi" / "migrations" / "versions" / "0020_inbox_index.py"
    spec = importlib.util.spec_from_file_location("inbox_index_migration", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert set(migration.OPEN_STATES) == {s.value for s in CaseState if s.is_open}
