"""The units of work of the queue's consumer, as routes are the request's: each commits what
the services did, once per step.

- ``dispatch(item_id)``: an outbox row is claimed and committed (a short transaction), then its
  handler runs and the row is marked done in the next one; a failure is rolled back and the
  claim released for a later try.
- ``run_job(job_id)``: a queued job is marked running and committed (the page shows it), then
  its work and result commit together; any failure ends the job as failed, never running.
"""
from __future__ import annotations

from core.extensions import db
from models.types import utcnow
from services.platform import jobs, outbox


def dispatch(item_id: int) -> bool:
    """Carry out one outbox row; True when its handler ran now."""
    claimed = outbox.claim(item_id, utcnow())
    db.session.commit()
    if not claimed:
        return False
    try:
        outbox.carry_out(item_id)
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        outbox.release(item_id, exc)
        db.session.commit()
        raise
    return True


def run_job(job_id: int) -> None:
    """Run a queued job once; a job already finished, or running elsewhere, is left alone."""
    claimed = jobs.claim(job_id, utcnow())
    db.session.commit()
    if not claimed:
        return
    try:
        jobs.run(job_id)
        db.session.commit()
    except Exception as exc:  # noqa: BLE001 — every failure must end the job, not leave it running
        db.session.rollback()
        jobs.fail(job_id, exc)
        db.session.commit()
