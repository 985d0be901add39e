"""The grid worker's field app on a phone, with the signal coming and going.

Debian's Chromium, driven by Playwright, posing as WeChat's browser on a 360 px wide Android
phone, against the app served from a thread on 127.0.0.1 (see browser_support.py). The visit is
recorded with the network cut (`context.set_offline`): it waits in the phone's outbox, survives a
reload served by the service worker, goes out by itself when the network is back, and a resend of
the same item makes no second record.

Screenshots of every step go to test-artifacts/browser/<test name>-<step>.png.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from core import clock
import factories
from browser_support import MIN_TAP_HEIGHT, MIN_TEXT_PX, PHONE_WIDTH, serving, wait_until
from browser_support import browser, camera_photo, phone, phones, shot  # noqa: F401  (fixtures)
from core.extensions import db
from domain.enums import CaseSource
from domain.workflow import Action
from models import Case, PhotoUpload, ScreeningRound, User, Visit
from services.accounts import users
from services.workflow import cases
from services.workflow.cases import StepInput

pytestmark = pytest.mark.browser

ROUND_NAME = "2026年冬季集中排查"
REACHED = "儿子王小明"
REACHED_PHONE = "13900001111"
SIGNER = "王大山"
DIFFICULTY = "老伴住院，儿子在外打工收入不稳"


@dataclass
class Site:
    url: str
    household: int        # grid A1, 3 people, the household of the case
    case: int             # assigned to grid_a1 for verification
    head: str
    other: int            # grid A1, no case
    seen: list = field(default_factory=list)  # (method, path) of every request the server got

    def posts(self, path: str) -> int:
        return sum(1 for method, p in self.seen if method == "POST" and p == path)


@pytest.fixture
def site(app):
    world = factories.build_world()
    today = clock.today()
    home = factories.household(world.grid_a1, today, size=3, phone="13711112222")
    other = factories.household(world.grid_a1, today)
    db.session.add(ScreeningRound(county_id=world.county.id, name=ROUND_NAME,
                                  starts_on=today - timedelta(days=3), ends_on=today + timedelta(days=20)))
    case = cases.open_case(None, home.region, CaseSource.SELF_REPORT, today=today - timedelta(days=2),
                           household=home)
    village = world.users["village_a"]
    cases.perform(village, case.id, Action.ACCEPT, StepInput(), today=today)
    cases.perform(village, case.id, Action.ASSIGN_VERIFIER,
                  StepInput(assignee_id=world.users["grid_a1"].id), today=today)
    db.session.commit()
    ids = (home.id, case.id, home.head.name, other.id)  # read now: the server uses its own sessions
    seen: list = []

    def recording(environ, start_response):
        seen.append((environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")))
        return app(environ, start_response)

    with serving(recording) as url:
        yield Site(url, *ids, seen=seen)




# --- helpers ------------------------------------------------------------------------------------

def _count(column) -> int:
    db.session.rollback()  # see what the server threads committed
    return db.session.execute(select(func.count(column))).scalar_one()


def _log_in(page, site) -> None:
    page.goto(site.url + "/login?next=/field/")
    page.locator("#login").fill("grid_a1")
    page.locator("#password").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").tap()
    page.wait_for_url(site.url + "/field/")
    expect(page.locator("h1")).to_have_text("我的工作")


def _wait_for_service_worker(page) -> None:
    """The worker installs on the first field page, takes over the open page (clients.claim)
    and keeps that first page too (field.js hands it over)."""
    wait_until(page, "() => !!navigator.serviceWorker && navigator.serviceWorker.controller !== null")
    wait_until(page, """async () => {
        const cache = await caches.open('shoudi-field-pages');
        return !!(await cache.match(location.href)); }""")


def _queue_count(page):
    return page.get_by_test_id("queue-count")


def _queued_items(page) -> list[dict]:
    return page.evaluate("() => new Promise(done => window.ShoudiField.items(done))")


def _answer(page, key: str, value: str) -> None:
    page.locator(f'input[name="answers.{key}"][value="{value}"]').check()


def _sign(page) -> None:
    box = page.get_by_test_id("signature").bounding_box()
    x, y = box["x"], box["y"]
    page.mouse.move(x + 30, y + 120)
    page.mouse.down()
    for step in range(1, 13):
        page.mouse.move(x + 30 + step * 20, y + 120 - (step % 4) * 25, steps=2)
    page.mouse.up()


_READABILITY = """([minText, minTap]) => {
  const shown = e => e.checkVisibility({visibilityProperty: true, opacityProperty: true})
    && e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().height > 0;
  const name = e => `<${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}> "${(e.innerText || e.value || '').trim().slice(0, 18)}"`;
  const small = [], short = [];
  let targets = 0;
  for (const e of document.body.querySelectorAll('*')) {
    if (!shown(e)) continue;
    const ownText = Array.from(e.childNodes).some(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    const isField = e.matches('input:not([type=checkbox]):not([type=radio]):not([type=hidden]), select, textarea, button');
    const size = parseFloat(getComputedStyle(e).fontSize);
    if ((ownText || isField) && size < minText) small.push(`${name(e)}: font-size ${size}px`);
    if (e.matches('a[href], button, input:not([type=hidden]), select, textarea, canvas')) {
      targets += 1;
      const target = e.matches('input[type=checkbox], input[type=radio]') ? (e.closest('label') || e) : e;
      const height = target.getBoundingClientRect().height;
      if (height < minTap) short.push(`${name(target)}: ${Math.round(height)}px tall`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, small, short, targets};
}"""


def _readability_problems(page) -> list[str]:
    found = page.evaluate(_READABILITY, [MIN_TEXT_PX, MIN_TAP_HEIGHT])
    assert found["targets"] > 0
    problems = []
    if found["scrollWidth"] > PHONE_WIDTH:
        problems.append(f"scrolls sideways: {found['scrollWidth']} > {PHONE_WIDTH}")
    problems += [f"text under {MIN_TEXT_PX}px: {s}" for s in found["small"]]
    problems += [f"tap target under {MIN_TAP_HEIGHT}px: {s}" for s in sorted(set(found["short"]))]
    return problems


# --- a. a remote check recorded without signal, sent when the signal is back, exactly once -------

def test_a_visit_recorded_offline_waits_survives_a_reload_and_is_sent_once(phone, site, shot, camera_photo):
    page = phone
    context = page.context
    _log_in(page, site)
    _wait_for_service_worker(page)
    expect(page.get_by_test_id("round")).to_have_text(ROUND_NAME)
    expect(_queue_count(page)).to_have_text("0")
    case_row = page.locator(f'li[data-case="{site.case}"]')
    expect(case_row.get_by_test_id("days")).to_have_text(re.compile(r"^还剩\d+天"))
    shot(page, "01-my-work")

    case_row.get_by_role("link").tap()
    page.wait_for_url(f"{site.url}/field/households/{site.household}/visit?case={site.case}")
    expect(page.locator("h1")).to_have_text(site.head)
    expect(page.get_by_test_id("case")).to_contain_text(f"核实线索 #{site.case}")
    shot(page, "02-visit-form")

    # A phone call with the son, who works away.
    page.get_by_label("电话", exact=True).check()
    expect(page.locator("#remote")).to_be_visible()
    expect(page.get_by_test_id("gps")).to_have_text("定位：远程核查不记录位置")
    page.get_by_label("联系上的是谁").fill(REACHED)
    page.get_by_label("电话号码").fill(REACHED_PHONE)
    page.get_by_label("务工", exact=True).check()
    _answer(page, "housing_safe", "yes")
    _answer(page, "medical_secured", "no")
    _answer(page, "sudden_hardship", "yes")
    _answer(page, "should_monitor", "yes")
    page.get_by_label("该户还存在哪些困难和诉求").fill(DIFFICULTY)

    # Income: (24000 + 6000 − 2000) ÷ 3 people, the size prefilled from the household record.
    expect(page.get_by_label("家庭人口（人）")).to_have_value("3")
    page.get_by_label("工资性收入").fill("24000")
    page.get_by_label("生产经营性收入").fill("6000")
    page.get_by_label("生产经营性支出（扣除）").fill("2000")
    expect(page.get_by_test_id("per-capita")).to_have_text("人均纯收入：9,333.33 元（纯收入 28,000.00 元 ÷ 3 人）")

    # A photo from the gallery, shrunk on the phone to 1600 px before it is kept.
    page.locator("#photo-gallery").set_input_files(camera_photo)
    thumb = page.get_by_test_id("photos").locator("img")
    expect(thumb).to_have_count(1)
    assert page.evaluate("""() => new Promise(done => { const i = new Image();
        i.onload = () => done([i.width, i.height]); i.src = document.querySelector('#photo-list img').src; })""") == [1600, 1067]

    # The son's father signs on the screen.
    page.get_by_test_id("signature").scroll_into_view_if_needed()
    _sign(page)
    page.get_by_label("签字人姓名").fill(SIGNER)
    shot(page, "03-form-filled")

    # No signal: the visit waits on the phone; nothing reaches the server.
    context.set_offline(True)
    page.get_by_role("button", name="保存并发送").tap()
    expect(_queue_count(page)).to_have_text("1")
    expect(page.locator("#form-status")).to_contain_text("已保存在手机上，等待发送")
    expect(page.locator("#outbox-status")).to_contain_text("没有信号")
    assert _count(Visit.id) == 0 and _count(PhotoUpload.id) == 0
    assert site.posts("/api/v1/visits") == 0 and site.posts("/api/v1/photos") == 0
    shot(page, "04-queued-offline")
    # Where the browser has Background Sync (Chromium does), the service worker is asked to
    # wake the pages up when the connection is back.
    tags = page.evaluate("() => navigator.serviceWorker.ready.then(r => r.sync ? r.sync.getTags() : null)")
    assert tags == ["shoudi-outbox"]
    [queued] = _queued_items(page)
    assert queued["visit"]["method"] == "phone" and queued["visit"]["case_id"] == site.case
    assert len(queued["photos"]) == 1 and queued["visit"]["signature_png"].startswith("data:image/png;base64,")

    # Still no signal, the page is opened again: the service worker has it, the outbox persists.
    response = page.reload()
    assert response is not None and response.from_service_worker
    expect(page.locator("h1")).to_have_text(site.head)
    expect(_queue_count(page)).to_have_text("1")
    expect(page.get_by_label("联系上的是谁")).to_have_value(REACHED)
    expect(page.locator("#form-status")).to_contain_text("等待发送")
    assert _count(Visit.id) == 0
    shot(page, "05-reloaded-offline")

    # "我的工作" opens without signal too (kept when it was first opened), and shows what waits.
    response = page.goto(site.url + "/field/")
    assert response is not None and response.from_service_worker
    expect(page.locator("h1")).to_have_text("我的工作")
    expect(_queue_count(page)).to_have_text("1")
    expect(page.locator(f'li[data-case="{site.case}"] .queued')).to_have_text("已记录，待发送")
    shot(page, "05b-my-work-offline")
    # A search is not made offline (its results are never kept): the posted form says so plainly,
    # and is not replayed when the signal comes back.
    page.get_by_placeholder("姓名，或号码后4位").fill("2222")
    page.get_by_role("button", name="查找").tap()
    expect(page.locator("h1")).to_have_text("没有网络")
    assert "?" not in page.url and "2222" not in page.url
    # The empty search page was never opened on this phone either.
    page.goto(site.url + "/field/search")
    expect(page.locator("h1")).to_have_text("没有网络")
    page.goto(f"{site.url}/field/households/{site.household}/visit?case={site.case}")
    expect(page.locator("#form-status")).to_contain_text("等待发送")

    # The signal comes back: the outbox goes out by itself (the `online` event).
    context.set_offline(False)
    expect(_queue_count(page)).to_have_text("0", timeout=20000)
    expect(page.locator("#form-status")).to_contain_text("已发送成功")
    shot(page, "06-sent")
    db.session.rollback()
    [visit] = db.session.execute(select(Visit)).scalars().all()
    assert visit.client_uuid == queued["uuid"] and visit.method == "phone"
    assert (visit.reached_person, visit.reached_via, visit.away_reason) == (REACHED, REACHED_PHONE, "work")
    assert str(visit.per_capita_income) == "9333.33" and visit.household_size == 3
    assert visit.should_monitor is True and visit.signature_file and visit.signer_name == SIGNER
    assert [p.client_uuid for p in visit.photos] == queued["photos"]
    assert max(visit.photos[0].width, visit.photos[0].height) <= 1600
    assert db.session.get(Case, site.case).state == "verified"
    assert site.posts("/field/search") == 0  # the search tried offline was not replayed
    assert page.evaluate("Object.keys(localStorage).filter(k => k.indexOf('shoudi.field.draft.') === 0)") == []

    # A resend of the very same item (a lost answer, a second tab): the server answers 200.
    posts_before = site.posts("/api/v1/visits")
    page.evaluate("item => new Promise(done => window.ShoudiField.requeue(item, done))", queued)
    expect(_queue_count(page)).to_have_text("1")
    page.evaluate("() => { window.ShoudiField.flush(); window.ShoudiField.flush(); }")
    expect(_queue_count(page)).to_have_text("0", timeout=20000)
    assert site.posts("/api/v1/visits") == posts_before + 1
    assert _count(Visit.id) == 1 and _count(PhotoUpload.id) == 1
    shot(page, "07-resent-no-duplicate")

    page.goto(site.url + "/field/")
    expect(page.locator(f'li[data-case="{site.case}"]')).to_have_count(0)  # verified: off the list
    shot(page, "08-my-work-after")

    # With signal, the posted search goes through the service worker to the server, once.
    page.get_by_placeholder("姓名，或号码后4位").fill("2222")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="查找").tap()
    assert navigation.value.from_service_worker and navigation.value.request.method == "POST"
    expect(page.get_by_test_id("results").locator("li")).to_have_count(1)
    assert page.url == site.url + "/field/search" and site.posts("/field/search") == 1


# --- b. the draft survives a reload --------------------------------------------------------------

def test_what_was_typed_is_restored_when_the_form_opens_again(phone, site, shot):
    page = phone
    page.context.grant_permissions(["geolocation"], origin=site.url)
    page.context.set_geolocation({"latitude": 31.7342, "longitude": 116.5203, "accuracy": 30})
    _log_in(page, site)
    page.goto(f"{site.url}/field/households/{site.other}/visit")
    expect(page.get_by_test_id("gps")).to_have_text("定位：已定位 ±30m")
    expect(page.locator("#sign-area")).to_be_hidden()        # no case: signing only on request
    _answer(page, "water_safe", "no")
    page.get_by_label("工资性收入").fill("15000")
    page.get_by_label("家庭人口（人）").fill("2")
    page.get_by_label("走访情况补充说明").fill("房屋漏雨，已拍照")
    page.get_by_label("微信", exact=True).check()
    page.get_by_label("联系上的是谁").fill("女儿")
    page.get_by_label("请农户签字").check()
    expect(page.locator("#sign-area")).to_be_visible()
    shot(page, "01-typed")

    page.reload()
    expect(page.locator('input[name="answers.water_safe"][value="no"]')).to_be_checked()
    expect(page.get_by_label("工资性收入")).to_have_value("15000")
    expect(page.get_by_label("家庭人口（人）")).to_have_value("2")
    expect(page.get_by_label("走访情况补充说明")).to_have_value("房屋漏雨，已拍照")
    expect(page.get_by_label("微信", exact=True)).to_be_checked()
    expect(page.get_by_label("微信号")).to_be_visible()
    expect(page.get_by_label("联系上的是谁")).to_have_value("女儿")
    expect(page.get_by_label("请农户签字")).to_be_checked()
    expect(page.locator("#sign-area")).to_be_visible()
    expect(page.get_by_test_id("per-capita")).to_contain_text("7,500.00 元")
    shot(page, "02-restored")

    # A remote check without its details is stopped on the phone, before it waits for hours.
    page.get_by_role("button", name="保存并发送").tap()
    expect(page.locator("#err-reached_via")).to_have_text("请填写微信号")
    expect(page.locator("#err-away_reason")).to_have_text("请选择全家外出的原因")
    expect(page.locator("#err-signature_png")).to_be_visible()
    expect(_queue_count(page)).to_have_text("0")
    assert site.posts("/api/v1/visits") == 0
    shot(page, "03-checked-on-the-phone")


# --- c. logging out takes the kept pages with it --------------------------------------------------

def test_after_logging_out_the_kept_pages_are_not_shown_offline(phone, site, shot):
    page = phone
    _log_in(page, site)
    _wait_for_service_worker(page)
    page.goto(f"{site.url}/field/households/{site.household}/visit?case={site.case}")
    expect(page.locator("h1")).to_have_text(site.head)
    page.context.set_offline(True)
    page.reload()
    expect(page.locator("h1")).to_have_text(site.head)         # kept for offline use...
    page.context.set_offline(False)
    page.get_by_role("button", name="退出").tap()
    page.wait_for_url(re.compile(r"/login"))
    page.context.set_offline(True)
    page.goto(f"{site.url}/field/households/{site.household}/visit?case={site.case}")
    expect(page.locator("h1")).to_have_text("没有网络")          # ...until the worker logs out
    assert site.head not in page.content()
    shot(page, "01-offline-after-logout")


# --- d. the session ends: the outbox waits for the next login ----------------------------------

def test_a_visit_kept_while_logged_out_goes_out_after_logging_in_again(phone, site, shot):
    page = phone
    _log_in(page, site)
    page.goto(f"{site.url}/field/households/{site.other}/visit")
    _answer(page, "housing_safe", "yes")
    _answer(page, "water_safe", "yes")
    # The session ends on the server (logged out on another phone, password changed…): a cookie
    # cleared here could be set again by a response still on its way.
    db.session.rollback()
    users.log_out(db.session.execute(select(User).where(User.username == "grid_a1")).scalar_one())
    db.session.commit()
    page.get_by_role("button", name="保存并发送").tap()
    expect(page.locator("#outbox-status")).to_contain_text("登录已过期")
    expect(_queue_count(page)).to_have_text("1")
    expect(page.locator("#form-status")).to_contain_text("等待发送")
    assert _count(Visit.id) == 0
    shot(page, "01-asked-to-log-in")

    page.locator("#outbox-status a").tap()
    page.wait_for_url(re.compile(r"/login"))
    page.locator("#login").fill("grid_a1")
    page.locator("#password").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").tap()
    page.wait_for_url(site.url + "/field/")
    expect(_queue_count(page)).to_have_text("0", timeout=20000)   # sent when the page opened
    expect(page.locator("#outbox-status")).to_have_text("已全部发送")
    shot(page, "02-sent-after-login")
    db.session.rollback()
    [visit] = db.session.execute(select(Visit)).scalars().all()
    assert visit.household_id == site.other and visit.method == "home" and visit.case_id is None


# --- e. the server refuses a photo: the worker sees why, fixes it, and the visit goes once -------

def test_a_refused_photo_is_shown_on_the_form_and_the_fixed_visit_goes_once(phone, site, shot, tmp_path):
    broken = tmp_path / "坏照片.jpg"
    broken.write_bytes(b"this is not a picture at all")
    page = phone
    _log_in(page, site)
    page.goto(f"{site.url}/field/households/{site.other}/visit")
    _answer(page, "housing_safe", "no")
    page.locator("#photo-gallery").set_input_files(broken)
    expect(page.get_by_test_id("photos").locator("li")).to_have_count(1)
    page.get_by_role("button", name="保存并发送").tap()
    expect(page.locator("#err-photos")).to_be_visible()
    expect(page.locator("#form-status")).to_contain_text("服务器退回")
    expect(_queue_count(page)).to_have_text("1")
    assert _count(Visit.id) == 0 and _count(PhotoUpload.id) == 0
    shot(page, "01-photo-refused")

    # From "我的工作", the outbox says what needs fixing and leads back to the form.
    page.goto(site.url + "/field/")
    problem = page.locator("#outbox-problems li").first
    expect(problem).to_contain_text("去修改")
    expect(page.locator(f'li.row[data-household="{site.other}"] .queued')).to_have_text("已记录，待发送")
    shot(page, "02-my-work-lists-the-problem")
    problem.get_by_role("link", name="去修改").tap()
    page.wait_for_url(f"{site.url}/field/households/{site.other}/visit")
    expect(page.locator("#err-photos")).to_be_visible()
    expect(page.locator('input[name="answers.housing_safe"][value="no"]')).to_be_checked()

    page.get_by_test_id("photos").get_by_role("button", name="删除").tap()
    expect(page.get_by_test_id("photos").locator("li")).to_have_count(0)
    page.get_by_role("button", name="保存并发送").tap()
    expect(page.locator("#form-status")).to_contain_text("已发送成功")
    expect(_queue_count(page)).to_have_text("0")
    shot(page, "03-fixed-and-sent")
    assert _count(Visit.id) == 1 and _count(PhotoUpload.id) == 0


# --- f. the proof of a visit reaches the village: position and the drawn signature ---------------

def test_the_village_sees_where_the_visit_was_and_the_signature_drawn(phones, site, shot):
    worker = phones()
    worker.context.grant_permissions(["geolocation"], origin=site.url)
    worker.context.set_geolocation({"latitude": 31.7342, "longitude": 116.5203, "accuracy": 30})
    _log_in(worker, site)
    worker.goto(f"{site.url}/field/households/{site.household}/visit?case={site.case}")
    expect(worker.get_by_test_id("gps")).to_have_text("定位：已定位 ±30m")
    _answer(worker, "housing_safe", "yes")
    _answer(worker, "should_monitor", "yes")
    worker.get_by_test_id("signature").scroll_into_view_if_needed()
    _sign(worker)
    worker.get_by_label("签字人姓名").fill(SIGNER)
    worker.get_by_role("button", name="保存并发送").tap()
    expect(worker.locator("#form-status")).to_contain_text("已发送成功")
    shot(worker, "01-sent-at-home")

    village = phones()
    village.goto(site.url + "/login")
    village.fill("#login", "village_a")
    village.fill("#password", factories.PASSWORD)
    village.get_by_role("button", name="登录").click()
    village.wait_for_url(site.url + "/")
    village.goto(f"{site.url}/households/{site.household}#visits")
    position = village.get_by_test_id("visit-position")
    expect(position).to_contain_text("31.73")
    expect(position).to_contain_text("116.52")
    expect(position).to_contain_text("30")
    signature = village.get_by_test_id("visit-signature")
    signature.scroll_into_view_if_needed()
    wait_until(village, "() => { const i = document.querySelector('[data-testid=visit-signature]');"
                        " return i && i.complete && i.naturalWidth > 0; }")
    expect(village.get_by_test_id("visits")).to_contain_text(SIGNER)
    shot(village, "02-household-shows-the-proof")


# --- g. readability at 360 px --------------------------------------------------------------------

@pytest.mark.parametrize("view", ["work", "visit", "search"])
def test_field_pages_are_readable_and_tappable_at_360px(phone, site, shot, view):
    page = phone
    _log_in(page, site)
    if view == "visit":
        page.goto(f"{site.url}/field/households/{site.household}/visit?case={site.case}")
        page.get_by_label("视频", exact=True).check()
    elif view == "search":
        page.get_by_placeholder("姓名，或号码后4位").fill("2222")
        page.get_by_role("button", name="查找").tap()
        expect(page.get_by_test_id("results").locator("li")).to_have_count(1)
        assert "13711112222" not in page.content()
        assert page.url == site.url + "/field/search"  # posted: the term is not in the address
    shot(page, "01-page")
    problems = _readability_problems(page)
    assert problems == [], f"{view} at {PHONE_WIDTH}px:\n  " + "\n  ".join(problems)
