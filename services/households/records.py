"""Household use cases: register a household with its members, read it (audited), search it."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from datetime import date

from sqlalchemy import func, select

from core.extensions import db
from domain.eligibility import Assessment, HouseholdFacts, assess
from domain.enums import (Health, HouseholdAttribute, KeyGroup, LabourCapacity, MonitoringCategory,
                          Relation, RiskType, RegionLevel, Schooling)
from domain.validation import InvalidIdNumber, InvalidPhone, normalize_mobile, parse_id_number
from models import Household, Member, Region, User
from models.personal import ID_NUMBER, PHONE, blind_index
from services.accounts import scoping
from services.errors import ValidationFailed
from services.platform import audit
from services.regions import settings


@dataclass
class MemberInput:
    name: str
    relation: str
    labour_capacity: str
    id_number: str | None = None
    health: str = Health.HEALTHY.value
    disability_grade: int | None = None
    schooling: str | None = None
    phone: str | None = None
    health_detail: str | None = None


def _choice(errors: dict, key: str, value: str | None, enum, label: str, optional: bool = False):
    if value in (None, "") and optional:
        return None
    if value not in enum.codes():
        errors[key] = f"{label}无效"
        return None
    return value


def _validate_member(m: MemberInput, key: str, errors: dict, today: date) -> dict:
    clean: dict = {}
    if not (m.name or "").strip():
        errors[f"{key}.name"] = "姓名不能为空"
    clean["name"] = (m.name or "").strip()
    clean["relation"] = _choice(errors, f"{key}.relation", m.relation, Relation, "与户主关系")
    clean["labour_capacity"] = _choice(errors, f"{key}.labour_capacity", m.labour_capacity,
                                       LabourCapacity, "劳动能力")
    clean["health"] = _choice(errors, f"{key}.health", m.health, Health, "健康状况")
    clean["schooling"] = _choice(errors, f"{key}.schooling", m.schooling, Schooling, "在校情况", True)
    grade = m.disability_grade
    if grade not in (None, ""):
        if m.health != Health.DISABLED.value:
            errors[f"{key}.disability_grade"] = "只有残疾人需要填写残疾等级"
        elif str(grade) not in ("1", "2", "3", "4"):
            errors[f"{key}.disability_grade"] = "残疾等级应为一至四级"
    clean["disability_grade"] = int(grade) if str(grade or "") in ("1", "2", "3", "4") else None
    clean["id_number"] = None
    if m.id_number:
        try:
            clean["id_number"] = parse_id_number(m.id_number, today=today).value
        except InvalidIdNumber as exc:
            errors[f"{key}.id_number"] = str(exc)
    clean["phone"] = None
    if m.phone:
        try:
            clean["phone"] = normalize_mobile(m.phone)
        except InvalidPhone as exc:
            errors[f"{key}.phone"] = str(exc)
    clean["health_detail"] = (m.health_detail or "").strip() or None
    return clean


def _money(errors: dict, key: str, value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        errors[key] = "金额应为数字（元）"
        return None
    if amount < 0:
        errors[key] = "金额不能为负数"
    return amount


def register_household(actor: User | None, region: Region, members: list[MemberInput], *,
                       today: date, address: str = "", code: str | None = None,
                       attribute: str = HouseholdAttribute.ORDINARY.value,
                       monitoring_category: str | None = None, risk_types: list[str] = (),
                       key_groups: list[str] = (), net_income=None, last_year_income=None,
                       rigid_spending=None) -> Household:
    """Register a household. The first member with relation 户主 is the head."""
    errors: dict[str, str] = {}
    if region.level_enum not in (RegionLevel.VILLAGE, RegionLevel.GRID):
        errors["region"] = "农户应登记在村或网格下"
    if actor is not None and not scoping.in_scope(actor, region):
        errors["region"] = "只能在自己负责的区域内登记农户"
    if not members:
        errors["members"] = "至少登记一名家庭成员"
    heads = [m for m in members if m.relation == Relation.HEAD.value]
    if members and len(heads) != 1:
        errors["members"] = "每户应有且只有一名户主"
    _choice(errors, "attribute", attribute, HouseholdAttribute, "户属性")
    _choice(errors, "monitoring_category", monitoring_category, MonitoringCategory, "监测对象类别", True)
    if any(r not in RiskType.codes() for r in risk_types):
        errors["risk_types"] = "风险类型无效"
    if any(k not in KeyGroup.codes() for k in key_groups):
        errors["key_groups"] = "重点人群类型无效"
    incomes = {k: _money(errors, k, v) for k, v in (("net_income", net_income),
                                                    ("last_year_income", last_year_income),
                                                    ("rigid_spending", rigid_spending))}
    cleaned = [_validate_member(m, f"members[{i}]", errors, today) for i, m in enumerate(members)]
    seen: dict[str, int] = {}
    for i, c in enumerate(cleaned):
        if not c["id_number"]:
            continue
        index = blind_index(ID_NUMBER, c["id_number"])
        if index in seen:
            errors[f"members[{i}].id_number"] = f"与第{seen[index] + 1}名成员的身份证号相同"
        elif db.session.execute(select(Member.id).where(Member.id_number_index == index)).first():
            errors[f"members[{i}].id_number"] = "该身份证号已登记在其他农户中"
        seen.setdefault(index, i)
    if errors:
        raise ValidationFailed(errors)

    household = Household(region=region, code=code or None, address=address.strip(),
                          attribute=attribute, monitoring_category=monitoring_category or None,
                          risk_types=list(risk_types), key_groups=list(key_groups), **incomes)
    for c in cleaned:
        id_number, phone = c.pop("id_number"), c.pop("phone")
        member = Member(is_head=c["relation"] == Relation.HEAD.value, **c)
        member.id_number = id_number
        member.phone = phone
        household.members.append(member)
    db.session.add(household)
    db.session.flush()
    audit.record(actor, "create", "household", household.id, f"members={len(cleaned)}")
    return household


def read_household(actor: User, household_id: int) -> Household:
    """The full record, with decrypted personal data: every call is audited."""
    household = scoping.get(actor, Household, household_id)
    audit.record(actor, "read", "household", household.id, "full record")
    return household


def count_in_scope(actor: User) -> int:
    query = scoping.households(actor).with_only_columns(func.count(Household.id)).order_by(None)
    return db.session.execute(query).scalar_one()


def list_in_scope(actor: User, limit: int = 50, offset: int = 0) -> list[Household]:
    """Households for a list: callers show names and masked numbers only (no audit needed)."""
    query = scoping.households(actor).order_by(Household.id).limit(limit).offset(offset)
    return list(db.session.execute(query).scalars())


def find_member_by_id_number(actor: User, id_number: str) -> Member | None:
    """Exact match through the blind index, within the user's scope."""
    try:
        value = parse_id_number(id_number).value
    except InvalidIdNumber:
        return None
    query = scoping.members(actor).where(Member.id_number_index == blind_index(ID_NUMBER, value))
    return db.session.execute(query).scalars().first()


def find_members_by_phone(actor: User, phone: str) -> list[Member]:
    try:
        value = normalize_mobile(phone)
    except InvalidPhone:
        return []
    query = scoping.members(actor).where(Member.phone_index == blind_index(PHONE, value))
    return list(db.session.execute(query).scalars())


def assess_household(household: Household, today: date, sudden_hardship: bool = False) -> Assessment:
    """Is the household in scope for monitoring, against its region's line for this year?

    Raises NoMonitoringLine when the region has no line for this year or any earlier one, and
    ValidationFailed when the household's income has not been recorded yet.
    """
    if household.net_income is None or not household.members:
        raise ValidationFailed({"net_income": "尚未登记家庭纯收入或家庭成员，无法判断是否纳入监测范围"})
    facts = HouseholdFacts(
        household_size=household.size, net_income=household.net_income,
        rigid_spending=household.rigid_spending or Decimal(0),
        last_year_income=household.last_year_income,
        key_groups=frozenset(KeyGroup(k) for k in household.key_groups),
        sudden_hardship=sudden_hardship)
    return assess(facts, settings.monitoring_line(household.region, today.year),
                  settings.policy_for(household.region))
