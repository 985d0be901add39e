"""集中排查 on phones (issue #15 point 8): county staff create a campaign with the form's
defaults; a grid worker's visit is recorded; the campaign page shows it screened; village staff
submit their week (附件3, 报送本周); the township's status page shows the village as submitted."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

import pytest
from playwright.sync_api import expect

import factories
from browser_support import PHONE_WIDTH, serving
from browser_support import browser, phones, shot  # noqa: F401  (fixtures)
from core import clock
from core.clock import WORK_TZ
from core.extensions import db
from models import User
from services.fieldwork import visits
from services.fieldwork.visits import VisitInput

pytestmark = pytest.mark.browser

TODAY = date(2026, 5, 20)  # inside seed 004's 开展集中排查 of 2026; its week closes on Friday 22 May


@pytest.fixture
def site(app, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    world = factories.build_world()
    home = factories.household(world.grid_a1, date(2026, 4, 1))
    factories.household(world.grid_a1, date(2026, 4, 1))
    db.session.commit()
    with serving(app) as url:
        yield url, world.users["grid_a1"].id, home.id


def _sign_in(page, url: str, login: str) -> None:
    page.goto(url + "/login")
    page.fill("#login", login)
    page.fill("#password", factories.PASSWORD)
    page.click("button.primary")


def _fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"the page is {width}px wide on a {PHONE_WIDTH}px phone"


def test_a_campaign_from_creation_to_a_villages_friday_submission(phones, site, shot):
    url, worker_id, household_id = site
    county = phones()
    _sign_in(county, url, "county")
    county.locator("nav.office-nav").get_by_role("link", name="集中排查").click()
    expect(county.get_by_test_id("year-count")).to_have_text("今年已开展0次集中排查，要求每年不少于1次")
    county.get_by_test_id("new-campaign").click()
    expect(county.locator("#f-name")).to_have_value("2026年防止返贫监测帮扶集中排查")
    expect(county.locator("#f-phase_end_1")).to_have_value("2026-05-25")
    _fits_the_phone(county)
    shot(county, "01-new-campaign")
    county.get_by_role("button", name="创建集中排查").click()
    expect(county.get_by_role("status")).to_have_text("已创建集中排查。")
    expect(county.locator("li.current strong")).to_have_text("开展集中排查")
    expect(county.get_by_test_id("total-to-screen")).to_have_text("2")
    expect(county.get_by_test_id("total-screened")).to_have_text("0")
    campaign_url = county.url.split("?")[0]

    # The grid worker's visit, as the phone sends it (through the service).
    worker = db.session.get(User, worker_id)
    arrived = datetime(2026, 5, 20, 3, 0, tzinfo=timezone.utc)
    visits.record_visit(worker, VisitInput(
        client_uuid=str(uuid.uuid4()), household_id=household_id, method="home",
        visited_at=datetime(2026, 5, 20, 10, 0, tzinfo=WORK_TZ).isoformat(),
        answers={"housing_safe": "yes", "should_monitor": "no"}), now=arrived)
    db.session.commit()

    county.goto(campaign_url)
    expect(county.get_by_test_id("total-screened")).to_have_text("1")
    expect(county.get_by_test_id("total-share")).to_have_text("50%")
    expect(county.locator("svg.chart")).to_be_visible()
    _fits_the_phone(county)
    shot(county, "02-progress")

    village = phones()
    _sign_in(village, url, "village_a")
    village.goto(campaign_url)
    expect(village.get_by_test_id("total-screened")).to_have_text("1")
    village.get_by_role("link", name="本村每周报送（附件3）").click()
    village.fill("#f-grids", "2")
    village.fill("#f-grid_workers", "2")
    village.fill("#f-trainings", "4")
    village.fill("#f-large_scale_risk", "否")
    village.fill("#f-blocked_workers", "0/0")
    village.fill("#f-remarks", "按时报送")
    village.get_by_role("button", name="报送本周").click()
    expect(village.get_by_test_id("weekly-done")).to_have_text("已报送")
    shot(village, "03-weekly-submitted")

    township = phones()
    _sign_in(township, url, "township")
    township.goto(campaign_url + "/weekly/status")
    row = township.locator("tr.week-row[data-village='青山村']")
    expect(row.get_by_test_id("state")).to_have_text("已报送")
    expect(township.locator("tr.week-row[data-village='石门村']").get_by_test_id("state")).not_to_have_text("已报送")
    shot(township, "04-township-status")
