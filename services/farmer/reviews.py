"""The farmer's re-review (申请复核) of a refusal: asked from /track, decided by the township.

A farmer whose case was refused (state 未纳入) asks, with the lookup code, the last four phone
digits and a reason, for the refusal to be looked at again. The request reaches the township
of the case with a deadline (the policy setting ``review_days``, from the day asked): the case
page shows it, with its countdown (the case's deadline becomes the 复核 one), the township staff
are told (a to-do in the notification centre, kind ``assigned``), and /reviews lists every open
request of the person's area, soonest deadline first.

The township decides on the case page: 维持不纳入 (``Action.REVIEW_UPHOLD``, the case stays
refused, with a note the farmer reads) or 重新核实 (``Action.REVIEW_REOPEN``, back to 已受理 for
a new verification, with a fresh identification clock from that day). Both are workflow steps
(``services.workflow.cases.perform``): the workflow refuses them unless a request is open.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from core.clock import WORK_TZ
from core.extensions import db
from domain.deadlines import DUE_SOON_DAYS, DeadlineKind, identification_due
from domain.enums import NotificationKind, Role
from domain.tracking import REVIEW_OPEN, REVIEW_REOPENED, REVIEW_UPHELD, check_review_reason, may_ask_review
from domain.workflow import Action, CaseState
from models import Case, ReviewRequest, User
from models.types import utcnow
from services.accounts import scoping
from services.errors import PermissionDenied, ValidationFailed
from services.farmer import tracking
from services.notifications import notify
from services.platform import audit, outbox
from services.regions import settings
from services.workflow import cases
from services.workflow.case_events import StepInput, add_event

DECISIONS = {Action.REVIEW_UPHOLD: REVIEW_UPHELD, Action.REVIEW_REOPEN: REVIEW_REOPENED}
# Who reads the list of open requests: the township decides, the county watches its townships.
READERS = (Role.TOWNSHIP_STAFF.value, Role.COUNTY_STAFF.value)
ALREADY_ASKED = "这件事已经申请过复核了。对复核结果还有疑问，请联系村干部或拨打12317咨询。"


def open_request(case: Case) -> ReviewRequest | None:
    query = select(ReviewRequest).where(ReviewRequest.case_id == case.id, ReviewRequest.state == REVIEW_OPEN)
    return db.session.execute(query.order_by(ReviewRequest.id).limit(1)).scalars().first()


# --- the farmer asks ---------------------------------------------------------------------------

def ask(code_text: str, phone_tail: str, reason_text: str, today: date) -> ReviewRequest | None:
    """Record the farmer's request; None when the code and phone digits match no case (the
    same answer as a failed lookup). ``ValidationFailed`` (field ``reason``) for an empty or
    over-long reason, or when the case may not be asked about (not refused, asked already)."""
    found = tracking.find(code_text, phone_tail)
    if found is None or found[1] is None:
        return None
    # One request at a time: two taps (or two phones) asking at once wait for each other here.
    case = db.session.execute(select(Case).where(Case.id == found[1].id).with_for_update()).scalar_one()
    reason, error = check_review_reason(reason_text)
    if error:
        raise ValidationFailed({"reason": error})
    earlier = [r.state for r in tracking.review_requests(case)]
    if not may_ask_review(case.state_enum, earlier):
        raise ValidationFailed({"reason": ALREADY_ASKED if earlier else "只有未纳入的申报才能申请复核"})
    due = today + timedelta(days=settings.policy_for(case.region).review_days)
    request = ReviewRequest(case_id=case.id, reason=reason, due_on=due, state=REVIEW_OPEN)
    db.session.add(request)
    db.session.flush()
    # The case's deadline is now the township's answer (terminal states are in no overdue list;
    # the case page counts it down).
    case.due_date, case.deadline_kind = due, DeadlineKind.REVIEW.value
    add_event(case, None, None, CaseState.REJECTED, CaseState.REJECTED, StepInput(comment=reason),
              {"review_request": request.id, "notes": [f"农户申请复核，乡镇应于{due.isoformat()}前答复"]})
    audit.record(None, "create", "review_request", request.id, f"case={case.id} due={due.isoformat()}")
    outbox.add("review.requested", request_id=request.id)
    return request


@outbox.handler("review.requested")
def _tell_township(payload: dict) -> None:
    """Once the request is committed: a to-do for the township staff of the case's area (the
    county's when the township has no account). Retired when the decision is taken, as every
    to-do of a case that needs nothing more (``notify.tell_next_holder``)."""
    request = db.session.get(ReviewRequest, payload["request_id"])
    if request is None or request.state != REVIEW_OPEN:
        return
    case = request.case
    title = f"案件 {case.id} 待办：农户申请复核，期限 {request.due_on.isoformat()}"
    people = notify.Recipients().staff(Role.TOWNSHIP_STAFF, case.region)
    notify.send(notify.Message(recipient=user, kind=NotificationKind.ASSIGNED, title=title,
                               dedupe_key=f"review:{request.id}", case_id=case.id,
                               link=notify.case_link(case.id), step="复核", due=request.due_on)
                for user in people)


# --- the township decides ------------------------------------------------------------------------

def decide(actor: User, case_id: int, action: Action, note: str, *, today: date) -> ReviewRequest:
    """维持不纳入 or 重新核实, as a workflow step: the workflow checks the role and that a
    request is open (``TransitionRefused`` otherwise); the note is what the farmer reads."""
    if action not in DECISIONS:
        raise ValueError(f"not a re-review decision: {action}")
    # Two people deciding at once: the second waits here, then finds no open request, and the
    # workflow refuses its step.
    db.session.execute(select(ReviewRequest.id).where(
        ReviewRequest.case_id == case_id, ReviewRequest.state == REVIEW_OPEN).with_for_update()).all()
    case = cases.perform(actor, case_id, action, StepInput(reason=note), today=today)
    request = open_request(case)
    request.state = DECISIONS[action]
    request.decided_at = utcnow()
    request.decided_by_id = actor.id
    request.decision_note = note.strip()
    if action is Action.REVIEW_REOPEN:
        # A new verification: the refusal no longer stands, and the identification clock starts
        # again on the day of the decision (the clock of the first pass ran out long ago).
        case.rejection_reason = None
        case.due_date = identification_due(today, settings.policy_for(case.region))
        case.deadline_kind = DeadlineKind.IDENTIFICATION.value
    audit.record(actor, "update", "review_request", request.id, f"state={request.state}")
    return request


# --- what staff see -------------------------------------------------------------------------------

STATE_LABELS = {REVIEW_OPEN: "待答复", REVIEW_UPHELD: "已答复：维持不纳入", REVIEW_REOPENED: "已答复：重新核实"}


@dataclass(frozen=True)
class RequestShown:
    """A request on the case page (the page audits its reading)."""

    id: int
    state: str
    state_label: str
    reason: str
    asked_at: str
    due_on: str
    days_left: int | None  # open requests only
    overdue: bool
    due_soon: bool
    decided_at: str
    decided_by: str
    note: str


def requests_shown(case: Case, today: date) -> list[RequestShown]:
    rows = []
    for r in tracking.review_requests(case):
        is_open = r.state == REVIEW_OPEN
        left = (r.due_on - today).days if is_open else None
        decider = db.session.get(User, r.decided_by_id) if r.decided_by_id else None
        rows.append(RequestShown(
            r.id, r.state, STATE_LABELS.get(r.state, r.state), r.reason or "",
            r.requested_at.astimezone(WORK_TZ).strftime("%Y-%m-%d %H:%M"), r.due_on.isoformat(), left,
            is_open and left < 0, is_open and 0 <= left <= DUE_SOON_DAYS,
            r.decided_at.astimezone(WORK_TZ).strftime("%Y-%m-%d %H:%M") if r.decided_at else "",
            decider.full_name if decider else "", r.decision_note or ""))
    return rows


# --- the list of open requests -------------------------------------------------------------------

@dataclass(frozen=True)
class ReviewRow:
    request_id: int
    case_id: int
    village: str
    name: str
    asked_on: str
    due_on: str
    days_left: int
    overdue: bool
    due_soon: bool
    refused_by: str  # the rejection reason the farmer disputes


def require_reader(actor: User) -> None:
    if actor.role not in READERS:
        raise PermissionDenied("复核申请仅供乡镇、县级工作人员查看")


def open_in_scope(actor: User, today: date) -> list[ReviewRow]:
    """Open requests on the cases of the person's area, soonest deadline first (overdue ones
    first of all). The farmer's reason is on the case page, which audits its reading."""
    require_reader(actor)
    query = (_open_in_scope(actor).with_only_columns(ReviewRequest, Case)
             .order_by(ReviewRequest.due_on, ReviewRequest.id))
    rows = []
    for request, case in db.session.execute(query):
        left = (request.due_on - today).days
        rows.append(ReviewRow(
            request.id, case.id, case.region.village.name if case.region.village else case.region.name,
            case.claimed_name or "", tracking.day_of(request.requested_at).isoformat(),
            request.due_on.isoformat(), left, left < 0, 0 <= left <= DUE_SOON_DAYS, case.rejection_reason or ""))
    audit.record(actor, "read", "review_request", None, f"open list: {len(rows)}")
    return rows


def count_open(actor: User) -> int:
    """For the inbox's link: how many requests wait in the person's area (0 for other roles)."""
    if actor.role not in READERS:
        return 0
    query = _open_in_scope(actor).with_only_columns(func.count(ReviewRequest.id))
    return db.session.execute(query).scalar_one()


def _open_in_scope(actor: User):
    """Open requests joined to their cases in scope. A join, not ``case_id IN (cases in scope)``:
    the open requests are few, so each is checked against its own case, and the province's
    cases are never read to build the IN list."""
    return (scoping.cases(actor).join(ReviewRequest, ReviewRequest.case_id == Case.id)
            .where(ReviewRequest.state == REVIEW_OPEN).order_by(None))
