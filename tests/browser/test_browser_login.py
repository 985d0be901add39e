"""Login on a phone: Debian's Chromium, driven by Playwright, posing as WeChat's browser on a
360 px wide Android phone, against the app served from a thread on 127.0.0.1.

Screenshots of every step go to test-artifacts/browser/ for a human to look at.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

import factories
from browser_support import MIN_TAP_HEIGHT, MIN_TEXT_PX, PHONE_WIDTH, WECHAT_ANDROID_UA, serving, small_text
from browser_support import browser, phone, phones, shot  # noqa: F401  (fixtures)
from conftest import TODAY
from core.extensions import db
from domain.enums import CaseSource
from models import User
from services.workflow import cases

pytestmark = pytest.mark.browser

@dataclass(frozen=True)
class Site:
    url: str
    household_a: int
    id_number_a: str


@pytest.fixture
def site(app):
    """Village A: 2 households and 1 open case; village B: 1 household. Then serve the app."""
    world = factories.build_world()
    id_number_a = factories.new_id()
    household_a = factories.household(world.village_a, TODAY, size=4, id_number=id_number_a,
                                      phone="13900001111")
    factories.household(world.village_a, TODAY)
    factories.household(world.village_b, TODAY)
    cases.open_case(None, world.village_a, CaseSource.SELF_REPORT, today=TODAY,
                    household=household_a)
    db.session.commit()
    household_id = household_a.id  # read now: the server threads use their own sessions

    with serving(app) as url:
        yield Site(url, household_id, id_number_a)


def _path(page) -> str:
    return urlsplit(page.url).path


def _assert_no_sideways_scrolling(page) -> None:
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.body.scrollWidth]")
    assert max(widths) <= PHONE_WIDTH, f"page is {widths} px wide on a {PHONE_WIDTH} px phone"


def _font_sizes(page, selector: str) -> dict[str, float]:
    return page.evaluate(
        """sel => Object.fromEntries(Array.from(document.querySelectorAll(sel)).map((e, i) =>
             [`${i}:${e.tagName.toLowerCase()}.${e.className}`,
              parseFloat(getComputedStyle(e).fontSize)]))""", selector)


def _assert_login_form_is_thumb_friendly(page) -> None:
    for selector in ("#login", "#password", "button.primary"):
        box = page.locator(selector).bounding_box()
        assert box is not None, f"{selector} is not visible"
        assert box["height"] >= MIN_TAP_HEIGHT, f"{selector} is {box['height']} px tall"
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= MIN_TEXT_PX
    sizes = _font_sizes(page, "main label, main input, main button, main p, main h1")
    assert sizes and min(sizes.values()) >= MIN_TEXT_PX, sizes


def test_village_staff_logs_in_and_out_on_a_phone(phone, site, shot):
    page = phone

    page.goto(site.url + "/")
    assert _path(page) == "/login"
    expect(page.locator("h1")).to_have_text("工作人员登录")
    assert page.evaluate("navigator.userAgent") == WECHAT_ANDROID_UA
    shot(page, "01-login")
    _assert_no_sideways_scrolling(page)
    _assert_login_form_is_thumb_friendly(page)

    page.fill("#login", "village_a")
    page.fill("#password", "wrong-password-1")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_have_text("用户名或密码不正确")
    expect(page.locator("#login")).to_have_value("village_a")
    expect(page.locator("#password")).to_have_value("")
    shot(page, "02-wrong-password")
    _assert_no_sideways_scrolling(page)
    _assert_login_form_is_thumb_friendly(page)  # the error message must not shrink anything

    page.fill("#password", factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(site.url + "/")
    expect(page.get_by_test_id("region")).to_have_text("示范县 / 青山镇 / 青山村")
    expect(page.get_by_test_id("households")).to_have_text("2")
    expect(page.get_by_test_id("open-cases")).to_have_text("1")
    expect(page.locator("main")).to_contain_text("村级工作人员")
    shot(page, "03-home")
    _assert_no_sideways_scrolling(page)
    logout_box = page.get_by_role("button", name="退出").bounding_box()
    assert logout_box is not None and logout_box["height"] >= MIN_TAP_HEIGHT

    response = page.goto(f"{site.url}/households/{site.household_a}")
    assert response is not None and response.status == 200
    table = page.get_by_test_id("members")
    expect(table).to_contain_text(site.id_number_a)
    shot(page, "04-household")
    _assert_no_sideways_scrolling(page)
    # On a phone each member is a card: nothing scrolls sideways, not even inside the table.
    scroll, client = table.evaluate("t => [t.scrollWidth, t.clientWidth]")
    assert scroll <= client <= PHONE_WIDTH

    page.get_by_role("button", name="退出").click()
    page.wait_for_url(re.compile(r"/login$"))
    shot(page, "05-logged-out")
    page.goto(site.url + "/")
    assert _path(page) == "/login"
    page.goto(f"{site.url}/households/{site.household_a}")
    assert _path(page) == "/login"
    assert site.id_number_a not in page.content()


def _log_in(page, site, login_name: str) -> None:
    page.goto(site.url + "/login")
    page.fill("#login", login_name)
    page.fill("#password", factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(site.url + "/")


def test_other_village_household_shows_the_chinese_404_page(phone, site, shot):
    page = phone
    _log_in(page, site, "village_b")
    expect(page.get_by_test_id("region")).to_have_text("示范县 / 青山镇 / 石门村")

    response = page.goto(f"{site.url}/households/{site.household_a}")

    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("没有找到您要的内容")
    expect(page.get_by_role("link", name="返回首页")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert site.id_number_a not in page.content()
    shot(page, "01-not-found")
    _assert_no_sideways_scrolling(page)


def test_household_page_text_is_at_least_16px(phone, site, shot):
    page = phone
    _log_in(page, site, "village_a")
    page.goto(f"{site.url}/households/{site.household_a}")
    shot(page, "01-household")

    assert small_text(page) == {}


def test_a_password_someone_else_chose_is_changed_first_on_a_phone(phone, site, shot):
    db.session.execute(select(User).where(User.username == "village_a")).scalar_one().must_change_password = True
    db.session.commit()
    page = phone

    page.goto(site.url + "/login")
    page.fill("#login", "village_a")
    page.fill("#password", factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/password"))
    expect(page.get_by_test_id("must-change")).to_be_visible()
    shot(page, "01-must-change")
    _assert_no_sideways_scrolling(page)
    for selector in ("#old_password", "#new_password", "#confirm", "button.primary"):
        box = page.locator(selector).bounding_box()
        assert box is not None and box["height"] >= MIN_TAP_HEIGHT, selector
    page.goto(site.url + "/")
    assert _path(page) == "/password"  # nothing else until it is changed

    page.fill("#old_password", factories.PASSWORD)
    page.fill("#new_password", "12345678")
    page.fill("#confirm", "12345678")
    page.get_by_role("button", name="修改密码").click()
    expect(page.get_by_test_id("error-new_password")).to_contain_text("至少3类")
    for selector in ("#old_password", "#new_password", "#confirm"):
        expect(page.locator(selector)).to_have_value("")  # a password is never sent back
    shot(page, "02-too-weak")
    _assert_no_sideways_scrolling(page)

    page.fill("#old_password", factories.PASSWORD)
    page.fill("#new_password", "Qingshan-2027")
    page.fill("#confirm", "Qingshan-2027")
    page.get_by_role("button", name="修改密码").click()
    expect(page.get_by_test_id("password-changed")).to_be_visible()
    shot(page, "03-changed")
    page.goto(site.url + "/")
    expect(page.get_by_test_id("region")).to_have_text("示范县 / 青山镇 / 青山村")
    link = page.get_by_role("link", name="修改密码").bounding_box()
    assert link is not None and link["height"] >= MIN_TAP_HEIGHT
    _assert_no_sideways_scrolling(page)


def test_five_wrong_passwords_lock_the_account_and_the_page_says_until_when(phone, site, shot):
    page = phone
    page.goto(site.url + "/login")
    for attempt in range(5):
        page.fill("#login", "village_a")
        page.fill("#password", f"wrong-password-{attempt}")
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_role("alert")).to_be_visible()

    page.fill("#password", factories.PASSWORD)  # the right one, too late
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("账号已暂时锁定")
    expect(page.get_by_role("alert")).to_contain_text("请管理员解锁")
    expect(page.locator("#login")).to_have_value("village_a")
    assert _path(page) == "/login"
    shot(page, "01-locked")
    _assert_no_sideways_scrolling(page)
    _assert_login_form_is_thumb_friendly(page)
