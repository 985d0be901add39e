"""Department follow-up of plan measures: the list of measures a person follows, and the
form where progress is recorded (落实中 / 已落实 with the date, a progress note)."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required

from core.clock import today
from core.extensions import db
from core.unit_of_work import keep_on_refusal
from domain.enums import MeasureStatus
from portal.office.blueprint import bp
from portal.office.formdata import FormReader
from services.errors import ValidationFailed
from services.filter_args import FilterReader
from services.help import measure_tasks
from services.help.measure_tasks import TaskFilters
from services.identification.inbox import read_page


def _filter_args(filters: TaskFilters) -> dict[str, str]:
    """The filters as query arguments (only those set), for the pages' links."""
    values = {"department": filters.department, "show": "all" if filters.show == "all" else "",
              "overdue": "1" if filters.overdue_only else ""}
    return {k: v for k, v in values.items() if v}


def _url(filters: TaskFilters, page: int) -> str:
    args = {**_filter_args(filters), **({"page": str(page)} if page > 1 else {})}
    return url_for("office.tasks") + ("?" + urlencode(args) if args else "")


@bp.route("/tasks")
@login_required
def tasks():
    """One page of the measures this person follows (``?page=N``, with the filters); a page
    number or a department not understood is ignored with a note (400), never an error page."""
    departments = measure_tasks.department_choices(current_user)  # county staff only
    reader = FilterReader(request.args)
    department = reader.pick("department", {code for code, _ in departments},
                             "所选的责任部门无效，未按部门筛选") if departments else ""
    filters = TaskFilters(department=department, show="all" if request.args.get("show") == "all" else "open",
                          overdue_only=request.args.get("overdue") == "1")
    page, page_error = read_page(request.args.get("page"))
    errors = {**reader.errors, **({"page": page_error} if page_error else {})}
    day = today()
    view = measure_tasks.task_page(current_user, day, filters, page)
    html = render_template("office/tasks.html", view=view, rows=view.rows, filters=filters, today=day.isoformat(),
                           departments=departments, saved=request.args.get("saved", ""), errors=errors,
                           pager=[(n, _url(filters, n)) for n in view.page_numbers])
    return html, 400 if errors else 200


def _status_choices() -> list[tuple[str, str]]:
    return [(s.value, s.label) for s in measure_tasks.SETTABLE]


@bp.route("/tasks/<int:task_id>", methods=["GET", "POST"])
@login_required
def task(task_id: int):
    day = today()
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = FormReader(request.form)
        status = form.choice("status", MeasureStatus, "落实进度", required=True)
        done_on = form.day("done_on", "完成日期")
        note = form.text("note", "进展情况", max_len=measure_tasks.NOTE_MAX)
        try:
            form.done()
            measure_tasks.update(current_user, task_id, status=status, done_on=done_on, note=note, today=day)
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.fields
        else:
            return redirect(url_for("office.tasks", saved=task_id))
    pm = measure_tasks.read(current_user, task_id)  # 404 unless this person follows it; audited
    keep_on_refusal()  # the read's audit entry stands beside a refused update (rolled back above)
    typed = request.form if request.method == "POST" else {"status": MeasureStatus.IN_PROGRESS.value}
    return render_template("office/task.html", row=measure_tasks.row(pm, day), history=pm.note or "",
                           editable=measure_tasks.may_update(current_user, pm), typed=typed,
                           errors=errors, statuses=_status_choices(), today=day.isoformat()), \
        400 if errors else 200
