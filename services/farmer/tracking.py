"""/track: a farmer follows a report with the lookup code and the last four phone digits."""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from core.extensions import db
from domain.deadlines import CaseDates, DeadlineKind, current_deadline
from domain.lookup import format_lookup_code, normalize_lookup_code
from domain.masking import mask_name
from domain.policy_text import HOTLINE
from domain.tracking import Progress, farmer_progress
from domain.workflow import CaseState
from domain import numbers
from models import Case
from services.farmer import policy
from services.farmer.policy import Contact
from services.platform import audit
from services.regions import settings


@dataclass(frozen=True)
class TrackView:
    code: str
    name: str  # masked: 王*山
    village: str
    reported_on: date
    progress: Progress
    expected_by: date | None
    rejection_reason: str
    green_channel: bool
    contacts: list[Contact]
    hotline: str


def phone_on_file(case: Case, phone_index: str | None) -> bool:
    """The phone (by its blind index) is the one given for the case, or one of its household's."""
    if not phone_index:
        return False
    if case.claimed_phone_index == phone_index:
        return True
    return case.household is not None and any(m.phone_index == phone_index for m in case.household.members)


def _followed(case: Case) -> Case | None:
    """The case whose progress a merged report shows: the case it joined, but only to someone
    whose phone is on file for that case. None: the report shows only that it was received, as
    any new report does (someone who typed a neighbour's ID number learns nothing of theirs)."""
    target = case.merged_into
    if target is None:
        return None
    return target if phone_on_file(target, case.claimed_phone_index) else None


def track(code_text: str, phone_tail: str) -> TrackView | None:
    """The case's progress, or None when the code and phone digits do not match a case.

    Both failures look the same, so the page cannot be used to find out which codes exist.
    """
    code = normalize_lookup_code(code_text)
    tail = (phone_tail or "").strip()
    if code is None or len(tail) != 4 or not numbers.is_digits(tail):
        return None
    case = db.session.execute(select(Case).where(Case.lookup_code == code)).scalar_one_or_none()
    if case is None or not case.claimed_phone or not hmac.compare_digest(case.claimed_phone[-4:], tail):
        return None
    if case.state_enum is CaseState.MERGED:
        shown = _followed(case)
        if shown is None:
            return _received_only(case, code)
    else:
        shown = case
    audit.record(None, "track", "case", shown.id)
    village = shown.region.village
    identification = shown.deadline_kind == DeadlineKind.IDENTIFICATION.value
    return TrackView(
        code=format_lookup_code(code), name=mask_name(case.claimed_name or ""),
        village=village.name, reported_on=case.clue_date, progress=farmer_progress(shown.state_enum),
        expected_by=shown.due_date if identification else None,
        rejection_reason=(shown.rejection_reason or "") if shown.state_enum is CaseState.REJECTED else "",
        green_channel=shown.green_channel_at is not None,
        contacts=policy.contacts_for(village), hotline=HOTLINE)


def _received_only(case: Case, code: str) -> TrackView:
    """A report merged into a case its reporter may not follow: what a new report shows on the
    day it is made (received, the village at work on it, the date identification is due by),
    from the report's own record alone."""
    audit.record(None, "track", "case", case.id)
    village = case.region.village
    due = current_deadline(CaseState.REPORTED, CaseDates(clue_date=case.clue_date), settings.policy_for(case.region))
    return TrackView(
        code=format_lookup_code(code), name=mask_name(case.claimed_name or ""), village=village.name,
        reported_on=case.clue_date, progress=farmer_progress(CaseState.REPORTED),
        expected_by=due.due if due and due.kind is DeadlineKind.IDENTIFICATION else None,
        rejection_reason="", green_channel=False, contacts=policy.contacts_for(village), hotline=HOTLINE)
