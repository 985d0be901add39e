"""The overdue list: open cases past their deadline or close to it, and plan measures past
their date, within the person's scope (``scoping``), a page at a time (``overdue_export`` writes
the whole list as a file).

Each section (已逾期, 即将到期, 逾期未落实的帮扶措施) is ordered most urgent first and shown
``PAGE_SIZE`` rows a page, one page number for the three; its total, and above the county its
count per county, are counted in the database, so a county's page costs the same few statements
whether it has ten overdue cases or ten thousand. The names a page shows are looked up for its
rows only, a few IN queries for all of them (``_Names``).

Lists show the household head's name (staff must know whose case it is) but never an ID
number, phone, health or income. Department officers see the measures handed to their
department; they take no case step, so the case sections are not theirs. An overdue measure is
``domain.measures.is_overdue``, the same rule as the department's list and the reminders
(``measure_tasks.overdue_clause``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Iterable

from sqlalchemy import Integer, Select, case as sql_case, cast, func, literal, null, select, union_all

from core.extensions import db
from domain.deadlines import DUE_SOON_DAYS, DeadlineKind
from domain.enums import Department, MeasureStatus, MemberStatus, RegionLevel, Role
from domain.workflow import CaseState
from domain import numbers
from models import Case, Measure, Member, PlanMeasure, Region, User
from services.accounts import scoping
from services.errors import PermissionDenied, ValidationFailed
from services.help.measure_tasks import overdue_clause
from services.identification.inbox import page_window
from services.notifications import notify
from services.notifications.reminders import NON_TERMINAL

CASE_ROLES = (Role.GRID_WORKER, Role.PAIR_CADRE, Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF)
# City and province staff read the list rolled up over the counties below them (they take no step).
ROLLUP_ROLES = (Role.CITY_STAFF, Role.PROVINCE_STAFF)
LIST_ROLES = CASE_ROLES + ROLLUP_ROLES + (Role.DEPARTMENT,)
_ABOVE_COUNTY = (RegionLevel.PROVINCE.value, RegionLevel.CITY.value)
PAGE_SIZE = 50
MEASURE_ORDER = ("due_on", "id")  # overdue measures, the most overdue first
PAGE_ERROR = "页码无效，已显示第1页"


@dataclass(frozen=True)
class Filters:
    village_id: int | None = None
    kind: str | None = None
    county_id: int | None = None  # above the county: one county's rows

    @property
    def active(self) -> bool:
        return self.village_id is not None or self.kind is not None or self.county_id is not None

    def args(self) -> dict[str, str]:
        """The filters as query-string or hidden form fields (only those set)."""
        values = {"village": self.village_id, "county": self.county_id, "kind": self.kind}
        return {k: str(v) for k, v in values.items() if v is not None}


@dataclass(frozen=True)
class CaseRow:
    case_id: int
    head: str
    village: str
    state: str
    deadline: str
    due: str
    days: int  # days overdue (positive) or days left (0 or more) in the due-soon section
    responsible: str
    county: str = ""  # filled above the county, where several counties share the list


@dataclass(frozen=True)
class MeasureRow:
    case_id: int
    head: str
    village: str
    measure: str
    department: str
    status: str
    due: str
    days: int
    county: str = ""


@dataclass(frozen=True)
class CountyRow:
    """Above the county: one county's counts (overdue, due soon, overdue measures)."""
    name: str
    overdue: int
    due_soon: int
    measures: int


@dataclass(frozen=True)
class Places:
    """What the person may filter by: villages at or below the county, counties above it."""
    villages: list[tuple[int, str]]
    counties: list[tuple[int, str]]
    # The regions themselves, held while the list is built: the session keeps only weak
    # references, and the place filter and the counts per county read their paths.
    nodes: dict[int, Region] = field(default_factory=dict)


