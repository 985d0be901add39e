"""Keeping the register on a phone: a village officer registers a household from 农户台账, adds a
newborn, records the head's death with a new head, and nothing scrolls sideways."""
from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

import factories
from browser_support import PHONE_WIDTH, serving
from browser_support import browser, phone, phones, shot  # noqa: F401  (fixtures)
from core.extensions import db
from domain.validation import make_id_number

pytestmark = pytest.mark.browser


@pytest.fixture
def site(app):
    factories.build_world()
    db.session.commit()
    with serving(app) as url:
        yield url


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_register_a_household_add_a_newborn_and_record_a_death(phone, site, shot):
    phone.goto(site + "/login")
    phone.fill("#login", "village_a")
    phone.fill("#password", factories.PASSWORD)
    phone.click("button.primary")
    phone.get_by_role("link", name="农户台账").click()
    phone.get_by_test_id("household-new-link").click()
    _fits(phone)
    phone.select_option("#f-region_code", "A1")
    phone.fill("#f-name", "钱大山")
    phone.fill("#f-id_number", make_id_number("341599", date(1960, 3, 4), 111))
    phone.select_option("#f-labour_capacity", "weak")
    phone.select_option("#f-minimum_living", "1")
    phone.select_option("#f-housing_safe", "1")
    shot(phone, "01-new")
    phone.get_by_role("button", name="登记农户").click()
    expect(phone.get_by_test_id("register-done")).to_contain_text("农户已登记")
    expect(phone.get_by_test_id("welfare")).to_contain_text("低保户")

    phone.get_by_test_id("add-member").click()
    phone.fill("#f-joined_on", "2026-10-01")
    phone.fill("#f-name", "钱小宝")
    phone.select_option("#f-relation", "grandchild")
    phone.select_option("#f-labour_capacity", "none")
    _fits(phone)
    phone.get_by_role("button", name="新增成员").click()
    expect(phone.get_by_test_id("members")).to_contain_text("2026-10-01 新生儿")
    _fits(phone)

    phone.get_by_test_id("leave-member").first.click()  # the head is listed first
    phone.select_option("#f-status", "deceased")
    phone.fill("#f-left_on", "2026-11-02")
    phone.get_by_role("button", name="记录减少").click()
    expect(phone.locator("#f-new_head + p.error, .has-error .error").first).to_contain_text("新户主")
    phone.select_option("#f-new_head", label="钱小宝")
    shot(phone, "02-leave")
    phone.get_by_role("button", name="记录减少").click()
    expect(phone.get_by_test_id("departed")).to_contain_text("死亡")
    expect(phone.get_by_test_id("head")).to_have_text("钱小宝")
    _fits(phone)
    shot(phone, "03-household")
