"""What people read of the warnings: the department's list (overdue first), its feedback table
as ``.xlsx``, the county's overview per department and grade, the unmatched rows, and the lists
sent. Every query goes through ``scoping`` (an officer sees their department in their county;
desk staff their area); lists show masked ID numbers, and the two downloads that carry full
numbers are audited.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Mapping

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import and_, case as sql_case, func, select
from sqlalchemy.orm import joinedload

from core.extensions import db
from domain import numbers
from domain.department_lists import ListKind
from domain.enums import Department, Role
from domain.masking import mask_id_number
from domain.warnings import Feedback, Grade, is_overdue
from models import DepartmentList, DepartmentRow, DepartmentWarning, Region, User
from services.accounts import scoping
from services.errors import PermissionDenied
from services.filter_args import FilterReader
from services.platform import audit

PAGE_SIZE = 50
VIEW_ROLES = frozenset({Role.DEPARTMENT, Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF,
                        Role.CITY_STAFF, Role.PROVINCE_STAFF})
UNMATCHED_ROLES = frozenset({Role.DEPARTMENT, Role.COUNTY_STAFF, Role.CITY_STAFF, Role.PROVINCE_STAFF})
STATUSES = (("pending", "待反馈"), ("overdue", "已逾期未反馈"), ("answered", "已反馈"))


def may_view(user: User) -> bool:
    return user.role_enum in VIEW_ROLES


def require_viewer(user: User) -> None:
    if not may_view(user):
        raise PermissionDenied("部门预警仅供行业部门和村、乡镇、县级工作人员查看")


def may_see_unmatched(user: User) -> bool:
    return user.role_enum in UNMATCHED_ROLES


# --- filters ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    department: str = ""
    grade: str = ""
    status: str = ""

    def args(self) -> dict[str, str]:
        return {k: v for k, v in (("department", self.department), ("grade", self.grade),
                                  ("status", self.status)) if v}


def read_filters(args: Mapping[str, str]) -> tuple[Filters, dict[str, str]]:
    reader = FilterReader(args)
    return Filters(reader.pick("department", Department.codes(), "部门无效，未按部门筛选"),
                   reader.pick("grade", Grade.codes(), "预警等级无效，未按等级筛选"),
                   reader.pick("status", {s for s, _ in STATUSES}, "状态无效，未按状态筛选")), reader.errors


def read_page(value: str | None) -> int:
    return numbers.whole((value or "").strip(), low=1, high=999_999) or 1


def _filtered(actor: User, filters: Filters, today: date):
    query = scoping.department_warnings(actor)
    if filters.department:
        query = query.where(DepartmentWarning.department == filters.department)
    if filters.grade:
        query = query.where(DepartmentWarning.grade == filters.grade)
    if filters.status == "answered":
        query = query.where(DepartmentWarning.feedback.is_not(None))
    elif filters.status == "pending":
        query = query.where(DepartmentWarning.feedback.is_(None))
    elif filters.status == "overdue":
        query = query.where(DepartmentWarning.feedback.is_(None), DepartmentWarning.due_on < today)
    return query


def _overdue_first(today: date):
    return sql_case((and_(DepartmentWarning.feedback.is_(None), DepartmentWarning.due_on < today), 0),
                    (DepartmentWarning.feedback.is_(None), 1), else_=2)


# --- the list ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class WarningRow:
    id: int
    grade: str
    grade_code: str
    department: str
    list_name: str
    line: int
    name: str
    id_masked: str
    place: str
    sent_on: date
    due_on: date
    status: str            # 待反馈 / 已逾期 N 天 / the feedback's label
    status_class: str      # overdue / soon / ok / done
    reason: str
    feedback_on: date | None
    on_time: bool | None   # None while unanswered and not yet due
    case_id: int | None    # shown to those who may open the case


@dataclass(frozen=True)
class WarningPage:
    rows: list[WarningRow]
    total: int
    page: int
    pages: int


def page_of(actor: User, filters: Filters, page: int, today: date) -> WarningPage:
    require_viewer(actor)
    query = _filtered(actor, filters, today)
    total = db.session.execute(query.with_only_columns(func.count(DepartmentWarning.id))).scalar_one()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(page, pages)
    found = db.session.execute(
        query.options(joinedload(DepartmentWarning.row), joinedload(DepartmentWarning.list),
                      joinedload(DepartmentWarning.region))
        .order_by(_overdue_first(today), DepartmentWarning.due_on, DepartmentWarning.id)
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).unique().scalars().all()
    names = _place_names(found)
    opens_cases = actor.role_enum is not Role.DEPARTMENT
    return WarningPage([_row(w, names, today, opens_cases) for w in found], total, page, pages)


def _place_names(found) -> dict[int, str]:
    ids = {i for w in found for i in w.region.from_village_ids}
    return dict(db.session.execute(select(Region.id, Region.name).where(Region.id.in_(ids))).all()) if ids else {}


def _row(w: DepartmentWarning, names: dict[int, str], today: date, opens_cases: bool) -> WarningRow:
    status, status_class = _status(w, today)
    return WarningRow(
        id=w.id, grade=Grade(w.grade).label, grade_code=w.grade, department=Department(w.department).label,
        list_name=w.list.filename, line=w.row.line, name=w.row.name, id_masked=mask_id_number(w.row.id_number),
        place=" / ".join(names[i] for i in w.region.from_village_ids if i in names),
        sent_on=w.sent_on, due_on=w.due_on, status=status, status_class=status_class,
        reason=w.feedback_reason or "", feedback_on=w.feedback_on,
        on_time=None if (w.feedback is None and w.due_on >= today) else not is_overdue(w.due_on, w.feedback_on, today),
        case_id=w.case_id if opens_cases else None)


def _status(w: DepartmentWarning, today: date) -> tuple[str, str]:
    if w.feedback is not None:
        late = is_overdue(w.due_on, w.feedback_on, today)
        return Feedback(w.feedback).label + ("（逾期反馈）" if late else ""), "done"
    if w.due_on < today:
        return f"已逾期 {(today - w.due_on).days} 天", "overdue"
    if w.due_on == today:
        return "今天到期", "soon"
    return f"待反馈（剩 {(w.due_on - today).days} 天）", "ok"


# --- the feedback table -----------------------------------------------------------------------

FEEDBACK_COLUMNS = ("预警编号", "名单", "行号", "姓名", "身份证号码", "所在村（组）", "部门", "预警等级", "触发情况",
                    "预警日期", "反馈期限", "核实结果", "理由", "反馈日期", "是否按期反馈")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def feedback_xlsx(actor: User, filters: Filters, today: date) -> tuple[str, bytes]:
    """Every warning the actor sees (with the filters), overdue first, written row by row."""
    require_viewer(actor)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("核实反馈")
    sheet.append([f"部门筛查预警核实反馈表（{today.isoformat()}）"])
    sheet.append(list(FEEDBACK_COLUMNS))
    query = (_filtered(actor, filters, today)
             .options(joinedload(DepartmentWarning.row), joinedload(DepartmentWarning.list),
                      joinedload(DepartmentWarning.region))
             .order_by(_overdue_first(today), DepartmentWarning.due_on, DepartmentWarning.id))
    count = 0
    # Only many-to-one loads are joined, so no row repeats: no unique(), which yield_per refuses.
    for batch in db.session.execute(query.execution_options(yield_per=500)).scalars().partitions():
        names = _place_names(batch)
        for w in batch:
            row = _row(w, names, today, False)
            answered = Feedback(w.feedback).label if w.feedback else "未反馈"
            timely = "" if row.on_time is None else ("是" if row.on_time else "否")
            sheet.append([w.id, row.list_name, row.line, row.name, w.row.id_number, row.place, row.department,
                          row.grade, w.figures, row.sent_on.isoformat(), row.due_on.isoformat(), answered,
                          row.reason, row.feedback_on.isoformat() if row.feedback_on else "", timely])
            count += 1
    out = io.BytesIO()
    book.save(out)
    audit.record(actor, "export", "department_warning", None, f"feedback table rows={count}")
    return f"部门预警核实反馈表-{today.isoformat()}.xlsx", out.getvalue()


# --- the county's overview --------------------------------------------------------------------

@dataclass(frozen=True)
class OverviewLine:
    department: str
    grade: str
    grade_code: str
    sent: int
    in_time: int      # answered by the due day
    late: int         # answered late, or unanswered past the due day
    included: int     # 已纳入监测 or 已落实帮扶
    pending: int      # unanswered, not yet due


def overview(actor: User, today: date) -> list[OverviewLine]:
    require_viewer(actor)
    answered = DepartmentWarning.feedback.is_not(None)
    in_time = and_(answered, DepartmentWarning.feedback_on <= DepartmentWarning.due_on)
    late = sql_case((answered, DepartmentWarning.feedback_on > DepartmentWarning.due_on),
                    else_=DepartmentWarning.due_on < today)
    included = DepartmentWarning.feedback.in_([f.value for f in Feedback if f.counts_as_included])
    pending = and_(DepartmentWarning.feedback.is_(None), DepartmentWarning.due_on >= today)

    def total(condition):
        return func.sum(sql_case((condition, 1), else_=0))

    query = (scoping.department_warnings(actor)
             .with_only_columns(DepartmentWarning.department, DepartmentWarning.grade,
                                func.count(DepartmentWarning.id), total(in_time), total(late), total(included),
                                total(pending))
             .group_by(DepartmentWarning.department, DepartmentWarning.grade))
    found = {(d, g): rest for d, g, *rest in db.session.execute(query).all()}
    lines: list[OverviewLine] = []
    for department in Department:
        for level in Grade:
            if (department.value, level.value) in found:
                sent, ok, overdue, inc, wait = (int(v or 0) for v in found[(department.value, level.value)])
                lines.append(OverviewLine(department.label, level.label, level.value, sent, ok, overdue, inc, wait))
    return lines


# --- unmatched rows and the lists sent --------------------------------------------------------

@dataclass(frozen=True)
class UnmatchedRow:
    id: int
    department: str
    kind: str
    list_name: str
    line: int
    name: str
    id_masked: str
    uploaded_on: date


def unmatched(actor: User, page: int) -> tuple[list[UnmatchedRow], int, int]:
    """The rows that match nobody on the register, newest list first: (rows, total, pages)."""
    if not may_see_unmatched(actor):
        raise PermissionDenied("未匹配名单仅供县级工作人员和行业部门查看")
    query = scoping.department_rows(actor).where(DepartmentRow.state == "unmatched")
    total = db.session.execute(query.with_only_columns(func.count(DepartmentRow.id))).scalar_one()
    pages = max(1, -(-total // PAGE_SIZE))
    found = db.session.execute(query.options(joinedload(DepartmentRow.list))
                               .order_by(DepartmentRow.list_id.desc(), DepartmentRow.line)
                               .limit(PAGE_SIZE).offset((min(page, pages) - 1) * PAGE_SIZE)).unique().scalars()
    rows = [UnmatchedRow(r.id, Department(r.list.department).label, ListKind(r.list.kind).label, r.list.filename,
                         r.line, r.name, mask_id_number(r.id_number), r.list.uploaded_at.date()) for r in found]
    return rows, total, pages


UNMATCHED_COLUMNS = ("部门", "名单", "上传日期", "行号", "姓名", "身份证号码", "说明")


def unmatched_xlsx(actor: User) -> tuple[str, bytes]:
    """Every unmatched row with the full ID number: to register the household, or to send back
    to the department to check (audited)."""
    if not may_see_unmatched(actor):
        raise PermissionDenied("未匹配名单仅供县级工作人员和行业部门查看")
    book = Workbook(write_only=True)
    sheet = book.create_sheet("未匹配")
    sheet.append(list(UNMATCHED_COLUMNS))
    query = (scoping.department_rows(actor).where(DepartmentRow.state == "unmatched")
             .options(joinedload(DepartmentRow.list)).order_by(DepartmentRow.list_id.desc(), DepartmentRow.line))
    count = 0
    for r in db.session.execute(query.execution_options(yield_per=500)).scalars():
        sheet.append([Department(r.list.department).label, r.list.filename, r.list.uploaded_at.date().isoformat(),
                      r.line, r.name, r.id_number, "农户档案中没有此人：请核对身份证号，或登记农户后等待每月比对"])
        count += 1
    out = io.BytesIO()
    book.save(out)
    audit.record(actor, "export", "department_row", None, f"unmatched rows={count}")
    return "部门名单未匹配人员.xlsx", out.getvalue()


def lists_sent(actor: User, limit: int = 50) -> list[DepartmentList]:
    """The lists uploaded in the actor's county (an officer: their department's), newest first."""
    if actor.role_enum is Role.DEPARTMENT:
        condition = and_(DepartmentList.county_id == actor.region_id, DepartmentList.department == actor.department)
    elif actor.role_enum in UNMATCHED_ROLES:
        condition = DepartmentList.county_id.in_(scoping.regions(actor).with_only_columns(Region.id))
    else:
        return []
    return list(db.session.execute(select(DepartmentList).where(condition)
                                   .order_by(DepartmentList.id.desc()).limit(limit)).scalars())


__all__ = ["Filters", "OverviewLine", "STATUSES", "UnmatchedRow", "WarningPage", "WarningRow", "XLSX",
           "feedback_xlsx", "lists_sent", "may_see_unmatched", "may_view", "overview", "page_of", "read_filters",
           "read_page", "unmatched", "unmatched_xlsx"]
