"""The history of a household as plain data: one timeline merging case steps, visits, measure
status changes and evaluations (newest first), and who has read the record (the audit log).

Also the small formatting helpers the household page shares with it. Callers pass rows already
loaded with their relations (``services.households.history``), so nothing here queries.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Iterable

from core.clock import WORK_TZ
from domain.enums import MeasureStatus, Role
from domain.fieldwork import AwayReason, VisitMethod
from models import Case, Evaluation, PlanMeasure, User, Visit
from portal.office import case_view
from portal.office.case_view import EvidenceRow
from services.households.history import Reads
_DAY_END = time(23, 59, 59)  # a date-only entry sorts after the timed steps of its day
YES_NO = {True: "是", False: "否"}
SHOULD_MONITOR = {True: "建议纳入监测", False: "无需纳入监测", None: ""}


def label(enum, code: str | None) -> str:
    return enum(code).label if code else ""


def day(value: date | None) -> str:
    return value.isoformat() if value else ""


def clock(value: datetime) -> str:
    """A stored UTC time in Beijing time, to the minute."""
    return value.astimezone(WORK_TZ).strftime("%Y-%m-%d %H:%M")


def name(user: User | None) -> str:
    return user.full_name if user else ""


@dataclass(frozen=True)
class TimelineEntry:
    at: str
    kind: str        # case | visit | measure | evaluation (for styling)
    kind_label: str
    title: str
    actor: str
    case_id: int | None
    visit_id: int | None
    lines: tuple[str, ...]
    evidence: tuple[EvidenceRow, ...]


@dataclass(frozen=True)
class ViewerRow:
    at: str
    name: str
    role: str
    what: str


def _at_end_of(value: date) -> datetime:
    return datetime.combine(value, _DAY_END, tzinfo=WORK_TZ)


def _entry(when: datetime, shown: str, kind: str, kind_label: str, title: str, actor: str = "", *,
           case_id: int | None = None, visit_id: int | None = None, lines=(), evidence=()):
    return when, TimelineEntry(shown, kind, kind_label, title, actor, case_id, visit_id, tuple(lines),
                               tuple(evidence))


def _case_entries(case: Case):
    # case_view.events keeps the order of case.events, so each row pairs with its event's time.
    for event, row in zip(case.events, case_view.events(case)):
        lines = [*row.details, *([row.comment] if row.comment else []), *(["已签字"] if row.signed else [])]
        title = f"{row.action} → {row.state}"
        if event.action is None and event.from_state is not None:
            # Not a step: a further report joined, a duplicate merged in, the household matched.
            title = f"补充记录（{row.state}）"
            if (event.data or {}).get("matched_household"):
                lines.append("线索已关联到本户")
        yield _entry(event.at, row.at, "case", "案件办理", title, row.actor,
                     case_id=case.id, lines=lines, evidence=row.evidence)


def _visit_entry(visit: Visit, visible_cases: set[int]):
    method = VisitMethod(visit.method)
    lines = []
    if method.remote:
        lines.append(f"联系人：{visit.reached_person or ''}（{visit.reached_via or ''}）；"
                     f"外出原因：{label(AwayReason, visit.away_reason)}")
    if visit.should_monitor is not None:
        lines.append(SHOULD_MONITOR[visit.should_monitor])
    if visit.photos:
        lines.append(f"照片 {len(visit.photos)} 张")
    return _entry(visit.visited_at, clock(visit.visited_at), "visit", "走访", f"{method.label}走访",
                  name(visit.worker), case_id=visit.case_id if visit.case_id in visible_cases else None,
                  visit_id=visit.id, lines=lines)


def _measure_entries(pm: PlanMeasure):
    title = pm.measure.name
    yield _entry(_at_end_of(pm.planned_on), day(pm.planned_on), "measure", "帮扶措施", f"安排措施：{title}",
                 name(pm.created_by), case_id=pm.case_id)
    status = pm.status_enum
    if status is MeasureStatus.DONE and pm.done_on:
        yield _entry(_at_end_of(pm.done_on), day(pm.done_on), "measure", "帮扶措施", f"措施已落实：{title}",
                     name(pm.updated_by), case_id=pm.case_id)
    elif status in (MeasureStatus.IN_PROGRESS, MeasureStatus.CANCELLED):
        # No history table: the row's last change is when it reached its current status.
        yield _entry(pm.updated_at, clock(pm.updated_at), "measure", "帮扶措施", f"措施{status.label}：{title}",
                     name(pm.updated_by), case_id=pm.case_id)


def _evaluation_entry(e: Evaluation):
    lines = [f"措施到位：{YES_NO[e.measures_in_place]}；措施见效：{YES_NO[e.measures_working]}；"
             f"风险消除：{YES_NO[e.risk_gone]}"]
    if e.propose_elimination:
        lines.append("集体研判：列入风险消除名单")
    if e.comment:
        lines.append(e.comment)
    return _entry(_at_end_of(e.evaluated_on), day(e.evaluated_on), "evaluation", "效果评估",
                  f"{e.quarter} 帮扶效果评估", name(e.actor), case_id=e.case_id, lines=lines)


def timeline(cases: Iterable[Case], visits: Iterable[Visit], measures: Iterable[PlanMeasure],
             evaluations: Iterable[Evaluation]) -> tuple[TimelineEntry, ...]:
    """Everything that happened to the household, newest first (visits link to a case only
    when it is one of ``cases``, the cases the reader may open)."""
    cases = list(cases)
    visible = {c.id for c in cases}
    timed = [e for case in cases for e in _case_entries(case)]
    timed += [_visit_entry(v, visible) for v in visits]
    timed += [e for pm in measures for e in _measure_entries(pm)]
    timed += [_evaluation_entry(e) for e in evaluations]
    order = sorted(range(len(timed)), key=lambda i: (timed[i][0], i), reverse=True)
    return tuple(timed[i][1] for i in order)


def viewers(reads: Reads) -> tuple[ViewerRow, ...]:
    """The latest audited reads of the household and its cases, newest first."""
    return tuple(ViewerRow(
        at=clock(r.at), name=reads.names.get(r.user_id, "（账号已不存在）"), role=label(Role, r.role),
        what="农户档案" if r.object_type == "household" else f"案件 {r.object_id}") for r in reads.latest)
