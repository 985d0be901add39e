"""Plain view models for pages: labels resolved, numbers masked, so templates hold no logic."""
from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from domain.enums import (Health, HouseholdAttribute, LabourCapacity, MonitoringCategory,
                          Relation, RiskType, Schooling)
from models import Household

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
