"""党政主职遍访 over HTTP: who must be visited, who may record, coverage per township."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

import factories
from core.extensions import db
from domain.workflow import CaseState
from http_support import audit_rows, signed_in, text_of
from models import HeadVisit, User
from office_support import drive, new_case

TODAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr("portal.office.head_visits.today", lambda: TODAY)


@pytest.fixture
def scene(app):
    world = factories.build_world()
    start = TODAY - timedelta(days=200)
    at_risk = drive(world, new_case(world, start), CaseState.HELPING, start)
    also = drive(world, new_case(world, start), CaseState.MONITORED, start)
    clue = new_case(world, TODAY - timedelta(days=2))  # not monitored: nobody visits it yet
    db.session.execute(select(User).where(User.username == "township")).scalar_one().head_title = "secretary"
    db.session.commit()
    return world, at_risk.household_id, also.household_id, clue.household_id


def _rows(html: str) -> set[int]:
    return {int(part.split('"')[0]) for part in html.split('data-household="')[1:]}


def test_the_secretary_records_visits_and_the_coverage_follows(app, scene):
    world, first, second, clue = scene
    client = signed_in(app, "township")
    html = text_of(client.get("/head-visits"))
    assert _rows(html) == {first, second} and "乡镇党委书记 TOWNSHIP" in html
    assert 'data-testid="percent">0%' in html

    response = client.post(f"/head-visits/{first}", data={"visited_on": TODAY.isoformat(), "note": "督促落实医疗救助"})
    assert response.status_code == 303
    html = text_of(client.get("/head-visits"))
    assert 'data-testid="visited">1<' in html and 'data-testid="percent">50%' in html
    assert f"{TODAY.isoformat()} 乡镇党委书记 TOWNSHIP" in html
    [visit] = db.session.execute(select(HeadVisit)).scalars().all()
    assert (visit.household_id, visit.visitor_title, visit.note) == (first, "secretary", "督促落实医疗救助")
    assert audit_rows(object_type="head_visit")[-1].detail == f"household={first}"

    county = text_of(signed_in(app, "county").get("/head-visits"))
    assert 'data-testid="visited">1<' in county and "登记遍访" not in county  # the county reads only


def test_a_wrong_date_is_shown_beside_the_field_with_what_was_typed(app, scene):
    world, first, *_ = scene
    client = signed_in(app, "township")
    response = client.post(f"/head-visits/{first}", data={"visited_on": "2025-12-30", "note": "去年走过"})
    html = text_of(response)
    assert response.status_code == 400 and "只能登记2026年的遍访" in html and "去年走过" in html
    response = client.post(f"/head-visits/{first}", data={"visited_on": "2026-13-45²", "note": "x"})
    assert response.status_code == 400
    assert db.session.execute(select(HeadVisit)).first() is None


def test_only_a_head_records_and_only_households_at_risk_in_the_township(app, scene):
    world, first, second, clue = scene
    assert signed_in(app, "county").post(f"/head-visits/{first}", data={"visited_on": TODAY.isoformat()}).status_code == 403
    db.session.execute(select(User).where(User.username == "township")).scalar_one().head_title = None
    db.session.commit()
    assert signed_in(app, "township").post(f"/head-visits/{first}",
                                           data={"visited_on": TODAY.isoformat()}).status_code == 403
    db.session.execute(select(User).where(User.username == "township")).scalar_one().head_title = "mayor"
    db.session.commit()
    client = signed_in(app, "township")
    assert client.post(f"/head-visits/{clue}", data={"visited_on": TODAY.isoformat()}).status_code == 404
    assert client.post("/head-visits/2147483648", data={"visited_on": TODAY.isoformat()}).status_code == 404


@pytest.mark.parametrize("who", ["village_a", "grid_a1", "cadre_a", "dept", "admin", "auditor"])
def test_the_page_is_for_township_and_county_staff(app, scene, who):
    assert signed_in(app, who).get("/head-visits").status_code == 403


def test_the_head_is_set_on_the_account_page_for_township_staff_only(app, scene):
    world, *_ = scene
    client = signed_in(app, "county")
    village = world.users["village_a"]
    response = client.post(f"/users/{village.id}", data={"full_name": "VILLAGE_A", "role": "village_staff",
                                                        "region": village.region.code, "head_title": "mayor"})
    assert response.status_code == 400 and "只有乡镇工作人员账号可以设为党政主职" in text_of(response)
    township = world.users["township"]
    response = client.post(f"/users/{township.id}", data={"full_name": "TOWNSHIP", "role": "township_staff",
                                                          "region": township.region.code, "head_title": "mayor"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(User, township.id).head_title == "mayor"
