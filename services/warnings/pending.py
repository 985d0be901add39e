"""The warning a case shows as pending (``Case.warning_grade`` / ``warning_due``): the most severe
of its warnings still unanswered and the earliest day one is due. Kept here, apart from the
comparison, so that the workflow (a merge moves warnings) can keep it too.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Iterable

from sqlalchemy import select, update

from core.extensions import db
from domain.warnings import most_pressing
from models import Case, DepartmentWarning

BATCH = 1000


def show_pending(case: Case) -> None:
    """Keep on the case the most severe unanswered warning and the earliest day one is due."""
    show_pending_of([case])


def show_pending_of(touched: Iterable[Case]) -> None:
    """``show_pending`` for many cases, a query per thousand cases (a list raises thousands)."""
    db.session.flush()
    by_id = {case.id: case for case in touched}
    ids = list(by_id)
    pending: dict[int, list[tuple[str, date]]] = defaultdict(list)
    for start in range(0, len(ids), BATCH):
        for case_id, level, due in db.session.execute(select(
                DepartmentWarning.case_id, DepartmentWarning.grade, DepartmentWarning.due_on).where(
                DepartmentWarning.case_id.in_(ids[start:start + BATCH]), DepartmentWarning.feedback.is_(None))):
            pending[case_id].append((level, due))
    for case_id, case in by_id.items():
        top = most_pressing(g for g, _ in pending[case_id])
        case.warning_grade = top.value if top else None
        case.warning_due = min((d for _, d in pending[case_id]), default=None)


def move_warnings(source: Case, target: Case) -> int:
    """A clue merged into another case takes its warnings along (the village answers them on
    the case it works); returns how many moved."""
    moved = db.session.execute(update(DepartmentWarning).where(DepartmentWarning.case_id == source.id)
                               .values(case_id=target.id).execution_options(synchronize_session=False)).rowcount
    if moved:
        show_pending(source)
        show_pending(target)
    return moved
