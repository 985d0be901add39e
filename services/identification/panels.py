"""What the identification steps on the case page need besides ``cases.perform``: which
open clues a duplicate may be merged into, the field-app visits already linked to the case,
and a hint for the county's choice of category. Plain view data; templates hold no logic."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from core.clock import WORK_TZ
from core.extensions import db
from domain.enums import CaseSource, HouseholdAttribute, MonitoringCategory
from domain.fieldwork import VisitMethod
from domain.workflow import Action, CaseState
from models import Case, CaseEvent, User, Visit
from services.accounts import scoping

# A visit that verifies a case writes its VERIFY event in the same request (services.fieldwork.visits);
# this is how far apart the two records may be and still be counted as one act.
SAME_ACT = timedelta(minutes=10)


@dataclass(frozen=True)
class CaseChoice:
    id: int
    label: str  # "案件 12 · 已受理 · 农户自主申报 · 2026-11-20": no personal data


@dataclass(frozen=True)
class VisitRow:
    id: int
    at: str
    method: str
    remote: bool
    worker: str
    photos: int
    verified_case: bool  # this visit completed the case's verification step


def merge_targets(actor: User, case: Case) -> list[CaseChoice]:
    """Other open clues in the actor's scope about the same household or the same claimed
    person: the only cases a duplicate may be merged into (DOMAIN: 线索受理)."""
    same = []
    if case.household_id is not None:
        same.append(Case.household_id == case.household_id)
    if case.claimed_id_number_index:
        same.append(Case.claimed_id_number_index == case.claimed_id_number_index)
    if not same:
        return []
    open_states = [s.value for s in CaseState if s.is_open]
    query = (scoping.cases(actor)
             .where(or_(*same), Case.id != case.id, Case.state.in_(open_states),
                    Case.merged_into_id.is_(None))
             .order_by(Case.id))
    return [CaseChoice(c.id, f"案件 {c.id} · {c.state_enum.label} · {CaseSource(c.source).label} · "
                             f"{c.clue_date.isoformat()}")
            for c in db.session.execute(query).scalars()]


def linked_visits(case: Case) -> list[VisitRow]:
    """Field-app visits recorded against this case, oldest first, and whether each one is
    the visit that verified it (same worker, recorded together with the VERIFY step)."""
    visits = db.session.execute(
        select(Visit).where(Visit.case_id == case.id)
        .options(selectinload(Visit.worker), selectinload(Visit.photos))
        .order_by(Visit.visited_at, Visit.id)).scalars().all()
    if not visits:
        return []
    verifying = _verifying_visits(case, visits)
    return [VisitRow(id=v.id, at=v.visited_at.astimezone(WORK_TZ).strftime("%Y-%m-%d %H:%M"),
                     method=VisitMethod(v.method).label, remote=VisitMethod(v.method).remote,
                     worker=f"{v.worker.full_name}（{v.worker.role_enum.label}）",
                     photos=len(v.photos), verified_case=v.id in verifying)
            for v in visits]


def _verifying_visits(case: Case, visits: list[Visit]) -> set[int]:
    """Ids of the visits that took a VERIFY step: for each such step, the same worker's visit
    stored last before it, within ``SAME_ACT`` (the visit is written first, then the step)."""
    events = db.session.execute(
        select(CaseEvent).where(CaseEvent.case_id == case.id,
                                CaseEvent.action == Action.VERIFY.value)).scalars().all()
    found: set[int] = set()
    for event in events:
        before = [v for v in visits if v.worker_id == event.actor_id
                  and timedelta(0) <= event.at - v.created_at <= SAME_ACT]
        if before:
            found.add(max(before, key=lambda v: (v.created_at, v.id)).id)
    return found


def category_hint(case: Case) -> str:
    """A reminder for the county, never a preselection: the category is their decision."""
    household = case.household
    if household is not None and household.attribute == HouseholdAttribute.LIFTED.value:
        return f"该户为脱贫户，一般认定为“{MonitoringCategory.UNSTABLE_LIFTED.label}”。"
    if case.urgent:
        return f"该线索为突发严重困难，可考虑认定为“{MonitoringCategory.SUDDEN_HARDSHIP.label}”。"
    return f"一般农户一般认定为“{MonitoringCategory.MARGINAL.label}”，突发严重困难的认定为“{MonitoringCategory.SUDDEN_HARDSHIP.label}”。"
