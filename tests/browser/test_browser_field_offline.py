"""The whole grid on the phone: a grid worker downloads their grid, goes where there is no signal,
opens a household whose form was never opened on this phone, records the visit, and it is sent
when the signal is back; the next day, or at logout, what was kept is gone.

Debian's Chromium through Playwright (browser_support.py); the network is cut with
`context.set_offline`. Screenshots go to test-artifacts/browser/<test name>-<step>.png.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core import clock
import factories
from browser_support import serving, wait_until
from browser_support import browser, phone, phones, shot  # noqa: F401  (fixtures)
from core.extensions import db
from domain.enums import CaseSource
from domain.workflow import Action
from models import Visit
from services.workflow import cases
from services.workflow.cases import StepInput

pytestmark = pytest.mark.browser

CASE_PHONE = "13711112222"
UUID7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
GRID_KEPT = """async () => {
  const db = await new Promise(done => { const q = indexedDB.open('shoudi-field'); q.onsuccess = () => done(q.result); });
  if (!db.objectStoreNames.contains('grid')) { db.close(); return 0; }
  const n = await new Promise(done => { const q = db.transaction('grid').objectStore('grid').count(); q.onsuccess = () => done(q.result); });
  db.close();
  return n;
}"""


@pytest.fixture
def site(app):
    world = factories.build_world()
    today = clock.today()
    with_case = factories.household(world.grid_a1, today, phone=CASE_PHONE)
    never_opened = factories.household(world.grid_a1, today, size=3, phone="13733334444")
    factories.household(world.grid_a2, today)  # another grid: not kept
    case = cases.open_case(None, with_case.region, CaseSource.SELF_REPORT, today=today, household=with_case)
    village = world.users["village_a"]
    cases.perform(village, case.id, Action.ACCEPT, StepInput(), today=today)
    cases.perform(village, case.id, Action.ASSIGN_VERIFIER, StepInput(assignee_id=world.users["grid_a1"].id),
                  today=today)
    db.session.commit()
    ids = {"with_case": with_case.id, "case": case.id, "never_opened": never_opened.id,
           "head": never_opened.head.name}
    with serving(app) as url:
        yield url, ids


def test_a_household_never_opened_is_visited_offline_from_the_kept_grid(phone, site, shot):
    url, ids = site
    page = phone
    page.goto(url + "/login?next=/field/")
    page.locator("#login").fill("grid_a1")
    page.locator("#password").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").tap()
    page.wait_for_url(url + "/field/")
    wait_until(page, "() => !!navigator.serviceWorker && navigator.serviceWorker.controller !== null")

    # Online, the worker assigned to the case shows the family's number as a tel: link.
    page.goto(f"{url}/field/households/{ids['with_case']}/visit?case={ids['case']}")
    page.get_by_label("电话", exact=True).check()
    expect(page.get_by_test_id("call")).to_contain_text("137****2222")
    page.get_by_role("button", name="显示完整号码并拨打").tap()
    expect(page.get_by_test_id("tel")).to_have_attribute("href", "tel:" + CASE_PHONE)

    # 下载本网格: two households of grid A1, the case, kept for the day.
    page.goto(url + "/field/")
    page.get_by_test_id("grid-download").tap()
    expect(page.get_by_test_id("grid-status")).to_contain_text("已保存本网格 2 户（5 人，指派给您的线索 1 条")
    page.get_by_text("本网格全部农户（保存在手机上）").tap()
    expect(page.get_by_test_id("grid-rows").locator("li")).to_have_count(2)
    wait_until(page, """async () => !!(await (await caches.open('shoudi-field-pages')).match('/field/visit-shell'))""")
    shot(page, "01-grid-kept")

    # No signal: a household whose form was never opened here opens from the kept grid.
    page.context.set_offline(True)
    response = page.goto(f"{url}/field/households/{ids['never_opened']}/visit")
    assert response is not None and response.from_service_worker
    expect(page.locator("h1")).to_have_text(ids["head"])
    expect(page.get_by_label("家庭人口（人）")).to_have_value("3")
    page.get_by_label("电话", exact=True).check()
    expect(page.get_by_test_id("call")).to_contain_text("137****4444")
    page.get_by_label("入户", exact=True).check()
    page.locator('input[name="answers.housing_safe"][value="yes"]').check()
    page.locator('input[name="answers.should_monitor"][value="no"]').check()
    page.get_by_label("工资性收入").fill("18000")
    page.get_by_role("button", name="保存并发送").tap()
    expect(page.get_by_test_id("queue-count")).to_have_text("1")
    [queued] = page.evaluate("() => new Promise(done => window.ShoudiField.items(done))")
    assert UUID7.match(queued["uuid"]) and queued["visit"]["household_id"] == ids["never_opened"]
    shot(page, "02-recorded-offline")

    # The signal is back: it is sent by itself.
    page.context.set_offline(False)
    expect(page.get_by_test_id("queue-count")).to_have_text("0", timeout=20000)
    db.session.rollback()
    [visit] = db.session.execute(select(Visit).where(Visit.household_id == ids["never_opened"])).scalars().all()
    assert visit.client_uuid == queued["uuid"] and visit.method == "home"

    # The next day the kept grid is gone when a field page opens (drafts and outbox stay).
    page.goto(url + "/field/")
    assert page.evaluate(GRID_KEPT) == 1
    page.evaluate("""() => new Promise(done => window.ShoudiField.store.all('grid', (err, items) => {
        const item = items[0]; item.day = '2000-01-01'; window.ShoudiField.store.put('grid', item, done); }))""")
    page.reload()
    expect(page.get_by_test_id("grid-status")).to_have_text("还没有把本网格保存到手机上。")
    wait_until(page, f"async () => ({GRID_KEPT})() .then(n => n === 0)")

    # Logging out empties the kept grid.
    page.get_by_test_id("grid-download").tap()
    expect(page.get_by_test_id("grid-status")).to_contain_text("已保存本网格 2 户")
    page.get_by_role("button", name="退出").tap()
    page.wait_for_url(re.compile(r".*/login.*"))
    wait_until(page, f"async () => ({GRID_KEPT})() .then(n => n === 0)")
    shot(page, "03-logged-out")
