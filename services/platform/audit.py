"""Writing the audit log. Callers pass object ids and field names, never personal values.

The log is append-only and nothing reads an entry back as an object, so entries are kept with
the unit of work and written together by one prebuilt INSERT: before the commit, or before the
log is read in the same unit of work (a page that lists "who viewed it" sees its own view).
An ORM object per entry, flushed on its own, cost about twice as much on the hot paths. A unit
of work that rolls back writes none of them.
"""
from __future__ import annotations

from flask import has_request_context, request
from sqlalchemy import event, insert

from core.extensions import db
from models import AuditLog, User
from models.types import utcnow

_PENDING = "shoudi_audit_pending"
_INSERT = insert(AuditLog.__table__)


def record(actor: User | None, action: str, object_type: str, object_id: object = None,
           detail: str = "") -> None:
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that a rollback before any statement still ends it (and drops it)
    session.info.setdefault(_PENDING, []).append({
        "at": utcnow(),
        "user_id": actor.id if actor is not None else None,
        "role": actor.role if actor is not None else None,
        "action": action,
        "object_type": object_type,
        "object_id": None if object_id is None else str(object_id),
        "ip": request.remote_addr if has_request_context() else None,
        "detail": detail[:255],
    })


def _write_pending(session) -> None:
    entries = session.info.pop(_PENDING, None)
    if entries:
        session.execute(_INSERT, entries)


@event.listens_for(db.session, "before_commit")
def _before_commit(session) -> None:
    _write_pending(session)


@event.listens_for(db.session, "do_orm_execute")
def _before_reading_the_log(state) -> None:
    if state.session.info.get(_PENDING) and state.is_select and any(
            mapper.class_ is AuditLog for mapper in state.all_mappers):
        _write_pending(state.session)


@event.listens_for(db.session, "after_transaction_end")
def _after_transaction_end(session, transaction) -> None:
    if transaction.parent is None:  # the unit of work ended; after a commit nothing is pending
        session.info.pop(_PENDING, None)
