"""部门筛查预警 pages: a department (or the county for it) uploads a list, watches its check, reads
the report and confirms the comparison; everyone concerned reads the warnings (overdue first) and
downloads the feedback table; the county reads the overview per department and grade and the
rows that matched nobody; desk staff answer a warning from the case page (核实反馈).

Each upload job is seen only by the person who started it (404 for anyone else, as on /jobs);
roles without the page get 403. Filters travel in the query string (they are not personal);
lists show masked ID numbers, and the two downloads that carry full numbers are audited by the
services and never cached.
"""
from __future__ import annotations

import dataclasses
import io
from urllib.parse import urlencode

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from core import clock
from core.extensions import db
from domain.department_lists import ListKind, columns_of
from domain.enums import Department, Role
from domain.jobs import JobKind, JobState
from domain.warnings import Grade
from portal.jobs import REFRESH_SECONDS, JobView
from portal.office.case_page import render_case_page
from services.errors import PermissionDenied, ValidationFailed
from services.households import editing
from services.identification.inbox import page_window
from services.warnings import feedback, lists, views

bp = Blueprint("warnings", __name__, url_prefix="/warnings")
XLSX = views.XLSX
OVERVIEW_ROLES = frozenset({Role.DEPARTMENT, Role.COUNTY_STAFF, Role.CITY_STAFF, Role.PROVINCE_STAFF})


def _require_uploader() -> None:
    lists.require_uploader(current_user)


def _download(filename: str, data: bytes):
    response = send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=filename, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


# --- upload -----------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class ColumnLine:
    title: str
    need: str       # 必填 / 选填
    note: str
    choices: str


@dataclasses.dataclass(frozen=True)
class KindHelp:
    code: str
    label: str
    columns: list[ColumnLine]


@dataclasses.dataclass(frozen=True)
class SentList:
    filename: str
    kind: str
    uploaded: str
    by: str
    rows: int
    repeated: int
    problems: int
    unmatched: int
    warnings: int


def _kind_help(kinds: list[ListKind]) -> list[KindHelp]:
    return [KindHelp(k.value, k.label, [ColumnLine(c.title, "必填" if c.required else "选填", c.note,
                                                   "、".join(c.choices)) for c in columns_of(k)])
            for k in kinds]


def _sent() -> list[SentList]:
    return [SentList(d.filename, d.kind_enum.label, clock.local_text(d.uploaded_at),
                     d.uploaded_by.full_name if d.uploaded_by else "", d.rows, d.repeated, d.problems,
                     d.unmatched, d.warnings) for d in views.lists_sent(current_user, limit=20)]


def _upload_page(errors: dict, chosen: str, status: int = 200, failed_job: JobView | None = None):
    kinds = lists.kinds_of(current_user)
    if not chosen and len(kinds) == 1:
        chosen = kinds[0].value  # an officer of a department with one kind of list
    html = render_template("warnings/upload.html", kinds=[(k.value, k.label) for k in kinds],
                           helps=_kind_help(kinds), chosen={"kind": chosen}, errors=errors,
                           sent=_sent(), failed_job=failed_job)
    return html, status


@bp.get("/upload")
@login_required
def upload_form():
    _require_uploader()
    return _upload_page({}, request.args.get("kind", "").strip()[:20])


@bp.post("/upload")
@login_required
def upload():
    _require_uploader()
    sent = request.files.get("file")
    chosen = request.form.get("kind", "").strip()[:20]
    try:
        job = lists.start_check(current_user, chosen, sent.filename if sent else "",
                                sent.read() if sent else b"", clock.today())
    except ValidationFailed as exc:
        db.session.rollback()
        return _upload_page(exc.fields, chosen, 400)
    return redirect(url_for("warnings.report", job_id=job.id), code=303)


@bp.get("/template/<kind>.xlsx")
@login_required
def template(kind: str):
    _require_uploader()
    try:
        found = ListKind(kind)
    except ValueError:
        abort(404)
    filename, data = lists.template(found)
    return _download(filename, data)


@bp.get("/upload/<int:job_id>")
@login_required
def report(job_id: int):
    _require_uploader()
    job = lists.list_job(current_user, job_id)  # 404 unless theirs
    progress = dataclasses.replace(JobView.of(job), has_result=False)  # the report is the page itself
    if job.state == JobState.FAILED.value and job.kind == JobKind.DEPARTMENT_CHECK.value:
        # A file that could not be read: the upload form again, the reason beside the file.
        return _upload_page({"file": job.message or "文件无法读取，请检查后重新上传"}, _kind_of(job), failed_job=progress)
    view = lists.report(current_user, job_id) if job.state == JobState.DONE.value else None
    return render_template("warnings/report.html", job=progress, view=view, refresh=REFRESH_SECONDS)


