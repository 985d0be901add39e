from decimal import Decimal

import pytest

from domain.eligibility import NoMonitoringLine
from factories import build_world
from services.errors import ValidationFailed
from services.regions import settings


def test_defaults_come_from_the_seeds(app):
    world = build_world()
    assert settings.policy_for(world.grid_a1).min_monitoring_months == 6
    assert settings.monitoring_line(world.grid_a1, 2020) == Decimal("6000")
    assert settings.monitoring_line(world.grid_a1, 2022) == Decimal("7000")
    assert settings.monitoring_line(world.grid_a1, 2021) == Decimal("6000")  # latest earlier year
    with pytest.raises(NoMonitoringLine):
        settings.monitoring_line(world.grid_a1, 2019)


def test_nearest_region_wins(app):
    world = build_world()
    county = world.users["county"]
    settings.set_policy(county, world.county, "min_monitoring_months", "12")  # seed 001: one year
    settings.set_policy(county, world.village_b, "min_monitoring_months", "6")
    assert settings.policy_for(world.grid_a1).min_monitoring_months == 12
    assert settings.policy_for(world.grid_b1).min_monitoring_months == 6
    assert settings.policy_for(world.township).min_monitoring_months == 12
    settings.set_policy(county, world.county, "min_monitoring_months", "9")  # update in place
    assert settings.policy_for(world.grid_a1).min_monitoring_months == 9


def test_monitoring_line_per_region_and_year(app):
    world = build_world()
    county = world.users["county"]
    settings.set_monitoring_line(county, world.county, 2026, "7500")
    settings.set_monitoring_line(county, world.township, 2026, Decimal("7600"))
    assert settings.monitoring_line(world.village_a, 2026) == Decimal("7600")
    assert settings.monitoring_line(world.county, 2026) == Decimal("7500")
    assert settings.monitoring_line(world.county, 2027) == Decimal("7500")
    assert settings.monitoring_line(world.county, 2022) == Decimal("7000")


@pytest.mark.parametrize("key, value", [("min_monitoring_months", "0"), ("min_monitoring_months", "abc"),
                                        ("no_such_setting", "1")])
def test_bad_policy_values_are_refused(app, key, value):
    world = build_world()
    with pytest.raises(ValidationFailed) as info:
        settings.set_policy(world.users["county"], world.county, key, value)
    assert info.value.fields[key]


@pytest.mark.parametrize("year, amount, field", [(2026, "-1", "amount"), (2026, "七千", "amount"),
                                                 (1999, "7000", "year")])
def test_bad_monitoring_lines_are_refused(app, year, amount, field):
    world = build_world()
    with pytest.raises(ValidationFailed) as info:
        settings.set_monitoring_line(world.users["county"], world.county, year, amount)
    assert field in info.value.fields
