"""Following measures to done (seed 000: "需行业部门落实的措施...跟踪落实到位").

Each plan measure carries the department it was handed to. A department officer sees the
measures of their department for households in their scope and records progress; county
staff see every department's measures; village and township staff and pair cadres follow the
measures no department carries (关怀式 visits and the like). Households appear by the head's
name and village only.

Which measures are open, overdue or due soon is ``domain.measures``; ``open_clause`` and
``overdue_clause`` are its SQL form, used here, by the overdue list and by the reminders, so
the three always agree.

A county follows tens of thousands of measures, so the list is paged (``PAGE_SIZE``): the totals
are counted in the database and only the rows of the page are loaded, with what they show in a
fixed number of queries.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import Date, and_, case as sql_case, cast, func, literal, null, or_, select, text, union_all
from sqlalchemy.orm import selectinload

from core.extensions import db
from domain import measures as rule, relief as relief_rule
from domain.enums import Department, HelpKind, MeasureStatus, Role
from models import Case, DibaoStandard, Household, PlanMeasure, Region, User
from models.case import OPEN_STATES_SQL
from services.accounts import scoping
from services.errors import NotFound, PermissionDenied, ValidationFailed
from services.help import measures, plans
from services.identification.inbox import page_window
from services.platform import audit
from services.regions import settings

NOTE_MAX = 1000
PAGE_SIZE = 50
NO_DEPARTMENT = "none"
# Statuses still being carried out (the case's state decides the rest: ``open_clause``).
OPEN = tuple(sorted(s.value for s in rule.OPEN_STATUSES))
# Statuses a person may set: planned → in progress → done.
SETTABLE = (MeasureStatus.IN_PROGRESS, MeasureStatus.DONE)


@dataclass(frozen=True)
class TaskRow:
    id: int
    case_id: int
    head: str
    id_number: str            # masked: what a department needs to find the person, no more
    village: str
    measure: str
    kind: str
    department: str
    status: str
    status_code: str
    planned_on: str
    due_on: str
    done_on: str
    overdue: bool
    due_soon: bool            # open and due within DUE_SOON_DAYS (today included)
    days_left: int | None     # only for a measure someone still follows
    is_open: bool             # not done or cancelled: progress may still be recorded
    relief: str = ""          # 临时救助: kind, amount and who approves (seed 003)


@dataclass(frozen=True)
class TaskFilters:
    department: str = ""      # county staff only: a Department code or NO_DEPARTMENT
    show: str = "open"        # open | all
    overdue_only: bool = False


# Who follows no measure: administrators and auditors see no records; city and province staff
# follow the counties through the dashboard and the overdue list.
_NOT_FOLLOWING = frozenset({Role.ADMIN, Role.AUDITOR, Role.CITY_STAFF, Role.PROVINCE_STAFF})


def _responsible(actor: User, query, department: str = ""):
    """Restrict ``query`` (over PlanMeasure) to the measures this person follows."""
    role = actor.role_enum
    if role in _NOT_FOLLOWING:
        raise PermissionDenied(f"{role.label}不跟踪帮扶措施落实")
    if role is Role.DEPARTMENT:
        return query.where(PlanMeasure.department == actor.department)
    if role is Role.COUNTY_STAFF:
        if department == NO_DEPARTMENT:
            return query.where(PlanMeasure.department.is_(None))
        if department:
            return query.where(PlanMeasure.department == department)
        return query
    return query.where(PlanMeasure.department.is_(None))


# --- the rule in SQL (domain.measures) ------------------------------------------------------

def _values(members) -> tuple[str, ...]:
    return tuple(sorted(m.value for m in members))


def carries_measures_clause(case=Case):
    """Over Case (or ``case``: anything with its ``state`` and ``green_channel_at``):
    ``domain.measures.case_carries_measures`` — monitored, or being identified with its green
    channel started."""
    return or_(case.state.in_(_values(rule.CARRYING_STATES)),
               and_(case.state.in_(_values(rule.GREEN_CHANNEL_STATES)), case.green_channel_at.is_not(None)))


def open_clause(*, case_joined: bool = False, case=Case):
    """Over PlanMeasure: ``domain.measures.is_open``. The case is checked through EXISTS, so
    callers need not join Case; a query that joins each measure's Case says so
    (``case_joined``) and the case's state is read from the joined row (or from ``case``, a set
    of cases such as ``carrying_cases``) instead."""
    carrying = carries_measures_clause(case) if case_joined else PlanMeasure.case.has(carries_measures_clause())
    return and_(PlanMeasure.status.in_(OPEN), carrying)


def overdue_clause(today: date, *, case_joined: bool = False, case=Case):
    """Over PlanMeasure: ``domain.measures.is_overdue`` on ``today``."""
    return and_(open_clause(case_joined=case_joined, case=case), PlanMeasure.due_on.is_not(None),
                PlanMeasure.due_on < today)


def carrying_cases(actor: User):
    """The cases in scope that carry measures (``carries_measures_clause``), as a set with what
    the lists read of a case before their page (id, region path, state, green channel): each
    part of the scope from its own index (``scoping.case_parts``), the area's from the open
    cases' index alone (``ix_case_file_open_inbox`` holds these columns), never a case row."""
    # The index's own predicate, spelt as it is, lets PostgreSQL use it whatever the parameters.
    open_cases = text(OPEN_STATES_SQL)
    parts = [select(Case.id, Case.region_path, Case.state, Case.green_channel_at)
             .where(part, open_cases, carries_measures_clause()) for part in scoping.case_parts(actor)]
    return (parts[0] if len(parts) == 1 else union_all(*parts)).subquery("carrying")


