"""Plain view models for pages: labels resolved, numbers masked, so templates hold no logic."""
from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from domain.enums import (CaseSource, Health, HouseholdAttribute, LabourCapacity, MonitoringCategory,
                          Relation, RiskType, Role, Schooling)
from domain.workflow import Action, CaseState
from models import Case, Household

# Mainland China keeps one time zone; times are stored in UTC and shown in Beijing time.
DISPLAY_TZ = ZoneInfo("Asia/Shanghai")


def _label(enum, code: str | None) -> str:
    return enum(code).label if code else ""


@dataclass(frozen=True)
class MemberRow:
    name: str
    relation: str
    id_number: str
    health: str
    labour: str
    schooling: str
    phone: str


@dataclass(frozen=True)
class HouseholdView:
    id: int
    code: str
    region: str
    address: str
    attribute: str
    category: str
    risk_types: str
    members: list[MemberRow]


def household_view(household: Household) -> HouseholdView:
    """The full record (numbers in full): only for an audited read."""
    rows = []
    for m in household.members:
        health = _label(Health, m.health)
        if m.disability_grade:
            health += f"（{m.disability_grade}级）"
        rows.append(MemberRow(m.name, _label(Relation, m.relation), m.id_number or "", health,
                              _label(LabourCapacity, m.labour_capacity), _label(Schooling, m.schooling),
                              m.phone or ""))
    return HouseholdView(
        id=household.id, code=household.code or "", region=household.region.name,
        address=household.address, attribute=_label(HouseholdAttribute, household.attribute),
        category=_label(MonitoringCategory, household.monitoring_category),
        risk_types="、".join(RiskType(r).label for r in household.risk_types), members=rows)


@dataclass(frozen=True)
class EventRow:
    at: str
    action: str
    state: str
    actor: str
    comment: str
    signed: bool


@dataclass(frozen=True)
class CaseView:
    id: int
    state: str
    source: str
    urgent: bool
    region: str
    risk_types: str
    due: str
    words: str
    claimed: str
    household_id: int | None
    rejection_reason: str
    events: list[EventRow]


def case_view(case: Case) -> CaseView:
    events = [EventRow(at=e.at.astimezone(DISPLAY_TZ).strftime("%Y-%m-%d %H:%M"),
                       action=Action(e.action).label if e.action else "提交线索",
                       state=CaseState(e.to_state).label,
                       actor=(f"{e.actor.full_name}（{Role(e.actor_role).label}）" if e.actor else "农户本人"),
                       comment=e.comment or "", signed=e.signed) for e in case.events]
    claimed = " ".join(p for p in (case.claimed_name or "", case.claimed_id_number_masked) if p)
    return CaseView(
        id=case.id, state=case.state_enum.label, source=CaseSource(case.source).label,
        urgent=case.urgent, region=case.region.name,
        risk_types="、".join(RiskType(r).label for r in case.risk_types),
        due=case.due_date.isoformat() if case.due_date else "", words=case.reporter_words or "",
        claimed=claimed, household_id=case.household_id,
        rejection_reason=case.rejection_reason or "", events=events)
