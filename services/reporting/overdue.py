"""The overdue list: open cases past their deadline or close to it, and plan measures past
their date, within the person's scope (``scoping``), as plain rows for the page and the CSV.

Lists show the household head's name (staff must know whose case it is) but never an ID
number, phone, health or income. Department officers see the measures handed to their
department; they take no case step, so the case sections are not theirs. An overdue measure is
``domain.measures.is_overdue``, the same rule as the department's list and the reminders
(``measure_tasks.overdue_clause``).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.extensions import db
from domain.deadlines import DUE_SOON_DAYS, DeadlineKind
from domain.enums import Department, MeasureStatus, RegionLevel, Role
from domain.workflow import CaseState
from domain import numbers
from models import Case, Household, PlanMeasure, Region, User
from services.accounts import scoping
from services.errors import PermissionDenied, ValidationFailed
from services.help.measure_tasks import overdue_clause
from services.notifications import notify
from services.notifications.reminders import NON_TERMINAL
from services.platform import audit

CASE_ROLES = (Role.GRID_WORKER, Role.PAIR_CADRE, Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF)
# City and province staff read the list rolled up over the counties below them (they take no step).
ROLLUP_ROLES = (Role.CITY_STAFF, Role.PROVINCE_STAFF)
_ABOVE_COUNTY = (RegionLevel.PROVINCE.value, RegionLevel.CITY.value)
CSV_HEADER = ["区段", "案件编号", "户主", "村", "当前环节", "期限类型", "到期日", "逾期天数（负数为尚余天数）", "责任人"]
ROLLUP_CSV_HEADER = ["县"] + CSV_HEADER


@dataclass(frozen=True)
class Filters:
    village_id: int | None = None
    kind: str | None = None
    county_id: int | None = None  # above the county: one county's rows

    @property
    def active(self) -> bool:
        return self.village_id is not None or self.kind is not None or self.county_id is not None


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


@dataclass
class OverdueView:
    today: str
    soon_days: int
    show_cases: bool
    overdue: list[CaseRow] = field(default_factory=list)
    due_soon: list[CaseRow] = field(default_factory=list)
    measures: list[MeasureRow] = field(default_factory=list)
    villages: list[tuple[int, str]] = field(default_factory=list)
    kinds: list[tuple[str, str]] = field(default_factory=list)
    filters: Filters = Filters()
    counties: list[tuple[int, str]] = field(default_factory=list)  # above the county, the filter's places
    by_county: list[CountyRow] = field(default_factory=list)
    rolled_up: bool = False  # above the county: a county column, a county filter, counts per county


def _check_role(user: User) -> None:
    if user.role_enum not in CASE_ROLES + ROLLUP_ROLES + (Role.DEPARTMENT,):
        raise PermissionDenied("逾期清单供办理案件的工作人员、行业部门和市、省级工作人员使用")


def above_county(user: User) -> bool:
    return user.region.level in _ABOVE_COUNTY


def villages(user: User) -> list[tuple[int, str]]:
    """The villages to filter by; none above the county (a province has thousands: its list is
    filtered by county)."""
    if above_county(user):
        return []
    query = scoping.regions(user).where(Region.level == RegionLevel.VILLAGE.value).order_by(Region.code)
    return [(r.id, r.name) for r in db.session.execute(query).scalars()]


def counties(user: User) -> list[tuple[int, str]]:
    """Above the county, the counties below the person's node (name, and its city for a province)."""
    if not above_county(user):
        return []
    rows = db.session.execute(scoping.regions(user).where(Region.level == RegionLevel.COUNTY.value)
                              .order_by(Region.code)).scalars().all()
    return [(r.id, r.name) for r in rows]


def parse_filters(user: User, args) -> Filters:
    """Read ``village`` (or ``county`` above the county) and ``kind`` from the query string;
    unknown values are refused."""
    errors: dict[str, str] = {}
    village_id = kind = county_id = None
    raw_county = (args.get("county") or "").strip()
    if raw_county:
        allowed = {cid for cid, _ in counties(user)}
        if numbers.whole(raw_county) in allowed:
            county_id = numbers.whole(raw_county)
        else:
            errors["county"] = "所选县不在您的管辖范围内"
    raw_village = (args.get("village") or "").strip()
    if raw_village:
        allowed = {vid for vid, _ in villages(user)}
        if numbers.whole(raw_village) in allowed:
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


def build(user: User, today: date, filters: Filters = Filters()) -> OverdueView:
    _check_role(user)
    view = OverdueView(today=today.isoformat(), soon_days=DUE_SOON_DAYS,
                       show_cases=user.role_enum in CASE_ROLES + ROLLUP_ROLES, villages=villages(user),
                       kinds=DeadlineKind.choices(), filters=filters, counties=counties(user),
                       rolled_up=above_county(user))
    names = _Names()
    county = names.county if view.rolled_up else (lambda region: "")
    if view.show_cases:
        for case in _cases(user, today, filters):
            overdue = case.due_date < today
            row = CaseRow(case_id=case.id, head=names.head(case), village=names.village(case.region),
                          state=CaseState(case.state).label,
                          deadline=DeadlineKind(case.deadline_kind).label if case.deadline_kind else "",
                          due=case.due_date.isoformat(),
                          days=(today - case.due_date).days if overdue else (case.due_date - today).days,
                          responsible=names.responsible(case), county=county(case.region))
            (view.overdue if overdue else view.due_soon).append(row)
    # A deadline-kind filter asks about case clocks; measures have none of those kinds.
    for measure in (() if filters.kind else _measures(user, today, filters)):
        case = measure.case
        view.measures.append(MeasureRow(
            case_id=case.id, head=names.head(case), village=names.village(case.region),
            measure=measure.measure.name,
            department=Department(measure.department).label if measure.department else "村级",
            status=MeasureStatus(measure.status).label, due=measure.due_on.isoformat(),
            days=(today - measure.due_on).days, county=county(case.region)))
    if view.rolled_up:
        view.by_county = _by_county(view)
    return view


