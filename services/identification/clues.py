"""登记线索: staff record a clue from any source the seeds name (seed 000/004: 干部排查（含网格反馈）,
部门筛查预警, 信访, 媒体/舆情, the 12317 hotline); the farmer's own report and 代申报 come through
the self-report form (``services.farmer.selfreport``), and the old code 媒体/信访/舆情 is kept
for old rows only.

Who: village, township and county staff record every staff source in their area; a grid worker
records 干部排查/网格反馈 for any household or place of their grid's village
(``scoping.may_report_at``), as with 代申报.

What: the source, the household (found by a posted search within the person's scope: a name or
a full ID number, never typed into an address), or when it is not registered the claimed name,
ID number (checked, then encrypted and blind-indexed by the case) and phone, with the village or
group; the risk types, a description and evidence files (checked by
``services.platform.uploads`` before they reach here).

As with a farmer's report, a clue about a household that already has an open case joins that
case when the person may read it (same clock, one case), otherwise it is kept as a record of its
own merged into the open case (``cases.keep_joined_report``), so a search of ID numbers tells
nobody which households have an open case. An ID number registered beyond the person's reach is
recorded unlinked where the person works, like 代申报, and linked by staff who reach both.
Opening, joining and every household search are audited; services never commit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from core.extensions import db
from domain import numbers
from domain.enums import CaseSource, RegionLevel, RiskType, Role
from domain.validation import InvalidIdNumber, InvalidPhone, normalize_mobile, parse_id_number
from models import Case, Household, Member, Region, User
from models.personal import ID_NUMBER, blind_index
from services.accounts import scoping
from services.errors import NotFound, PermissionDenied, ValidationFailed
from services.households import matching
from services.households.name_search import name_prefix
from services.platform import audit
from services.workflow import cases
from services.workflow.cases import Evidence

DESK_ROLES = frozenset({Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF})
RECORDER_ROLES = DESK_ROLES | {Role.GRID_WORKER}
# The sources staff enter here, in the seeds' order; the farmer's own channels are not offered.
STAFF_SOURCES = (CaseSource.GRID_VISIT, CaseSource.DEPARTMENT_WARNING, CaseSource.PETITION, CaseSource.MEDIA,
                 CaseSource.HOTLINE)
GRID_SOURCES = (CaseSource.GRID_VISIT,)
MAX_NAME = 30
MAX_DESCRIPTION = 1000
MAX_FILES = 10
SEARCH_LIMIT = 20
_LARGEST_ID = 2**31 - 1


def may_record(actor: User) -> bool:
    return actor.role_enum in RECORDER_ROLES


def require_recorder(actor: User) -> None:
    if not may_record(actor):
        raise PermissionDenied("登记线索由村、乡镇、县级工作人员办理；网格员可登记干部排查（网格反馈）的线索")


def sources_for(actor: User) -> tuple[CaseSource, ...]:
    return GRID_SOURCES if actor.role_enum is Role.GRID_WORKER else STAFF_SOURCES


def source_choices(actor: User) -> list[tuple[str, str]]:
    return [(s.value, s.label) for s in sources_for(actor)]


def _reach_root(actor: User) -> Region:
    """The node under which the actor records clues: their own, or a grid worker's village."""
    return actor.region.village


def places(actor: User) -> list[tuple[str, str]]:
    """Where an unregistered household's clue may be recorded: the villages and groups the actor
    reaches, as (code, "青山镇 / 青山村 / 青山村一组"), sorted by that name."""
    root = _reach_root(actor)
    levels = [RegionLevel.TOWNSHIP.value, RegionLevel.VILLAGE.value, RegionLevel.GRID.value]
    found = list(db.session.execute(
        select(Region).where(Region.path.startswith(root.path, autoescape=True), Region.level.in_(levels),
                             Region.active.is_(True)).order_by(Region.code)).scalars())
    names = {r.id: r.name for r in found}
    wanted = [r for r in found if r.level != RegionLevel.TOWNSHIP.value]
    return sorted(((r.code, " / ".join(names[i] for i in r.ancestor_ids if i in names)) for r in wanted),
                  key=lambda choice: choice[1])


# --- the household search (POST only: the terms are personal data) ----------------------------

@dataclass(frozen=True)
class Candidate:
    household_id: int
    head: str              # the head's name ("" when none is recorded)
    place: str             # "青山村 / 青山村一组"
    member: str            # the member found (may be the head)
    member_is_head: bool
    id_masked: str         # the found member's ID number, masked
    size: int


