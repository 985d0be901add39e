"""Writing a case's history: one ``CaseEvent`` per step, with the files that back it.

Evidence files are stored in the file store under server-made keys; the event keeps the key, the
label, the kind (which required paper it is), the size and the SHA-256, so a file can be shown
to be the one that was uploaded.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from core.extensions import db
from core.filestore import new_key, store
from domain.workflow import Action, CaseState
from models import Case, CaseEvent, EventEvidence, User

# The suffix of a stored file's key (and of its download name), by its checked content type.
SUFFIXES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


@dataclass
class Evidence:
    label: str
    content: bytes
    content_type: str
    kind: str | None = None  # an EvidenceKind code when the file is one of the required papers


@dataclass
class StepInput:
    """What a person supplies with a step. Only the fields a step needs are read."""

    comment: str = ""
    reason: str = ""
    signed: bool = False
    assignee_id: int | None = None
    target_case_id: int | None = None
    review: dict = field(default_factory=dict)  # 民主评议: date, participants, result
    notice_start: date | None = None
    notice_end: date | None = None
    category: str | None = None
    risk_types: tuple[str, ...] = ()
    plan_problems: tuple[str, ...] = ()
    natural_elimination: bool = False
    guarantees_secure: bool | None = None
    rigid_spending_resolved: bool | None = None
    household_signed: bool = False
    phone_survey_done: bool = False
    doubts_remain: bool = False
    onsite_check_done: bool = False
    evidence: list[Evidence] = field(default_factory=list)
    data: dict = field(default_factory=dict)  # extra structured, non-personal facts for the event


def add_event(case: Case, actor: User | None, action: Action | None, before: CaseState | None,
           after: CaseState, step: StepInput, data: dict) -> CaseEvent:
    comment = "\n".join(p for p in (step.reason.strip(), step.comment.strip()) if p) or None
    event = CaseEvent(case=case, action=action.value if action else None,
                      from_state=before.value if before else None, to_state=after.value,
                      actor=actor, actor_role=actor.role if actor else None, comment=comment,
                      signed=step.signed, data={**step.data, **data})
    for item in step.evidence:
        event.evidence.append(_store_evidence(item))
    db.session.add(event)
    return event


def _store_evidence(item: Evidence) -> EventEvidence:
    stored = new_key("evidence", SUFFIXES.get(item.content_type, ""))
    store().put(stored, item.content, item.content_type)
    return EventEvidence(stored_name=stored, label=item.label[:100], kind=item.kind,
                         content_type=item.content_type, size=len(item.content),
                         sha256=hashlib.sha256(item.content).hexdigest())
