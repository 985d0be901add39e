"""The work the queue's scheduler starts on its own: daily reminders, the file sweep and the
audit log's retention (archiving entries older than ``SHOUDI_AUDIT_RETENTION_DAYS``).

Each is a job (with a row to watch and a result message), started by ``start``; the
schedule itself is in ``shoudi.queue``.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Iterator

from flask import current_app

from domain.jobs import JobKind
from models import Job
from models.types import utcnow
from services.notifications import reminders
from services.notifications.channels import ledger as channel_ledger
from services.platform import audit_archive, files, jobs
from services.platform.jobs import JobResult, Progress


def start(kind: JobKind, today: date) -> Job:
    """Queue a scheduled job for ``today`` (no person started it)."""
    return jobs.start(kind, None, None, today=today.isoformat())


@jobs.runner(JobKind.REMINDERS)
def _reminders(job: Job, progress: Progress) -> JobResult:
    report = reminders.remind_deadlines(date.fromisoformat(job.params["today"]))
    return JobResult(message=report.summary())


@jobs.runner(JobKind.FILE_SWEEP)
def _file_sweep(job: Job, progress: Progress) -> JobResult:
    removed = files.sweep_orphans(utcnow(), progress=progress)
    return JobResult(message=f"已清理无主文件 {removed} 个")


@jobs.runner(JobKind.AUDIT_ARCHIVE)
def _audit_archive(job: Job, progress: Progress) -> JobResult:
    """The job row, with its message, records every run, also one that found nothing to
    archive. The archive file is the job's result too: a file a row names is never swept."""
    try:
        run = audit_archive.archive(utcnow(), current_app.config["SHOUDI_AUDIT_RETENTION_DAYS"], progress=progress)
    except audit_archive.ArchiveConflict:
        raise jobs.JobFailed("归档期间审计日志被另一次归档处理，本次未做任何改动，请稍后重试") from None
    if run.file_key:
        job.result_key, job.result_name, job.result_type = run.file_key, run.filename, audit_archive.GZIP
    return JobResult(message=run.summary())


def channel_round(now: datetime) -> Iterator[int]:
    """SMS and WeChat messages due: retries, lost hand-overs, delivery receipts to ask for. Each
    delivery id is yielded once its work is done, for the caller to commit it on its own."""
    for delivery_id in channel_ledger.due(now):
        channel_ledger.work(delivery_id, now)
        yield delivery_id