def _scoped(actor: User, *, carrying_only: bool = False):
    """The measures of the cases in scope, each joined to its case: the database starts from the
    cases of the area (their path index) and reads their measures by ``case_id``, never the
    measures of the whole province. ``carrying_only``: of the cases that carry measures only,
    joined to ``carrying_cases`` (returned too, for conditions on the case), not to Case."""
    if carrying_only:
        carrying = carrying_cases(actor)
        return select(PlanMeasure).join(carrying, carrying.c.id == PlanMeasure.case_id), carrying.c
    return (scoping.cases(actor).with_only_columns(PlanMeasure)
            .join_from(Case, PlanMeasure, PlanMeasure.case_id == Case.id)), Case


def row(pm: PlanMeasure, today: date, relief: str | None = None) -> TaskRow:
    """``pm`` as the list shows it; ``relief``: its 临时救助 words when already worked out
    (``_relief_words``), else they are worked out here."""
    household = pm.case.household
    head_member = household.head if household is not None else None
    head = head_member.name if head_member else (pm.case.claimed_name or "")
    id_number = head_member.id_number_masked if head_member else pm.case.claimed_id_number_masked
    is_open = pm.status in OPEN
    facts = dict(state=pm.case.state, green_channel_started=pm.case.green_channel_at is not None)
    return TaskRow(
        id=pm.id, case_id=pm.case_id, head=head, id_number=id_number,
        village=(household.region if household is not None else pm.case.region).village.name,
        measure=pm.measure.name, kind=HelpKind(pm.measure.kind).label,
        department=measures.department_label(pm.department), status=pm.status_enum.label,
        status_code=pm.status, planned_on=pm.planned_on.isoformat(),
        due_on=pm.due_on.isoformat() if pm.due_on else "", done_on=pm.done_on.isoformat() if pm.done_on else "",
        overdue=rule.is_overdue(pm.status, pm.due_on, today, **facts),
        due_soon=rule.is_due_soon_measure(pm.status, pm.due_on, today, **facts),
        days_left=rule.measure_days_left(pm.status, pm.due_on, today, **facts),
        is_open=is_open, relief=plans.relief_words(pm) if relief is None else relief)


@dataclass(frozen=True)
class TaskPage:
    rows: list[TaskRow]
    total: int                # every measure of the list, all pages
    overdue: int              # of which overdue
    page: int
    pages: int
    first: int                # 1-based position of the first row shown (0 when empty)
    last: int
    page_numbers: list[int] = field(default_factory=lambda: [1])