read_search = matching.read_search  # a name (two characters or more) or a full, valid ID number


def search(actor: User, found_by: matching.Search) -> tuple[list[Candidate], bool]:
    """The households of the actor's scope with a member of that name (or that ID number), at
    most ``SEARCH_LIMIT``; True when there were more. Audited without the terms."""
    require_recorder(actor)
    if found_by.by_id:
        condition = Member.id_number_index == blind_index(ID_NUMBER, found_by.text)
    else:
        condition = name_prefix(Member.name, found_by.text)
    ids = list(db.session.execute(
        scoping.members(actor).where(condition).with_only_columns(Member.household_id).distinct()
        .order_by(Member.household_id).limit(SEARCH_LIMIT + 1)).scalars())
    more, ids = len(ids) > SEARCH_LIMIT, ids[:SEARCH_LIMIT]
    members = list(db.session.execute(
        scoping.members(actor).where(condition, Member.household_id.in_(ids))
        .options(joinedload(Member.household).joinedload(Household.region),
                 joinedload(Member.household).selectinload(Household.members))
        .order_by(Member.household_id, Member.id)).unique().scalars()) if ids else []
    first: dict[int, Member] = {}
    for member in members:  # per household the head if found, else the first member found
        if member.household_id not in first or (member.is_head and not first[member.household_id].is_head):
            first[member.household_id] = member
    audit.record(actor, "search", "household", None, f"clue household search by {found_by.kind}: {len(first)} found")
    return [_candidate(m.household, m) for m in first.values()], more


def chosen(actor: User, household_id: str) -> Candidate | None:
    """The household picked on the form, shown again after a refusal; None when it is not one
    the actor may record a clue for."""
    household = _household_in_reach(actor, household_id)
    if household is None:
        return None
    head = household.head
    return _candidate(household, head) if head else None


def _candidate(household: Household, member: Member | None) -> Candidate:
    head = household.head
    return Candidate(household_id=household.id, head=head.name if head else "", place=_place(household.region),
                     member=member.name if member else "", member_is_head=bool(member and member.is_head),
                     id_masked=member.id_number_masked if member else "", size=household.size)


def _place(region: Region) -> str:
    ids = region.from_village_ids
    names = dict(db.session.execute(select(Region.id, Region.name).where(Region.id.in_(ids))).all()) if ids else {}
    return " / ".join(names[i] for i in ids if i in names) or region.name


def _household_in_reach(actor: User, household_id: str) -> Household | None:
    number = numbers.whole((household_id or "").strip(), low=1, high=_LARGEST_ID)
    if number is None:
        return None
    try:
        household = scoping.get(actor, Household, number)
    except NotFound:
        return None
    return household if scoping.may_report_at(actor, household.region) else None


# --- the clue --------------------------------------------------------------------------------

@dataclass(frozen=True)
class ClueInput:
    """The form's values as typed (kept to fill the form again after a refusal)."""

    source: str = ""
    household_id: str = ""   # a registered household picked from the search, or ""
    region_code: str = ""    # when not registered: the village or group
    name: str = ""
    id_number: str = ""
    phone: str = ""
    risk_types: tuple[str, ...] = ()
    description: str = ""
    urgent: bool = False


@dataclass(frozen=True)
class CleanClue:
    source: CaseSource
    region: Region
    household: Household | None
    name: str | None
    id_number: str | None
    phone: str | None
    risk_types: tuple[str, ...]
    description: str
    urgent: bool


@dataclass(frozen=True)
class Recorded:
    case_id: int   # the case to open: the new one, the open case joined, or the record kept
    joined: bool   # it joined the household's open case


def check(actor: User, clue: ClueInput, today: date) -> CleanClue:
    """Every field checked; ValidationFailed with a Chinese message per field."""
    require_recorder(actor)
    errors: dict[str, str] = {}
    source = _source(actor, clue.source, errors)
    household = region = None
    name = id_number = phone = None
    if (clue.household_id or "").strip():
        household = _household_in_reach(actor, clue.household_id)
        if household is None:
            errors["household_id"] = "没有找到这户，或不在您的管辖范围内，请重新查找"
        else:
            region = household.region
    else:
        region = _region(actor, clue.region_code, errors)
        name, id_number, phone = _claimed(clue, today, errors)
        if id_number:
            registered = _registered(id_number)
            if registered is not None and scoping.may_report_at(actor, registered.region):
                household, region = registered, registered.region
    risks = tuple(dict.fromkeys(r for r in clue.risk_types if r))
    if any(r not in RiskType.codes() for r in risks):
        errors["risk_types"] = "风险类型无效"
    elif not risks:
        errors["risk_types"] = "请至少选择一项风险类型"
    description = (clue.description or "").strip()
    if not description:
        errors["description"] = "请写明线索的内容：谁反映的、遇到了什么困难"
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = f"线索内容不超过{MAX_DESCRIPTION}个字（现在{len(description)}字）"
    if errors:
        raise ValidationFailed(errors)
    return CleanClue(source, region, household, name, id_number, phone, risks, description, bool(clue.urgent))


