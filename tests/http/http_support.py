"""Shared helpers for the HTTP tests in this folder (pytest puts the folder on sys.path).

Not a conftest.py on purpose: without __init__.py files every conftest is imported under the
module name ``conftest``, and a second one would replace the root conftest in sys.modules for
every test module collected after it (so ``from conftest import make_app`` would break there).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from flask.testing import FlaskClient
from sqlalchemy import select

import factories
from conftest import TODAY
from core.extensions import db
from domain.enums import CaseSource
from domain.workflow import CaseState
from models import AuditLog
from services.workflow import cases


@dataclass(frozen=True)
class Scene:
    """Plain ids and numbers (no ORM objects) so tests never touch expired instances."""

    user_ids: dict[str, int]
    household_a: int          # registered directly in village A
    household_a1: int         # in grid A1 (village A)
    household_a2: int         # in grid A2 (village A)
    household_b: int          # in village B
    id_number_a: str          # head of household_a
    id_number_b: str          # head of household_b
    case_a: int
    case_b: int


# What each landing page must show for the scene below; the county's numbers are the sums.
EXPECTED_LANDING = {
    "village_a": ("示范县 / 青山镇 / 青山村", "村级工作人员", 4, 1),
    "village_b": ("示范县 / 青山镇 / 石门村", "村级工作人员", 2, 2),
    "grid_a1": ("示范县 / 青山镇 / 青山村 / 青山村一组", "网格员", 1, 0),
    "county": ("示范县", "县级工作人员", 6, 3),
}


def build_scene() -> Scene:
    """Village A: 4 households (2 direct, 1 per grid), 1 open case; village B: 2 households,
    2 open cases and 1 rejected one, which must not count as open."""
    world = factories.build_world()
    id_a, id_b = factories.new_id(), factories.new_id()
    h_a = factories.household(world.village_a, TODAY, id_number=id_a)
    factories.household(world.village_a, TODAY)
    h_a1 = factories.household(world.grid_a1, TODAY)
    h_a2 = factories.household(world.grid_a2, TODAY)
    h_b = factories.household(world.village_b, TODAY, id_number=id_b)
    h_b2 = factories.household(world.village_b, TODAY)
    case_a = cases.open_case(None, world.village_a, CaseSource.SELF_REPORT, today=TODAY,
                             household=h_a, words="家里有人生病")
    case_b = cases.open_case(None, world.village_b, CaseSource.SELF_REPORT, today=TODAY,
                             household=h_b)
    cases.open_case(None, world.village_b, CaseSource.SELF_REPORT, today=TODAY, household=h_b2)
    closed = cases.open_case(None, world.village_b, CaseSource.SELF_REPORT, today=TODAY)
    closed.state = CaseState.REJECTED.value  # seeding shortcut: only "is it open" matters here
    db.session.commit()
    return Scene(user_ids={name: u.id for name, u in world.users.items()},
                 household_a=h_a.id, household_a1=h_a1.id, household_a2=h_a2.id,
                 household_b=h_b.id, id_number_a=id_a, id_number_b=id_b,
                 case_a=case_a.id, case_b=case_b.id)


def login(client: FlaskClient, login_name: str, password: str = factories.PASSWORD,
          next_url: str | None = None):
    url = "/login" if next_url is None else "/login?" + urlencode({"next": next_url})
    return client.post(url, data={"login": login_name, "password": password})


def audit_rows(**where) -> list[AuditLog]:
    """Audit rows as committed by the requests (each request used its own session)."""
    db.session.expire_all()
    query = select(AuditLog).order_by(AuditLog.id)
    for column, value in where.items():
        query = query.where(getattr(AuditLog, column) == value)
    return list(db.session.execute(query).scalars())


def text_of(response) -> str:
    return response.get_data(as_text=True)


def by_testid(html: str, name: str) -> str:
    match = re.search(rf'data-testid="{re.escape(name)}"[^>]*>([^<]*)<', html)
    assert match, f'no element with data-testid="{name}" in the page'
    return match.group(1).strip()


def without_csrf_tokens(html: str) -> str:
    """The logout form's token is time-stamped, so two otherwise equal pages differ in it."""
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token" value=""', html)


def signed_in(app, login_name: str) -> FlaskClient:
    """A fresh client logged in as one of the factory users (one client per person)."""
    client = app.test_client()
    assert login(client, login_name).status_code == 302
    return client
