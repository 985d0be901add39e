"""A refused farmer on a phone: reads the steps taken with their dates and the reason, asks for a
re-review in their own words, and later reads the township's answer (Debian's Chromium through
Playwright, as WeChat's browser; see browser_support.py)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

import factories
from browser_support import PHONE_WIDTH, serving, small_text
from browser_support import browser, phone, phones, shot  # noqa: F401  (fixtures)
from core import clock
from core.extensions import db
from domain.enums import CaseSource
from domain.workflow import Action
from models import Case, User
from services.farmer import reviews
from services.workflow import cases
from services.workflow.cases import StepInput

pytestmark = pytest.mark.browser

PHONE = "13812345678"
REASON = "老伴十月又住院，花了三万多，家里没有别的收入"


@pytest.fixture
def site(app):
    world = factories.build_world()
    day = clock.today()
    case = cases.open_case(None, world.village_a, CaseSource.SELF_REPORT, today=day, claimed_name="王大山",
                           claimed_id_number=factories.new_id(), claimed_phone=PHONE, with_lookup_code=True)
    village, grid = world.users["village_a"], world.users["grid_a1"]
    cases.perform(village, case.id, Action.ACCEPT, StepInput(), today=day)
    cases.perform(village, case.id, Action.ASSIGN_VERIFIER, StepInput(assignee_id=grid.id), today=day)
    cases.perform(grid, case.id, Action.VERIFY, StepInput(), today=day)
    cases.perform(village, case.id, Action.VILLAGE_REVIEW_FAIL, StepInput(
        review={"date": day.isoformat(), "participants": "村两委"}, reason="家庭收入高于监测范围"), today=day)
    db.session.commit()
    ids = (case.id, case.lookup_code, world.users["township"].id)
    with serving(app) as url:
        yield url, *ids


def _look_up(page, url: str, code: str) -> None:
    page.goto(url + "/track")
    page.fill("#code", code)
    page.fill("#phone_tail", PHONE[-4:])
    page.get_by_role("button", name="查询").click()


def _readable(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    assert small_text(page) == {}


def test_a_refused_farmer_asks_for_a_re_review_and_reads_the_answer(phone, site, shot):
    url, case_id, code, township_id = site
    page = phone
    _look_up(page, url, code)
    expect(page.get_by_test_id("reason")).to_contain_text("家庭收入高于监测范围")
    steps = page.get_by_test_id("steps").locator("li")
    expect(steps.last).to_contain_text("未通过")
    expect(page.get_by_test_id("step-date").first).to_be_visible()
    shot(page, "01-refused")
    _readable(page)

    page.get_by_text("对结果有意见？申请复核").click()
    page.get_by_role("button", name="提交复核申请").click()
    expect(page.locator("#err-reason")).to_be_visible()  # the reason is required
    page.fill("#reason", REASON)
    page.get_by_role("button", name="提交复核申请").click()
    expect(page.get_by_test_id("review-asked")).to_be_visible()
    expect(page.get_by_test_id("review")).to_contain_text("前答复")
    shot(page, "02-asked")
    _readable(page)

    db.session.rollback()  # see what the server committed
    township = db.session.get(User, township_id)
    reviews.decide(township, case_id, Action.REVIEW_UPHOLD, "核实收入后仍高于监测范围，维持原决定",
                   today=clock.today())
    db.session.commit()
    assert db.session.get(Case, case_id).state == "rejected"

    _look_up(page, url, code)
    expect(page.get_by_test_id("review-note")).to_contain_text("维持原决定")
    expect(page.get_by_test_id("review")).to_contain_text("12317")
    expect(page.get_by_test_id("review-form")).to_have_count(0)  # one re-review per refusal
    shot(page, "03-answered")
    _readable(page)
