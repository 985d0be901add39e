"""/track: a farmer follows a report with the lookup code and the last four phone digits, and
finds a lost code again with the ID number and the phone given with the report."""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from core.clock import WORK_TZ
from core.extensions import db
from domain.deadlines import CaseDates, DeadlineKind, current_deadline
from domain.lookup import format_lookup_code, normalize_lookup_code
from domain.masking import mask_name
from domain.policy_text import HOTLINE
from domain.tracking import Happened, Progress, ReviewStatus, farmer_progress, may_ask_review, review_status
from domain.workflow import CaseState
from domain import numbers
from domain.validation import InvalidIdNumber, InvalidPhone, normalize_mobile, parse_id_number
from models import Case, CaseEvent, ReviewRequest
from models.personal import ID_NUMBER, PHONE, blind_index
from services.farmer import policy
from services.errors import ValidationFailed
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
    review: ReviewStatus | None = None  # the latest re-review (申请复核) of the case, if any
    may_ask_review: bool = False  # a refused case whose refusal may still be asked about


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


def find(code_text: str, phone_tail: str) -> tuple[Case, Case | None] | None:
    """(the case the code names, the case whose progress it shows), or None when the code and
    the phone digits do not match a case. The shown case is None for a report merged into a
    case its reporter may not follow (``_followed``)."""
    code = normalize_lookup_code(code_text)
    tail = (phone_tail or "").strip()
    if code is None or len(tail) != 4 or not numbers.is_digits(tail):
        return None
    case = db.session.execute(select(Case).where(Case.lookup_code == code)).scalar_one_or_none()
    if case is None or not case.claimed_phone or not hmac.compare_digest(case.claimed_phone[-4:], tail):
        return None
    if case.state_enum is CaseState.MERGED:
        return case, _followed(case)
    return case, case


def track(code_text: str, phone_tail: str) -> TrackView | None:
    """The case's progress, or None when the code and phone digits do not match a case.

    Both failures look the same, so the page cannot be used to find out which codes exist.
    """
    found = find(code_text, phone_tail)
    if found is None:
        return None
    case, shown = found
    if shown is None:
        return _received_only(case, case.lookup_code)
    audit.record(None, "track", "case", shown.id)
    village = shown.region.village
    identification = shown.deadline_kind == DeadlineKind.IDENTIFICATION.value
    requests = review_requests(shown)
    return TrackView(
        code=format_lookup_code(case.lookup_code), name=mask_name(case.claimed_name or ""),
        village=village.name, reported_on=case.clue_date, progress=farmer_progress(shown.state_enum, history(shown)),
        expected_by=shown.due_date if identification else None,
        rejection_reason=(shown.rejection_reason or "") if shown.state_enum is CaseState.REJECTED else "",
        green_channel=shown.green_channel_at is not None,
        contacts=policy.contacts_for(village), hotline=HOTLINE,
        review=_status(requests[-1]) if requests else None,
        may_ask_review=may_ask_review(shown.state_enum, [r.state for r in requests]))


def day_of(moment) -> date:
    """The China-time day of a stored moment."""
    return moment.astimezone(WORK_TZ).date()


def history(case: Case) -> list[Happened]:
    """The case's events as the progress reads them: the day and the states, nothing else."""
    rows = db.session.execute(select(CaseEvent.at, CaseEvent.from_state, CaseEvent.to_state)
                              .where(CaseEvent.case_id == case.id).order_by(CaseEvent.id))
    return [Happened(day_of(at), CaseState(before) if before else None, CaseState(after))
            for at, before, after in rows]


def review_requests(case: Case) -> list[ReviewRequest]:
    """The case's re-review requests, oldest first."""
    query = select(ReviewRequest).where(ReviewRequest.case_id == case.id).order_by(ReviewRequest.id)
    return list(db.session.execute(query).scalars())


def _status(request: ReviewRequest) -> ReviewStatus:
    decided = day_of(request.decided_at) if request.decided_at else None
    return review_status(request.state, day_of(request.requested_at), request.due_on, decided,
                         request.decision_note or "")


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


# --- a lost lookup code -------------------------------------------------------------------------

RECOVER_MAX = 5  # the newest codes shown; one person rarely reports more often


@dataclass(frozen=True)
class Recovered:
    code: str  # as shown: ABCD-EFGH
    reported_on: date
    village: str


def recover(id_text: str, phone_text: str, today: date) -> list[Recovered]:
    """The lookup codes of the reports made with this ID number and this phone, newest first;
    empty when there is none. Only the phone given with the report counts (the one /track
    checks), so a family member's number on the register recovers nothing.

    Badly typed numbers are refused beside their field (that says nothing about anyone); a
    well-formed pair that matches nothing gets the same empty answer as a pair that does not
    belong together, by the same single query. The audit entry names the cases, never the
    numbers.
    """
    errors: dict[str, str] = {}
    id_number = phone = ""
    try:
        id_number = parse_id_number((id_text or "")[:40], today=today).value
    except InvalidIdNumber as exc:
        errors["id_number"] = str(exc) if (id_text or "").strip() else "请填写身份证号"
    try:
        phone = normalize_mobile((phone_text or "")[:40])
    except InvalidPhone as exc:
        errors["phone"] = str(exc) if (phone_text or "").strip() else "请填写申报时留的手机号"
    if errors:
        raise ValidationFailed(errors)
    query = (select(Case).where(Case.claimed_id_number_index == blind_index(ID_NUMBER, id_number),
                                Case.claimed_phone_index == blind_index(PHONE, phone),
                                Case.lookup_code.is_not(None))
             .order_by(Case.id.desc()).limit(RECOVER_MAX))
    found = list(db.session.execute(query).scalars())
    if not found:
        audit.record(None, "track", "case", None, "lookup code recovery: no match")
    for case in found:
        audit.record(None, "track", "case", case.id, "lookup code recovered")
    return [Recovered(format_lookup_code(c.lookup_code), c.clue_date, c.region.village.name) for c in found]
