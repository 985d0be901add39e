"""Department lists in (部门名单上传): the template of each kind, the check of an uploaded file (a
dry run, as a job), and when the officer confirms its report, the comparison (a job), plus the
monthly comparison of every county.

A department officer uploads their own department's kinds; county staff upload any kind for a
department. The file waits in the file store between check and comparison; no row names it, so
the nightly sweep removes it after a day. Only the rows' facts are kept, encrypted
(``models.warning``); the file itself is never kept.
"""
from __future__ import annotations

import io
import json
from dataclasses import asdict, dataclass
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy import select

from core.extensions import db
from core.filestore import FileMissing, new_key, store
from domain.department_lists import (HeaderNotFound, ListKind, ListRow, RowProblem, columns_of, find_header,
                                     is_blank, kinds_for, read_row)
from domain.enums import Department, RegionLevel, Role
from domain.jobs import JobKind, JobState
from models import DepartmentList, Job, Region, User
from services.errors import NotFound, PermissionDenied, ValidationFailed
from services.households import register_file
from services.platform import audit, jobs
from services.warnings import compare

UPLOAD_ROLES = frozenset({Role.DEPARTMENT, Role.COUNTY_STAFF})
MAX_LISTED = 200
MAX_ROWS = 500_000
NOT_AN_UPLOADER = "部门名单由行业部门工作人员或县级工作人员上传"


def may_upload(user: User) -> bool:
    return user.role_enum in UPLOAD_ROLES and user.region.level == RegionLevel.COUNTY.value


def require_uploader(user: User) -> None:
    if not may_upload(user):
        raise PermissionDenied(NOT_AN_UPLOADER)


def kinds_of(user: User) -> list[ListKind]:
    """The kinds this person uploads: an officer their department's, county staff every kind."""
    if user.role_enum is Role.DEPARTMENT:
        return kinds_for(Department(user.department))
    return kinds_for(None) if may_upload(user) else []


def read_kind(user: User, code: str) -> ListKind:
    code = (code or "").strip()
    allowed = {k.value: k for k in kinds_of(user)}
    if code not in allowed:
        raise ValidationFailed({"kind": "请选择名单类别" if not code else "名单类别无效，或不是本部门的名单"})
    return allowed[code]


# --- the template -----------------------------------------------------------------------------

