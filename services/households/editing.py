"""Keeping the register up to date (维护农户档案): register a household from the office, edit its
facts and its members, and record natural changes (自然变更) — a newborn, a person marrying or
moving in; a death, a marriage out, a move away.

Village, township and county staff do this within their scope; grid workers record visits and
do not edit the register. People are never deleted: one who leaves keeps their row with the
status, date and note, and the household's size, labour and welfare count those present. The
head cannot simply leave while others stay: one of them becomes the head.

A person is present in one household at most (the unique blind index of the ID number). A
newcomer whose number belongs to someone who left another household takes it over: the old
row's index is released, its encrypted number stays. A present member elsewhere is an error.

Every change is audited with the names of the fields that changed, never their values; a save
that changes nothing records nothing. Services never commit.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from core.extensions import db
from domain import members as rules
from domain.enums import HouseholdAttribute, JoinReason, MemberStatus, RegionLevel, Relation, Role
from domain.validation import InvalidIdNumber, parse_id_number
from models import Household, Member, Region, User
from models.personal import ID_NUMBER, PHONE, blind_index
from services.accounts import scoping
from services.errors import NotFound, PermissionDenied, ValidationFailed
from services.households import records
from services.households.records import MemberInput
from services.platform import audit

EDIT_ROLES = frozenset({Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF})

# The fields each form edits, in the order the audit names them.
HOUSEHOLD_FIELDS = ("code", "address", "attribute", "monitoring_category", "risk_types", "key_groups",
                    "sanitary_toilet", "housing_safe", "water_safe")
_SAFETY = ("sanitary_toilet", "housing_safe", "water_safe")
MEMBER_FIELDS = ("name", "relation", "id_number", "gender", "ethnicity", "health", "disability_grade",
                 "health_detail", "labour_capacity", "schooling", "education", "work_status", "work_months",
                 "medical_insured", "minimum_living", "extreme_poverty", "phone")
_PRESENT = MemberStatus.PRESENT.value


# --- who ---------------------------------------------------------------------------------------

def may_edit(actor: User) -> bool:
    return actor.role_enum in EDIT_ROLES


def require_editor(actor: User) -> None:
    if not may_edit(actor):
        raise PermissionDenied("农户档案由村、乡镇、县级工作人员维护；网格员请通过走访记录情况")


# --- the household -----------------------------------------------------------------------------

@dataclass(frozen=True)
class HouseholdInput:
    address: str = ""
    code: str = ""                 # 户编号 as the national system numbers the household
    attribute: str = HouseholdAttribute.ORDINARY.value
    monitoring_category: str = ""
    risk_types: tuple[str, ...] = ()
    key_groups: tuple[str, ...] = ()
    sanitary_toilet: bool | None = None   # None: not yet checked
    housing_safe: bool | None = None
    water_safe: bool | None = None


def places(actor: User) -> list[tuple[str, str]]:
    """Where the actor may register a household: the villages and groups of their scope, as
    (code, name), named with their township and village (青山镇 / 青山村 / 青山村一组)."""
    levels = [RegionLevel.TOWNSHIP.value, RegionLevel.VILLAGE.value, RegionLevel.GRID.value]
    found = list(db.session.execute(scoping.regions(actor).where(Region.level.in_(levels), Region.active)
                                    .order_by(Region.code)).scalars())
    by_id = {r.id: r for r in found}

    def label(region: Region) -> str:
        return " / ".join(by_id[i].name for i in region.ancestor_ids if i in by_id)

    wanted = [r for r in found if r.level != RegionLevel.TOWNSHIP.value]
    return sorted(((r.code, label(r)) for r in wanted), key=lambda choice: choice[1])


def _safety(errors: dict, facts: HouseholdInput) -> dict:
    clean = {}
    for field in _SAFETY:
        value = getattr(facts, field)
        if value not in (None, True, False):
            errors[field] = "请选择是、否或尚未核实"
        clean[field] = value if value in (True, False) else None
    return clean


def _facts(errors: dict, facts: HouseholdInput, household_id: int | None = None) -> dict:
    clean = records.validate_household_facts(
        errors, address=facts.address, code=facts.code, attribute=facts.attribute,
        monitoring_category=facts.monitoring_category, risk_types=facts.risk_types,
        key_groups=facts.key_groups, household_id=household_id)
    return {**clean, **_safety(errors, facts)}


def create_household(actor: User, region_code: str, facts: HouseholdInput, head: MemberInput,
                     today: date) -> Household:
    """登记农户: the household in a village or group of the actor's scope, with its head; the
    other members are added from the household page."""
    require_editor(actor)
    head = replace(head, relation=Relation.HEAD.value)
    errors: dict[str, str] = {}
    safety = _safety(errors, facts)
    region = scoping.region_by_code(actor, region_code) if region_code in dict(places(actor)) else None
    if region is None:
        errors["region_code"] = "请选择农户所在的村或组"
    if errors:  # say everything that is wrong at once
        _facts(errors, facts)
        records.check_member(head, errors, today)
        raise ValidationFailed(errors)
    try:
        return records.register_household(
            actor, region, [head], today=today, address=facts.address, code=facts.code,
            attribute=facts.attribute, monitoring_category=facts.monitoring_category or None,
            risk_types=list(facts.risk_types), key_groups=list(facts.key_groups), **safety)
    except ValidationFailed as exc:  # the register names the head "members[0]": the form's fields
        raise ValidationFailed({{"region": "region_code"}.get(k, k.removeprefix("members[0].")): message
                                for k, message in exc.fields.items()}) from None


def update_household(actor: User, household_id: int, facts: HouseholdInput) -> list[str]:
    """Save the household's facts; the names of the fields that changed (audited), [] for none."""
    require_editor(actor)
    household = scoping.get(actor, Household, household_id)
    errors: dict[str, str] = {}
    clean = _facts(errors, facts, household.id)
    if errors:
        raise ValidationFailed(errors)
    changed = [f for f in HOUSEHOLD_FIELDS if not _same(getattr(household, f), clean[f])]
    if not changed:
        return []
    for field in changed:
        setattr(household, field, clean[field])
    records.flush_checked()
    audit.record(actor, "update", "household", household.id, "fields=" + ",".join(changed))
    return changed


