"""低保渐退期 kept on the household by services.households.incomes (the one writer of its income
cache): from the records, the members on 低保, the household's group and its region's 低保标准 and
setting; shown on the household page while the household is on 低保."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from conftest import TODAY
from core.extensions import db
from domain.enums import HouseholdAttribute, IncomeSource, MonitoringCategory
from factories import build_world, household
from models import Household
from services.households import incomes
from services.regions import settings


@pytest.fixture
def world(app):
    world = build_world()
    settings.set_dibao_standard(None, world.county, 2025, "6000", "575")
    return world


def _on_dibao(h, attribute=HouseholdAttribute.LIFTED, category=None):
    h.attribute = attribute.value
    h.monitoring_category = category.value if category else None
    h.members[0].minimum_living = True
    db.session.flush()
    return h


def _record(h, year, measured_on, net):
    return incomes.record_income(None, h, year=year, measured_on=measured_on, net_total=net,
                                 source=IncomeSource.STAFF, today=TODAY)


def _stored(h):
    db.session.flush()
    db.session.expire(h)
    return h.dibao_phaseout_start, h.dibao_phaseout_end


def test_a_lifted_out_household_on_dibao_above_the_standard_gets_twelve_months(world):
    h = _on_dibao(household(world.grid_a1, TODAY, size=2))
    _record(h, 2026, date(2026, 3, 15), "14000")  # 7,000 a head: 2025's 6,000 carried, within 9,000
    assert _stored(h) == (date(2026, 3, 15), date(2027, 3, 15))
    shown = incomes.phaseout_shown(h, TODAY)
    assert (shown.end, shown.months, shown.group, shown.ended) == ("2027-03-15", 12, "脱贫户", False)
    assert "1.5倍以内" in shown.quote
    assert incomes.phaseout_shown(h, date(2027, 3, 16)).ended


def test_a_marginal_household_gets_its_regions_setting(world):
    settings.set_policy(None, world.township, "dibao_phaseout_months", "6")
    h = _on_dibao(household(world.grid_a1, TODAY, size=1), HouseholdAttribute.MONITORED, MonitoringCategory.MARGINAL)
    _record(h, 2026, date(2026, 1, 31), "6500")
    assert _stored(h) == (date(2026, 1, 31), date(2026, 7, 31))
    assert incomes.phaseout_shown(h, TODAY).months == 6


@pytest.mark.parametrize("net", ["12000", "18000.02", "5000"])
def test_outside_the_band_nothing_is_stored(world, net):
    h = _on_dibao(household(world.grid_a1, TODAY, size=2))
    _record(h, 2026, date(2026, 3, 15), net)
    assert _stored(h) == (None, None)
    assert incomes.phaseout_shown(h, TODAY) is None


def test_a_household_not_on_dibao_or_of_no_named_group_has_none(world):
    ordinary = _on_dibao(household(world.grid_a1, TODAY, size=1), HouseholdAttribute.ORDINARY)
    _record(ordinary, 2026, date(2026, 3, 15), "7000")
    assert _stored(ordinary) == (None, None)
    off = household(world.grid_a1, TODAY, size=1)
    off.attribute = HouseholdAttribute.LIFTED.value
    _record(off, 2026, date(2026, 3, 15), "7000")
    assert _stored(off) == (None, None)


def test_no_standard_set_means_no_phaseout_until_the_next_record(app):
    world = build_world()
    h = _on_dibao(household(world.grid_a1, TODAY, size=1))
    _record(h, 2026, date(2026, 3, 15), "7000")
    assert _stored(h) == (None, None)
    settings.set_dibao_standard(None, world.county, 2026, "6000", "575")
    _record(h, 2026, date(2026, 4, 15), "7000")  # the record corrected: read with the standard now set
    assert _stored(h) == (date(2026, 4, 15), date(2027, 4, 15))


def test_a_correction_out_of_the_band_clears_it_and_the_next_year_does_not_renew_it(world):
    h = _on_dibao(household(world.grid_a1, TODAY, size=1))
    _record(h, 2025, date(2025, 6, 1), "7000")
    assert _stored(h) == (date(2025, 6, 1), date(2026, 6, 1))
    _record(h, 2026, date(2026, 6, 1), "7500")
    assert _stored(h) == (date(2025, 6, 1), date(2026, 6, 1))  # still in the band: not renewed
    assert incomes.phaseout_shown(h, TODAY).ended
    _record(h, 2026, date(2026, 6, 1), "9500")
    assert _stored(h) == (None, None)


def test_the_end_is_indexed_and_a_household_off_dibao_shows_nothing(world):
    h = _on_dibao(household(world.grid_a1, TODAY, size=1))
    _record(h, 2026, date(2026, 3, 15), "7000")
    db.session.flush()
    found = db.session.execute(select(Household.id).where(Household.dibao_phaseout_end == date(2027, 3, 15)))
    assert found.scalars().all() == [h.id]
    h.members[0].minimum_living = False
    assert incomes.phaseout_shown(h, TODAY) is None


def test_a_standard_changed_later_applies_from_the_next_record(world):
    h = _on_dibao(household(world.grid_a1, TODAY, size=1))
    _record(h, 2026, date(2026, 3, 15), "7000")
    settings.set_dibao_standard(None, world.county, 2026, "7500", "600")
    assert _stored(h) == (date(2026, 3, 15), date(2027, 3, 15))  # granted when measured
    _record(h, 2026, date(2026, 4, 1), "7000")  # now below the 2026 standard
    assert _stored(h) == (None, None)
    assert settings.rural_dibao_standards(world.grid_a1) == {2025: Decimal("6000"), 2026: Decimal("7500")}
