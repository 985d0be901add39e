"""The household page (农户档案) as plain data: the household and its members in full, every case
the reader may see, visits with photos, help measures, evaluations, one merged timeline, and
who has read the record. Built only after an audited read (``records.read_household``), from
what ``services.households.history`` loads: the cases, measures, evaluations and readers the
reader may see, with a fixed number of queries however long the history is.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain import deadlines, visit_proof
from domain import measures as measure_rule
from domain.eligibility import NoMonitoringLine, format_yuan, format_yuan_cents, per_capita_income
from domain.enums import (CaseSource, Department, Health, HelpKind, HouseholdAttribute, KeyGroup,
                          LabourCapacity, MonitoringCategory, Relation, RiskType, Role,
                          Schooling)
from domain.fieldwork import AwayReason, VisitMethod
from models import Case, Evaluation, Household, PhotoUpload, PlanMeasure, Region, User, Visit
from portal import household_timeline
from portal.household_timeline import (SHOULD_MONITOR, YES_NO, TimelineEntry, ViewerRow, clock, day, label,
                                       name)
from services.errors import ValidationFailed
from services.households import history, incomes, records
from services.platform.photos import THUMB_SIDE
from services.regions import settings, tree


@dataclass(frozen=True)
class Profile:
    id: int
    code: str
    head: str
    size: int
    region_chain: str
    address: str
    attribute: str
    category: str
    risk_types: str
    key_groups: tuple[str, ...]
    toilet: str
    toilet_upgrade_needed: bool


@dataclass(frozen=True)
class Income:
    net_income: str          # "" when not recorded
    per_capita: str
    line: str                # the monitoring line of ``line_year``; "" when none is set
    line_year: int
    below_line: bool | None  # None: income or line unknown
    last_year_income: str
    rigid_spending: str
    period: str
    in_scope: bool | None    # domain.eligibility.assess; None: cannot be measured
    reasons: tuple[str, ...]  # why it is in scope, as the measurement words it
    attention: tuple[str, ...]
    dibao_phaseout: incomes.PhaseoutShown | None = None  # 低保渐退期, while on 低保


@dataclass(frozen=True)
class MemberRow:
    name: str
    is_head: bool
    relation: str
    id_number: str
    health: str
    health_detail: str
    labour: str
    schooling: str
    phone: str


@dataclass(frozen=True)
class CaseRow:
    id: int
    state: str
    state_code: str
    is_open: bool
    source: str
    category: str
    risk_types: str
    urgent: bool
    clue_date: str
    identified_on: str
    eliminated_on: str
    due: str
    overdue: bool
    pair_cadre: str
    rejection_reason: str
    merged_into: int | None


@dataclass(frozen=True)
class PhotoRow:
    id: int
    thumb_width: int
    thumb_height: int


@dataclass(frozen=True)
class VisitRow:
    id: int
    at: str
    method: str
    remote: bool
    worker: str
    case_id: int | None      # only when the reader may open that case
    reached_person: str
    reached_via: str
    away_reason: str
    should_monitor: str
    per_capita_income: str
    signer: str
    notes: str
    photos: tuple[PhotoRow, ...]
    position: str = ""        # 北纬…，东经…，精度约…米; empty without GPS
    received: str = ""        # when the record arrived, shown when it came late (补录)
    late: bool = False
    signature_id: int | None = None  # the visit's id when a signature was drawn


@dataclass(frozen=True)
class MeasureRow:
    case_id: int
    name: str
    kind: str
    department: str
    status: str
    status_code: str
    planned_on: str
    due_on: str
    done_on: str
    overdue: bool
    note: str


@dataclass(frozen=True)
class EvaluationRow:
    case_id: int
    quarter: str
    evaluated_on: str
    in_place: str
    working: str
    risk_gone: str
    propose_elimination: bool
    actor: str
    comment: str


@dataclass(frozen=True)
class HouseholdPage:
    profile: Profile
    income: Income
    members: tuple[MemberRow, ...]
    cases: tuple[CaseRow, ...]
    own_cases_only: bool     # a grid worker: only the cases assigned to or reported by them
    visits: tuple[VisitRow, ...]
    measures: tuple[MeasureRow, ...]
    evaluations: tuple[EvaluationRow, ...]
    timeline: tuple[TimelineEntry, ...]
    viewers: tuple[ViewerRow, ...]
    viewer_total: int


def _labels(enum, codes) -> str:
    return "、".join(enum(c).label for c in codes or ())


def _money(amount: Decimal | None) -> str:
    return f"{format_yuan(amount)} 元" if amount is not None else ""


# --- the household and its members -------------------------------------------------------------

def _region_chain(region: Region) -> str:
    return " / ".join(r.name for r in tree.chain(region))


def _toilet(value: bool | None) -> str:
    return {None: "尚未核实", True: "有卫生厕所", False: "无卫生厕所（需户厕改造）"}[value]


def _profile(household: Household) -> Profile:
    head = household.head
    return Profile(
        id=household.id, code=household.code or "", head=head.name if head else "", size=household.size,
        region_chain=_region_chain(household.region), address=household.address,
        attribute=label(HouseholdAttribute, household.attribute),
        category=label(MonitoringCategory, household.monitoring_category),
        risk_types=_labels(RiskType, household.risk_types),
        key_groups=tuple(KeyGroup(k).label for k in household.key_groups or ()),
        toilet=_toilet(household.sanitary_toilet), toilet_upgrade_needed=household.sanitary_toilet is False)


def _income(household: Household, today: date) -> Income:
    try:
        line = settings.monitoring_line(household.region, today.year)
    except NoMonitoringLine:
        line = None
    net = household.net_income
    per_capita = per_capita_income(net, household.size) if net is not None and household.size else None
    period = ""
    if household.income_period_start and household.income_period_end:
        period = f"{day(household.income_period_start)} 至 {day(household.income_period_end)}"
    try:
        assessment = records.assess_household(household, today)
    except (ValidationFailed, NoMonitoringLine):
        assessment = None
    codes = {r.code for r in assessment.reasons} if assessment else set()
    return Income(
        net_income=_money(net), per_capita=f"{format_yuan_cents(per_capita)} 元" if per_capita is not None else "",
        line=_money(line), line_year=today.year,
        below_line="below_line" in codes if assessment else None,
        last_year_income=_money(household.last_year_income), rigid_spending=_money(household.rigid_spending),
        period=period, in_scope=assessment.in_scope if assessment else None,
        reasons=tuple(r.text for r in assessment.reasons) if assessment else (),
        attention=tuple(r.text for r in assessment.attention) if assessment else (),
        dibao_phaseout=incomes.phaseout_shown(household, today))


def _members(household: Household) -> tuple[MemberRow, ...]:
    rows = []
    for m in household.members:
        health = label(Health, m.health)
        if m.disability_grade:
            health += f"（{m.disability_grade}级）"
        rows.append(MemberRow(
            name=m.name, is_head=m.is_head, relation=label(Relation, m.relation), id_number=m.id_number or "",
            health=health, health_detail=m.health_detail or "", labour=label(LabourCapacity, m.labour_capacity),
            schooling=label(Schooling, m.schooling), phone=m.phone or ""))
    return tuple(rows)


# --- cases, visits, measures, evaluations -------------------------------------------------------

def _case_row(case: Case, today: date) -> CaseRow:
    return CaseRow(
        id=case.id, state=case.state_enum.label, state_code=case.state, is_open=case.is_open,
        source=label(CaseSource, case.source), category=label(MonitoringCategory, case.category),
        risk_types=_labels(RiskType, case.risk_types), urgent=case.urgent, clue_date=day(case.clue_date),
        identified_on=day(case.identified_on), eliminated_on=day(case.eliminated_on),
        due=day(case.due_date) if case.is_open else "",
        overdue=bool(case.is_open and case.due_date and deadlines.is_overdue(case.due_date, today)),
        pair_cadre=name(case.pair_cadre), rejection_reason=case.rejection_reason or "",
        merged_into=case.merged_into_id)


def _thumb(photo: PhotoUpload) -> PhotoRow:
    """The thumbnail's own size (the longer side is THUMB_SIDE), so the page does not jump."""
    scale = min(1.0, THUMB_SIDE / max(photo.width, photo.height, 1))
    return PhotoRow(photo.id, max(1, round(photo.width * scale)), max(1, round(photo.height * scale)))


