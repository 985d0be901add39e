"""Everything on a household's record besides the household itself, loaded for its page: the
cases the reader may see, visits with their photos, help measures, evaluations, and the audited
reads of the record and its cases.

Cases come through ``scoping.cases``: a grid worker sees the household of their grid but only
the cases assigned to or reported by them, so the measures, evaluations and reads derived from
cases follow the same rule. Each part is one query, however many visits, photos or steps the
household has.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from core.extensions import db
from models import AuditLog, Case, CaseEvent, Evaluation, Household, PlanMeasure, User, Visit
from services.accounts import scoping

READS_SHOWN = 50


@dataclass(frozen=True)
class Reads:
    """The latest audited reads (newest first), the readers' names by id, and how many in all."""
    latest: list[AuditLog]
    names: dict[int, str]
    total: int


@dataclass(frozen=True)
class History:
    cases: list[Case]
    visits: list[Visit]
    measures: list[PlanMeasure]
    evaluations: list[Evaluation]
    reads: Reads


def load(actor: User, household: Household) -> History:
    """For a household already loaded by ``records.read_household`` (audited)."""
    cases = _cases(actor, household)
    case_ids = [c.id for c in cases]
    return History(cases=cases, visits=_visits(household), measures=_measures(case_ids),
                   evaluations=_evaluations(case_ids), reads=reads(household, case_ids))


def _cases(actor: User, household: Household) -> list[Case]:
    query = (scoping.cases(actor).where(Case.household_id == household.id)
             .options(selectinload(Case.pair_cadre),
                      selectinload(Case.events).options(selectinload(CaseEvent.actor),
                                                        selectinload(CaseEvent.evidence)))
             .order_by(Case.clue_date.desc(), Case.id.desc()))
    return list(db.session.execute(query).scalars())


def _visits(household: Household) -> list[Visit]:
    query = (select(Visit).where(Visit.household_id == household.id)
             .options(selectinload(Visit.worker), selectinload(Visit.photos))
             .order_by(Visit.visited_at.desc(), Visit.id.desc()))
    return list(db.session.execute(query).scalars())


def _measures(case_ids: list[int]) -> list[PlanMeasure]:
    query = (select(PlanMeasure).where(PlanMeasure.case_id.in_(case_ids))
             .options(selectinload(PlanMeasure.measure), selectinload(PlanMeasure.created_by),
                      selectinload(PlanMeasure.updated_by))
             .order_by(PlanMeasure.case_id.desc(), PlanMeasure.position, PlanMeasure.id))
    return list(db.session.execute(query).scalars()) if case_ids else []


def _evaluations(case_ids: list[int]) -> list[Evaluation]:
    query = (select(Evaluation).where(Evaluation.case_id.in_(case_ids)).options(selectinload(Evaluation.actor))
             .order_by(Evaluation.evaluated_on.desc(), Evaluation.id.desc()))
    return list(db.session.execute(query).scalars()) if case_ids else []


def reads(household: Household, case_ids: list[int]) -> Reads:
    """Audited reads of the household and of the given cases."""
    target = and_(AuditLog.object_type == "household", AuditLog.object_id == str(household.id))
    if case_ids:
        target = or_(target, and_(AuditLog.object_type == "case",
                                  AuditLog.object_id.in_([str(i) for i in case_ids])))
    condition = and_(AuditLog.action == "read", target)
    total = db.session.execute(select(func.count(AuditLog.id)).where(condition)).scalar_one()
    latest = list(db.session.execute(
        select(AuditLog).where(condition).order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(READS_SHOWN)
    ).scalars())
    user_ids = {r.user_id for r in latest if r.user_id is not None}
    names = dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(user_ids))).all()
                 ) if user_ids else {}
    return Reads(latest=latest, names=names, total=total)
