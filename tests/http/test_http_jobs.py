"""The job page: progress that refreshes itself, the result to download, a plain failure with
a retry button, and nothing for anyone but the person who started the job."""
from __future__ import annotations

from datetime import date

import pytest

import factories
from core.extensions import db
from domain.jobs import JobKind, JobState
from http_support import signed_in, text_of
from models import Job

TODAY = date(2026, 11, 20)


@pytest.fixture
def world(app):
    world = factories.build_world()
    db.session.commit()
    return world


def _job(world, user="county", **values) -> Job:
    job = Job(kind=JobKind.TOWNSHIP_SHEETS.value, user_id=world.users[user].id, region_id=world.township.id,
              params={"today": TODAY.isoformat(), "public_url": "https://zhen.example.cn"}, **values)
    db.session.add(job)
    db.session.commit()
    return job


def test_a_running_job_shows_its_progress_and_refreshes_without_javascript(app, world):
    job = _job(world, state=JobState.RUNNING.value, done=3, total=12)
    client = signed_in(app, "county")
    html = text_of(client.get(f"/jobs/{job.id}"))
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in html
    assert '<progress id="job-progress" max="100" value="25"' in html
    assert "已完成 3 / 12（25%）" in html and "进行中" in html
    assert "job." in html and ".js" in html  # the polling script
    status = client.get(f"/jobs/{job.id}/status").get_json()
    assert status == {"id": job.id, "state": "running", "state_label": "进行中", "done": 3, "total": 12,
                      "percent": 25, "message": "", "finished": False, "failed": False, "result_url": None}


def test_a_failed_job_says_why_and_offers_a_retry_that_runs_it(app, world):
    job = _job(world, state=JobState.FAILED.value, message="任务执行出错，请稍后重试；如仍失败请联系系统管理员",
               error_detail="KeyError")
    client = signed_in(app, "county")
    html = text_of(client.get(f"/jobs/{job.id}"))
    assert "失败" in html and "任务执行出错" in html and "KeyError" not in html
    assert 'http-equiv="refresh"' not in html and 'data-testid="job-retry"' in html

    response = client.post(f"/jobs/{job.id}/retry")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/jobs/{job.id}")
    html = text_of(client.get(f"/jobs/{job.id}"))
    assert "已完成" in html and 'data-testid="job-download"' in html
    pdf = client.get(f"/jobs/{job.id}/result")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Cache-Control"] == "no-store"
    assert "attachment" in pdf.headers["Content-Disposition"]


def test_a_job_is_invisible_to_everyone_else(app, world):
    job = _job(world, state=JobState.DONE.value, done=2, total=2)
    for name in ("township", "village_a", "admin"):
        client = signed_in(app, name)
        for url in (f"/jobs/{job.id}", f"/jobs/{job.id}/status", f"/jobs/{job.id}/result"):
            assert client.get(url).status_code == 404, (name, url)
        assert client.post(f"/jobs/{job.id}/retry").status_code == 404


def test_odd_job_ids_are_404_not_errors(app, world):
    client = signed_in(app, "county")
    for url in ("/jobs/0", "/jobs/4294967296", "/jobs/99999999999999999999999", "/jobs/abc",
                "/jobs/1/result"):
        assert client.get(url).status_code == 404, url
    assert client.get("/jobs/%00").status_code == 400  # NUL is refused at the boundary, in Chinese
    assert client.post("/jobs/99999999999999999999/retry").status_code == 404


def test_a_finished_job_without_a_file_says_so(app, world):
    job = _job(world, state=JobState.DONE.value, done=2, total=2, message="共 2 个村")
    client = signed_in(app, "county")
    html = text_of(client.get(f"/jobs/{job.id}"))
    assert "共 2 个村" in html and 'http-equiv="refresh"' not in html
    assert client.get(f"/jobs/{job.id}/result").status_code == 404
