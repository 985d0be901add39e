"""The back office in a real browser, from the triage inbox to county confirmation.

Village staff on a tablet accept and assign a farmer's clue from the inbox; the grid worker
records the verification on the case page from a phone; the village holds the review with its
minutes and posts the notice; six days later it closes the notice; the township signs its
review; the county confirms the household and prints the written notice. Screenshots of every
step go to test-artifacts/browser/.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from playwright.sync_api import expect

import factories
from browser_support import browser, phones, shot  # noqa: F401  (fixtures)
from browser_support import serving
from conftest import TODAY
from core.extensions import db
from domain.enums import CaseSource
from models import Case
from office_support import PDF, Calendar
from services.workflow import cases

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Site:
    url: str
    case_id: int
    other_id: int


@pytest.fixture
def calendar(monkeypatch):
    return Calendar(monkeypatch, TODAY)


@pytest.fixture
def site(app, calendar):
    world = factories.build_world()
    household = factories.household(world.grid_a1, TODAY, size=3)
    case = cases.open_case(None, household.region, CaseSource.SELF_REPORT, today=TODAY, household=household,
                           risk_types=["illness"], words="老伴住院，花了五万多", with_lookup_code=True)
    other = cases.open_case(world.users["grid_a1"], world.village_a, CaseSource.GRID_VISIT,
                            today=TODAY - timedelta(days=3), claimed_name="赵某", risk_types=["disaster"])
    db.session.commit()
    ids = case.id, other.id
    with serving(app) as url:
        yield Site(url, *ids)


@pytest.fixture
def tablet(browser):
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="zh-CN")
    yield context
    context.close()


def _login(context, site: Site, name: str):
    page = context.new_page()
    page.goto(f"{site.url}/login")
    page.fill("input[name=login]", name)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("nav.office-nav")).to_be_visible()
    return page


def _step(page, action: str):
    step = page.locator(f'details[data-step="{action}"]')
    step.locator("summary").click()
    return step


def _state(case_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Case, case_id).state


def test_from_the_inbox_to_county_confirmation(browser, site, tablet, phones, calendar, shot, tmp_path):
    minutes = tmp_path / "评议记录.pdf"
    minutes.write_bytes(PDF)

    # Village staff: the inbox lists the clue; tick it and give it to the grid worker.
    village = _login(tablet, site, "village_a")
    village.get_by_role("link", name="线索受理").click()
    row = village.locator(f'tr[data-case="{site.case_id}"]')
    expect(row).to_contain_text("农户自主申报")
    expect(village.locator(f'tr[data-case="{site.other_id}"]')).to_contain_text("未关联农户")
    shot(village, "01-inbox")
    row.locator("input[name=case_id]").check()
    village.select_option("#inbox-assign select[name=assignee_id]", label="GRID_A1（网格员，青山村一组）")
    village.click("#inbox-assign button[type=submit]")
    expect(village.get_by_test_id("inbox-done")).to_be_visible()
    shot(village, "02-assigned")
    assert _state(site.case_id) == "verifying"

    # The grid worker records the verification on the case page, from a phone.
    grid = phones()
    grid.goto(f"{site.url}/login")
    grid.fill("input[name=login]", "grid_a1")
    grid.fill("input[name=password]", factories.PASSWORD)
    grid.click("button[type=submit]")
    grid.goto(f"{site.url}/cases/{site.case_id}")
    step = _step(grid, "verify")
    step.locator("select[name=method]").select_option("home")
    step.locator("textarea[name=findings]").fill("3口人，老伴住院，自付医疗费5万余元，儿子外出务工收入不稳。")
    shot(grid, "03-verify-on-phone")
    step.locator("button[type=submit]").click()
    expect(grid.get_by_test_id("case-state")).to_have_text("已核实待评议")

    # Village review with its minutes, then the notice is posted and printed.
    village.goto(f"{site.url}/cases/{site.case_id}")
    step = _step(village, "village_review_pass")
    step.locator("input[name=participants]").fill("村两委、驻村工作队、村民代表共15人")
    step.locator("input[name=result]").fill("应到15人，实到13人，同意13人")
    step.locator("input[name=review_minutes]").set_input_files(str(minutes))
    shot(village, "04-village-review")
    step.locator("button[type=submit]").click()
    expect(village.get_by_test_id("case-state")).to_have_text("村级公示中")
    village.get_by_test_id("notice-link").click()
    expect(village.locator("body")).to_contain_text("公示")
    expect(village.locator("body")).not_to_contain_text("老伴住院")  # no health or spending
    shot(village, "05-printable-notice")

    # Closing the notice early is refused with the earliest day; six days later it closes.
    village.goto(f"{site.url}/cases/{site.case_id}")
    expect(village.get_by_test_id("blocked-close_notice")).to_contain_text("最早于")
    shot(village, "06-notice-not-yet-over")
    calendar.advance(6)
    village.goto(f"{site.url}/cases/{site.case_id}")
    step = _step(village, "close_notice")
    step.locator("input[name=notice_end]").fill(calendar.day.isoformat())
    step.locator("button[type=submit]").click()
    expect(village.get_by_test_id("case-state")).to_have_text("待乡镇审核")

    # The township reviewer signs and answers for it.
    township_context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="zh-CN")
    township = _login(township_context, site, "township")
    township.goto(f"{site.url}/cases/{site.case_id}")
    step = _step(township, "township_approve")
    step.locator("button[type=submit]").click()  # without the signature first
    expect(township.locator('details[data-step="township_approve"] .error')).to_contain_text("签字")
    shot(township, "07-signature-missing")
    step = township.locator('details[data-step="township_approve"]')
    step.locator("input[name=signed]").check()
    step.locator("button[type=submit]").click()
    expect(township.get_by_test_id("case-state")).to_have_text("待县级确定")
    expect(township.get_by_test_id("signed").last).to_be_visible()
    shot(township, "08-township-signed")
    township_context.close()

    # The county confirms the category and risk types and prints the written notice.
    county_context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="zh-CN")
    county = _login(county_context, site, "county")
    county.goto(f"{site.url}/cases/{site.case_id}")
    step = _step(county, "county_confirm")
    step.locator("select[name=category]").select_option("marginal")
    expect(step.locator('input[name=risk_types][value="illness"]')).to_be_checked()
    step.locator("input[name=signed]").check()
    shot(county, "09-county-confirm")
    step.locator("button[type=submit]").click()
    expect(county.get_by_test_id("case-state")).to_have_text("已纳入监测")
    shot(county, "10-confirmed")
    county.get_by_test_id("confirmation-link").click()
    expect(county.locator("body")).to_contain_text("边缘易致贫户")
    shot(county, "11-written-notice")
    county_context.close()
    assert _state(site.case_id) == "monitored"