def _same(old, new) -> bool:
    if isinstance(old, list) and isinstance(new, list):  # risk types, key groups: order is not a change
        return set(old) == set(new)
    return (old if old != "" else None) == (new if new != "" else None)


# --- its members -------------------------------------------------------------------------------

def get_member(actor: User, household_id: int, member_id: int) -> Member:
    """A member of this household, in the actor's scope (NotFound otherwise)."""
    member = scoping.get(actor, Member, member_id)
    if member.household_id != household_id:
        raise NotFound("member not in this household")
    return member


def _present(member: Member) -> None:
    if member.status != _PRESENT:
        raise ValidationFailed({"": "此人已从本户减少，不能再修改"})


def _birth_date(id_number: str | None) -> date | None:
    try:
        return parse_id_number(id_number).birth_date if id_number else None
    except InvalidIdNumber:
        return None


def _index(kind: str, value: str | None) -> str | None:
    return blind_index(kind, value) if value else None


def _claim(member_id: int | None, household_id: int, id_number: str | None, errors: dict) -> list[Member]:
    """Check the ID number against everyone registered; the departed holders to release."""
    if not id_number:
        return []
    holder = records.check_id_number(_index(ID_NUMBER, id_number), "id_number", errors,
                                     other_than=member_id, household_id=household_id)
    return [holder] if holder else []


def update_member(actor: User, household_id: int, member_id: int, person: MemberInput,
                  today: date) -> list[str]:
    """Save a present member's details; the names of the fields that changed, [] for none.
    The head stays the head (a new head is chosen when the head leaves)."""
    require_editor(actor)
    member = get_member(actor, household_id, member_id)
    _present(member)
    errors: dict[str, str] = {}
    clean = records.check_member(person, errors, today)
    if member.is_head and clean["relation"] not in (None, Relation.HEAD.value):
        errors["relation"] = "户主的与户主关系只能是“户主”；更换户主请在户主减少时办理"
    elif not member.is_head and clean["relation"] == Relation.HEAD.value:
        errors["relation"] = "每户只有一名户主；更换户主请在户主减少时办理"
    departed = []
    if _index(ID_NUMBER, clean["id_number"]) != member.id_number_index:
        departed = _claim(member.id, household_id, clean["id_number"], errors)
    if errors:
        raise ValidationFailed(errors)
    changed = [f for f in MEMBER_FIELDS if _member_changed(member, f, clean)]
    if not changed:
        return []
    records.release(departed)
    for field in changed:
        setattr(member, field, clean[field])
    records.flush_checked()
    audit.record(actor, "update", "member", member.id, "fields=" + ",".join(changed))
    return changed


def _member_changed(member: Member, field: str, clean: dict) -> bool:
    if field == "id_number":
        return _index(ID_NUMBER, clean[field]) != member.id_number_index
    if field == "phone":
        return _index(PHONE, clean[field]) != member.phone_index
    return getattr(member, field) != clean[field]


