"""Household use cases: register a household with its members, read it (audited), search it.

The checks of a member's and a household's fields live here once; ``editing`` (changes after
registration) uses them too."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core.extensions import db
from domain.eligibility import Assessment, HouseholdFacts, assess
from domain.enums import (Gender, Health, HouseholdAttribute, KeyGroup, LabourCapacity, MemberStatus,
                          MonitoringCategory, Relation, RiskType, RegionLevel, Schooling)
from domain.members import text_problem
from domain.register_rows import LOCAL_CODE_PREFIX
from domain.validation import InvalidIdNumber, InvalidPhone, normalize_mobile, parse_id_number
from models import Household, Member, Region, User
from models.personal import ID_NUMBER, PHONE, blind_index
from services.accounts import scoping
from services.errors import NotFound, ValidationFailed
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
    gender: str | None = None
    ethnicity: str | None = None        # 民族, as written (汉族, 回族, ...)
    education: str | None = None        # 文化程度, as written
    work_status: str | None = None      # 务工状况, as written
    work_months: int | str | None = None  # 务工时间（月）, 0 to 12
    medical_insured: bool | None = None   # 参加城乡居民基本医疗保险
    minimum_living: bool | None = None    # 享受低保
    extreme_poverty: bool | None = None   # 特困供养


# Lengths of the text columns, so a long entry is a message beside its field, not a database error.
NAME_LONGEST, ADDRESS_LONGEST, CODE_LONGEST, DETAIL_LONGEST = 64, 200, 32, 200
SHORT_TEXTS = (("ethnicity", "民族", 16), ("education", "文化程度", 24), ("work_status", "务工状况", 24))
ID_NUMBER_TAKEN = "该身份证号已登记在其他农户中"
GENDER_OF_ID = {"男": Gender.MALE.value, "女": Gender.FEMALE.value}


def _choice(errors: dict, key: str, value: str | None, enum, label: str, optional: bool = False):
    if value in (None, "") and optional:
        return None
    if value not in enum.codes():
        errors[key] = f"{label}无效"
        return None
    return value


def _key(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _text(errors: dict, key: str, value, label: str, longest: int, required: bool = False) -> str:
    value = "" if value is None else str(value).strip()
    problem = text_problem(value, label, longest, required=required)
    if problem:
        errors[key] = problem
    return value


def _validate_member(m: MemberInput, key: str, errors: dict, today: date) -> dict:
    """The member's fields, checked and cleaned; problems go in ``errors`` under ``key.field``
    (or the bare field name when ``key`` is empty)."""
    clean: dict = {}
    name = _text(errors, _key(key, "name"), m.name, "姓名", NAME_LONGEST)
    if not name:
        errors[_key(key, "name")] = "姓名不能为空"
    clean["name"] = name
    clean["relation"] = _choice(errors, _key(key, "relation"), m.relation, Relation, "与户主关系")
    clean["labour_capacity"] = _choice(errors, _key(key, "labour_capacity"), m.labour_capacity,
                                       LabourCapacity, "劳动能力")
    clean["health"] = _choice(errors, _key(key, "health"), m.health, Health, "健康状况")
    clean["schooling"] = _choice(errors, _key(key, "schooling"), m.schooling, Schooling, "在校情况", True)
    grade = m.disability_grade
    if grade not in (None, ""):
        if m.health != Health.DISABLED.value:
            errors[_key(key, "disability_grade")] = "只有残疾人需要填写残疾等级"
        elif str(grade) not in ("1", "2", "3", "4"):
            errors[_key(key, "disability_grade")] = "残疾等级应为一至四级"
    clean["disability_grade"] = int(grade) if str(grade or "") in ("1", "2", "3", "4") else None
    clean["id_number"], born = None, None
    if m.id_number:
        try:
            parsed = parse_id_number(m.id_number, today=today)
            clean["id_number"], born = parsed.value, GENDER_OF_ID[parsed.gender]
        except InvalidIdNumber as exc:
            errors[_key(key, "id_number")] = str(exc)
    clean["phone"] = None
    if m.phone:
        try:
            clean["phone"] = normalize_mobile(m.phone)
        except InvalidPhone as exc:
            errors[_key(key, "phone")] = str(exc)
    clean["health_detail"] = _text(errors, _key(key, "health_detail"), m.health_detail, "健康情况说明",
                                   DETAIL_LONGEST) or None
    said = _choice(errors, _key(key, "gender"), m.gender, Gender, "性别", True)
    if said and born and said != born:  # as the import: the ID number says, a typed gender must agree
        errors[_key(key, "gender")] = "性别与身份证号不符"
    clean["gender"] = born or said
    for field, label, longest in SHORT_TEXTS:
        clean[field] = _text(errors, _key(key, field), getattr(m, field), label, longest) or None
    clean["work_months"] = _months(errors, _key(key, "work_months"), m.work_months)
    for field in ("medical_insured", "minimum_living", "extreme_poverty"):
        value = getattr(m, field)
        if value not in (None, True, False):
            errors[_key(key, field)] = "请选择是或否"
        clean[field] = value if value in (True, False) else None
    return clean


def check_member(m: MemberInput, errors: dict, today: date, key: str = "") -> dict:
    """``_validate_member`` for one person on a form of their own (bare field names)."""
    return _validate_member(m, key, errors, today)


def _months(errors: dict, key: str, value) -> int | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 2 and 0 <= int(text) <= 12):
        errors[key] = "务工时间应为0到12之间的整数（月）"
        return None
    return int(text)


def validate_household_facts(errors: dict, *, address: str, code: str | None, attribute: str,
                             monitoring_category: str | None, risk_types, key_groups,
                             household_id: int | None = None) -> dict:
    """The household's own fields, checked and cleaned (a 户编号 must not be another household's)."""
    clean = {"address": _text(errors, "address", address, "住址", ADDRESS_LONGEST),
             "code": _text(errors, "code", code, "户编号", CODE_LONGEST) or None,
             "attribute": _choice(errors, "attribute", attribute, HouseholdAttribute, "户类型"),
             "monitoring_category": _choice(errors, "monitoring_category", monitoring_category or None,
                                            MonitoringCategory, "监测对象类别", True),
             "risk_types": list(dict.fromkeys(risk_types or ())),
             "key_groups": list(dict.fromkeys(key_groups or ()))}
    if any(r not in RiskType.codes() for r in clean["risk_types"]):
        errors["risk_types"] = "风险类型无效"
    if any(k not in KeyGroup.codes() for k in clean["key_groups"]):
        errors["key_groups"] = "重点人群类型无效"
    if clean["code"] and clean["code"].startswith(LOCAL_CODE_PREFIX):
        errors["code"] = f"以“{LOCAL_CODE_PREFIX}”开头的是本系统导出时用的临时编号，请填写全国系统的户编号"
    if clean["code"] and "code" not in errors:
        taken = select(Household.id).where(Household.code == clean["code"])
        if household_id is not None:
            taken = taken.where(Household.id != household_id)
        if db.session.execute(taken.limit(1)).first():
            errors["code"] = "该户编号已被其他农户使用"
    return clean


def id_number_holder(index: str, *, other_than: int | None = None) -> Member | None:
    """Whoever carries this ID number's blind index now: a present member, or one who left and
    whose index was not yet released (None when nobody)."""
    query = select(Member).where(Member.id_number_index == index)
    if other_than is not None:
        query = query.where(Member.id != other_than)
    return db.session.execute(query).scalars().first()


def check_id_number(index: str, key: str, errors: dict, *, other_than: int | None = None,
                    household_id: int | None = None) -> Member | None:
    """A present member elsewhere with this number is an error under ``key``; a departed one is
    returned, for ``release`` once the change is accepted (the person joins anew here)."""
    holder = id_number_holder(index, other_than=other_than)
    if holder is None:
        return None
    if holder.status == MemberStatus.PRESENT.value:
        same = household_id is not None and holder.household_id == household_id
        errors[key] = "与本户另一名成员的身份证号相同" if same else ID_NUMBER_TAKEN
        return None
    return holder


def release(departed: list[Member]) -> None:
    """Free the unique index of people who left (their encrypted number and tail stay, so their
    history is still theirs), before the newcomer carrying it is written."""
    for member in departed:
        member.id_number_index = None
    if departed:
        db.session.flush()


def flush_checked() -> None:
    """Write the pending changes now. An ID number or 户编号 that another request registered a
    moment ago (after this one checked) is refused with a message, not a database error."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        if "unique" not in str(exc.orig).lower():
            raise
        raise ValidationFailed({"": "刚刚有人登记了相同的身份证号或户编号，请核对后重新提交"}) from None


