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


def _failures_of(app, login: str) -> list[str]:
    """What goes wrong for one account: (url, status) for each page answering otherwise."""
    client = app.test_client()
    assert client.post("/login", data={"login": login, "password": DEMO_PASSWORD}).status_code == 302, login
    failures = []
    for url in LIST_PAGES:
        status = client.get(url).status_code
        if status not in (200, 303, 403):  # 303: the weekly page sends a township to its status page
            failures.append(f"{login} {url}: {status}")
    user = db.session.execute(select(User).where(User.username == login)).scalar_one()
    case_ids = db.session.execute(scoping.cases(user).with_only_columns(Case.id)).scalars().all()
    household_ids = db.session.execute(
        scoping.households(user).with_only_columns(Household.id).limit(5)).scalars().all()
    # A department officer's rows are the measures handed to it, never the full records.
    full = 200 if scoping.reach(user) in scoping.FULL_RECORD else 404
    for url in [f"/cases/{i}" for i in case_ids] + [f"/households/{i}" for i in household_ids]:
        status = client.get(url).status_code
        if status != full:
            failures.append(f"{login} {url}: {status}, not {full}")
    return failures


def test_every_page_every_demo_account_can_reach_opens(app, demo_county):
    # One county for all the accounts (seeding it is most of the cost); each logs in on its own
    # client, and what fails is listed by account.
    failures = [failure for login, *_ in STAFF for failure in _failures_of(app, login)]
    assert failures == [], "\n".join(failures)
