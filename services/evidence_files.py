"""Files attached to case steps, handed out only within the reader's scope, each read audited."""
from __future__ import annotations

import os
from dataclasses import dataclass

from flask import current_app

from core.extensions import db
from models import Case, CaseEvent, EventEvidence, User
from services import audit, scoping
from services.errors import NotFound

_EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


@dataclass(frozen=True)
class EvidenceFile:
    path: str
    content_type: str
    download_name: str


def open_for(actor: User, evidence_id: int) -> EvidenceFile:
    item = db.session.get(EventEvidence, evidence_id)
    if item is None:
        raise NotFound("evidence")
    event = db.session.get(CaseEvent, item.event_id)
    scoping.get(actor, Case, event.case_id)  # NotFound outside scope
    path = os.path.join(current_app.config["SHOUDI_UPLOAD_FOLDER"], item.stored_name)
    if not os.path.exists(path):
        raise NotFound("evidence file")
    audit.record(actor, "read", "evidence", item.id, f"case={event.case_id}")
    name = item.label if "." in item.label else item.label + _EXTENSIONS.get(item.content_type, "")
    return EvidenceFile(path, item.content_type, name)