@dataclass
class OverdueView:
    today: str
    soon_days: int
    show_cases: bool
    overdue: list[CaseRow] = field(default_factory=list)
    due_soon: list[CaseRow] = field(default_factory=list)
    measures: list[MeasureRow] = field(default_factory=list)
    overdue_total: int = 0
    due_soon_total: int = 0
    measures_total: int = 0
    page: int = 1
    pages: int = 1
    first: int = 1  # the position of each section's first row on this page
    page_numbers: list[int] = field(default_factory=list)
    villages: list[tuple[int, str]] = field(default_factory=list)
    kinds: list[tuple[str, str]] = field(default_factory=list)
    filters: Filters = Filters()
    counties: list[tuple[int, str]] = field(default_factory=list)  # above the county, the filter's places
    by_county: list[CountyRow] = field(default_factory=list)
    rolled_up: bool = False  # above the county: a county column, a county filter, counts per county
    searched: bool = False  # the shared pager macro asks; this list has no posted search


def check_role(user: User) -> None:
    if user.role_enum not in LIST_ROLES:
        raise PermissionDenied("逾期清单供办理案件的工作人员、行业部门和市、省级工作人员使用")


def above_county(user: User) -> bool:
    return user.region.level in _ABOVE_COUNTY


def shows_cases(user: User) -> bool:
    return user.role_enum in CASE_ROLES + ROLLUP_ROLES


def places(user: User) -> Places:
    """The villages to filter by (none above the county: a province has thousands), or above the
    county the counties below the person's node."""
    level = RegionLevel.COUNTY if above_county(user) else RegionLevel.VILLAGE
    found = list(db.session.execute(scoping.regions(user).where(Region.level == level.value)
                                    .order_by(Region.code)).scalars())
    choices = [(r.id, r.name) for r in found]
    nodes = {r.id: r for r in found}
    return Places([], choices, nodes) if level is RegionLevel.COUNTY else Places(choices, [], nodes)


def read_page(value: str | None) -> tuple[int, str | None]:
    """A page number from the query string; anything but a plain number from 1 is the first page
    and a note."""
    value = (value or "").strip()
    if not value:
        return 1, None
    page = numbers.whole(value, low=1, high=999_999)
    return (1, PAGE_ERROR) if page is None else (page, None)


def parse_filters(user: User, args, known: Places | None = None) -> Filters:
    """Read ``village`` (or ``county`` above the county) and ``kind`` from the query string;
    unknown values are refused."""
    known = known or places(user)
    errors: dict[str, str] = {}
    village_id = kind = county_id = None
    raw_county = (args.get("county") or "").strip()
    if raw_county:
        if numbers.whole(raw_county) in {cid for cid, _ in known.counties}:
            county_id = numbers.whole(raw_county)
        else:
            errors["county"] = "所选县不在您的管辖范围内"
    raw_village = (args.get("village") or "").strip()
    if raw_village:
        if numbers.whole(raw_village) in {vid for vid, _ in known.villages}:
            village_id = numbers.whole(raw_village)
        else:
            errors["village"] = "所选村不在您的管辖范围内"
    raw_kind = (args.get("kind") or "").strip()
    if raw_kind:
        if raw_kind in DeadlineKind.codes():
            kind = raw_kind
        else:
            errors["kind"] = "期限类型无效"
    if errors:
        raise ValidationFailed(errors)
    return Filters(village_id, kind, county_id)


# --- the sections' queries, most urgent first -------------------------------------------------

def _place_filter(query: Select, filters: Filters) -> Select:
    for place_id in (filters.village_id, filters.county_id):
        if place_id is not None:
            place = db.session.get(Region, place_id)
            query = query.where(Case.region_path.startswith(place.path, autoescape=True))
    return query


def _open_with_a_clock(user: User, today: date, filters: Filters) -> Select:
    """The cases of both case sections: open, due by the end of the due-soon window."""
    query = scoping.cases(user).where(Case.due_date.is_not(None),
                                      Case.due_date <= today + timedelta(days=DUE_SOON_DAYS),
                                      Case.state.in_(NON_TERMINAL))
    if filters.kind is not None:
        query = query.where(Case.deadline_kind == filters.kind)
    return _place_filter(query, filters)


