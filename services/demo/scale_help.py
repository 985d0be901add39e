"""Help after inclusion for ``flask seed-scale``: each county's measure library, the measures of a
case's help plan with their follow-up (some overdue), and the quarterly evaluations behind the
case's evaluation steps.

Plans are chosen as ``services.demo.seeding`` chooses the demo's: a measure answering each risk
type (policy help first), a 开发式 measure where someone can work (else 保障式), the toilet upgrade
where the household lacks a sanitary toilet.
"""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from domain.deadlines import quarter_code
from domain.enums import HelpKind, MeasureStatus
from domain.relief import ReliefKind
from models import Evaluation, Measure, PlanMeasure
from services.demo.data import MEASURES
from services.demo.scale_common import Ids
from services.demo.scale_regions import County



def _answering() -> dict[str, list[str]]:
    """For each risk type, the library's measures answering it, policy help first."""
    found: dict[str, list[str]] = {}
    for name, kind, _, risks in sorted(MEASURES, key=lambda m: m[1] is not HelpKind.POLICY):
        for risk in risks:
            found.setdefault(risk.value, []).append(name)
    return found


_ANSWERING = _answering()
_OF_KIND = {kind: [m[0] for m in MEASURES if m[1] is kind] for kind in HelpKind}
_DEPARTMENT = {m[0]: (m[2].value if m[2] else None) for m in MEASURES}
TOILET_UPGRADE = "户厕改造"
TEMPORARY_RELIEF = "临时救助"


def library_rows(county: County, ids: Ids) -> list[dict]:
    """The county's measure library (the demo's list); ``county.measure_ids`` learns the ids."""
    rows = []
    for name, kind, department, risks in MEASURES:
        measure_id = ids.take(Measure.__table__)
        county.measure_ids[name] = measure_id
        rows.append({"id": measure_id, "county_id": county.id, "name": name, "kind": kind.value,
                     "department": department.value if department else None,
                     "risk_types": [r.value for r in risks], "active": True,
                     "toilet_upgrade": name == TOILET_UPGRADE, "is_temporary_relief": name == TEMPORARY_RELIEF})
    return rows


def plan_names(rng: random.Random, risk_types: list[str], workers: int, lacks_toilet: bool) -> list[str]:
    chosen: list[str] = []
    for risk in risk_types:
        answering = [n for n in _ANSWERING.get(risk, ()) if n not in chosen]
        if answering:
            chosen.append(answering[0] if rng.random() < 0.7 else rng.choice(answering))
    kind = HelpKind.DEVELOPMENT if workers else HelpKind.SECURITY
    if not any(n in _OF_KIND[kind] for n in chosen):
        chosen.append(rng.choice(_OF_KIND[kind]))
    if lacks_toilet and TOILET_UPGRADE not in chosen:
        chosen.append(TOILET_UPGRADE)
    return chosen


class HelpRows:
    """The plan measures and evaluations of the cases generated in one batch."""

    def __init__(self, rng: random.Random, ids: Ids, today: date, now: datetime):
        self.rng, self.ids, self.today, self.now = rng, ids, today, now
        self.measures: list[dict] = []
        self.evaluations: list[dict] = []

    def evaluation(self, case_id: int, day: date, actor_id: int, proposed: bool) -> dict:
        """The evaluation's row, and the data its step's event carries (as ``evaluations.evaluate``)."""
        rng = self.rng
        working = proposed or rng.random() < 0.9
        gone = proposed or (working and rng.random() < 0.25)
        quarter = quarter_code(day)
        self.evaluations.append({
            "id": self.ids.take(Evaluation.__table__), "case_id": case_id, "quarter": quarter,
            "evaluated_on": day, "measures_in_place": True, "measures_working": working, "risk_gone": gone,
            "propose_elimination": proposed, "comment": None, "actor_id": actor_id, "created_at": self.now})
        notes = [f"评估季度：{quarter}", "措施是否落实：是", f"措施是否见效：{'是' if working else '否'}",
                 f"风险是否消除：{'是' if gone else '否'}"] + (["经集体研判，拟纳入风险消除名单"] if proposed else [])
        return {"notes": notes, "evaluation": {"quarter": quarter, "in_place": True, "working": working,
                                               "risk_gone": gone, "propose_elimination": proposed}}

    def plan(self, case_id: int, county: County, names: list[str], planned_on: date, finished_by: date | None,
             cleared: bool, author_id: int) -> None:
        """The plan's measures. ``finished_by``: the day elimination was proposed, by which every
        measure was done; otherwise they are followed up now, some late."""
        rng = self.rng
        for position, name in enumerate(names):
            department = _DEPARTMENT[name]
            due_on = planned_on + timedelta(days=rng.randint(15, 60)) if department else None
            status, done_on = self._progress(planned_on, due_on, finished_by, cleared)
            relief = name == TEMPORARY_RELIEF
            self.measures.append({
                "id": self.ids.take(PlanMeasure.__table__), "case_id": case_id, "measure_id": county.measure_ids[name],
                "position": position, "department": department, "status": status.value, "planned_on": planned_on,
                "due_on": due_on, "done_on": done_on, "note": None,
                "amount": Decimal(rng.choice((1500, 3000, 5000))) if relief else None,
                "relief_kind": ReliefKind.EXPENSE.value if relief else None,
                "created_by_id": author_id, "updated_by_id": author_id, "created_at": self.now,
                "updated_at": self.now})

    def _progress(self, planned_on: date, due_on: date | None, finished_by: date | None,
                  cleared: bool) -> tuple[MeasureStatus, date | None]:
        rng = self.rng
        if finished_by is not None:
            return MeasureStatus.DONE, min(finished_by, planned_on + timedelta(days=rng.randint(7, 60)))
        if cleared and rng.random() < 0.3:
            return MeasureStatus.CANCELLED, None
        age = (self.today - planned_on).days
        done_on = planned_on + timedelta(days=rng.randint(5, 60))
        draw = rng.random()
        if done_on <= self.today and draw < min(0.88, age / 75):
            return MeasureStatus.DONE, done_on
        if draw < 0.93 or (due_on is not None and due_on < self.today and rng.random() < 0.4):
            return MeasureStatus.IN_PROGRESS, None
        return MeasureStatus.PLANNED, None
