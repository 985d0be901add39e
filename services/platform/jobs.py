"""Long work as jobs: start one, run it in a consumer with progress, watch it, retry it.

``start`` writes a ``job`` row and an outbox row in the caller's unit of work: the job is
handed to the queue only when that work commits. The consumer (``shoudi.consumer.run_job``)
then ``claim``s it, ``run``s it, or ``fail``s it, committing after each. Progress is written in
short transactions of its own so a person can watch it while the work goes on; a runner
therefore keeps its own writes to the end of its work.

A runner is registered per kind with ``@runner(JobKind.X)`` and is called as
``func(job, progress)``; it returns a ``JobResult`` (a file to offer, a message) or None.
A runner that raises ``JobFailed`` fails with its (Chinese, personal-data-free) message; any
other exception fails with a general message and only its class name is kept for operators.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from flask import current_app
from sqlalchemy import func, select, update

from core.extensions import db
from core.filestore import FileMissing, new_key, store
from domain.enums import Role
from domain.jobs import (FAILED_MESSAGE, JobKind, JobState, LOST_MESSAGE, STALE_AFTER, after_stale, is_stale,
                         lost_in_queue)
from models import Job, Region, User
from models.types import utcnow
from services.errors import NotFound, ValidationFailed
from services.platform import audit, outbox

log = logging.getLogger("shoudi.jobs")
RUN_JOB_EXTENSION = "shoudi_run_job"


class JobFailed(Exception):
    """A runner's refusal with a message fit for the person who started the job."""


@dataclass(frozen=True)
class JobResult:
    message: str = ""
    data: bytes | None = None
    filename: str | None = None
    content_type: str = "application/octet-stream"


Runner = Callable[[Job, "Progress"], JobResult | None]
_RUNNERS: dict[JobKind, Runner] = {}


def runner(kind: JobKind) -> Callable[[Runner], Runner]:
    def register(func: Runner) -> Runner:
        _RUNNERS[kind] = func
        return func
    return register


# --- in the request --------------------------------------------------------------------------

def start(kind: JobKind, user: User | None, region: Region | None = None, **params) -> Job:
    job = Job(kind=kind.value, state=JobState.QUEUED.value, user_id=user.id if user else None,
              region_id=region.id if region else None, params=params, done=0)
    db.session.add(job)
    db.session.flush()
    outbox.add("job.run", job_id=job.id)
    audit.record(user, "start_job", "job", job.id, detail=kind.value)
    return job


def visible(user: User, job_id: int) -> Job:
    """The job if ``user`` may see it: the person who started it (scheduled jobs: admins)."""
    job = db.session.get(Job, job_id) if 0 < job_id < 2**31 else None
    if job is None:
        raise NotFound("no such job")
    if job.user_id == user.id or (job.user_id is None and user.role == Role.ADMIN.value):
        return job
    raise NotFound("no such job")


def retry(user: User, job_id: int) -> Job:
    job = visible(user, job_id)
    if job.state != JobState.FAILED.value:
        raise ValidationFailed("只有失败的任务可以重试")
    _requeue(job)
    job.attempts = 0
    audit.record(user, "retry_job", "job", job.id, detail=job.kind)
    return job


def result_file(user: User, job_id: int) -> tuple[Job, bytes]:
    job = visible(user, job_id)
    if job.state != JobState.DONE.value or not job.result_key:
        raise NotFound("no result")
    try:
        data = store().get(job.result_key)
    except FileMissing:
        raise NotFound("result file gone") from None
    audit.record(user, "download", "job", job.id, detail=job.kind)
    return job, data


def _requeue(job: Job) -> None:
    job.state, job.done, job.message = JobState.QUEUED.value, 0, None
    job.started_at = job.finished_at = None
    job.heartbeat_at = utcnow()  # of a queued job: when it was handed to the queue (hand_lost_again)
    outbox.add("job.run", job_id=job.id)


@outbox.handler("job.run")
def _hand_to_queue(payload: dict) -> None:
    current_app.extensions[RUN_JOB_EXTENSION](payload["job_id"])


