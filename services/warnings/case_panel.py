"""The case page's 部门筛查预警 section: each warning of the case with the department and the list
it came from, what triggered it, its deadline and the answer given, and whether this person may
answer it (核实反馈).

The page asks only when the case's history shows a warning (an event with ``department_warning``
data), so other cases cost no statement; the warnings come with their lists and answerers in
one query (with their rows, for the line).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import joinedload

from core.extensions import db
from domain.department_lists import ListKind
from domain.enums import Department
from domain.warnings import Feedback, Grade, is_overdue
from models import Case, DepartmentWarning, User
from services.accounts import scoping
from services.warnings.feedback import may_answer

WARNING_EVENT_KEY = "department_warning"


@dataclass(frozen=True)
class CaseWarning:
    id: int
    department: str
    kind: str
    list_name: str
    line: int
    grade: str
    grade_code: str
    figures: str            # what the department's data showed (personal: only on this page)
    sent_on: str
    due_on: str
    status: str             # 待反馈（剩 N 天）/ 今天到期 / 已逾期 N 天 / the answer
    status_class: str       # overdue / soon / ok / done
    answer: str
    answer_reason: str
    answered_on: str
    answered_by: str
    answerable: bool        # unanswered, and this person's role answers


def warnings_of(actor: User, case: Case, today: date) -> list[CaseWarning]:
    """The case's warnings this person sees, oldest first."""
    query = (scoping.department_warnings(actor).where(DepartmentWarning.case_id == case.id)
             .options(joinedload(DepartmentWarning.list), joinedload(DepartmentWarning.row),
                      joinedload(DepartmentWarning.feedback_by))
             .order_by(DepartmentWarning.id))
    answers = may_answer(actor)
    return [_shown(w, today, answers) for w in db.session.execute(query).unique().scalars()]


FEEDBACK_CHOICES = [(f.value, f.label) for f in Feedback]
REASON_NEEDED = "、".join(f.label for f in Feedback if f.needs_reason)


def _status(w: DepartmentWarning, today: date) -> tuple[str, str]:
    if w.feedback is not None:
        late = is_overdue(w.due_on, w.feedback_on, today)
        return Feedback(w.feedback).label + ("（逾期反馈）" if late else ""), "done"
    left = (w.due_on - today).days
    if left < 0:
        return f"已逾期 {-left} 天", "overdue"
    if left == 0:
        return "今天到期", "soon"
    return f"待反馈（剩 {left} 天）", "ok"


def _shown(w: DepartmentWarning, today: date, answers: bool) -> CaseWarning:
    status, status_class = _status(w, today)
    return CaseWarning(
        id=w.id, department=Department(w.department).label, kind=ListKind(w.kind).label,
        list_name=w.list.filename, line=w.row.line, grade=Grade(w.grade).label, grade_code=w.grade,
        figures=w.figures or "", sent_on=w.sent_on.isoformat(), due_on=w.due_on.isoformat(),
        status=status, status_class=status_class,
        answer=Feedback(w.feedback).label if w.feedback else "", answer_reason=w.feedback_reason or "",
        answered_on=w.feedback_on.isoformat() if w.feedback_on else "",
        answered_by=w.feedback_by.full_name if w.feedback_by else "",
        answerable=answers and w.feedback is None)


__all__ = ["CaseWarning", "FEEDBACK_CHOICES", "REASON_NEEDED", "WARNING_EVENT_KEY", "warnings_of"]
