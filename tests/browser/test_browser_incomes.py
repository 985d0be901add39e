"""收入台账 on a phone: a village officer confirms a visit's income into the year's record, then
corrects that year through the form (a typing slip is explained beside the field), and nothing
scrolls sideways."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

import factories
from browser_support import MIN_TAP_HEIGHT, PHONE_WIDTH, serving
from browser_support import browser, phone, phones, shot  # noqa: F401  (fixtures)
from core import clock
from core.extensions import db
from domain.enums import IncomeSource
from services.fieldwork import visits
from services.fieldwork.visits import VisitInput
from services.households import incomes

pytestmark = pytest.mark.browser


@pytest.fixture
def site(app):
    world = factories.build_world()
    h = factories.household(world.grid_a1, clock.today(), size=2)
    last_year = clock.today().year - 1
    incomes.record_income(None, h, year=last_year, measured_on=date(last_year, 12, 31),
                          source=IncomeSource.IMPORT, today=clock.today(), net_total="12000")
    visited = datetime.now(timezone.utc).replace(hour=2, minute=0, second=0, microsecond=0)
    if visited > datetime.now(timezone.utc):  # before 02:00 UTC: this morning's visit was yesterday's
        visited -= timedelta(days=1)
    visits.record_visit(world.users["grid_a1"], VisitInput(
        client_uuid=str(uuid.uuid4()), household_id=h.id, method="home", visited_at=visited.isoformat(),
        household_size=2, income={"wages": "23456", "business": "4000", "business_costs": "1000"}))
    db.session.commit()
    with serving(app) as url:
        yield url, h.id


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def _tall_enough(locator) -> None:
    assert locator.bounding_box()["height"] >= MIN_TAP_HEIGHT


def test_confirm_a_visits_income_then_correct_the_year(phone, site, shot):
    url, household_id = site
    phone.goto(url + "/login")
    phone.fill("#login", "village_a")
    phone.fill("#password", factories.PASSWORD)
    phone.click("button.primary")
    phone.goto(f"{url}/households/{household_id}#incomes")
    expect(phone.get_by_test_id("income-rows")).to_contain_text("12,000 元")
    confirm = phone.get_by_test_id("confirm-income")
    _tall_enough(confirm)
    _fits(phone)
    shot(phone, "01-household")
    confirm.click()
    # 23,456 + 4,000 − 1,000 = 26,456 for 2 people: 13,228 a head.
    expect(phone.get_by_test_id("income-notice")).to_contain_text("已计入收入台账")
    expect(phone.get_by_test_id("income-rows")).to_contain_text("13,228.00 元")
    expect(phone.get_by_test_id("visit-income")).to_contain_text("已计入收入台账")
    _fits(phone)

    link = phone.get_by_role("link", name="更正").first
    _tall_enough(link)
    link.click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("更正")
    phone.fill("#f-wages", "两万")
    _fits(phone)
    phone.get_by_role("button", name="保存").click()
    expect(phone.locator("#f-wages ~ .error")).to_have_text("工资性收入应为数字（元）")
    expect(phone.locator("#f-business")).to_have_value("4000")  # the rest stays as typed
    shot(phone, "02-form-error")
    phone.fill("#f-wages", "20000")
    phone.fill("#f-medical_spending", "6000")
    phone.get_by_role("button", name="保存").click()
    expect(phone.get_by_test_id("income-notice")).to_contain_text("收入已保存")
    # 20,000 + 4,000 − 1,000 = 23,000 for 2: 11,500 a head; the medical spending shown apart.
    rows = phone.get_by_test_id("income-rows")
    expect(rows).to_contain_text("11,500.00 元")
    expect(rows).to_contain_text("医疗自付支出 6,000 元")
    _fits(phone)
    shot(phone, "03-corrected")
