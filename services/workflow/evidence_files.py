"""Files attached to case steps, handed out only within the reader's scope, each read audited."""
from __future__ import annotations

from core.extensions import db
from models import Case, CaseEvent, EventEvidence, User
from services.accounts import scoping
from services.errors import NotFound
from services.platform import audit, files
from services.platform.files import ServedFile
from services.workflow.case_events import SUFFIXES


def open_for(actor: User, evidence_id: int) -> ServedFile:
    """The evidence file with the name it is offered under; NotFound outside scope or when gone."""
    item = db.session.get(EventEvidence, evidence_id)
    if item is None or scoping.reach(actor) not in scoping.FULL_RECORD:
        raise NotFound("evidence")
    event = db.session.get(CaseEvent, item.event_id)
    scoping.get(actor, Case, event.case_id)  # NotFound outside scope
    name = item.label if "." in item.label else item.label + SUFFIXES.get(item.content_type, "")
    found = files.served(item.stored_name, item.content_type, modified=event.at, download_name=name,
                         etag=item.sha256[:32])
    audit.record(actor, "read", "evidence", item.id, f"case={event.case_id}")
    return found