def _by_county(view: OverdueView) -> list[CountyRow]:
    """The rows counted per county, in the order of the counties (those with nothing too)."""
    shown = [name for cid, name in view.counties
             if view.filters.county_id is None or cid == view.filters.county_id]
    counts = {name: [0, 0, 0] for name in shown}
    for i, rows in enumerate((view.overdue, view.due_soon, view.measures)):
        for row in rows:
            counts.setdefault(row.county, [0, 0, 0])[i] += 1
    return [CountyRow(name, *numbers_) for name, numbers_ in counts.items()]


def _cases(user: User, today: date, filters: Filters) -> list[Case]:
    query = (scoping.cases(user)
             .where(Case.due_date.is_not(None), Case.due_date <= today + timedelta(days=DUE_SOON_DAYS),
                    Case.state.in_(NON_TERMINAL))
             .options(selectinload(Case.region), selectinload(Case.verifier),
                      selectinload(Case.original_verifier), selectinload(Case.pair_cadre),
                      selectinload(Case.household).selectinload(Household.members))
             .order_by(Case.due_date, Case.id))
    query = _place_filter(query, filters)
    if filters.kind is not None:
        query = query.where(Case.deadline_kind == filters.kind)
    return list(db.session.execute(query).scalars())


def _measures(user: User, today: date, filters: Filters) -> list[PlanMeasure]:
    in_scope = scoping.cases(user).with_only_columns(Case.id).order_by(None)
    query = (select(PlanMeasure).join(Case, PlanMeasure.case_id == Case.id)
             .where(PlanMeasure.case_id.in_(in_scope), overdue_clause(today))
             .options(selectinload(PlanMeasure.measure),
                      selectinload(PlanMeasure.case).options(
                          selectinload(Case.region),
                          selectinload(Case.household).selectinload(Household.members)))
             .order_by(PlanMeasure.due_on, PlanMeasure.id))
    if user.role_enum is Role.DEPARTMENT:
        query = query.where(PlanMeasure.department == user.department)
    query = _place_filter(query, filters)
    return list(db.session.execute(query).scalars())


def _place_filter(query, filters: Filters):
    for place_id in (filters.village_id, filters.county_id):
        if place_id is not None:
            place = db.session.get(Region, place_id)
            query = query.where(Case.region_path.startswith(place.path, autoescape=True))
    return query


class _Names:
    """Head names (from the members loaded with the rows) and region names for many rows, each
    region looked up once."""

    def __init__(self):
        self._regions: dict[int, Region] = {}

    def head(self, case: Case) -> str:
        if case.household_id is None:
            return case.claimed_name or "（未关联农户）"
        head = case.household.head  # members loaded with the rows (_cases, _measures)
        return head.name if head is not None else "（未登记户主）"

    def _ancestor(self, region: Region, level: RegionLevel) -> Region | None:
        for rid in region.ancestor_ids:
            if rid not in self._regions:
                self._regions[rid] = db.session.get(Region, rid)
            node = self._regions[rid]
            if node is not None and node.level == level.value:
                return node
        return None

    def county(self, region: Region) -> str:
        found = self._ancestor(region, RegionLevel.COUNTY)
        return found.name if found else ""

    def village(self, region: Region) -> str:
        found = self._ancestor(region, RegionLevel.VILLAGE)
        return found.name if found else region.name

    def responsible(self, case: Case) -> str:
        duty = notify.duty_for(case.state_enum)
        if duty is None:
            return ""
        person = notify.named_person(case, duty)
        level = {Role.VILLAGE_STAFF: RegionLevel.VILLAGE, Role.TOWNSHIP_STAFF: RegionLevel.TOWNSHIP,
                 Role.COUNTY_STAFF: RegionLevel.COUNTY}[duty.staff]
        node = self._ancestor(case.region, level)
        desk = f"{duty.staff.label}（{node.name}）" if node else duty.staff.label
        if person is None:
            return desk
        named = f"{person.full_name}（{person.role_enum.label}）"
        return f"{named}、{desk}" if duty.staff_too else named


# --- CSV ------------------------------------------------------------------------------------------

def csv_rows(view: OverdueView) -> list[list]:
    rows: list[list] = []
    for section, items in (("已逾期", view.overdue), ("即将到期", view.due_soon)):
        for r in items:
            days = r.days if section == "已逾期" else -r.days
            rows.append([section, r.case_id, r.head, r.village, r.state, r.deadline, r.due, days, r.responsible]
                        if not view.rolled_up else
                        [r.county, section, r.case_id, r.head, r.village, r.state, r.deadline, r.due, days,
                         r.responsible])
    for m in view.measures:
        row = ["措施逾期", m.case_id, m.head, m.village, f"{m.measure}（{m.status}）", "帮扶措施",
               m.due, m.days, m.department]
        rows.append([m.county] + row if view.rolled_up else row)
    return rows


def export(user: User, today: date, filters: Filters) -> bytes:
    view = build(user, today, filters)
    rows = csv_rows(view)
    audit.record(user, "export", "overdue_list", None, f"rows={len(rows)}")
    return csv_bytes(ROLLUP_CSV_HEADER if view.rolled_up else CSV_HEADER, rows)


def csv_bytes(header: list[str], rows: list[list]) -> bytes:
    """UTF-8 with a byte-order mark, which Excel needs to open Chinese text correctly. Text
    cells that a spreadsheet would run as a formula get a leading apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _cell(value):
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