def _visit_row(visit: Visit, visible_cases: set[int]) -> VisitRow:
    return VisitRow(
        id=visit.id, at=clock(visit.visited_at), method=label(VisitMethod, visit.method),
        remote=VisitMethod(visit.method).remote, worker=name(visit.worker),
        case_id=visit.case_id if visit.case_id in visible_cases else None,
        reached_person=visit.reached_person or "", reached_via=visit.reached_via or "",
        away_reason=label(AwayReason, visit.away_reason),
        should_monitor=SHOULD_MONITOR[visit.should_monitor],
        per_capita_income=f"{format_yuan_cents(visit.per_capita_income)} 元" if visit.per_capita_income is not None else "",
        signer=visit.signer_name or "", notes=visit.notes or "",
        photos=tuple(_thumb(p) for p in visit.photos),
        position=_position(visit.gps), received=clock(visit.created_at),
        late=visit_proof.is_late(visit.visited_at, visit.created_at),
        signature_id=visit.id if visit.signature_file else None)


def _position(stored: str | None) -> str:
    position = visit_proof.stored_position(stored)
    return position.words() if position else ""


def _measure_row(pm: PlanMeasure, today: date) -> MeasureRow:
    return MeasureRow(
        case_id=pm.case_id, name=pm.measure.name, kind=label(HelpKind, pm.measure.kind),
        department=label(Department, pm.department), status=pm.status_enum.label, status_code=pm.status,
        planned_on=day(pm.planned_on), due_on=day(pm.due_on), done_on=day(pm.done_on),
        overdue=measure_rule.is_overdue(pm.status, pm.due_on, today, pm.case.state,
                                        green_channel_started=pm.case.green_channel_at is not None),
        note=pm.note or "")


def _evaluation_row(e: Evaluation) -> EvaluationRow:
    return EvaluationRow(
        case_id=e.case_id, quarter=e.quarter, evaluated_on=day(e.evaluated_on),
        in_place=YES_NO[e.measures_in_place], working=YES_NO[e.measures_working],
        risk_gone=YES_NO[e.risk_gone], propose_elimination=e.propose_elimination,
        actor=name(e.actor), comment=e.comment or "")


# --- the page ----------------------------------------------------------------------------------

def build(actor: User, household: Household, today: date) -> HouseholdPage:
    """The page for a household already loaded by ``records.read_household`` (audited)."""
    found = history.load(actor, household)
    case_ids = {c.id for c in found.cases}
    return HouseholdPage(
        profile=_profile(household), income=_income(household, today), members=_members(household),
        cases=tuple(_case_row(c, today) for c in found.cases),
        own_cases_only=actor.role_enum is Role.GRID_WORKER,
        visits=tuple(_visit_row(v, case_ids) for v in found.visits),
        measures=tuple(_measure_row(pm, today) for pm in found.measures),
        evaluations=tuple(_evaluation_row(e) for e in found.evaluations),
        timeline=household_timeline.timeline(found.cases, found.visits, found.measures, found.evaluations),
        viewers=household_timeline.viewers(found.reads), viewer_total=found.reads.total)
