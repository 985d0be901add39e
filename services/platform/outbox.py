"""The outbox: side effects written in the same transaction as the work, acted on after commit.

A service that wants something to happen besides its own rows — tell people, start a job,
delete a file — calls ``outbox.add(kind, **payload)``. The row is part of the unit of work:
if the request (or command, or job) rolls back, the row is gone and nothing happens. When the
unit of work commits, the ids written in it are handed to the queue, and a consumer runs the
handler registered for the kind in a unit of work of its own (``dispatch``).

Delivery is at least once: a row whose hand-over was lost (the process died right after the
commit) is found again by ``pending`` and dispatched by the periodic sweep. Handlers are
therefore idempotent (notification dedupe keys, job states, deleting what is already gone).

Payloads hold ids and codes only, never personal data.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Callable

from flask import current_app
from sqlalchemy import event, or_, select, update

from core.extensions import db
from models import OutboxItem
from models.types import utcnow

log = logging.getLogger("shoudi.outbox")

DISPATCH_EXTENSION = "shoudi_outbox_dispatch"
_SESSION_KEY = "shoudi_outbox_ids"
# A row still waiting this long after its commit lost its hand-over to the queue.
LOST_AFTER = timedelta(minutes=2)
# A row whose handler keeps failing is tried this often, then left for an operator.
MAX_ATTEMPTS = 5

Handler = Callable[[dict], None]
_HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that carries out outbox rows of ``kind`` (one per kind)."""
    def register(func: Handler) -> Handler:
        if _HANDLERS.get(kind, func) is not func:
            raise ValueError(f"outbox kind {kind!r} already has a handler")
        _HANDLERS[kind] = func
        return func
    return register


def add(kind: str, **payload) -> OutboxItem:
    """Record a side effect in the current unit of work."""
    if kind not in _HANDLERS:
        raise ValueError(f"no outbox handler for {kind!r}")
    item = OutboxItem(kind=kind, payload=payload)
    db.session.add(item)
    db.session.flush()  # its id is handed to the queue after commit
    db.session.info.setdefault(_SESSION_KEY, []).append(item.id)
    return item


# --- after commit ---------------------------------------------------------------------------

@event.listens_for(db.session, "after_commit")
def _after_commit(session) -> None:
    ids = session.info.pop(_SESSION_KEY, None)
    if not ids:
        return
    dispatcher = current_app.extensions.get(DISPATCH_EXTENSION)
    if dispatcher is None:  # no queue wired (a bare script): the sweep will find them
        return
    try:
        dispatcher(ids)
    except Exception as exc:  # the queue is down: the rows wait for the sweep
        log.warning("outbox hand-over failed for %d rows: %s", len(ids), type(exc).__name__)


@event.listens_for(db.session, "after_rollback")
def _after_rollback(session) -> None:
    # A savepoint's rollback fires this too: rows rolled back with it simply are not found.
    if not session.in_transaction():
        session.info.pop(_SESSION_KEY, None)


# --- in the consumer --------------------------------------------------------------------------

def dispatch(item_id: int) -> bool:
    """Carry out one row in the consumer; True when its handler ran now.

    The row is claimed in a short transaction of its own (so a long handler holds no lock on
    it), the handler runs in the next one and marks the row done as it commits. A failing
    handler is rolled back and the claim released for a later try. A consumer that dies
    mid-handler leaves a claim that goes stale after ``LOST_AFTER`` and is swept again.
    """
    now = utcnow()
    claim = (update(OutboxItem)
             .where(OutboxItem.id == item_id, OutboxItem.dispatched_at.is_(None),
                    or_(OutboxItem.claimed_at.is_(None), OutboxItem.claimed_at < now - LOST_AFTER))
             .values(claimed_at=now, attempts=OutboxItem.attempts + 1)
             .execution_options(synchronize_session=False))
    claimed = db.session.execute(claim).rowcount == 1
    db.session.commit()
    if not claimed:
        return False  # done already, taken by another consumer, or rolled back with its work
    item = db.session.get(OutboxItem, item_id)
    kind, payload = item.kind, dict(item.payload)
    try:
        _HANDLERS[kind](payload)
        item.dispatched_at = utcnow()
        db.session.commit()
        return True
    except Exception as exc:
        db.session.rollback()
        log.error("outbox item %s (%s) failed: %s", item_id, kind, type(exc).__name__)
        db.session.execute(update(OutboxItem).where(OutboxItem.id == item_id)
                           .values(claimed_at=None, last_error=type(exc).__name__[:200]))
        db.session.commit()
        raise


def pending(now: datetime, limit: int = 500) -> list[int]:
    """Rows committed a while ago and still not carried out (lost hand-overs, failed tries)."""
    query = (select(OutboxItem.id)
             .where(OutboxItem.dispatched_at.is_(None), OutboxItem.created_at < now - LOST_AFTER,
                    or_(OutboxItem.claimed_at.is_(None), OutboxItem.claimed_at < now - LOST_AFTER),
                    OutboxItem.attempts < MAX_ATTEMPTS)
             .order_by(OutboxItem.id).limit(limit))
    return list(db.session.execute(query).scalars())