# --- in the consumer --------------------------------------------------------------------------

class Progress:
    """Reports a running job's progress in short transactions of their own (the heartbeat)."""

    def __init__(self, job_id: int):
        self.job_id = job_id

    def __call__(self, done: int, total: int | None = None, message: str | None = None) -> None:
        values: dict = {"done": done, "heartbeat_at": utcnow()}
        if total is not None:
            values["total"] = total
        if message is not None:
            values["message"] = message[:300]
        with db.engine.begin() as conn:
            conn.execute(update(Job).where(Job.id == self.job_id).values(**values))


def claim(job_id: int, now) -> bool:
    """Mark a queued job running for this consumer; False when it is finished or running
    elsewhere. The caller commits at once, so the page shows it running."""
    return db.session.execute(
        update(Job).where(Job.id == job_id, Job.state == JobState.QUEUED.value)
        .values(state=JobState.RUNNING.value, attempts=Job.attempts + 1, started_at=now,
                heartbeat_at=now, done=0, message=None)
        .execution_options(synchronize_session=False)).rowcount == 1


def run(job_id: int) -> None:
    """Do a claimed job's work and record its result (the caller commits)."""
    job = db.session.get(Job, job_id)
    result = _RUNNERS[job.kind_enum](job, Progress(job_id)) or JobResult()
    _finish(job, result)


def fail(job_id: int, error: Exception) -> None:
    """After a failed run (rolled back): the job is failed with a message fit for people."""
    message = str(error) if isinstance(error, JobFailed) else FAILED_MESSAGE
    log.error("job %s failed: %s", job_id, type(error).__name__)
    db.session.execute(update(Job).where(Job.id == job_id).values(
        state=JobState.FAILED.value, message=message[:300], error_detail=type(error).__name__,
        finished_at=utcnow()))


def _finish(job: Job, result: JobResult) -> None:
    db.session.refresh(job, ["done", "total"])  # written meanwhile by ``Progress``
    if result.data is not None:
        key = new_key("exports", _suffix(result.filename))
        store().put(key, result.data, result.content_type)
        job.result_key, job.result_name, job.result_type = key, result.filename, result.content_type
    job.state = JobState.DONE.value
    job.done = job.total if job.total else max(job.done, 1)
    job.total = job.total or job.done
    job.message = result.message[:300] or None
    job.finished_at = job.heartbeat_at = utcnow()


def _suffix(filename: str | None) -> str:
    if filename and "." in filename:
        ext = filename.rsplit(".", 1)[1].lower()
        if ext.isalnum() and ext.isascii() and len(ext) <= 8:
            return "." + ext
    return ""


def hand_lost_again(now: datetime) -> int:
    """Queued jobs no consumer took for ``STALE_AFTER`` (their message may be lost): handed to
    the queue again after commit. ``heartbeat_at`` of a queued job records when it was last
    handed; before that, its creation does."""
    handed = func.coalesce(Job.heartbeat_at, Job.created_at)
    waiting = db.session.execute(
        select(Job).where(Job.state == JobState.QUEUED.value, handed < now - STALE_AFTER)).scalars().all()
    for job in waiting:
        if lost_in_queue(job.state, job.heartbeat_at or job.created_at, now):
            job.heartbeat_at = now
            outbox.add("job.run", job_id=job.id)
    return len(waiting)


def reap_stale(now: datetime) -> int:
    """Jobs left "running" by a consumer that died: queued again, or failed after their tries."""
    stuck = db.session.execute(
        select(Job).where(Job.state == JobState.RUNNING.value,
                          (Job.heartbeat_at.is_(None)) | (Job.heartbeat_at < now - STALE_AFTER))
    ).scalars().all()
    for job in stuck:
        if not is_stale(job.state, job.heartbeat_at, now):
            continue
        if after_stale(job.attempts) is JobState.QUEUED:
            _requeue(job)
            job.message = "处理程序中断，已重新排队"
        else:
            job.state, job.message, job.finished_at = JobState.FAILED.value, LOST_MESSAGE, now
            job.error_detail = "consumer lost"
    return len(stuck)
