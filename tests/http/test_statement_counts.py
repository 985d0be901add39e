"""How many SQL statements the hot paths send, pinned so that an N+1 cannot creep back in.

Each pin below is the exact count observed when it was set (SQLite and PostgreSQL agree). A pin
may only be LOWERED, and deliberately: when a change makes a path cheaper, lower the pin in the
same commit. A change that makes a path dearer must not simply raise it: the failure message
lists every statement, so find the query that was added and load it with the rows instead.
Only when work is moved on purpose (say, notifications leaving the request for the outbox) may
a pin change for another reason; write the new count here and say why in the commit message.

The ``count_statements`` fixture (tests/conftest.py) counts what the request itself sends: the
statements executed in the request's application context, including after its commit. The
test's set-up is outside the block, and queue tasks (run at once by the test queue, but in an
application context of their own, as in the worker) are not counted, except where a test asks
for them with ``queued=True``: the self-report's work is done in the queue, so it is pinned
both ways. Moving the notifications into the outbox changes those pins; that is expected.

The list pages also show that their count does not grow with the number of rows.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest

import factories
import files_support
from core import clock
from core.extensions import db
from domain.enums import CaseSource
from domain.workflow import Action
from http_support import signed_in
from services.accounts import tokens
from services.farmer import consent
from services.workflow import cases
from services.workflow.cases import Evidence, StepInput

API = "/api/v1"
TODAY = date(2026, 11, 20)

# The pins. Lower them when a path gets cheaper; never raise one to make a test pass.
SELF_REPORT = 3               # the request: village, the form's row, the outbox row for the queue
SELF_REPORT_VILLAGE_KNOWN = 2  # ...once this process remembers the village's code
SELF_REPORT_WITH_QUEUE = 34   # ...and the queue tasks it runs: the case, then who is told and how
                              # (the other channels read the person's choice of channel)
# The first report ever made under a consent wording also puts the wording on file: its row
# finds the wording missing in its own INSERT, then the wording is written and the row names it.
SELF_REPORT_FIRST_UNDER_A_WORDING = 5
VISIT = 3                     # token with user, the visit (its insert checks the scope), audit
VISIT_VERIFYING_A_CASE = 9    # ...and the scoped case, its rules, the verify step, the outbox
INBOX = 12                    # 4 clues of every kind; the same with 3 or 12 (test below)
CASE_PAGE = 13                # a reported clue with one file, seen by its village staff
HOUSEHOLD_LIST = 11           # the list, its filter choices and the nav badge, whatever the rows


def _pinned(statements, expected: int, what: str) -> None:
    count = len(statements)
    assert count == expected, (
        f"{what}: {count} statements, pinned at {expected} "
        f"(lower the pin if it got cheaper; find the new query if it got dearer)\n{statements}")


# --- the farmer's self-report (POST /api/v1/reports) -------------------------------------------

def _report(token: str) -> dict:
    return {"token": token, "name": "王大山", "id_number": "11010519491231002X", "phone": "13812345678",
            "village_code": "341599101001", "hardships": ["illness", "schooling"],
            "description": "老伴住院花了五万多", "consent": True, "urgent": "no"}


def _world_with_its_consent_wording() -> None:
    """The world, with the consent wording on file, as on any server after its first report."""
    factories.build_world()
    consent.ensure_current_wording()
    db.session.commit()


def test_self_report(client, count_statements):
    _world_with_its_consent_wording()
    with count_statements() as statements:
        answer = client.post(f"{API}/reports", json=_report("tok_" + "a" * 20))
    assert answer.status_code == 202, answer.get_json()
    _pinned(statements, SELF_REPORT, "POST /api/v1/reports")
    with count_statements() as statements:
        answer = client.post(f"{API}/reports", json=_report("tok_" + "b" * 20))
    assert answer.status_code == 202, answer.get_json()
    _pinned(statements, SELF_REPORT_VILLAGE_KNOWN, "POST /api/v1/reports (village code remembered)")


def test_self_report_with_its_queued_work(client, count_statements):
    """The report is taken in the request and turned into a case by a queue task: together."""
    _world_with_its_consent_wording()
    with count_statements(queued=True) as statements:
        answer = client.post(f"{API}/reports", json=_report("tok_" + "a" * 20))
    assert answer.status_code == 202, answer.get_json()
    _pinned(statements, SELF_REPORT_WITH_QUEUE, "POST /api/v1/reports and its queue tasks")


def test_the_first_report_under_a_wording_puts_the_wording_on_file(client, count_statements):
    factories.build_world()
    db.session.commit()
    with count_statements() as statements:
        answer = client.post(f"{API}/reports", json=_report("tok_" + "a" * 20))
    assert answer.status_code == 202, answer.get_json()
    _pinned(statements, SELF_REPORT_FIRST_UNDER_A_WORDING, "POST /api/v1/reports (a new consent wording)")
    with count_statements() as statements:
        answer = client.post(f"{API}/reports", json=_report("tok_" + "b" * 20))
    assert answer.status_code == 202, answer.get_json()
    _pinned(statements, SELF_REPORT_VILLAGE_KNOWN, "POST /api/v1/reports (the wording on file now)")


# --- a grid worker's visit that verifies the case they were sent to (POST /api/v1/visits) ---------

def _visit_body(household_id: int, **more) -> dict:
    return {"client_uuid": str(uuid.uuid4()), "household_id": household_id, "method": "home",
            "visited_at": (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat(),
            "answers": {"housing_safe": "yes", "water_safe": "yes", "should_monitor": "no"},
            "income": {"wages": 24000, "business": "3000.50", "business_costs": 1000},
            "household_size": 2, "gps": {"lat": 30.5, "lng": 117.2, "accuracy": 12}, **more}


def test_visit(client, count_statements):
    """A routine visit, the most frequent write of the grid worker's day."""
    world = factories.build_world()
    household = factories.household(world.grid_a1, clock.today())
    token, _ = tokens.issue(world.users["grid_a1"])
    db.session.commit()
    with count_statements() as statements:
        answer = client.post(f"{API}/visits", json=_visit_body(household.id),
                             headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 201, answer.get_json()
    _pinned(statements, VISIT, "POST /api/v1/visits")


def test_visit_verifying_a_case(client, count_statements):
    world = factories.build_world()
    household = factories.household(world.grid_a1, clock.today(), phone="13800001111")
    case = cases.open_case(None, world.village_a, CaseSource.SELF_REPORT, today=clock.today(),
                           household=household)
    staff, worker = world.users["village_a"], world.users["grid_a1"]
    cases.perform(staff, case.id, Action.ACCEPT, StepInput(), today=clock.today())
    cases.perform(staff, case.id, Action.ASSIGN_VERIFIER, StepInput(assignee_id=worker.id), today=clock.today())
    token, _ = tokens.issue(worker)
    db.session.commit()
    body = _visit_body(household.id, case_id=case.id)
    body["answers"]["should_monitor"] = "yes"
    with count_statements() as statements:
        answer = client.post(f"{API}/visits", json=body, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 201 and answer.get_json()["case_state"] == "verified", answer.get_json()
    _pinned(statements, VISIT_VERIFYING_A_CASE, "POST /api/v1/visits")


# --- the triage inbox (GET /inbox) --------------------------------------------------------------

def _open_cases(world, n: int) -> None:
    """``n`` clues in village A of every kind the inbox shows: a household in a grid, one directly
    in the village, an urgent one reported by staff, and a clue with a name only."""
    for i in range(n):
        kind = i % 4
        if kind == 3:
            cases.open_case(None, world.village_a, CaseSource.PETITION_MEDIA, today=TODAY,
                            claimed_name=f"孙二娘{i}")
            continue
        h = factories.household(world.grid_a1 if kind == 0 else world.village_a, TODAY)
        if kind == 2:
            cases.open_case(world.users["village_a"], h.region, CaseSource.GRID_VISIT, today=TODAY,
                            household=h, risk_types=["disaster"], urgent=True)
        else:
            cases.open_case(None, h.region, CaseSource.SELF_REPORT, today=TODAY, household=h,
                            risk_types=["illness"])
    db.session.commit()


@pytest.fixture
def inbox_with(app, monkeypatch):
    monkeypatch.setattr("portal.office.inbox.today", lambda: TODAY)

    def build(n: int):
        world = factories.build_world()
        _open_cases(world, n)
        return world, signed_in(app, "village_a")
    return build


def _inbox_statements(client, count_statements):
    with count_statements() as statements:
        page = client.get("/inbox")
    assert page.status_code == 200
    return statements, page.get_data(as_text=True)


def test_inbox(inbox_with, count_statements):
    _world, client = inbox_with(4)
    statements, html = _inbox_statements(client, count_statements)
    assert html.count("<tr data-case=") == 4
    _pinned(statements, INBOX, "GET /inbox with 4 cases")


def test_inbox_count_does_not_grow_with_the_rows(inbox_with, count_statements):
    world, client = inbox_with(3)
    few, html = _inbox_statements(client, count_statements)
    assert html.count("<tr data-case=") == 3
    _open_cases(world, 9)
    many, html = _inbox_statements(client, count_statements)
    assert html.count("<tr data-case=") == 12
    assert len(many) == len(few), f"3 cases:\n{few}\n\n12 cases:\n{many}"


# --- the case page (GET /cases/<id>) ------------------------------------------------------------

PDF = files_support.pdf("minutes")  # a real one-page PDF: uploads are parsed


def test_case_page(app, monkeypatch, count_statements):
    monkeypatch.setattr("portal.office.case_page.today", lambda: TODAY)
    world = factories.build_world()
    h = factories.household(world.grid_a1, TODAY, size=3)
    case = cases.open_case(None, h.region, CaseSource.SELF_REPORT, today=TODAY, household=h, words="老人住院",
                           evidence=[Evidence("诊断证明.pdf", PDF, "application/pdf")])
    db.session.commit()
    client = signed_in(app, "village_a")
    with count_statements() as statements:
        page = client.get(f"/cases/{case.id}")
    assert page.status_code == 200 and 'data-step="accept"' in page.get_data(as_text=True)
    _pinned(statements, CASE_PAGE, "GET /cases/<id>")


def _step(actor, case_id: int, action: Action, name: str, **fields) -> None:
    cases.perform(actor, case_id, action, StepInput(
        comment=name, evidence=[Evidence(f"{name}.pdf", PDF, "application/pdf")], **fields), today=TODAY)


def test_case_page_count_does_not_grow_with_its_history(app, monkeypatch, count_statements):
    """3 events against 7, taken by two people, each with a file: the same statements."""
    monkeypatch.setattr("portal.office.case_page.today", lambda: TODAY)
    world = factories.build_world()
    h = factories.household(world.grid_a1, TODAY)
    case = cases.open_case(None, h.region, CaseSource.SELF_REPORT, today=TODAY, household=h, words="老人住院",
                           evidence=[Evidence("诊断证明.pdf", PDF, "application/pdf")])
    village, township = world.users["village_a"], world.users["township"]
    verifiers = [world.users["grid_a1"].id, world.users["cadre_a"].id]
    _step(village, case.id, Action.ACCEPT, "受理单")
    _step(village, case.id, Action.ASSIGN_VERIFIER, "指派单", assignee_id=verifiers[0])
    db.session.commit()
    client = signed_in(app, "village_a")
    with count_statements() as short:
        assert client.get(f"/cases/{case.id}").status_code == 200
    for n in range(4):
        _step(township if n % 2 else village, case.id, Action.REASSIGN_VERIFIER, f"更换{n}",
              assignee_id=verifiers[(n + 1) % 2])
    db.session.commit()
    with count_statements() as long:
        assert client.get(f"/cases/{case.id}").status_code == 200
    assert len(long) == len(short), f"3 events:\n{short}\n\n7 events:\n{long}"


# --- the household list (GET /households) ----------------------------------------------------------

@pytest.mark.parametrize("households", [3, 12])
def test_household_list_count_does_not_grow_with_the_rows(app, count_statements, households):
    world = factories.build_world()
    for i in range(households):
        home = factories.household(world.grid_a1 if i % 2 else world.grid_a2, clock.today())
        if i % 3 == 0:
            cases.open_case(None, home.region, CaseSource.SELF_REPORT, today=clock.today(), household=home)
    db.session.commit()
    client = signed_in(app, "village_a")
    with count_statements() as statements:
        answer = client.get("/households")
    assert answer.status_code == 200 and answer.get_data(as_text=True).count("<tr data-household=") == households
    _pinned(statements, HOUSEHOLD_LIST, f"GET /households with {households} households")
