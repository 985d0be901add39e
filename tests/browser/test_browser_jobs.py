"""The job page in WeChat's browser on a phone: the bar moves while the job runs and the
download appears when it is done, without the person touching anything; without JavaScript
the page reloads itself."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

import factories
from browser_support import PHONE_WIDTH, serving
from browser_support import browser, phone, phones, shot  # noqa: F401  (fixtures)
from core.extensions import db
from domain.jobs import JobKind, JobState
from models import Job

pytestmark = pytest.mark.browser


@pytest.fixture
def site(app):
    world = factories.build_world()
    job = Job(kind=JobKind.TOWNSHIP_SHEETS.value, state=JobState.RUNNING.value, done=1, total=4,
              user_id=world.users["county"].id, region_id=world.township.id, params={})
    db.session.add(job)
    db.session.commit()
    job_id = job.id
    with serving(app) as url:
        yield url, job_id


def _set(job_id: int, **values) -> None:
    db.session.execute(update(Job).where(Job.id == job_id).values(**values))
    db.session.commit()


def _log_in(page, url: str) -> None:
    page.goto(url + "/login")
    page.fill("#login", "county")
    page.fill("#password", factories.PASSWORD)
    page.click("button.primary")


def test_the_page_follows_the_job_until_its_result_can_be_downloaded(phone, site, shot):
    url, job_id = site
    _log_in(phone, url)
    phone.goto(f"{url}/jobs/{job_id}")
    expect(phone.get_by_test_id("job-count")).to_have_text("已完成 1 / 4（25%）")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    shot(phone, "running")

    # The page polls every 2 s; a loaded CI machine may take several polls to show a change.
    _set(job_id, done=3)
    expect(phone.get_by_test_id("job-count")).to_have_text("已完成 3 / 4（75%）", timeout=20000)
    assert phone.locator("#job-progress").get_attribute("value") == "75"

    _set(job_id, done=4, state=JobState.DONE.value, message="共 4 个村")
    expect(phone.get_by_test_id("job-state")).to_have_text("已完成", timeout=20000)
    expect(phone.get_by_test_id("job-message")).to_have_text("共 4 个村")
    shot(phone, "done")


def test_without_javascript_the_page_reloads_itself(phones, site):
    url, job_id = site
    page = phones(javascript=False)
    _log_in(page, url)
    page.goto(f"{url}/jobs/{job_id}")
    expect(page.get_by_test_id("job-count")).to_have_text("已完成 1 / 4（25%）")
    _set(job_id, done=2)
    expect(page.get_by_test_id("job-count")).to_have_text("已完成 2 / 4（50%）", timeout=8000)
