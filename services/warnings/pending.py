"""The warning a case shows as pending (``Case.warning_grade`` / ``warning_due``): the most severe
of its warnings still unanswered and the earliest day one is due. Kept here, apart from the
comparison, so that the workflow (a merge moves warnings) can keep it too.
"""
from __future__ import annotations

from sqlalchemy import select, update

from core.extensions import db
from domain.warnings import most_pressing
from models import Case, DepartmentWarning


def show_pending(case: Case) -> None:
    """Keep on the case the most severe unanswered warning and the earliest day one is due."""
    db.session.flush()
    pending = db.session.execute(select(DepartmentWarning.grade, DepartmentWarning.due_on).where(
        DepartmentWarning.case_id == case.id, DepartmentWarning.feedback.is_(None))).all()
    top = most_pressing(g for g, _ in pending)
    case.warning_grade = top.value if top else None
    case.warning_due = min((d for _, d in pending), default=None)


def move_warnings(source: Case, target: Case) -> int:
    """A clue merged into another case takes its warnings along (the village answers them on
    the case it works); returns how many moved."""
    moved = db.session.execute(update(DepartmentWarning).where(DepartmentWarning.case_id == source.id)
                               .values(case_id=target.id).execution_options(synchronize_session=False)).rowcount
    if moved:
        show_pending(source)
        show_pending(target)
    return moved
