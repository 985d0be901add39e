"""The household list of a scope (农户台账): filters in the query string (non-personal), a search
by name or number tail that is posted (personal), masked numbers, pages of 50.

A page costs the same handful of statements whatever its length: the count, the page, its
members and regions, their latest visits and their open cases.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Mapping

from sqlalchemy import Text, cast, exists, func, literal, select, union_all
from sqlalchemy.orm import selectinload

from core.extensions import db
from domain.enums import (HouseholdAttribute, KeyGroup, LabourCapacity, MemberStatus, MonitoringCategory, RegionLevel,
                          RiskType, Role)
from domain.workflow import CaseState
from models import Case, Household, Member, Region, User, Visit
from services.accounts import scoping
from services.campaigns import campaigns
from services.errors import PermissionDenied
from services.filter_args import FilterReader
from services.fieldwork.worklists import current_round
from services.identification.inbox import Search, member_condition, page_window, read_page, read_search
from services.platform import audit

LIST_ROLES = frozenset({Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF})
PAGE_SIZE = 50
# The list counts at most this many households: beyond it the page says "10000 户以上" and pages
# through the first ones, so a county's or a province's list costs the same as a village's
# (counting 100,000 rows on every page view is what made it slow). The export has every row.
COUNT_LIMIT = 10_000
_WORKING = [c.value for c in LabourCapacity if c.can_work]
_OPEN = [s.value for s in CaseState if s.is_open]
_PRESENT = MemberStatus.PRESENT.value  # those who died or left do not make a household's labour

def require_list(actor: User) -> None:
    if actor.role_enum not in LIST_ROLES:
        raise PermissionDenied("农户台账供村、乡镇、县级工作人员使用")


@dataclass(frozen=True)
class Filters:
    village: str = ""     # region codes within scope
    group: str = ""
    attribute: str = ""   # HouseholdAttribute
    category: str = ""    # MonitoringCategory
    risk: str = ""        # RiskType
    key_group: str = ""   # KeyGroup
    no_labour: bool = False     # no member able to work (整户无劳动力)
    open_case: bool = False
    not_visited: bool = False   # not visited in the current screening round

    def args(self) -> dict[str, str]:
        values = {"village": self.village, "group": self.group, "attribute": self.attribute,
                  "category": self.category, "risk": self.risk, "key_group": self.key_group,
                  "no_labour": "1" if self.no_labour else "", "open_case": "1" if self.open_case else "",
                  "not_visited": "1" if self.not_visited else ""}
        return {k: v for k, v in values.items() if v}


def _regions(actor: User, level: RegionLevel) -> list[tuple[str, str]]:
    """(code, name) of the nodes of ``level`` in the person's area, as plain pairs: a county has
    1,500 villages and more grids, too many to load as objects on every page."""
    query = (scoping.regions(actor).with_only_columns(Region.code, Region.name)
             .where(Region.level == level.value).order_by(Region.code))
    return [(code, name) for code, name in db.session.execute(query)]


def choices(actor: User) -> dict[str, list[tuple[str, str]]]:
    return {"village": _regions(actor, RegionLevel.VILLAGE), "group": _regions(actor, RegionLevel.GRID),
            "attribute": HouseholdAttribute.choices(), "category": MonitoringCategory.choices(),
            "risk": RiskType.choices(),
            "key_group": [(k.value, k.label.split("（")[0]) for k in KeyGroup]}


def read_filters(options: dict[str, list[tuple[str, str]]], args: Mapping[str, str]
                 ) -> tuple[Filters, dict[str, str]]:
    """Valid filters among ``options`` (``choices(actor)``), and a Chinese message per filter that
    was not understood (then ignored)."""
    reader = FilterReader(args)

    def pick(name: str, message: str) -> str:
        return reader.pick(name, {code for code, _ in options[name]}, message)

    return Filters(
        village=pick("village", "所选的村不存在或不在您的管辖范围内，未按村筛选"),
        group=pick("group", "所选的组不存在或不在您的管辖范围内，未按组筛选"),
        attribute=pick("attribute", "户类型无效，未按户类型筛选"),
        category=pick("category", "监测对象类别无效，未按类别筛选"),
        risk=pick("risk", "风险类型无效，未按风险类型筛选"),
        key_group=pick("key_group", "重点人群无效，未按重点人群筛选"),
        no_labour=reader.flag("no_labour", "“整户无劳动力”的取值无效，未按此筛选"),
        open_case=reader.flag("open_case", "“有未办结案件”的取值无效，未按此筛选"),
        not_visited=reader.flag("not_visited", "“本轮未走访”的取值无效，未按此筛选")), reader.errors


@dataclass(frozen=True)
class RegisterRow:
    id: int
    head: str
    id_masked: str
    phone_masked: str
    size: int
    region: str
    attribute: str
    category: str
    risks: str
    open_case: bool
    last_visit: date | None


@dataclass(frozen=True)
class RegisterPage:
    rows: list[RegisterRow]
    total: int
    page: int
    pages: int
    first: int
    last: int
    page_numbers: list[int]
    searched: bool
    round_name: str | None  # the screening round "not visited" refers to, if one is on
    more: bool = False      # at least COUNT_LIMIT households: ``total`` is that limit


def _contains_code(column, code: str):
    """A JSON list of codes holds ``code`` (the codes are plain words, so the quoted form is exact)."""
    return cast(column, Text).like(f'%"{code}"%')


def household_query(actor: User, filters: Filters, today: date, search: Search | None = None):
    """The households the list shows (all pages; the export writes the same), and the screening
    round that "not visited" refers to."""
    query = scoping.households(actor)
    if filters.village:
        village = scoping.region_by_code(actor, filters.village)
        query = query.where(Region.path.startswith(village.path, autoescape=True))
    if filters.group:
        query = query.where(Household.region_id == scoping.region_by_code(actor, filters.group).id)
    if filters.attribute:
        query = query.where(Household.attribute == filters.attribute)
    if filters.category:
        query = query.where(Household.monitoring_category == filters.category)
    if filters.risk:
        query = query.where(_contains_code(Household.risk_types, filters.risk))
    if filters.key_group:
        query = query.where(_contains_code(Household.key_groups, filters.key_group))
    if filters.no_labour:
        query = query.where(~exists().where(Member.household_id == Household.id, Member.status == _PRESENT,
                                            Member.labour_capacity.in_(_WORKING)))
    if filters.open_case:
        query = query.where(exists().where(Case.household_id == Household.id, Case.state.in_(_OPEN)))
    screening = current_round(actor, today) if filters.not_visited else None
    if screening is not None:  # the campaign's households not visited in its days (Beijing time)
        start, end = campaigns.window(screening)
        query = query.where(campaigns.area_condition(screening),
                            ~exists().where(Visit.household_id == Household.id, Visit.visited_at >= start,
                                            Visit.visited_at < end))
    if search is not None:
        found = scoping.members(actor).where(member_condition(search)).with_only_columns(Member.household_id)
        query = query.where(Household.id.in_(found))
    return query, screening


def register_page(actor: User, filters: Filters, today: date, *, search: Search | None = None,
                  page: int = 1) -> RegisterPage:
    require_list(actor)
    query, screening = household_query(actor, filters, today, search)
    page = max(page, 1)
    total, more, ids = _count_and_page(query, page)
    pages = max(1, -(-total // PAGE_SIZE))
    if page > pages:
        page = pages
        total, more, ids = _count_and_page(query, page)
    position = {household_id: n for n, household_id in enumerate(ids)}
    found = sorted(db.session.execute(
        select(Household).where(Household.id.in_(ids))
        .options(selectinload(Household.members), selectinload(Household.region))).scalars(),
        key=lambda h: position[h.id]) if ids else []
    last = dict(db.session.execute(select(Visit.household_id, func.max(Visit.visited_at))
                                   .where(Visit.household_id.in_(ids)).group_by(Visit.household_id)).all()) if ids else {}
    with_open = set(db.session.execute(select(Case.household_id).where(
        Case.household_id.in_(ids), Case.state.in_(_OPEN))).scalars()) if ids else set()
    if search is not None:
        audit.record(actor, "search", "household", None, f"register search by {search.kind}: {total} found")
    rows = [_row(h, last.get(h.id), h.id in with_open) for h in found]
    first = (page - 1) * PAGE_SIZE + 1 if rows else 0
    return RegisterPage(rows, total, page, pages, first, first + len(rows) - 1 if rows else 0,
                        page_window(page, pages), search is not None,
                        screening.name if screening else None, more)


def _count_and_page(query, page: int) -> tuple[int, bool, list[int]]:
    """(how many households the list holds, counting no further than ``COUNT_LIMIT``; whether
    there are more; the ids of page ``page`` by id), from one statement: the list's first
    ``COUNT_LIMIT`` + 1 ids are found once (MATERIALIZED on PostgreSQL) for the count and the page."""
    listed = (query.with_only_columns(Household.id).order_by(None).order_by(Household.id).limit(COUNT_LIMIT + 1)
              .cte("listed").prefix_with("MATERIALIZED", dialect="postgresql"))
    counted = select(literal(0).label("kind"), func.count().label("n")).select_from(listed)
    shown = (select(listed.c.id).order_by(listed.c.id).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
             .subquery("shown"))
    found = db.session.execute(union_all(counted, select(literal(1), shown.c.id))).all()
    count = next(n for kind, n in found if kind == 0)
    ids = sorted(n for kind, n in found if kind == 1)
    return min(count, COUNT_LIMIT), count > COUNT_LIMIT, ids


def _row(household: Household, last_visit: datetime | None, open_case: bool) -> RegisterRow:
    head = household.head
    return RegisterRow(
        id=household.id, head=head.name if head else "", id_masked=head.id_number_masked if head else "",
        phone_masked=head.phone_masked if head else "", size=household.size, region=household.region.name,
        attribute=HouseholdAttribute(household.attribute).label,
        category=MonitoringCategory(household.monitoring_category).label if household.monitoring_category else "",
        risks="、".join(RiskType(r).label for r in household.risk_types), open_case=open_case,
        last_visit=last_visit.date() if last_visit else None)
