"""A pair cadre's households (结对帮扶): every open case naming them as its pair cadre, each
with the next thing due — the case's own deadline (first visit, help plan, quarterly
evaluation) or, when sooner, an open measure they follow (one no department carries,
``measure_tasks``) — soonest first, sorted in SQL on whichever of the two comes first."""
from __future__ import annotations

from datetime import date

from sqlalchemy import and_, case as sql_case, func, or_, select
from sqlalchemy.orm import selectinload

from core.extensions import db
from domain.deadlines import DeadlineKind
from domain.workflow import CaseState
from models import Case, PlanMeasure, User
from services.help import measure_tasks
from services.todo import cases as lists
from services.todo.ordering import clock

OPEN_STATES = tuple(s.value for s in CaseState if s.is_open)


def _followed():
    """Over PlanMeasure: open, with a date, and followed by the pair cadre (no department)."""
    return and_(PlanMeasure.department.is_(None), PlanMeasure.due_on.is_not(None), measure_tasks.open_clause())


def _next_due():
    """Over Case: the earlier of its deadline and its soonest followed measure."""
    soonest = (select(func.min(PlanMeasure.due_on))
               .where(PlanMeasure.case_id == Case.id, PlanMeasure.department.is_(None),
                      PlanMeasure.status.in_(measure_tasks.OPEN), PlanMeasure.due_on.is_not(None))
               .correlate(Case).scalar_subquery())
    sooner = and_(measure_tasks.carries_measures_clause(), soonest.is_not(None),
                  or_(Case.due_date.is_(None), soonest < Case.due_date))
    return sql_case((sooner, soonest), else_=Case.due_date)


def _soonest_measures(found: list[Case]) -> dict[int, PlanMeasure]:
    if not found:
        return {}
    query = (select(PlanMeasure).where(PlanMeasure.case_id.in_([c.id for c in found]), _followed())
             .order_by(PlanMeasure.case_id, PlanMeasure.due_on, PlanMeasure.id)
             .options(selectinload(PlanMeasure.measure)))
    soonest: dict[int, PlanMeasure] = {}
    for pm in db.session.execute(query).scalars():
        soonest.setdefault(pm.case_id, pm)
    return soonest


def households(actor: User, today: date, page: int) -> lists.Section:
    conditions = [Case.pair_cadre_id == actor.id, Case.state.in_(OPEN_STATES)]
    found = lists.find(actor, conditions, today, page, due=_next_due())
    measures = _soonest_measures(found.cases)
    made = []
    for row, case in zip(lists.rows(found, today), found.cases):
        pm = measures.get(case.id)
        if pm is not None and (case.due_date is None or pm.due_on < case.due_date):
            made.append(lists.Row(row.case_id, f"落实帮扶措施：{pm.measure.name}", row.state, row.name,
                                  row.id_masked, row.village, pm.due_on.isoformat(), clock(pm.due_on, today),
                                  ("帮扶措施到期",), measure_id=pm.id))
        else:
            kind = DeadlineKind(case.deadline_kind).label if case.deadline_kind else ""
            made.append(lists.Row(row.case_id, row.step, row.state, row.name, row.id_masked, row.village,
                                  row.due, row.clock, (f"期限：{kind}",) if kind else ()))
    return lists.section("paired", "我结对帮扶的农户", "您还没有结对帮扶的农户，或他们都已办结。", found, made)
