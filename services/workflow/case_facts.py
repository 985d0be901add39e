"""Facts about a case that the workflow's guards need and that live in other tables.

They are read here, never taken from the form of the person acting: whether the household was
put on the elimination list at a quarterly evaluation (seed 000: "提出名单必须研判"), and which
required papers are already attached to the elimination under way.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.extensions import db
from domain.eligibility import Assessment, NoMonitoringLine
from domain.evidence import missing_papers
from domain.workflow import Action
from models import Case, CaseEvent, Evaluation, ReviewRequest
from services.errors import ValidationFailed
from services.households import records
from services.workflow.case_events import StepInput


def latest_evaluation(case: Case) -> Evaluation | None:
    query = (select(Evaluation).where(Evaluation.case_id == case.id)
             .order_by(Evaluation.evaluated_on.desc(), Evaluation.id.desc()).limit(1))
    return db.session.execute(query).scalars().first()


def proposed_at_evaluation(case: Case) -> bool:
    """The latest quarterly evaluation judged the risk gone and put the household on the list."""
    latest = latest_evaluation(case)
    return bool(latest and latest.risk_gone and latest.propose_elimination)


def review_open(case: Case) -> bool:
    """The farmer's re-review (申请复核) of the case's refusal awaits the township's decision."""
    query = select(ReviewRequest.id).where(ReviewRequest.case_id == case.id, ReviewRequest.state == "open")
    return db.session.execute(query.limit(1)).first() is not None


def _events_of_current_elimination(case: Case) -> list[CaseEvent]:
    """Events since the elimination under way was proposed (an earlier, returned one is past)."""
    events = list(case.events)
    starts = [i for i, e in enumerate(events) if e.action == Action.PROPOSE_ELIMINATION.value]
    return events[starts[-1]:] if starts else []


def papers_provided(case: Case, step: StepInput | None = None) -> set[str]:
    kinds = {ev.kind for e in _events_of_current_elimination(case) for ev in e.evidence if ev.kind}
    if step is not None:
        kinds |= {item.kind for item in step.evidence if item.kind}
    return kinds


def papers_missing(case: Case, step: StepInput | None = None) -> tuple[str, ...]:
    return missing_papers(papers_provided(case, step))


def assessment(case: Case, today: date, sudden_hardship: bool = False) -> Assessment | None:
    """The household's measurement against the year's monitoring line
    (``domain.eligibility.assess``); None when the clue has no household yet, or its income or
    the region's line is not recorded (then nothing can be said either way)."""
    if case.household is None:
        return None
    try:
        return records.assess_household(case.household, today, sudden_hardship=sudden_hardship or case.urgent)
    except (ValidationFailed, NoMonitoringLine):
        return None
