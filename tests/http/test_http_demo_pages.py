"""Every back-office page of the demo county opens for every demo account: no page of any
case, household or list ends in a server error, and pages a role does not use say so (403)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from conftest import TODAY
from core.extensions import db
from models import Case, Household, User
from office_support import Calendar
from services.accounts import scoping
from services.demo import seeding
from services.demo.data import DEMO_PASSWORD, STAFF

LIST_PAGES = ["/", "/inbox", "/overdue", "/tasks", "/lookback", "/dashboard", "/measures", "/notifications",
              "/warnings", "/warnings/overview", "/warnings/unmatched", "/warnings/upload", "/campaigns",
              "/campaigns/1", "/campaigns/1/problems", "/campaigns/1/ledger", "/campaigns/1/weekly",
              "/campaigns/1/weekly/status", "/campaigns/1/exports"]


@pytest.fixture
def demo_county(app, monkeypatch):
    Calendar(monkeypatch, TODAY)
    seeding.seed(TODAY)
    db.session.commit()


@pytest.mark.parametrize("login", [s[0] for s in STAFF])
def test_every_page_a_demo_account_can_reach_opens(app, demo_county, login):
    client = app.test_client()
    assert client.post("/login", data={"login": login, "password": DEMO_PASSWORD}).status_code == 302
    for url in LIST_PAGES:
        status = client.get(url).status_code
        assert status in (200, 303, 403), (url, status)  # 303: the weekly page sends a township to its status page
    user = db.session.execute(select(User).where(User.username == login)).scalar_one()
    case_ids = db.session.execute(scoping.cases(user).with_only_columns(Case.id)).scalars().all()
    household_ids = db.session.execute(
        scoping.households(user).with_only_columns(Household.id).limit(5)).scalars().all()
    # A department officer's rows are the measures handed to it, never the full records.
    full = 200 if scoping.reach(user) in scoping.FULL_RECORD else 404
    for case_id in case_ids:
        assert client.get(f"/cases/{case_id}").status_code == full, case_id
    for household_id in household_ids:
        assert client.get(f"/households/{household_id}").status_code == full, household_id