def _listed(actor: User, today: date, filters: TaskFilters):
    """The measures of the list and the cases they are read with (Case, or ``carrying_cases``
    when only open measures are listed: those of cases that carry measures)."""
    department = filters.department if actor.role_enum is Role.COUNTY_STAFF else ""
    scoped, case = _scoped(actor, carrying_only=filters.show != "all")
    query = _responsible(actor, scoped, department)
    if filters.show != "all":
        query = query.where(open_clause(case_joined=True, case=case))
    if filters.overdue_only:
        query = query.where(overdue_clause(today, case_joined=True, case=case))
    return query, case


def task_page(actor: User, today: date, filters: TaskFilters = TaskFilters(), page: int = 1) -> TaskPage:
    """Page ``page`` of the measures this person follows: open ones first, the most urgent due
    date first; then done and cancelled ones, and those of cases that no longer carry measures
    (``domain.measures``). A page past the last shows the last."""
    query, case = _listed(actor, today, filters)
    page = max(page, 1)
    total, overdue, ids = _totals_and_page(query, case, today, filters, page)
    pages = max(1, -(-total // PAGE_SIZE))
    if page > pages:
        page = pages
        total, overdue, ids = _totals_and_page(query, case, today, filters, page)
    position = {task_id: n for n, task_id in enumerate(ids)}
    query = (select(PlanMeasure).where(PlanMeasure.id.in_(ids))
             .options(selectinload(PlanMeasure.measure),
                      selectinload(PlanMeasure.case).options(
                          selectinload(Case.household).options(
                              selectinload(Household.members),
                              selectinload(Household.region).selectinload(Region.parent)),
                          selectinload(Case.region).selectinload(Region.parent))))
    found = sorted(db.session.execute(query).scalars(), key=lambda pm: position[pm.id]) if ids else []
    relief = _relief_words(found)
    rows = [row(pm, today, relief.get(pm.id, "")) for pm in found]
    first = (page - 1) * PAGE_SIZE + 1 if rows else 0
    return TaskPage(rows, total, overdue, page, pages, first, first + len(rows) - 1 if rows else 0,
                    page_window(page, pages))


def _totals_and_page(query, case, today: date, filters: TaskFilters, page: int) -> tuple[int, int, list[int]]:
    """(measures of the list, of which overdue, the ids of page ``page`` in the list's order), from
    one statement: the list's measures are found once (MATERIALIZED on PostgreSQL), counted, and
    the page taken from them. Only the list of every status mixes open and closed measures: the
    open list needs no key for it (and PostgreSQL no EXISTS per row to sort by)."""
    closed = (sql_case((open_clause(case_joined=True, case=case), 0), else_=1) if filters.show == "all"
              else literal(0))
    listed = (query.with_only_columns(PlanMeasure.id.label("id"), closed.label("closed"),
                                      PlanMeasure.due_on.label("due_on"),
                                      overdue_clause(today, case_joined=True, case=case).label("overdue"))
              .order_by(None).cte("listed").prefix_with("MATERIALIZED", dialect="postgresql"))
    counted = select(literal(0).label("kind"), func.count().label("id"),
                     func.count().filter(listed.c.overdue).label("closed"), cast(null(), Date).label("due_on"))
    shown = (select(listed.c.id, listed.c.closed, listed.c.due_on)
             .order_by(listed.c.closed, listed.c.due_on.is_(None), listed.c.due_on, listed.c.id)
             .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE).subquery("shown"))
    rows = db.session.execute(union_all(counted.select_from(listed),
                                        select(literal(1), shown.c.id, shown.c.closed, shown.c.due_on))).all()
    total, overdue = next((r.id, r.closed) for r in rows if r.kind == 0)
    page_rows = sorted((r for r in rows if r.kind == 1),
                       key=lambda r: (r.closed, r.due_on is None, r.due_on or date.min, r.id))
    return total, overdue, [r.id for r in page_rows]


def tasks(actor: User, today: date, filters: TaskFilters = TaskFilters(), page: int = 1) -> list[TaskRow]:
    """The rows of page ``page`` (``task_page``)."""
    return task_page(actor, today, filters, page).rows


def _relief_words(found: list[PlanMeasure]) -> dict[int, str]:
    """``plans.relief_words`` of the page's 临时救助 measures, with the 低保标准 along every
    region they lie in read in one query rather than one per measure."""
    relief = [pm for pm in found if pm.amount is not None and pm.relief_kind is not None]
    if not relief:
        return {}
    chains = {pm.id: pm.case.region.ancestor_ids for pm in relief}
    along = {region_id for chain in chains.values() for region_id in chain}
    standards = db.session.execute(select(DibaoStandard).where(DibaoStandard.region_id.in_(along))).scalars().all()
    words = {}
    for pm in relief:
        chain = chains[pm.id]
        figures = settings.standards_along(chain, standards)  # keeps the chain's own rows
        urban = {year: f.urban_monthly for year, f in figures.items()}
        result = relief_rule.check_relief(Decimal(pm.amount), pm.relief_kind, plans.household_size(pm.case), urban,
                                          pm.planned_on.year)
        words[pm.id] = plans.relief_text(pm, result)
    return words


def department_choices(actor: User) -> list[tuple[str, str]]:
    """The department filter offered to county staff."""
    if actor.role_enum is not Role.COUNTY_STAFF:
        return []
    return Department.choices() + [(NO_DEPARTMENT, "无责任部门")]


def get(actor: User, task_id: int) -> PlanMeasure:
    """A measure this person follows, in scope; NotFound otherwise (ids cannot be probed)."""
    query = _responsible(actor, _scoped(actor)[0]).where(PlanMeasure.id == task_id)
    found = db.session.execute(query).scalars().first()
    if found is None:
        raise NotFound("measure not followed by this user")
    return found


def read(actor: User, task_id: int) -> PlanMeasure:
    """One measure with its progress note (which may speak of health or income): audited."""
    pm = get(actor, task_id)
    audit.record(actor, "read", "plan_measure", pm.id, "with note")
    return pm


def update(actor: User, task_id: int, *, status: str | None, done_on: date | None, note: str,
           today: date) -> PlanMeasure:
    pm = get(actor, task_id)
    errors: dict[str, str] = {}
    if pm.status not in OPEN:
        raise ValidationFailed({"status": f"该措施{pm.status_enum.label}，不能再更改"})
    if status not in [s.value for s in SETTABLE]:
        errors["status"] = "请选择落实进度"
    if status == MeasureStatus.DONE.value:
        if done_on is None:
            errors["done_on"] = "请填写落实完成的日期"
        elif done_on > today:
            errors["done_on"] = "完成日期不能晚于今天"
        elif done_on < pm.planned_on:
            errors["done_on"] = f"完成日期不能早于安排日期（{pm.planned_on.isoformat()}）"
    note = note.strip()
    if len(note) > NOTE_MAX:
        errors["note"] = f"进展情况不超过{NOTE_MAX}个字"
    if errors:
        raise ValidationFailed(errors)
    before = pm.status
    pm.status = status
    pm.done_on = done_on if status == MeasureStatus.DONE.value else None
    if note:  # progress notes accumulate, dated and signed, so earlier reports stay readable
        entry = f"{today.isoformat()} {actor.full_name}：{note}"
        pm.note = f"{pm.note}\n{entry}" if pm.note else entry
    pm.updated_by = actor
    db.session.flush()
    audit.record(actor, "update", "plan_measure", pm.id, f"status {before}->{status}")
    return pm


def may_update(actor: User, pm: PlanMeasure) -> bool:
    """Whether this person records progress on ``pm`` (for links on the case page)."""
    role = actor.role_enum
    if pm.status not in OPEN or role is Role.ADMIN:
        return False
    if role is Role.DEPARTMENT:
        return pm.department == actor.department
    if role is Role.COUNTY_STAFF:
        return True
    return pm.department is None
