"""The outbox: side effects written in the same transaction as the work, acted on after commit.

A service that wants something to happen besides its own rows — tell people, start a job,
delete a file — calls ``outbox.add(kind, **payload)``. The row is part of the unit of work:
if the request (or command, or job) rolls back, the row is gone and nothing happens. When the
unit of work commits, the ids written in it are handed to the queue, and a consumer runs the
handler registered for the kind in a unit of work of its own (``shoudi.consumer.dispatch``,
through ``claim``, ``carry_out`` and ``release`` here).

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
from sqlalchemy import event, insert, or_, select, update

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


# The row is written at once, by one statement built once: its id is handed to the queue after
# commit, and nothing reads it back as an object (an ORM flush cost twice as much on the
# self-report, which writes one row per report).
_INSERT = insert(OutboxItem.__table__).returning(OutboxItem.__table__.c.id)


def add(kind: str, **payload) -> int:
    """Record a side effect in the current unit of work; the outbox row's id."""
    if kind not in _HANDLERS:
        raise ValueError(f"no outbox handler for {kind!r}")
    item_id = db.session.execute(_INSERT, {"kind": kind, "payload": payload}).scalar_one()
    db.session.info.setdefault(_SESSION_KEY, []).append(item_id)
    return item_id


# --- after commit ---------------------------------------------------------------------------

@event.listens_for(db.session, "after_commit")
def _after_commit(session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released (SQLAlchemy says "commit"): the real commit is still to come
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

def claim(item_id: int, now: datetime) -> bool:
    """Take a row for this consumer; False when it is done, taken, or was rolled back with its
    work. The caller commits the claim at once, so a long handler holds no lock on the row; a
    claim left by a consumer that died goes stale after ``LOST_AFTER``."""
    taken = (update(OutboxItem)
             .where(OutboxItem.id == item_id, OutboxItem.dispatched_at.is_(None),
                    or_(OutboxItem.claimed_at.is_(None), OutboxItem.claimed_at < now - LOST_AFTER))
             .values(claimed_at=now, attempts=OutboxItem.attempts + 1)
             .execution_options(synchronize_session=False))
    return db.session.execute(taken).rowcount == 1


def carry_out(item_id: int) -> None:
    """Run a claimed row's handler and mark the row done, in the same unit of work."""
    item = db.session.get(OutboxItem, item_id)
    _HANDLERS[item.kind](dict(item.payload))
    item.dispatched_at = utcnow()


def release(item_id: int, error: Exception) -> None:
    """After a failed handler (rolled back): free the row for a later try and note the error."""
    log.error("outbox item %s failed: %s", item_id, type(error).__name__)
    db.session.execute(update(OutboxItem).where(OutboxItem.id == item_id)
                       .values(claimed_at=None, last_error=type(error).__name__[:200]))


def pending(now: datetime, limit: int = 500) -> list[int]:
    """Rows committed a while ago and still not carried out (lost hand-overs, failed tries)."""
    query = (select(OutboxItem.id)
             .where(OutboxItem.dispatched_at.is_(None), OutboxItem.created_at < now - LOST_AFTER,
                    or_(OutboxItem.claimed_at.is_(None), OutboxItem.claimed_at < now - LOST_AFTER),
                    OutboxItem.attempts < MAX_ATTEMPTS)
             .order_by(OutboxItem.id).limit(limit))
    return list(db.session.execute(query).scalars())
