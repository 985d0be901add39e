"""The household page shows the measurement against this year's line (domain.eligibility.assess)."""
from decimal import Decimal

import pytest

import factories
from core import clock
from core.extensions import db
from http_support import signed_in
from services.regions import settings


@pytest.fixture
def world(app):
    made = factories.build_world()
    settings.set_monitoring_line(None, made.county, clock.today().year, "7000")
    db.session.commit()
    return made


def test_a_household_below_the_line_is_shown_in_scope_with_the_reason(app, world):
    poor = factories.household(world.grid_a1, clock.today(), size=2, net_income=Decimal("9000"))
    db.session.commit()
    page = signed_in(app, "village_a").get(f"/households/{poor.id}").get_data(as_text=True)
    assert 'data-testid="below-line"' in page and 'data-testid="eligibility"' in page
    assert "符合监测范围条件" in page and "家庭人均纯收入4,500.00元，低于监测范围7,000元" in page


def test_a_household_above_the_line_is_shown_out_of_scope(app, world):
    better = factories.household(world.grid_a1, clock.today(), size=2, net_income=Decimal("30000"))
    db.session.commit()
    page = signed_in(app, "village_a").get(f"/households/{better.id}").get_data(as_text=True)
    assert 'data-testid="above-line"' in page
    assert "不符合监测范围条件" in page and 'data-testid="below-line"' not in page