def _source(actor: User, code: str, errors: dict) -> CaseSource | None:
    code = (code or "").strip()
    if not code:
        errors["source"] = "请选择线索来源"
        return None
    offered = {s.value: s for s in sources_for(actor)}
    if code not in offered:
        errors["source"] = ("网格员只能登记干部排查（网格反馈）的线索" if actor.role_enum is Role.GRID_WORKER
                            and code in CaseSource.codes() else "线索来源无效，请重新选择")
        return None
    return offered[code]


def _region(actor: User, code: str, errors: dict) -> Region | None:
    code = (code or "").strip()
    if not code:
        errors["region_code"] = "请选择农户所在的村或组"
        return None
    if code not in {c for c, _ in places(actor)}:
        errors["region_code"] = "所选的村或组不存在或不在您的管辖范围内"
        return None
    return db.session.execute(select(Region).where(Region.code == code)).scalar_one()


def _claimed(clue: ClueInput, today: date, errors: dict) -> tuple[str | None, str | None, str | None]:
    name = (clue.name or "").strip()
    if not name:
        errors["name"] = "请填写农户姓名（未登记的农户）或先查找已登记的农户"
    elif len(name) > MAX_NAME:
        errors["name"] = f"姓名不超过{MAX_NAME}个字"
    id_number = phone = None
    if (clue.id_number or "").strip():
        try:
            id_number = parse_id_number(clue.id_number, today=today).value
        except InvalidIdNumber as exc:
            errors["id_number"] = str(exc)
    if (clue.phone or "").strip():
        try:
            phone = normalize_mobile(clue.phone)
        except InvalidPhone as exc:
            errors["phone"] = str(exc)
    return name or None, id_number, phone


def _registered(id_number: str) -> Household | None:
    member = db.session.execute(select(Member).where(
        Member.id_number_index == blind_index(ID_NUMBER, id_number))).scalars().first()
    return member.household if member else None


def record(actor: User, clue: CleanClue, evidence: list[Evidence], today: date) -> Recorded:
    """Open the case (or join the household's open case), with the evidence; audited by the
    case service."""
    require_recorder(actor)
    open_case = cases.find_open_case(household=clue.household) if clue.household else None
    if open_case is None and clue.id_number:
        open_case = cases.find_open_case(id_number=clue.id_number)
    if open_case is None:
        case = cases.open_case(
            actor, clue.region, clue.source, today=today, risk_types=list(clue.risk_types), words=clue.description,
            urgent=clue.urgent, household=clue.household, claimed_name=clue.name,
            claimed_id_number=clue.id_number, claimed_phone=clue.phone, evidence=evidence)
        return Recorded(case.id, False)
    if _readable(actor, open_case):
        cases.join_report(actor, open_case, clue.source, words=clue.description, risk_types=list(clue.risk_types),
                          urgent=clue.urgent, evidence=evidence)
        return Recorded(open_case.id, True)
    kept = cases.keep_joined_report(
        actor, open_case, clue.region, clue.source, today=today, words=clue.description,
        risk_types=list(clue.risk_types), urgent=clue.urgent, household=clue.household, claimed_name=clue.name,
        claimed_id_number=clue.id_number, claimed_phone=clue.phone, evidence=evidence)
    return Recorded(kept.id, False)


def _readable(actor: User, case: Case) -> bool:
    try:
        scoping.require(actor, Case, case.id)
    except NotFound:
        return False
    return True


def recorded_case(actor: User, case_id: str) -> Case | None:
    """The case named by the page's address after recording, if the actor may read it."""
    number = numbers.whole((case_id or "").strip(), low=1, high=_LARGEST_ID)
    if number is None:
        return None
    try:
        return scoping.get(actor, Case, number)
    except NotFound:
        return None


__all__ = ["Candidate", "ClueInput", "CleanClue", "Recorded", "check", "chosen", "places", "read_search",
           "record", "recorded_case", "require_recorder", "search", "source_choices", "sources_for"]
