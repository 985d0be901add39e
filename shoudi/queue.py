"""The queue's tasks and schedule, bound to one application.

Every task runs in an application context of its own, so it has its own database session and
unit of work. A failing task re-raises a bare ``TaskFailed`` naming only the exception class:
Huey logs what tasks raise, and a database error's message can carry SQL parameters.
"""
from __future__ import annotations

from flask import Flask
from huey import crontab

from core import clock
from core.extensions import db
from core.queue import QUEUE_EXTENSION, make_queue
from domain.jobs import JobKind
from models.types import utcnow
from services.farmer import sheets  # noqa: F401  (registers the township PDF runner)
from services.warnings import lists  # noqa: F401  (registers the department list runners)
from services.campaigns import form1, form4, problems, weekly  # noqa: F401  (register the forms' writers)
from services.reporting import overdue_export  # noqa: F401  (registers the overdue list's writer)
from services.platform import jobs, outbox, scheduled
from services.reporting import rollups
from shoudi import consumer

class TaskFailed(Exception):
    """A task failed; the class of the original error is the message."""


def init_queue(app: Flask):
    queue = make_queue(app.config)
    app.extensions[QUEUE_EXTENSION] = queue

    def in_app(func):
        def task(*args):
            with app.app_context():
                try:
                    return func(*args)
                except Exception as exc:
                    db.session.rollback()
                    raise TaskFailed(type(exc).__name__) from None
        task.__name__ = func.__name__
        return task

    @queue.task(name="outbox.dispatch", retries=3, retry_delay=30)
    @in_app
    def dispatch_outbox(item_id: int) -> None:
        consumer.dispatch(item_id)

    @queue.task(name="jobs.run")
    @in_app
    def run_job(job_id: int) -> None:
        consumer.run_job(job_id)

    # Times are UTC (Huey's default): 23:30 UTC is 07:30 in Beijing.
    @queue.periodic_task(crontab(minute="*"), name="outbox.sweep")
    @in_app
    def sweep_outbox() -> None:
        for item_id in outbox.pending(utcnow()):
            dispatch_outbox(item_id)

    # SMS and WeChat: retries that are due and delivery receipts, each committed on its own.
    @queue.periodic_task(crontab(minute="*"), name="channels.sweep")
    @in_app
    def sweep_channels() -> None:
        for _ in scheduled.channel_round(utcnow()):
            db.session.commit()

    @queue.periodic_task(crontab(minute="*/5"), name="jobs.reap")
    @in_app
    def reap_jobs() -> None:
        now = utcnow()
        jobs.reap_stale(now)
        jobs.hand_lost_again(now)
        db.session.commit()

    @queue.periodic_task(crontab(hour="23", minute="30"), name="reminders.daily")
    @in_app
    def daily_reminders() -> None:
        scheduled.start(JobKind.REMINDERS, clock.today())
        db.session.commit()

    @queue.periodic_task(crontab(hour="19", minute="10"), name="files.sweep")  # 03:10 Beijing
    @in_app
    def sweep_files() -> None:
        scheduled.start(JobKind.FILE_SWEEP, clock.today())
        db.session.commit()

    # Seed 001 二、（二）2.: "原则上每个月要协调共享数据1次以上": every list is compared again monthly.
    @queue.periodic_task(crontab(day="1", hour="18", minute="20"), name="warnings.monthly")  # 02:20 Beijing, 2nd
    @in_app
    def compare_department_lists() -> None:
        scheduled.start(JobKind.DEPARTMENT_MONTHLY, clock.today())
        db.session.commit()

    @queue.periodic_task(crontab(hour="18", minute="40"), name="audit.archive")  # 02:40 Beijing
    @in_app
    def archive_audit_log() -> None:
        scheduled.start(JobKind.AUDIT_ARCHIVE, clock.today())
        db.session.commit()

    # The dashboard's roll-ups, county by county: each county's rows are replaced and committed
    # on their own, so no transaction holds more than one county however large the province.
    @queue.periodic_task(crontab(minute=f"*/{rollups.REFRESH_MINUTES}"), name="dashboard.refresh")
    @in_app
    def refresh_dashboard() -> None:
        for _ in rollups.refresh_each(clock.today()):
            db.session.commit()
        db.session.commit()

    app.extensions[outbox.DISPATCH_EXTENSION] = lambda ids: [dispatch_outbox(i) for i in ids]
    app.extensions[jobs.RUN_JOB_EXTENSION] = run_job
    return queue