def overdue_cases(user: User, today: date, filters: Filters) -> Select:
    return (_open_with_a_clock(user, today, filters).where(Case.due_date < today)
            .order_by(Case.due_date, Case.id))


def due_soon_cases(user: User, today: date, filters: Filters) -> Select:
    return (_open_with_a_clock(user, today, filters).where(Case.due_date >= today)
            .order_by(Case.due_date, Case.id))


def overdue_measures(user: User, today: date, filters: Filters) -> Select | None:
    """The overdue measures of the cases in scope, as rows of plain columns; None under a
    deadline-kind filter, which asks about case clocks (measures have none of those kinds)."""
    if filters.kind is not None:
        return None
    query = (scoping.cases(user)
             .with_only_columns(PlanMeasure.id, PlanMeasure.case_id, PlanMeasure.department, PlanMeasure.status,
                                PlanMeasure.due_on, Measure.name.label("measure"), Case.region_path,
                                Case.household_id, Case.claimed_name)
             .join(PlanMeasure, PlanMeasure.case_id == Case.id).join(Measure, PlanMeasure.measure_id == Measure.id)
             .where(overdue_clause(today, case_joined=True))
             .order_by(*(PlanMeasure.__table__.c[k] for k in MEASURE_ORDER)))
    if user.role_enum is Role.DEPARTMENT:
        query = query.where(PlanMeasure.department == user.department)
    return _place_filter(query, filters)


def case_totals(user: User, today: date, filters: Filters) -> tuple[int, int]:
    """(overdue, due soon), counted in one pass."""
    counted = (_open_with_a_clock(user, today, filters)
               .with_only_columns(func.count(Case.id).filter(Case.due_date < today),
                                  func.count(Case.id).filter(Case.due_date >= today)).order_by(None))
    overdue, soon = db.session.execute(counted).one()
    return overdue, soon


def _total_and_page(query: Select, skip: int, order: tuple[str, ...]) -> tuple[int, list]:
    """(how many rows ``query`` has, its rows from ``skip``, ``PAGE_SIZE`` of them by the columns
    named in ``order``), from one statement: the rows are found once (MATERIALIZED on
    PostgreSQL), counted, and the page taken from them, instead of the scope being read once to
    count and again to page."""
    listed = query.order_by(None).cte("listed").prefix_with("MATERIALIZED", dialect="postgresql")
    columns = list(listed.c)
    counted = select(literal(0).label("kind"), func.count().label("total"),
                     *(cast(null(), c.type).label(c.key) for c in columns)).select_from(listed)
    page = (select(*columns).order_by(*(listed.c[k] for k in order)).offset(skip).limit(PAGE_SIZE)
            .subquery("page"))
    rows = db.session.execute(union_all(counted, select(literal(1), cast(null(), Integer), *page.c))).all()
    total = next(r.total for r in rows if r.kind == 0)
    shown = sorted((r for r in rows if r.kind == 1), key=lambda r: tuple(
        (getattr(r, k) is None, getattr(r, k)) for k in order))
    return total, shown


def measure_total(user: User, today: date, filters: Filters) -> int:
    query = overdue_measures(user, today, filters)
    if query is None:
        return 0
    return db.session.execute(query.with_only_columns(func.count(PlanMeasure.id)).order_by(None)).scalar_one()


# --- above the county: counts per county, grouped in the database -----------------------------

def _county_of(counties: list[Region]):
    """SQL: the id of the county whose path starts the case's path (NULL for none)."""
    return sql_case(*[(Case.region_path.startswith(c.path, autoescape=True), c.id) for c in counties], else_=None)


