"""Following measures to done (seed 000: "需行业部门落实的措施...跟踪落实到位").

Each plan measure carries the department it was handed to. A department officer sees the
measures of their department for households in their scope and records progress; county
staff see every department's measures; village and township staff and pair cadres follow the
measures no department carries (关怀式 visits and the like). Households appear by the head's
name and village only.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case as sql_case, select
from sqlalchemy.orm import selectinload

from core.extensions import db
from domain.enums import Department, HelpKind, MeasureStatus, Role
from models import Case, Household, PlanMeasure, Region, User
from services import audit, measures, scoping
from services.errors import NotFound, PermissionDenied, ValidationFailed

NOTE_MAX = 1000
LIST_LIMIT = 500
NO_DEPARTMENT = "none"
OPEN = (MeasureStatus.PLANNED.value, MeasureStatus.IN_PROGRESS.value)
# Statuses a person may set: planned → in progress → done.
SETTABLE = (MeasureStatus.IN_PROGRESS, MeasureStatus.DONE)


@dataclass(frozen=True)
class TaskRow:
    id: int
    case_id: int
    head: str
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
    days_left: int | None
    is_open: bool


@dataclass(frozen=True)
class TaskFilters:
    department: str = ""      # county staff only: a Department code or NO_DEPARTMENT
    show: str = "open"        # open | all
    overdue_only: bool = False


def _responsible(actor: User, query, department: str = ""):
    """Restrict ``query`` (over PlanMeasure) to the measures this person follows."""
    role = actor.role_enum
    if role is Role.ADMIN:
        raise PermissionDenied("系统管理员不跟踪帮扶措施落实")
    if role is Role.DEPARTMENT:
        return query.where(PlanMeasure.department == actor.department)
    if role is Role.COUNTY_STAFF:
        if department == NO_DEPARTMENT:
            return query.where(PlanMeasure.department.is_(None))
        if department:
            return query.where(PlanMeasure.department == department)
        return query
    return query.where(PlanMeasure.department.is_(None))


def _scoped(actor: User):
    case_ids = scoping.cases(actor).with_only_columns(Case.id).order_by(None)
    return select(PlanMeasure).where(PlanMeasure.case_id.in_(case_ids))


def row(pm: PlanMeasure, today: date) -> TaskRow:
    household = pm.case.household
    head = household.head.name if household is not None and household.head else (pm.case.claimed_name or "")
    is_open = pm.status in OPEN
    overdue = bool(is_open and pm.due_on and today > pm.due_on)
    return TaskRow(
        id=pm.id, case_id=pm.case_id, head=head,
        village=(household.region if household is not None else pm.case.region).village.name,
        measure=pm.measure.name, kind=HelpKind(pm.measure.kind).label,
        department=measures.department_label(pm.department), status=pm.status_enum.label,
        status_code=pm.status, planned_on=pm.planned_on.isoformat(),
        due_on=pm.due_on.isoformat() if pm.due_on else "", done_on=pm.done_on.isoformat() if pm.done_on else "",
        overdue=overdue, days_left=(pm.due_on - today).days if pm.due_on and is_open else None,
        is_open=is_open)


def tasks(actor: User, today: date, filters: TaskFilters = TaskFilters()) -> list[TaskRow]:
    """Open measures first, the most urgent due date first; then done and cancelled ones."""
    department = filters.department if actor.role_enum is Role.COUNTY_STAFF else ""
    query = _responsible(actor, _scoped(actor), department)
    if filters.show != "all":
        query = query.where(PlanMeasure.status.in_(OPEN))
    if filters.overdue_only:
        query = query.where(PlanMeasure.status.in_(OPEN), PlanMeasure.due_on < today)
    query = query.order_by(sql_case((PlanMeasure.status.in_(OPEN), 0), else_=1),
                           PlanMeasure.due_on.is_(None), PlanMeasure.due_on, PlanMeasure.id).limit(LIST_LIMIT)
    query = query.options(
        selectinload(PlanMeasure.measure),
        selectinload(PlanMeasure.case).options(
            selectinload(Case.household).options(selectinload(Household.members),
                                                 selectinload(Household.region).selectinload(Region.parent)),
            selectinload(Case.region).selectinload(Region.parent)))
    return [row(pm, today) for pm in db.session.execute(query).scalars()]


def department_choices(actor: User) -> list[tuple[str, str]]:
    """The department filter offered to county staff."""
    if actor.role_enum is not Role.COUNTY_STAFF:
        return []
    return Department.choices() + [(NO_DEPARTMENT, "无责任部门")]


def get(actor: User, task_id: int) -> PlanMeasure:
    """A measure this person follows, in scope; NotFound otherwise (ids cannot be probed)."""
    query = _responsible(actor, _scoped(actor)).where(PlanMeasure.id == task_id)
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
