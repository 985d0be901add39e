"""低保渐退期 on the household page over HTTP: "低保渐退期：至 YYYY-MM-DD" with the seed's rule
for every reader in scope, nothing when the household has none; 404 outside scope."""
from __future__ import annotations

from datetime import date

import pytest

import factories
from conftest import TODAY
from core.extensions import db
from domain.enums import HouseholdAttribute, IncomeSource
from http_support import by_testid, signed_in, text_of
from services.households import incomes
from services.regions import settings


@pytest.fixture
def homes(app, monkeypatch):
    monkeypatch.setattr("portal.views.today", lambda: TODAY)
    world = factories.build_world()
    settings.set_dibao_standard(None, world.county, 2026, "6000", "575")
    made = {}
    for name, per_head in (("phasing", "7000"), ("above", "9500")):
        h = factories.household(world.grid_a1, TODAY, size=1)
        h.attribute = HouseholdAttribute.LIFTED.value
        h.members[0].minimum_living = True
        incomes.record_income(None, h, year=2026, measured_on=date(2026, 3, 15), net_total=per_head,
                              source=IncomeSource.STAFF, today=TODAY)
        made[name] = h.id
    db.session.commit()
    return made


@pytest.mark.parametrize("who", ["village_a", "township", "county", "grid_a1"])
def test_readers_in_scope_see_the_end_and_the_rule(app, homes, who):
    response = signed_in(app, who).get(f"/households/{homes['phasing']}")
    html = text_of(response)
    assert response.status_code == 200
    assert by_testid(html, "dibao-phaseout") == "低保渐退期：至 2027-03-15"
    rule = by_testid(html, "dibao-phaseout-rule")
    assert "脱贫户，自 2026-03-15 核定收入起 12 个月" in rule
    assert "人均收入超过当地低保标准且在当地低保1.5倍以内，可给予12个月的渐退期" in rule
    assert "已到期" not in html


def test_a_household_without_a_phaseout_shows_nothing_of_it(app, homes):
    html = text_of(signed_in(app, "village_a").get(f"/households/{homes['above']}"))
    assert "低保渐退期" not in html


@pytest.mark.parametrize("who", ["village_b", "grid_b1", "dept"])
def test_outside_scope_is_not_found(app, homes, who):
    response = signed_in(app, who).get(f"/households/{homes['phasing']}")
    assert response.status_code == 404 and "低保渐退期" not in text_of(response)


def test_an_ended_phaseout_asks_for_a_review(app, homes, monkeypatch):
    monkeypatch.setattr("portal.views.today", lambda: date(2027, 3, 16))
    html = text_of(signed_in(app, "village_a").get(f"/households/{homes['phasing']}"))
    assert by_testid(html, "dibao-phaseout") == "低保渐退期：至 2027-03-15"
    assert by_testid(html, "dibao-phaseout-ended") == "已到期，请核实是否退出低保"
