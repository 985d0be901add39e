"""纳入2年以上未消除风险的分析名单 (seed 000) over HTTP: which cases are listed and counted, with the
region's own number of years, who sees the list, and the dashboard's figure."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

import factories
from core.extensions import db
from domain.enums import LabourCapacity
from domain.workflow import CaseState
from http_support import signed_in, text_of
from models import Member
from office_support import drive, new_case
from services.regions import settings

TODAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    for module in ("portal.office.unresolved", "portal.office.dashboard"):
        monkeypatch.setattr(f"{module}.today", lambda: TODAY)


def _monitored_since(world, since: date, *, labour: bool = True):
    case = drive(world, new_case(world, since), CaseState.HELPING, since)
    if not labour:
        for member in db.session.execute(select(Member).where(Member.household_id == case.household_id)).scalars():
            member.labour_capacity = LabourCapacity.NONE.value
    db.session.commit()
    return case


@pytest.fixture
def scene(app):
    world = factories.build_world()
    # The county confirms (纳入监测) 11 days after the clue in office_support's chain.
    long_ago = _monitored_since(world, TODAY.replace(year=2024) - timedelta(days=40))
    just_two = _monitored_since(world, TODAY.replace(year=2024) - timedelta(days=11))  # 2 years today
    a_day_short = _monitored_since(world, TODAY.replace(year=2024) - timedelta(days=10))
    no_labour = _monitored_since(world, TODAY.replace(year=2024) - timedelta(days=40), labour=False)
    recent = _monitored_since(world, TODAY.replace(year=2025))
    return world, {"long_ago": long_ago.id, "just_two": just_two.id, "a_day_short": a_day_short.id,
                   "no_labour": no_labour.id, "recent": recent.id}


def _listed(client) -> set[int]:
    html = text_of(client.get("/unresolved"))
    return {int(part.split('"')[0]) for part in html.split('data-case="')[1:]}


def test_households_monitored_two_years_and_able_to_work_are_listed(app, scene):
    world, ids = scene
    client = signed_in(app, "village_a")
    assert _listed(client) == {ids["long_ago"], ids["just_two"]}  # "2年以上" includes the day itself
    # not a day short of it, not a household where nobody can work (整户无劳动能力), not a recent one
    assert "重点对纳入2年以上未消除风险" in text_of(client.get("/unresolved"))


def test_the_number_of_years_is_the_regions_setting(app, scene):
    world, ids = scene
    settings.change_policy(world.users["county"], world.township, "unresolved_years", "3", "试行三年")
    db.session.commit()
    assert _listed(signed_in(app, "village_a")) == set()
    assert "纳入3年以上未消除风险" in text_of(signed_in(app, "village_a").get("/unresolved"))


def test_the_dashboard_counts_them_for_every_dashboard_role(app, scene):
    for who in ("village_a", "county", "dept"):
        html = text_of(signed_in(app, who).get("/dashboard"))
        assert 'data-testid="total-long-unresolved">2<' in html, who


@pytest.mark.parametrize("who", ["grid_a1", "cadre_a", "dept", "admin", "auditor"])
def test_the_list_is_for_village_township_and_county_staff(app, scene, who):
    assert signed_in(app, who).get("/unresolved").status_code == 403


def test_another_village_sees_none_of_them(app, scene):
    assert _listed(signed_in(app, "village_b")) == set()
