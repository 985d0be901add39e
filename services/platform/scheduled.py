"""The work the queue's scheduler starts on its own: daily reminders and the file sweep.

Each is a job (with a row to watch and a result message), started by ``start``; the
schedule itself is in ``shoudi.queue``.
"""
from __future__ import annotations

from datetime import date

from domain.jobs import JobKind
from models import Job
from models.types import utcnow
from services.notifications import reminders
from services.platform import files, jobs
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