def register_household(actor: User | None, region: Region, members: list[MemberInput], *,
                       today: date, address: str = "", code: str | None = None,
                       attribute: str = HouseholdAttribute.ORDINARY.value,
                       monitoring_category: str | None = None, risk_types: list[str] = (),
                       key_groups: list[str] = (), sanitary_toilet: bool | None = None,
                       housing_safe: bool | None = None, water_safe: bool | None = None) -> Household:
    """Register a household. The first member with relation 户主 is the head. Its income is
    recorded by year afterwards (``services.households.incomes``)."""
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
    facts = validate_household_facts(errors, address=address, code=code, attribute=attribute,
                                     monitoring_category=monitoring_category, risk_types=risk_types,
                                     key_groups=key_groups)
    cleaned = [_validate_member(m, f"members[{i}]", errors, today) for i, m in enumerate(members)]
    seen: dict[str, int] = {}
    departed: list[Member] = []
    for i, c in enumerate(cleaned):
        if not c["id_number"]:
            continue
        index = blind_index(ID_NUMBER, c["id_number"])
        if index in seen:
            errors[f"members[{i}].id_number"] = f"与第{seen[index] + 1}名成员的身份证号相同"
        else:
            left = check_id_number(index, f"members[{i}].id_number", errors)
            departed += [left] if left else []
        seen.setdefault(index, i)
    if errors:
        raise ValidationFailed(errors)
    release(departed)

    household = Household(region=region, sanitary_toilet=sanitary_toilet, housing_safe=housing_safe,
                          water_safe=water_safe, **facts)
    for c in cleaned:
        id_number, phone = c.pop("id_number"), c.pop("phone")
        member = Member(is_head=c["relation"] == Relation.HEAD.value, **c)
        member.id_number = id_number
        member.phone = phone
        household.members.append(member)
    db.session.add(household)
    flush_checked()
    audit.record(actor, "create", "household", household.id, f"members={len(cleaned)}")
    return household


def read_household(actor: User, household_id: int) -> Household:
    """The full record, with decrypted personal data: every call is audited."""
    if scoping.reach(actor) not in scoping.FULL_RECORD:
        raise NotFound("household not found in scope")  # departments see their measures' rows only
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
