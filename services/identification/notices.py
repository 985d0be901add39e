"""Printed papers of the procedure: the village's public notice (公示) and the county's written
notice of inclusion (纳入监测书面通知).

The notice hangs on the village board, so it carries only what the policy asks to publicise:
the household head's name, the ID number masked, the category when known, the notice period
and whom to tell of an objection (staff names and office phones are staff data). No phone,
health, income or risk type of the household. Every generation is audited.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.extensions import db
from domain.deadlines import notice_earliest_end
from domain.enums import MonitoringCategory, RegionLevel, RiskType, Role
from domain.workflow import Action, CaseState
from models import Case, CaseEvent, Household, Region, User
from services.accounts import scoping
from services.errors import NotFound, ValidationFailed
from services.platform import audit
from services.regions import settings, tree

NOTICE_ROLES = (Role.VILLAGE_STAFF.value, Role.TOWNSHIP_STAFF.value, Role.COUNTY_STAFF.value)
CONTACT_ROLES = (Role.VILLAGE_STAFF.value, Role.TOWNSHIP_STAFF.value)
CATEGORY_PENDING = "待县级确定"  # the county decides the category after the notice


@dataclass(frozen=True)
class Stage:
    code: str
    state: CaseState
    title: str
    preamble: str


STAGES = {
    "identification": Stage(
        "identification", CaseState.PUBLICIZING, "防止返贫监测对象识别公示",
        "根据防止返贫动态监测和帮扶工作要求，经农户申报或排查发现、入户核实、村级民主评议，"
        "拟将以下农户确定为防止返贫监测对象，现予以公示。"),
    "elimination": Stage(
        "elimination", CaseState.ELIM_PUBLICIZING, "防止返贫监测对象风险消除公示",
        "经帮扶，以下监测对象返贫致贫风险已稳定消除，经入户核实、村级民主评议，"
        "拟标注风险消除，现予以公示。"),
}


@dataclass(frozen=True)
class Contact:
    role: str
    name: str
    phone: str  # office phone of a staff member: staff data, printed on purpose


@dataclass(frozen=True)
class NoticeRow:
    number: int
    head_name: str
    id_masked: str
    category: str


@dataclass(frozen=True)
class NoticeSheet:
    """One printed notice: the households whose notice started on the same day."""

    start: str          # 2026年11月24日
    earliest_end: str   # start + notice_min_days
    rows: list[NoticeRow]


@dataclass(frozen=True)
class PublicNotice:
    stage: str
    title: str
    preamble: str
    village_code: str
    village_name: str
    township_name: str
    county_name: str
    issuer: str
    min_days: int
    sheets: list[NoticeSheet]
    contacts: list[Contact]

    @property
    def place(self) -> str:
        return f"{self.county_name}{self.township_name}{self.village_name}"


def _cn(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def may_print_notice(actor: User, village: Region) -> bool:
    return actor.role in NOTICE_ROLES and scoping.in_scope(actor, village)


def _village_in_scope(actor: User, code: str) -> Region:
    village = tree.resolve_code(code or "")
    if village is None or village.level != RegionLevel.VILLAGE.value or not may_print_notice(actor, village):
        raise NotFound("village outside scope")
    return village


def _issuer(village: Region) -> str:
    return f"{village.name}{'居民委员会' if village.name.endswith('社区') else '村民委员会'}"


def _contacts(village: Region) -> list[Contact]:
    """Village staff, then the staff of its township: where objections go."""
    township = village.parent
    ids = [village.id] + ([township.id] if township is not None else [])
    people = db.session.execute(
        select(User).where(User.region_id.in_(ids), User.active.is_(True), User.role.in_(CONTACT_ROLES))
        .order_by(User.role.desc(), User.id)).scalars().all()
    return [Contact(Role(u.role).label, u.full_name, u.phone or "") for u in people]


def _row_of(number: int, case: Case) -> NoticeRow:
    head = case.household.head if case.household is not None else None
    name = head.name if head is not None else (case.claimed_name or "")
    masked = head.id_number_masked if head is not None else case.claimed_id_number_masked
    code = case.category or (case.household.monitoring_category if case.household is not None else None)
    return NoticeRow(number, name, masked or "", MonitoringCategory(code).label if code else CATEGORY_PENDING)


def public_notice(actor: User, village_code: str, stage_code: str, today: date) -> PublicNotice:
    """The village's notice for a stage; NotFound unless the actor is village, township or
    county staff whose scope holds the village."""
    stage = STAGES.get(stage_code or "identification")
    if stage is None:
        raise ValidationFailed({"stage": "公示类型无效，应为识别纳入或风险消除"})
    village = _village_in_scope(actor, village_code)
    policy = settings.policy_for(village)
    query = (scoping.cases(actor)
             .where(Case.region_path.startswith(village.path, autoescape=True), Case.state == stage.state.value)
             .options(selectinload(Case.household).selectinload(Household.members))
             .order_by(Case.notice_start, Case.id))
    groups: dict[date | None, list[Case]] = {}
    seen: set[int] = set()
    for case in db.session.execute(query).scalars():
        if case.household_id is not None:
            if case.household_id in seen:
                continue
            seen.add(case.household_id)
        groups.setdefault(case.notice_start, []).append(case)
    sheets = []
    for start, found in groups.items():
        start = start or today
        sheets.append(NoticeSheet(_cn(start), _cn(notice_earliest_end(start, policy)),
                                  [_row_of(i, c) for i, c in enumerate(found, 1)]))
    township = village.parent
    county = township.parent if township is not None else None
    audit.record(actor, "read", "notice", village.id,
                 f"stage={stage.code} households={sum(len(s.rows) for s in sheets)}")
    return PublicNotice(
        stage=stage.code, title=stage.title, preamble=stage.preamble, village_code=village.code,
        village_name=village.name, township_name=township.name if township else "",
        county_name=county.name if county else "", issuer=_issuer(village),
        min_days=policy.notice_min_days, sheets=sheets, contacts=_contacts(village))


def notice_stage_of(case: Case) -> str | None:
    """The notice a case is on now, if any."""
    return next((s.code for s in STAGES.values() if s.state is case.state_enum), None)


# --- the county's written notice -----------------------------------------------------------

@dataclass(frozen=True)
class ConfirmationNotice:
    case_id: int
    number: str
    head_name: str
    id_masked: str
    place: str
    category: str
    risk_types: str
    confirmed_on: str
    county_name: str
    issuer: str
    next_steps: list[str]
    contacts: list[Contact]


def _confirm_event(case: Case) -> CaseEvent | None:
    return next((e for e in reversed(case.events) if e.action == Action.COUNTY_CONFIRM.value), None)


def confirmation_available(case: Case) -> bool:
    return case.identified_on is not None and bool(case.category) and _confirm_event(case) is not None


def confirmation_notice(actor: User, case_id: int) -> ConfirmationNotice:
    """The written notice to the household that the county included it (seed 003: 县级确定).

    NotFound outside the actor's scope and for a case the county has not confirmed.
    """
    case = scoping.get(actor, Case, case_id)
    if not confirmation_available(case) or case.household is None:
        raise NotFound("case not confirmed")
    event = _confirm_event(case)
    data = event.data or {}
    household, head = case.household, case.household.head
    village = household.region.village
    township = village.parent
    county = township.parent if township is not None else None
    policy = settings.policy_for(household.region)
    category = data.get("category") or case.category
    risks = data.get("risk_types") or case.risk_types
    audit.record(actor, "read", "confirmation_notice", case.id, "")
    return ConfirmationNotice(
        case_id=case.id, number=f"{village.code[:6]}-{case.identified_on.year}-{case.id:06d}",
        head_name=head.name if head else "", id_masked=head.id_number_masked if head else "",
        place="".join(r.name for r in (county, township, village) if r is not None),
        category=MonitoringCategory(category).label,
        risk_types="、".join(RiskType(r).label for r in risks),
        confirmed_on=_cn(case.identified_on), county_name=county.name if county else "",
        issuer=f"{county.name if county else village.name}乡村振兴部门",
        next_steps=[
            f"自纳入之日起{policy.pairing_days}日内，乡镇为您户明确结对帮扶干部；",
            f"结对帮扶干部在明确结对后{policy.first_visit_days}日内上门走访；",
            f"自纳入之日起{policy.help_plan_days}日内，与您户一起制定帮扶计划，缺什么补什么；",
            "每季度评估帮扶效果，风险稳定消除后按程序标注风险消除。",
        ],
        contacts=_contacts(village))
