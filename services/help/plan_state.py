"""The real state of a case's help plan, as the elimination rules and the quarterly evaluation
read it (``domain.measures.unfinished_measures`` and ``in_place_answer_problem``).

Imports no other use case, so ``services.workflow.cases`` may read it without a cycle.
"""
from __future__ import annotations

from sqlalchemy import select

from core.extensions import db
from domain import measures as rule
from models import Case, Measure, PlanMeasure


def plan(case: Case) -> list[tuple[str, str]]:
    """(measure name, status) of every measure ever planned for the case, in plan order."""
    query = (select(Measure.name, PlanMeasure.status).join(Measure, PlanMeasure.measure_id == Measure.id)
             .where(PlanMeasure.case_id == case.id).order_by(PlanMeasure.position, PlanMeasure.id))
    return [(name, status) for name, status in db.session.execute(query)]


def unfinished(case: Case) -> tuple[str, ...]:
    """The case's measures still 已安排 or 落实中, as "名称（已安排）"."""
    return rule.unfinished_measures(plan(case))
