"""Writing the audit log. Callers pass object ids and field names, never personal values."""
from __future__ import annotations

from flask import has_request_context, request

from core.extensions import db
from models import AuditLog, User


def record(actor: User | None, action: str, object_type: str, object_id: object = None,
           detail: str = "") -> AuditLog:
    entry = AuditLog(
        user_id=actor.id if actor is not None else None,
        role=actor.role if actor is not None else None,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        ip=request.remote_addr if has_request_context() else None,
        detail=detail[:255],
    )
    db.session.add(entry)
    return entry