def _by_county(user: User, today: date, view: OverdueView, known: Places) -> list[CountyRow]:
    """Each county's counts, in the order of the counties (those with nothing too): two
    statements, each grouping its section's cases by the county they lie in."""
    shown = [known.nodes[cid] for cid, _ in known.counties
             if view.filters.county_id is None or cid == view.filters.county_id]
    if not shown:
        return []
    county = _county_of(shown)
    counts: dict[int, list[int]] = {c.id: [0, 0, 0] for c in shown}
    if view.show_cases:
        inner = (_open_with_a_clock(user, today, view.filters)
                 .with_only_columns(county.label("county_id"), Case.due_date).order_by(None).subquery())
        grouped = (select(inner.c.county_id, func.count().filter(inner.c.due_date < today),
                          func.count().filter(inner.c.due_date >= today)).group_by(inner.c.county_id))
        for county_id, overdue, soon in db.session.execute(grouped):
            if county_id in counts:
                counts[county_id][:2] = [overdue, soon]
    measures = overdue_measures(user, today, view.filters)
    if measures is not None:
        inner = measures.with_only_columns(county.label("county_id")).order_by(None).subquery()
        for county_id, n in db.session.execute(select(inner.c.county_id, func.count())
                                               .group_by(inner.c.county_id)):
            if county_id in counts:
                counts[county_id][2] = n
    return [CountyRow(c.name, *counts[c.id]) for c in shown]


# --- the page ---------------------------------------------------------------------------------