def template(kind: ListKind) -> tuple[str, bytes]:
    """An .xlsx with the kind's header row on the first sheet and the columns explained on the
    second (only the first sheet is read back)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "名单"
    columns = columns_of(kind)
    sheet.append([c.title for c in columns])
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True, color="C00000" if column.required else "000000")
        sheet.column_dimensions[cell.column_letter].width = max(12, len(column.title) * 2 + 2)
    notes = book.create_sheet("填写说明")
    notes.append([f"{kind.label}：每行一人，第一张表第一行为表头（可以在表头上方加标题行）。红色列必填。"])
    notes.append(["列名", "是否必填", "说明", "可填的值"])
    for column in columns:
        notes.append([column.title, "必填" if column.required else "选填", column.note, "、".join(column.choices)])
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["C"].width = 50
    notes.column_dimensions["D"].width = 50
    for row in notes.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return f"{kind.short}名单模板.xlsx", out.getvalue()


# --- reading a file ---------------------------------------------------------------------------

@dataclass
class ReadFile:
    rows: list[ListRow]
    problems: list[RowProblem]


def read_file(kind: ListKind, content: bytes, today: date) -> ReadFile:
    """The usable rows and the problems of every other row; ValidationFailed for a file that
    cannot be read at all."""
    try:
        source = register_file.rows(content)
        head: list[list[object]] = []
        for cells in source:
            head.append(cells)
            if len(head) >= 10:
                break
        header = find_header(kind, head)
    except (register_file.UnreadableFile, HeaderNotFound) as exc:
        raise ValidationFailed({"file": str(exc)}) from None
    result = ReadFile([], [])
    try:
        for number, cells in enumerate(_chain(head, source), start=1):
            if number <= header.row + 1 or is_blank(cells):
                continue
            if len(result.rows) + len(result.problems) >= MAX_ROWS:
                raise ValidationFailed({"file": f"一个名单最多{MAX_ROWS}行，请分成几个文件上传"})
            found = read_row(kind, header, number, cells, today)
            if isinstance(found, ListRow):
                result.rows.append(found)
            else:
                result.problems += found
    except register_file.UnreadableFile as exc:
        raise ValidationFailed({"file": str(exc)}) from None
    return result


def _chain(head, source):
    yield from head
    yield from source


# --- the jobs ---------------------------------------------------------------------------------

def start_check(actor: User, kind_code: str, filename: str, content: bytes, today: date) -> Job:
    require_uploader(actor)
    errors: dict[str, str] = {}
    try:
        kind = read_kind(actor, kind_code)
    except ValidationFailed as exc:
        errors.update(exc.fields)
        kind = None
    if not content:
        errors["file"] = "请选择要上传的名单文件（.xlsx、.xls 或 .csv）"
    if errors:
        raise ValidationFailed(errors)
    key = new_key("imports", ".upload")
    store().put(key, content, "application/octet-stream")
    return jobs.start(JobKind.DEPARTMENT_CHECK, actor, actor.region, file_key=key, list_kind=kind.value,
                      filename=_safe_name(filename, kind), today=today.isoformat())


def confirm(actor: User, check_job_id: int, today: date) -> Job:
    """Compare the checked file (the same upload) and raise its warnings."""
    job = list_job(actor, check_job_id)
    view = report(actor, job.id)
    if job.kind != JobKind.DEPARTMENT_CHECK.value or not view.comparable:
        raise ValidationFailed({"": "这次检查没有可以比对的新数据"})
    if not store().exists(job.params["file_key"]):
        raise ValidationFailed({"": "上传的文件已过期（只保留一天），请重新上传"})
    if _already_confirmed(actor, job.id):
        raise ValidationFailed({"": "这个文件已经确认比对过了"})
    return jobs.start(JobKind.DEPARTMENT_COMPARE, actor, actor.region, file_key=job.params["file_key"],
                      list_kind=job.params["list_kind"], filename=job.params["filename"], today=today.isoformat(),
                      check_job_id=job.id)


def _already_confirmed(actor: User, check_job_id: int) -> bool:
    compares = db.session.execute(select(Job).where(Job.kind == JobKind.DEPARTMENT_COMPARE.value,
                                                    Job.user_id == actor.id,
                                                    Job.state != JobState.FAILED.value)).scalars()
    return any(j.params.get("check_job_id") == check_job_id for j in compares)


def list_job(actor: User, job_id: int) -> Job:
    job = jobs.visible(actor, job_id)
    if job.kind not in (JobKind.DEPARTMENT_CHECK.value, JobKind.DEPARTMENT_COMPARE.value):
        raise NotFound("not a department list job")
    return job


@dataclass(frozen=True)
class ReportView:
    job_id: int
    dry_run: bool
    kind: str
    filename: str
    summary: str
    counts: dict
    grades: dict
    problems: list[dict]
    more_problems: int
    comparable: bool
    list_id: int | None


def report(actor: User, job_id: int) -> ReportView:
    job = list_job(actor, job_id)
    if job.state != JobState.DONE.value:
        raise NotFound("not finished")
    data = json.loads(store().get(job.result_key))
    dry_run = job.kind == JobKind.DEPARTMENT_CHECK.value
    return ReportView(job_id=job.id, dry_run=dry_run, kind=ListKind(job.params["list_kind"]).label,
                      filename=job.params.get("filename", ""), summary=data["summary"], counts=data["counts"],
                      grades=data["grades"], problems=data["problems"][:MAX_LISTED],
                      more_problems=max(0, len(data["problems"]) - MAX_LISTED),
                      comparable=dry_run and data["counts"]["new"] > 0, list_id=data.get("list_id"))


def _safe_name(filename: str, kind: ListKind | None) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return "".join(c for c in name if c.isprintable())[:100] or f"{kind.short if kind else ''}名单"


# --- in the consumer --------------------------------------------------------------------------

def _uploader(job: Job) -> User:
    user = job.user
    if user is None or not user.active or not may_upload(user):
        raise jobs.JobFailed("上传名单的账号已停用或已不能上传部门名单")
    return user


def _content(job: Job) -> bytes:
    try:
        return store().get(job.params["file_key"])
    except FileMissing:
        raise jobs.JobFailed("上传的文件已过期（只保留一天），请重新上传") from None


def _read(job: Job, user: User, progress) -> tuple[ListKind, ReadFile, compare.Plan]:
    kind = ListKind(job.params["list_kind"])
    if kind not in kinds_of(user):
        raise jobs.JobFailed("这个账号不能上传这类名单")
    today = date.fromisoformat(job.params["today"])
    progress(0, None, "正在读取文件…")
    try:
        read = read_file(kind, _content(job), today)
    except ValidationFailed as exc:
        raise jobs.JobFailed(next(iter(exc.fields.values()))) from None
    return kind, read, compare.plan(kind, user.region, read.rows, today, progress)


@jobs.runner(JobKind.DEPARTMENT_CHECK)
def _check(job: Job, progress: jobs.Progress) -> jobs.JobResult:
    user = _uploader(job)
    kind, read, found = _read(job, user, progress)
    summary = (f"可用 {len(read.rows)} 行（其中以前已上传过 {found.repeated} 行，不再比对）；有错误的行 "
               f"{len({p.line for p in read.problems})} 行；新数据 {len(found.rows)} 行：在农户档案中找到 "
               f"{len(found.rows) - found.count('unmatched')} 人，将产生预警 {found.count('warning')} 条，"
               f"未找到 {found.count('unmatched')} 人")
    return _result(summary, read, found, None)


@jobs.runner(JobKind.DEPARTMENT_COMPARE)
def _compare(job: Job, progress: jobs.Progress) -> jobs.JobResult:
    user = _uploader(job)
    kind, read, found = _read(job, user, progress)
    progress(len(read.rows), len(read.rows), "正在写入预警…")
    dlist = DepartmentList(county_id=user.region_id, kind=kind.value, department=kind.department.value,
                           filename=job.params["filename"], uploaded_by=user, problems=len({p.line for p in read.problems}))
    db.session.add(dlist)
    db.session.flush()
    written = compare.write(user, dlist, found, date.fromisoformat(job.params["today"]))
    audit.record(user, "create", "department_list", dlist.id,
                 f"kind={kind.value} rows={dlist.rows} repeated={dlist.repeated} warnings={written.warnings}")
    summary = (f"已比对 {len(found.rows)} 行新数据（以前已上传过的 {found.repeated} 行不再比对）：预警 "
               f"{written.warnings} 条（红 {written.by_grade['red']}、橙 {written.by_grade['orange']}、黄 "
               f"{written.by_grade['yellow']}），新线索 {written.opened} 条，并入已有案件 {written.joined} 条；"
               f"农户档案中没有的 {found.count('unmatched')} 人已列入未匹配名单")
    return _result(summary, read, found, dlist.id)


def _result(summary: str, read: ReadFile, found: compare.Plan, list_id: int | None) -> jobs.JobResult:
    data = {
        "summary": summary,
        "counts": {"rows": len(read.rows), "problem_rows": len({p.line for p in read.problems}),
                   "repeated": found.repeated, "new": len(found.rows), "unmatched": found.count("unmatched"),
                   "no_warning": found.count("no_warning"), "warnings": found.count("warning")},
        "grades": found.grades(),
        "problems": [asdict(p) for p in read.problems],
        "list_id": list_id,
    }
    return jobs.JobResult(message=summary, data=json.dumps(data, ensure_ascii=False).encode("utf-8"),
                          filename="比对报告.json", content_type="application/json")


@jobs.runner(JobKind.DEPARTMENT_MONTHLY)
def _monthly(job: Job, progress: jobs.Progress) -> jobs.JobResult:
    today = date.fromisoformat(job.params["today"])
    counties = db.session.execute(select(Region).where(Region.level == RegionLevel.COUNTY.value,
                                                       Region.active.is_(True)).order_by(Region.id)).scalars().all()
    found = [compare.recompare_plan(county, today, progress) for county in counties]  # reads first
    totals = {"rows": 0, "matched": 0, "warnings": 0}
    for county_found in found:
        for key, value in compare.recompare_write(county_found, today).items():
            totals[key] += value
    return jobs.JobResult(message=f"每月比对：重新比对 {totals['rows']} 行，新找到 {totals['matched']} 人，"
                                  f"新预警 {totals['warnings']} 条")


__all__ = ["confirm", "kinds_of", "list_job", "may_upload", "read_file", "report", "start_check", "template"]