def _kind_of(job) -> str:
    params = job.params or {}
    return params.get("list_kind") or params.get("kind") or ""


@bp.post("/upload/<int:job_id>/confirm")
@login_required
def confirm(job_id: int):
    _require_uploader()
    try:
        job = lists.confirm(current_user, job_id, clock.today())
    except ValidationFailed as exc:
        db.session.rollback()
        job = lists.list_job(current_user, job_id)
        return render_template("warnings/report.html", job=dataclasses.replace(JobView.of(job), has_result=False),
                               view=lists.report(current_user, job_id), refresh=REFRESH_SECONDS,
                               refusal=next(iter(exc.fields.values()))), 409
    return redirect(url_for("warnings.report", job_id=job.id), code=303)


# --- the warnings -----------------------------------------------------------------------------

def _filters():
    filters, errors = views.read_filters(request.args)
    if current_user.role_enum is Role.DEPARTMENT and filters.department:
        filters = dataclasses.replace(filters, department="")  # an officer sees their own department only
    return filters, errors


def _list_url(endpoint: str, filters: views.Filters, **extra) -> str:
    args = {**filters.args(), **{k: str(v) for k, v in extra.items()}}
    return url_for(endpoint) + ("?" + urlencode(args) if args else "")


@bp.get("")
@login_required
def index():
    views.require_viewer(current_user)
    filters, errors = _filters()
    page = views.read_page(request.args.get("page"))
    day = clock.today()
    view = views.page_of(current_user, filters, page, day)
    pager = [(n, _list_url("warnings.index", filters, page=n) if n > 1 else _list_url("warnings.index", filters))
             for n in page_window(view.page, view.pages)]
    officer = current_user.role_enum is Role.DEPARTMENT
    html = render_template(
        "warnings/index.html", view=view, filter_args=filters.args(), filter_errors=errors, pager=pager,
        departments=[] if officer else Department.choices(), grades=Grade.choices(), statuses=list(views.STATUSES),
        officer=officer, xlsx_url=_list_url("warnings.feedback_table", filters),
        may_overview=current_user.role_enum in OVERVIEW_ROLES,
        may_unmatched=views.may_see_unmatched(current_user), may_upload=lists.may_upload(current_user))
    return html, 400 if errors else 200


@bp.get("/feedback.xlsx")
@login_required
def feedback_table():
    views.require_viewer(current_user)
    filters, errors = _filters()
    if errors:
        raise ValidationFailed(errors)
    return _download(*views.feedback_xlsx(current_user, filters, clock.today()))


@dataclasses.dataclass(frozen=True)
class OverviewTotal:
    sent: int
    in_time: int
    late: int
    included: int
    pending: int


@bp.get("/overview")
@login_required
def overview():
    if current_user.role_enum not in OVERVIEW_ROLES:
        raise PermissionDenied("预警比对情况仅供县级以上工作人员和行业部门查看")
    lines = views.overview(current_user, clock.today())
    total = OverviewTotal(*(sum(getattr(line, name) for line in lines)
                            for name in ("sent", "in_time", "late", "included", "pending")))
    return render_template("warnings/overview.html", lines=lines, total=total)


@bp.get("/unmatched")
@login_required
def unmatched():
    page = views.read_page(request.args.get("page"))
    rows, total, pages = views.unmatched(current_user, page)
    page = min(page, pages)
    pager = [(n, url_for("warnings.unmatched", page=n) if n > 1 else url_for("warnings.unmatched"))
             for n in page_window(page, pages)]
    return render_template("warnings/unmatched.html", rows=rows, total=total,
                           view={"page": page, "pages": pages}, pager=pager,
                           may_register=editing.may_edit(current_user))


@bp.get("/unmatched.xlsx")
@login_required
def unmatched_table():
    return _download(*views.unmatched_xlsx(current_user))


# --- the answer (核实反馈), from the case page --------------------------------------------------

@bp.post("/<int:warning_id>/feedback")
@login_required
def answer(warning_id: int):
    try:
        warning = feedback.answer(current_user, warning_id, request.form.get("result", ""),
                                  request.form.get("reason", ""), clock.today())
    except ValidationFailed as exc:
        db.session.rollback()
        case_id = feedback.warning_in_scope(current_user, warning_id).case_id
        return render_case_page(case_id, feedback_for=warning_id, feedback_errors=exc.fields,
                                typed=request.form, status=400)
    return redirect(url_for("office.case", case_id=warning.case_id, done="warning_feedback") + "#warnings", code=303)
