"""The whole grid on the phone (services.fieldwork.grid_bundle) and the numbers for a remote check
(services.fieldwork.call_numbers): only the worker's own grid, numbers masked, the least the
work needs, audited with counts only, and a cost that does not grow with the grid."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import asdict

import pytest
from sqlalchemy import event, select

from core import clock
from core.extensions import db
from domain.enums import CaseSource
from domain.workflow import Action
from factories import build_world, household, new_id
from models import AuditLog
from services.errors import NotFound, PermissionDenied
from services.fieldwork import call_numbers, grid_bundle
from services.workflow import cases
from services.workflow.cases import StepInput

PHONE = "13811112222"


@pytest.fixture
def world(app):
    return build_world()


@contextmanager
def _statements():
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)
    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _assigned(world, home, who="grid_a1", village="village_a"):
    today = clock.today()
    case = cases.open_case(None, home.region, CaseSource.SELF_REPORT, today=today, household=home)
    village = world.users[village]
    cases.perform(village, case.id, Action.ACCEPT, StepInput(), today=today)
    cases.perform(village, case.id, Action.ASSIGN_VERIFIER, StepInput(assignee_id=world.users[who].id), today=today)
    return case


def _audits():
    db.session.flush()
    return db.session.execute(select(AuditLog).order_by(AuditLog.id)).scalars().all()


def test_the_bundle_holds_the_workers_grid_only_with_numbers_masked(world, today):
    id_number = new_id()
    mine = household(world.grid_a1, today, size=3, id_number=id_number, phone=PHONE)
    household(world.grid_a2, today)          # the same village, another grid
    household(world.village_a, today)        # the village itself, above the grids
    household(world.grid_b1, today)          # another village
    found = grid_bundle.grid_bundle(world.users["grid_a1"], today)
    assert [h.id for h in found.households] == [mine.id]
    entry = found.households[0]
    assert entry.region == "青山村一组" and entry.size == 3 and entry.head == mine.head.name
    head = next(m for m in entry.members if m.head)
    assert head.relation == "户主" and head.phone_masked == "138****2222"
    assert head.id_masked == id_number[:6] + "********" + id_number[-4:]
    text = repr(asdict(found))
    assert PHONE not in text and id_number not in text
    # the least the work needs: no income, health, labour or schooling
    assert set(asdict(head)) == {"name", "relation", "head", "id_masked", "phone_masked"}
    assert not found.truncated and found.day == today


def test_the_bundle_carries_the_open_cases_assigned_to_the_worker_with_their_step(world, today):
    home = household(world.grid_a1, today)
    mine = _assigned(world, home)
    other_worker = household(world.grid_b1, today)
    _assigned(world, other_worker, who="grid_b1", village="village_b")
    cases.open_case(None, world.grid_a1, CaseSource.SELF_REPORT, today=today, household=home)  # not assigned
    found = grid_bundle.grid_bundle(world.users["grid_a1"], today)
    assert [(c.id, c.household_id, c.state, c.verifying) for c in found.cases] == [
        (mine.id, home.id, "入户核实中", True)]
    assert found.cases[0].name == home.head.name and found.cases[0].village == "青山村"
    assert found.cases[0].days_left is not None and not found.cases[0].overdue


def test_each_download_is_audited_with_counts_and_no_personal_data(world, today):
    home = household(world.grid_a1, today, size=2, phone=PHONE)
    _assigned(world, home)
    grid_bundle.grid_bundle(world.users["grid_a1"], today)
    entry = _audits()[-1]
    assert (entry.action, entry.object_type, entry.object_id) == ("download", "region", str(world.grid_a1.id))
    assert entry.detail == "offline grid: households=1 members=2 cases=1"


def test_only_grid_workers_keep_a_grid(world, today):
    household(world.grid_a1, today)
    for name in ("village_a", "township", "cadre_a"):
        with pytest.raises(PermissionDenied):
            grid_bundle.grid_bundle(world.users[name], today)


def test_a_big_grid_is_read_in_batches_and_cut_at_the_cap(world, today, monkeypatch):
    made = [household(world.grid_a1, today).id for _ in range(5)]
    monkeypatch.setattr(grid_bundle, "BATCH", 2)
    monkeypatch.setattr(grid_bundle, "MAX_HOUSEHOLDS", 3)
    found = grid_bundle.grid_bundle(world.users["grid_a1"], today)
    assert [h.id for h in found.households] == made[:3] and found.truncated and found.limit == 3


def test_statements_do_not_grow_with_the_grid(world, today):
    """Households, their members, their last visits, the cases, their regions and those regions'
    villages: six statements for one household or thirty (each batch of 200 adds three)."""
    worker = world.users["grid_a1"]
    home = household(world.grid_a1, today)
    _assigned(world, home)
    db.session.commit()
    db.session.expire_all()
    worker = db.session.get(type(worker), worker.id)
    worker.region  # noqa: B018  (loaded as the request's login would)
    with _statements() as few:
        grid_bundle.grid_bundle(worker, today)
    for _ in range(29):
        household(world.grid_a1, today)
    db.session.commit()
    db.session.expire_all()
    worker = db.session.get(type(worker), worker.id)
    worker.region  # noqa: B018
    with _statements() as many:
        found = grid_bundle.grid_bundle(worker, today)
    assert len(found.households) == 30
    assert len(few) == len(many) == 6, many


# --- the numbers for a remote check --------------------------------------------------------------

def test_the_grid_worker_gets_the_numbers_in_full_and_the_read_is_audited(world, today):
    home = household(world.grid_a1, today, size=2, phone=PHONE)
    found = call_numbers.numbers(world.users["grid_a1"], home.id, None)
    assert [(n.name, n.relation, n.phone) for n in found] == [(home.head.name, "户主", PHONE)]
    entry = _audits()[-1]
    assert (entry.action, entry.object_type, entry.object_id) == ("read", "household", str(home.id))
    assert PHONE not in entry.detail and entry.detail == "phones for a remote check: 1"


def test_the_form_panel_shows_numbers_masked_and_says_who_may_call(world, today):
    home = household(world.grid_a1, today, phone=PHONE)
    before = len(_audits())
    mine = call_numbers.panel(world.users["grid_a1"], home.id, None)
    theirs = call_numbers.panel(world.users["village_a"], home.id, None)
    assert [n.phone for n in mine.numbers] == [n.phone for n in theirs.numbers] == ["138****2222"]
    assert mine.may_call and not theirs.may_call
    assert len(_audits()) == before  # nothing read in full, nothing to audit
    without = household(world.grid_a1, today)
    assert not call_numbers.panel(world.users["grid_a1"], without.id, None).may_call


def test_staff_not_assigned_see_masked_only_and_outside_scope_is_not_found(world, today):
    home = household(world.grid_a1, today, phone=PHONE)
    with pytest.raises(PermissionDenied):
        call_numbers.numbers(world.users["village_a"], home.id, None)
    with pytest.raises(NotFound):
        call_numbers.numbers(world.users["grid_b1"], home.id, None)
    other = household(world.grid_a2, today, phone="13900000000")
    with pytest.raises(NotFound):
        call_numbers.numbers(world.users["grid_a1"], other.id, None)


def test_a_case_of_another_household_is_not_found(world, today):
    home = household(world.grid_a1, today, phone=PHONE)
    elsewhere = household(world.grid_a1, today)
    case = _assigned(world, elsewhere)
    with pytest.raises(NotFound):
        call_numbers.numbers(world.users["grid_a1"], home.id, case.id)
    assert call_numbers.numbers(world.users["grid_a1"], elsewhere.id, case.id) == []
