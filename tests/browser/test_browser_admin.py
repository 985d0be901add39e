"""Account administration on a phone: an administrator creates a village clerk, the clerk logs
in with the one-time password, must change it first, then works (Debian's Chromium through
Playwright, as WeChat's browser; see browser_support.py)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

import factories
from browser_support import MIN_TAP_HEIGHT, PHONE_WIDTH, serving, small_text
from browser_support import browser, phones, shot  # noqa: F401  (fixtures)
from conftest import TODAY
from core.extensions import db
from domain.enums import CaseSource
from services.workflow import cases

pytestmark = pytest.mark.browser


@pytest.fixture
def site(app):
    world = factories.build_world()
    household = factories.household(world.village_b, TODAY)
    cases.open_case(None, world.village_b, CaseSource.SELF_REPORT, today=TODAY, household=household)
    db.session.commit()
    with serving(app) as url:
        yield url


def _log_in(page, url: str, login: str, password: str) -> None:
    page.goto(url + "/login")
    page.fill("#login", login)
    page.fill("#password", password)
    page.get_by_role("button", name="登录").click()


def _fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"page is {width} px wide"


def test_an_admin_creates_a_village_clerk_who_changes_the_password_then_works(phones, site, shot):
    admin = phones()
    _log_in(admin, site, "admin", factories.PASSWORD)
    admin.wait_for_url(site + "/")
    admin.get_by_role("link", name="账号").first.click()
    expect(admin.locator("h1")).to_have_text("账号管理")
    shot(admin, "01-accounts")
    _fits_the_phone(admin)

    admin.get_by_test_id("user-new-link").click()
    admin.get_by_label("姓名").fill("冯敏")
    admin.get_by_label("用户名（登录时使用）").fill("fengmin")
    admin.get_by_label("手机号").fill("13955556666")
    admin.get_by_label("角色").select_option(label="村级工作人员")
    admin.get_by_label("所属区划").fill("青山镇/没有这个村")
    admin.get_by_role("button", name="建立账号").click()
    expect(admin.locator("#f-region ~ .error")).to_contain_text("没有找到这个区划")
    expect(admin.get_by_label("姓名")).to_have_value("冯敏")  # nothing typed is lost
    shot(admin, "02-region-refused")
    _fits_the_phone(admin)

    admin.get_by_label("所属区划").fill("青山镇/石门村")
    admin.get_by_role("button", name="建立账号").click()
    expect(admin.locator("h1")).to_have_text("账号已建立")
    password = admin.get_by_test_id("otp").inner_text()
    assert re.fullmatch(r"[A-Za-z2-9]{12}", password)
    shot(admin, "03-one-time-password")
    _fits_the_phone(admin)

    clerk = phones()
    _log_in(clerk, site, "fengmin", password)
    clerk.wait_for_url(re.compile(r"/password"))
    expect(clerk.get_by_test_id("must-change")).to_be_visible()
    clerk.fill("#old_password", password)
    clerk.fill("#new_password", "Shimen-2027")
    clerk.fill("#confirm", "Shimen-2027")
    clerk.get_by_role("button", name="修改密码").click()
    expect(clerk.get_by_test_id("password-changed")).to_be_visible()
    shot(clerk, "04-changed")

    clerk.goto(site + "/")
    expect(clerk.get_by_test_id("region")).to_have_text("示范县 / 青山镇 / 石门村")
    expect(clerk.get_by_test_id("open-cases")).to_have_text("1")
    clerk.get_by_role("link", name="线索受理").first.click()
    expect(clerk.locator("h1")).to_contain_text("线索")
    shot(clerk, "05-clerk-works")
    _fits_the_phone(clerk)

    admin.goto(site + "/users?q=fengmin")
    row = admin.locator("[data-testid=users-list] tbody tr").first
    expect(row.get_by_test_id("state")).to_have_text("在用")
    expect(row.get_by_test_id("last-login")).to_have_text(re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d$"))
    shot(admin, "06-list-shows-the-login")
    box = row.get_by_role("link").bounding_box()
    assert box is not None and box["height"] >= MIN_TAP_HEIGHT


@pytest.mark.parametrize("login, path, heading", [
    ("county", "/users", "账号管理"), ("county", "/users/import", "从表格批量建账号"),
    ("county", "/regions", None), ("county", "/regions/import", None),
    ("county", "/settings", None), ("township", "/settings", None),
    ("admin", "/audit", "审计日志"), ("auditor", "/audit", "审计日志"),
])
def test_the_administration_pages_fit_a_phone_and_are_readable(phones, site, shot, login, path, heading):
    page = phones()
    _log_in(page, site, login, factories.PASSWORD)
    page.wait_for_url(site + "/")
    response = page.goto(site + path)
    assert response is not None and response.status == 200
    if heading:
        expect(page.locator("h1")).to_have_text(heading)
    shot(page, "page")
    _fits_the_phone(page)
    assert small_text(page) == {}