def add_member(actor: User, household_id: int, person: MemberInput, join_reason: str | None,
               joined_on: date | None, today: date) -> Member:
    """新增成员: a natural change (新生儿、婚入、迁入, with its date), or — without a reason — a
    member who was there all along and is only now entered (补录)."""
    require_editor(actor)
    household = scoping.get(actor, Household, household_id)
    errors: dict[str, str] = {}
    clean = records.check_member(person, errors, today)
    if clean["relation"] == Relation.HEAD.value and household.head is not None:
        errors["relation"] = "本户已有户主，新增的成员不能是户主"
    elif clean["relation"] not in (None, Relation.HEAD.value) and household.head is None:
        errors["relation"] = "本户目前没有在户的户主，新增的第一名成员应为户主"
    if join_reason:
        errors.update(rules.joining_problems(join_reason, joined_on, today, _birth_date(clean["id_number"])))
    elif joined_on is not None:
        errors["join_reason"] = "填写了增加日期时，请选择增加原因"
    departed = _claim(None, household.id, clean["id_number"], errors)
    if errors:
        raise ValidationFailed(errors)
    records.release(departed)
    id_number, phone = clean.pop("id_number"), clean.pop("phone")
    member = Member(is_head=clean["relation"] == Relation.HEAD.value, status=_PRESENT,
                    join_reason=join_reason or None, joined_on=joined_on if join_reason else None, **clean)
    member.id_number = id_number
    member.phone = phone
    household.members.append(member)
    records.flush_checked()
    db.session.expire(household, ["everyone"])
    recorded = [f for f in MEMBER_FIELDS if (id_number if f == "id_number" else phone if f == "phone"
                                             else clean.get(f)) not in (None, "")]
    if join_reason:
        audit.record(actor, "member_joined", "member", member.id,
                     f"household={household.id} fields=" + ",".join(recorded + ["joined_on", "join_reason"]))
    else:
        audit.record(actor, "create", "member", member.id, f"household={household.id} fields=" + ",".join(recorded))
    return member


def record_departure(actor: User, household_id: int, member_id: int, status: str | None,
                     left_on: date | None, note: str, today: date, new_head_id: int | None = None) -> Member:
    """减少: a death, a marriage out, a move away (or another reason, explained). The person stays
    on record; when the head leaves while others stay, ``new_head_id`` names the new head."""
    require_editor(actor)
    member = get_member(actor, household_id, member_id)
    _present(member)
    household = member.household
    note = (note or "").strip()
    others = [m for m in household.members if m.id != member.id]
    errors = rules.departure_problems(status, left_on, note, today, joined_on=member.joined_on,
                                      birth_date=_birth_date(member.id_number))
    new_head = None
    if rules.needs_new_head(member.is_head, len(others)):
        new_head = next((m for m in others if m.id == new_head_id), None)
        if new_head is None:
            errors["new_head"] = ("户主减少时，请在在户成员中选择新户主" if new_head_id is None
                                  else "请在本户在户成员中选择新户主")
    if errors:
        raise ValidationFailed(errors)
    fields = ["status", "left_on"] + (["left_note"] if note else [])
    member.status, member.left_on, member.left_note = status, left_on, note or None
    if member.is_head:
        member.is_head = False
        fields.append("is_head")
    if new_head is not None:
        head_fields = ["is_head"] + (["relation"] if new_head.relation != Relation.HEAD.value else [])
        new_head.is_head, new_head.relation = True, Relation.HEAD.value
        audit.record(actor, "update", "member", new_head.id, "fields=" + ",".join(head_fields))
    db.session.flush()
    db.session.expire(household, ["members", "everyone"])  # the member no longer counts
    audit.record(actor, "member_left", "member", member.id, f"household={household.id} fields=" + ",".join(fields))
    return member


def departed(household: Household) -> list[Member]:
    """Those who left the household, latest first."""
    gone = [m for m in household.everyone if m.status != _PRESENT]
    return sorted(gone, key=lambda m: (m.left_on or date.min, m.id), reverse=True)


def present_choices(household: Household, leaving: Member) -> list[tuple[str, str]]:
    """Who may become the head when ``leaving`` (the head) leaves: the others present."""
    return [(str(m.id), m.name) for m in household.members if m.id != leaving.id]


JOIN_CHOICES = JoinReason.choices()
LEAVE_CHOICES = [(s.value, s.label) for s in rules.DEPARTURES]

