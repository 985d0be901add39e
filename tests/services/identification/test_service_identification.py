"""What the identification steps offer: merge targets of the same household or person in
scope, the field visits linked to a case (and which one verified it), the category hint."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest

import factories
from core.clock import WORK_TZ
from core.extensions import db
from domain.enums import CaseSource, HouseholdAttribute
from domain.workflow import CaseState
from office_support import drive, new_case
from services.fieldwork import visits
from services.fieldwork.visits import VisitInput
from services.identification import panels
from services.workflow import cases

START = date(2026, 11, 1)


@pytest.fixture
def world(app):
    return factories.build_world()


def _visit(case, method="home", at="2026-11-02T10:00:00+08:00", **kw) -> VisitInput:
    return VisitInput(client_uuid=str(uuid.uuid4()), household_id=case.household_id, case_id=case.id,
                      method=method, visited_at=at, **kw)


def test_merge_targets_are_open_cases_of_the_same_household_or_claimed_person(world):
    first = new_case(world, START)
    second = cases.open_case(None, first.household.region, CaseSource.PROXY_REPORT, today=START,
                             household=first.household)
    new_case(world, START)  # another household
    closed = cases.open_case(None, first.household.region, CaseSource.GRID_VISIT, today=START,
                             household=first.household)
    closed.state = CaseState.REJECTED.value  # seeding shortcut: only "is it open" matters here
    id_number = factories.new_id()
    by_id = [cases.open_case(None, world.village_a, CaseSource.SELF_REPORT, today=START,
                             claimed_name="王大山", claimed_id_number=id_number) for _ in range(2)]
    db.session.flush()
    village = world.users["village_a"]
    targets = panels.merge_targets(village, second)
    assert [t.id for t in targets] == [first.id]
    assert targets[0].label == f"案件 {first.id} · 已提交 · 农户自主申报 · 2026-11-01"
    assert [t.id for t in panels.merge_targets(village, by_id[1])] == [by_id[0].id]
    assert panels.merge_targets(world.users["village_b"], second) == []  # outside the scope
    lone = cases.open_case(None, world.village_a, CaseSource.PETITION_MEDIA, today=START)
    assert panels.merge_targets(village, lone) == []


def test_linked_visits_say_which_one_verified_the_case(world):
    case = new_case(world, START)
    drive(world, case, CaseState.VERIFYING, START)
    grid = world.users["grid_a1"]
    # Made this morning and sent at once, as a visit must be (domain.visit_proof): the step it
    # takes is recorded when it arrives, beside it.
    first, later = (datetime.now(WORK_TZ).replace(second=0, microsecond=0) - timedelta(minutes=m) for m in (90, 30))
    visits.record_visit(grid, _visit(case, method="phone", at=first.isoformat(),
                                     reached_person="户主本人", reached_via="13900000000", away_reason="work"))
    assert case.state_enum is CaseState.VERIFIED
    visits.record_visit(grid, _visit(case, at=later.isoformat()))  # a later visit
    rows = panels.linked_visits(case)
    assert [(r.at, r.method, r.remote, r.worker, r.verified_case) for r in rows] == [
        (f"{first:%Y-%m-%d %H:%M}", "电话", True, "GRID_A1（网格员）", True),
        (f"{later:%Y-%m-%d %H:%M}", "入户", False, "GRID_A1（网格员）", False)]
    assert panels.linked_visits(new_case(world, START)) == []


def test_the_category_hint_follows_the_household(world):
    case = new_case(world, START)
    assert "边缘易致贫户" in panels.category_hint(case)
    case.household.attribute = HouseholdAttribute.LIFTED.value
    assert panels.category_hint(case).startswith("该户为脱贫户，一般认定为“脱贫不稳定户”")
    urgent = new_case(world, START, urgent=True)
    assert "突发严重困难户" in panels.category_hint(urgent)
