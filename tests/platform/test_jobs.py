"""Jobs: started in a unit of work, run by the queue with progress, failed plainly, retried,
and never left "running" by a consumer that died."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

import factories
from core.extensions import db
from core.queue import QUEUE_EXTENSION
from domain.jobs import LOST_MESSAGE, MAX_ATTEMPTS, STALE_AFTER, JobKind, JobState
from models import AuditLog, Job
from models.types import utcnow
from services.errors import NotFound, ValidationFailed
from services.farmer import sheets
from shoudi import consumer
from services.platform import jobs, scheduled

TODAY = date(2026, 11, 20)
PUBLIC = "https://zhen.example.cn"


@pytest.fixture
def world(app):
    world = factories.build_world()
    db.session.commit()
    return world


def _pdf_job(world, user="county") -> Job:
    job = sheets.start_township_pdf(world.users[user], world.township.code, PUBLIC, TODAY)
    db.session.commit()  # handed to the queue now (run at once in tests)
    db.session.refresh(job)
    return job


def test_a_job_is_queued_with_the_work_and_runs_after_commit(app, world):
    job = sheets.start_township_pdf(world.users["county"], world.township.code, PUBLIC, TODAY)
    assert job.state == JobState.QUEUED.value  # nothing runs before the commit
    db.session.commit()
    db.session.refresh(job)
    assert (job.state, job.done, job.total, job.attempts) == (JobState.DONE.value, 2, 2, 1)
    assert job.message == "共 2 个村" and job.result_name == "明白纸-青山镇-341599101000.pdf"
    found, data = jobs.result_file(world.users["county"], job.id)
    assert data.startswith(b"%PDF")
    actions = db.session.execute(select(AuditLog.action).where(AuditLog.object_type == "job")).scalars().all()
    assert actions == ["start_job", "download"]


def test_a_job_started_in_rolled_back_work_never_runs(app, world):
    sheets.start_township_pdf(world.users["county"], world.township.code, PUBLIC, TODAY)
    db.session.rollback()
    db.session.commit()
    assert db.session.execute(select(Job)).scalars().all() == []


def test_only_its_starter_sees_a_job(app, world):
    job = _pdf_job(world)
    for name in ("township", "admin", "village_a"):
        with pytest.raises(NotFound):
            jobs.visible(world.users[name], job.id)
    for odd in (0, -1, 2**31, 2**63):
        with pytest.raises(NotFound):
            jobs.visible(world.users["county"], odd)


def test_a_failure_is_said_plainly_and_can_be_retried(app, world):
    job = _pdf_job(world, user="township")
    db.session.commit()
    # The account is deactivated, then the job is run again: it fails with a message for people.
    job.state = JobState.QUEUED.value
    world.users["township"].active = False
    db.session.commit()
    consumer.run_job(job.id)
    db.session.refresh(job)
    assert job.state == JobState.FAILED.value
    assert job.message == "发起任务的账号已停用，无法生成" and job.error_detail == "JobFailed"

    world.users["township"].active = True
    db.session.commit()
    jobs.retry(world.users["township"], job.id)
    db.session.commit()
    db.session.refresh(job)
    assert job.state == JobState.DONE.value and job.done == 2


def test_an_unexpected_error_says_nothing_of_its_insides(app, world, monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("身份证号 110101199003070011")
    monkeypatch.setattr(sheets.sheet_drawing, "render_township_pdf", broken)
    job = _pdf_job(world)
    assert job.state == JobState.FAILED.value
    assert job.message == "任务执行出错，请稍后重试；如仍失败请联系系统管理员"
    assert job.error_detail == "KeyError"
    with pytest.raises(NotFound):
        jobs.result_file(world.users["county"], job.id)


def test_only_failed_jobs_are_retried(app, world):
    job = _pdf_job(world)
    with pytest.raises(ValidationFailed):
        jobs.retry(world.users["county"], job.id)


def test_progress_is_visible_while_the_job_runs(app, world, monkeypatch):
    seen = []
    real = jobs.Progress.__call__

    def watching(self, done, total=None, message=None):
        real(self, done, total, message)
        with app.app_context():  # another session: what a person's browser would read
            row = db.session.get(Job, self.job_id)
            seen.append((row.state, row.done, row.total))
    monkeypatch.setattr(jobs.Progress, "__call__", watching)
    _pdf_job(world)
    assert seen == [("running", 0, 2), ("running", 1, 2), ("running", 2, 2)]


def _sheets_job(world, **columns) -> Job:
    """A township-sheets job written straight to the table (no message handed to the queue)."""
    job = Job(kind=JobKind.TOWNSHIP_SHEETS.value, user_id=world.users["county"].id, region_id=world.township.id,
              params={"today": TODAY.isoformat(), "public_url": PUBLIC}, **columns)
    db.session.add(job)
    db.session.commit()
    return job


def _stuck(world, attempts: int) -> Job:
    return _sheets_job(world, state=JobState.RUNNING.value, attempts=attempts, done=1, total=2,
                       heartbeat_at=utcnow() - STALE_AFTER - timedelta(minutes=1))


def test_a_job_left_running_by_a_dead_consumer_is_run_again(app, world):
    job = _stuck(world, attempts=1)
    fresh = _stuck(world, attempts=1)
    fresh.heartbeat_at = utcnow()
    db.session.commit()
    assert jobs.reap_stale(utcnow()) == 1
    db.session.commit()  # requeued and, in tests, run at once
    db.session.refresh(job)
    db.session.refresh(fresh)
    assert job.state == JobState.DONE.value and job.attempts == 2
    assert fresh.state == JobState.RUNNING.value  # still reporting progress: left alone


def test_a_job_that_keeps_losing_its_consumer_fails_with_a_reason(app, world):
    job = _stuck(world, attempts=MAX_ATTEMPTS)
    jobs.reap_stale(utcnow())
    db.session.commit()
    db.session.refresh(job)
    assert job.state == JobState.FAILED.value and job.message == LOST_MESSAGE
    assert job.finished_at is not None


def test_the_scheduler_runs_the_daily_reminders_and_the_file_sweep_as_jobs(app, world):
    queue = app.extensions[QUEUE_EXTENSION]
    assert {t.name for t in queue._registry.periodic_tasks} >= {
        "reminders.daily", "files.sweep", "outbox.sweep", "jobs.reap"}
    reminders = scheduled.start(JobKind.REMINDERS, TODAY)
    sweep = scheduled.start(JobKind.FILE_SWEEP, TODAY)
    db.session.commit()
    for job in (reminders, sweep):
        db.session.refresh(job)
        assert job.state == JobState.DONE.value and job.user_id is None
    assert reminders.message.startswith("已发送提醒 0 条")
    assert sweep.message == "已清理无主文件 0 个"
    with pytest.raises(NotFound):  # scheduled jobs are for administrators only
        jobs.visible(world.users["county"], sweep.id)
    assert jobs.visible(world.users["admin"], sweep.id) is not None


def _queued(world, handed_minutes_ago: int) -> Job:
    return _sheets_job(world, state=JobState.QUEUED.value, created_at=utcnow() - timedelta(minutes=handed_minutes_ago))


def test_a_job_whose_message_the_queue_lost_is_handed_again_and_done(app, world):
    # Made behind the queue's back (no message handed): as after a Redis restart.
    lost = _queued(world, handed_minutes_ago=11)
    waiting = _queued(world, handed_minutes_ago=2)
    assert jobs.hand_lost_again(utcnow()) == 1
    db.session.commit()  # handed after commit and, in tests, run at once
    db.session.refresh(lost)
    db.session.refresh(waiting)
    assert lost.state == JobState.DONE.value and lost.attempts == 1
    assert waiting.state == JobState.QUEUED.value  # not yet ten minutes: left to the queue


def test_a_job_handed_again_is_not_handed_once_more_for_another_ten_minutes(app, world):
    queue = app.extensions[QUEUE_EXTENSION]
    queue.immediate = False  # messages wait in the queue instead of running at once
    try:
        job = _queued(world, handed_minutes_ago=30)
        now = utcnow()
        assert jobs.hand_lost_again(now) == 1
        db.session.commit()
        assert jobs.hand_lost_again(now + timedelta(minutes=5)) == 0
        assert jobs.hand_lost_again(now + STALE_AFTER + timedelta(minutes=1)) == 1
        db.session.commit()
        assert queue.pending_count() == 2
        db.session.refresh(job)
        assert job.state == JobState.QUEUED.value
    finally:
        queue.flush()
        queue.immediate = True
