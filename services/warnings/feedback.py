"""The loop back (核实反馈): the village's verification result goes back to the department.

Desk staff who may read the case answer each of its warnings once: 已纳入监测, 已落实帮扶, 经核实无
风险 (with the reason) or 信息有误 (with the reason). The answer is recorded on the case's
timeline, the case stops showing the warning as pending, and the department's officers are told
(after commit, through the outbox).
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.extensions import db
from domain.enums import Department, NotificationKind, Role
from domain.warnings import Feedback, FeedbackRefused, check_feedback
from models import Case, DepartmentWarning, User
from services.accounts import scoping
from services.errors import NotFound, PermissionDenied, ValidationFailed
from services.notifications.notify import Message, send
from services.platform import audit, outbox
from services.warnings.pending import show_pending
from services.workflow.case_events import StepInput, add_event

FEEDBACK_ROLES = frozenset({Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF})
_LARGEST_ID = 2**31 - 1


def may_answer(user: User) -> bool:
    return user.role_enum in FEEDBACK_ROLES


def warnings_of_case(actor: User, case: Case) -> list[DepartmentWarning]:
    """The case's warnings the actor sees (the case page), oldest first."""
    query = scoping.department_warnings(actor).where(DepartmentWarning.case_id == case.id).order_by(
        DepartmentWarning.id)
    return list(db.session.execute(query).scalars())


def warning_in_scope(actor: User, warning_id: int) -> DepartmentWarning:
    if not 0 < warning_id <= _LARGEST_ID:
        raise NotFound("warning not found")
    found = db.session.execute(scoping.department_warnings(actor).where(
        DepartmentWarning.id == warning_id)).scalars().first()
    if found is None:
        raise NotFound("warning not found")
    return found


def answer(actor: User, warning_id: int, result: str, reason: str, today: date) -> DepartmentWarning:
    """Record the verification result of one warning; ValidationFailed per field."""
    if not may_answer(actor):
        raise PermissionDenied("核实结果由村、乡镇、县级工作人员反馈")
    warning = warning_in_scope(actor, warning_id)
    scoping.require(actor, Case, warning.case_id)  # the person works the case (404 otherwise)
    if warning.feedback is not None:
        raise ValidationFailed({"result": f"这条预警已于{warning.feedback_on.isoformat()}反馈"
                                          f"“{Feedback(warning.feedback).label}”，不能重复反馈"})
    try:
        found, why = check_feedback(result, reason)
    except FeedbackRefused as exc:
        raise ValidationFailed({exc.field: exc.message}) from None
    warning.feedback, warning.feedback_reason = found.value, why or None
    warning.feedback_on, warning.feedback_by = today, actor
    case = warning.case
    add_event(case, actor, None, case.state_enum, case.state_enum, StepInput(comment=why),
              {"warning_feedback": {"warning_id": warning.id, "result": found.value,
                                    "department": warning.department}})
    show_pending(case)
    audit.record(actor, "update", "department_warning", warning.id, f"feedback={found.value}")
    outbox.add("warning.answered", warning_id=warning.id)
    return warning


@outbox.handler("warning.answered")
def _tell_department(payload: dict) -> None:
    """The department's officers in the county hear that their warning was answered (no
    personal data in the message: the list and line name the person to them)."""
    warning = db.session.get(DepartmentWarning, payload["warning_id"])
    if warning is None or warning.feedback is None:
        return
    officers = db.session.execute(select(User).where(
        User.role == Role.DEPARTMENT.value, User.department == warning.department,
        User.region_id == warning.county_id, User.active.is_(True))).scalars()
    title = (f"预警 {warning.id}（{warning.list.filename} 第{warning.row.line}行）已反馈："
             f"{Feedback(warning.feedback).label}")
    send(Message(recipient=user, kind=NotificationKind.WARNING_ANSWERED, title=title,
                 dedupe_key=f"warning:{warning.id}:answered", link="/warnings") for user in officers)


__all__ = ["answer", "may_answer", "warning_in_scope", "warnings_of_case", "Department"]