def build(user: User, today: date, filters: Filters = Filters(), page: int = 1,
          known: Places | None = None) -> OverdueView:
    """One page of the list: ``PAGE_SIZE`` rows of each section (a page past the last shows the
    last), each section's total, and above the county the counts per county."""
    check_role(user)
    known = known or places(user)
    view = OverdueView(today=today.isoformat(), soon_days=DUE_SOON_DAYS, show_cases=shows_cases(user),
                       villages=known.villages, kinds=DeadlineKind.choices(), filters=filters,
                       counties=known.counties, rolled_up=above_county(user))
    if view.show_cases:
        view.overdue_total, view.due_soon_total = case_totals(user, today, filters)
    measures_query = overdue_measures(user, today, filters)
    requested = max(page, 1)
    if measures_query is not None:
        view.measures_total, measures = _total_and_page(measures_query, (requested - 1) * PAGE_SIZE,
                                                        MEASURE_ORDER)
    else:
        view.measures_total, measures = 0, []
    largest = max(view.overdue_total, view.due_soon_total, view.measures_total)
    view.pages = max(1, -(-largest // PAGE_SIZE))
    view.page = min(requested, view.pages)
    view.page_numbers = page_window(view.page, view.pages)
    skip = (view.page - 1) * PAGE_SIZE
    view.first = skip + 1

    def one_page(query: Select, total: int) -> list:
        if total <= skip:  # nothing of this section on this page: no query
            return []
        return list(db.session.execute(query.offset(skip).limit(PAGE_SIZE)))

    late = [r[0] for r in one_page(overdue_cases(user, today, filters), view.overdue_total)]
    soon = [r[0] for r in one_page(due_soon_cases(user, today, filters), view.due_soon_total)]
    if measures_query is not None and view.page != requested:  # asked past the last page
        measures = one_page(measures_query, view.measures_total)
    names = Names()
    names.load([*late, *soon], measures)
    view.overdue = case_rows(late, names, today, view.rolled_up)
    view.due_soon = case_rows(soon, names, today, view.rolled_up)
    view.measures = measure_rows(measures, names, today, view.rolled_up)
    if view.rolled_up:
        view.by_county = _by_county(user, today, view, known)
    return view


def case_rows(found: Iterable[Case], names: "Names", today: date, rolled_up: bool) -> list[CaseRow]:
    rows = []
    for case in found:
        overdue = case.due_date < today
        rows.append(CaseRow(
            case_id=case.id, head=names.head(case.household_id, case.claimed_name),
            village=names.village(case.region_path), state=CaseState(case.state).label,
            deadline=DeadlineKind(case.deadline_kind).label if case.deadline_kind else "",
            due=case.due_date.isoformat(),
            days=(today - case.due_date).days if overdue else (case.due_date - today).days,
            responsible=names.responsible(case), county=names.county(case.region_path) if rolled_up else ""))
    return rows


def measure_rows(found: Iterable, names: "Names", today: date, rolled_up: bool) -> list[MeasureRow]:
    """Rows of ``overdue_measures``' columns as the list shows them."""
    return [MeasureRow(
        case_id=m.case_id, head=names.head(m.household_id, m.claimed_name), village=names.village(m.region_path),
        measure=m.measure, department=Department(m.department).label if m.department else "村级",
        status=MeasureStatus(m.status).label, due=m.due_on.isoformat(), days=(today - m.due_on).days,
        county=names.county(m.region_path) if rolled_up else "") for m in found]


def _path_ids(path: str) -> list[int]:
    return [int(p) for p in path.strip("/").split("/") if p]


class Names:
    """The names a batch of rows shows, each looked up once with one IN query per kind: the
    regions on the rows' paths (village, county, the desk's node), the household heads, and the
    people the cases name (put in the session, where ``notify.named_person`` finds them)."""

    def __init__(self):
        self._regions: dict[int, tuple[str, str]] = {}  # id: (name, level)
        self._heads: dict[int, str] = {}
        self._people: dict[int, User] = {}  # held here: the session keeps only weak references

    def load(self, cases: list[Case], measures: list) -> None:
        rows = [*cases, *measures]
        wanted = {i for r in rows for i in _path_ids(r.region_path)} - self._regions.keys()
        if wanted:
            self._regions.update({rid: (name, level) for rid, name, level in db.session.execute(
                select(Region.id, Region.name, Region.level).where(Region.id.in_(wanted)))})
        households = {r.household_id for r in rows if r.household_id is not None} - self._heads.keys()
        if households:
            heads = db.session.execute(
                select(Member.household_id, Member.name)
                .where(Member.household_id.in_(households), Member.is_head.is_(True),
                       Member.status == MemberStatus.PRESENT.value).order_by(Member.id.desc()))
            self._heads.update(dict(heads.all()))  # the first head by id wins, as Household.head
        people = {getattr(c, f"{d.person}_id") for c in cases
                  if (d := notify.duty_for(c.state)) is not None and d.person} - {None} - self._people.keys()
        if people:
            self._people.update({u.id: u for u in db.session.execute(select(User).where(User.id.in_(people))).scalars()})

    def head(self, household_id: int | None, claimed_name: str | None) -> str:
        if household_id is None:
            return claimed_name or "（未关联农户）"
        return self._heads.get(household_id, "（未登记户主）")

    def _on_path(self, path: str, level: RegionLevel) -> str | None:
        for rid in _path_ids(path):
            name, found = self._regions.get(rid, ("", ""))
            if found == level.value:
                return name
        return None

    def county(self, path: str) -> str:
        return self._on_path(path, RegionLevel.COUNTY) or ""

    def village(self, path: str) -> str:
        found = self._on_path(path, RegionLevel.VILLAGE)
        if found is not None:
            return found
        ids = _path_ids(path)
        return self._regions.get(ids[-1], ("", ""))[0] if ids else ""

    def responsible(self, case: Case) -> str:
        duty = notify.duty_for(case.state_enum)
        if duty is None:
            return ""
        person = notify.named_person(case, duty)
        level = {Role.VILLAGE_STAFF: RegionLevel.VILLAGE, Role.TOWNSHIP_STAFF: RegionLevel.TOWNSHIP,
                 Role.COUNTY_STAFF: RegionLevel.COUNTY}[duty.staff]
        node = self._on_path(case.region_path, level)
        desk = f"{duty.staff.label}（{node}）" if node else duty.staff.label
        if person is None:
            return desk
        named = f"{person.full_name}（{person.role_enum.label}）"
        return f"{named}、{desk}" if duty.staff_too else named
