"""Department follow-up of plan measures: the list of measures a person follows, and the
form where progress is recorded (落实中 / 已落实 with the date, a progress note)."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required

from core.clock import today
from core.extensions import db
from core.unit_of_work import keep_on_refusal
from domain.enums import MeasureStatus
from portal.office.blueprint import bp
from portal.office.formdata import FormReader
from services.errors import ValidationFailed
from services.help import measure_tasks
from services.help.measure_tasks import TaskFilters


@bp.route("/tasks")
@login_required
def tasks():
    filters = TaskFilters(department=request.args.get("department", ""),
                          show="all" if request.args.get("show") == "all" else "open",
                          overdue_only=request.args.get("overdue") == "1")
    day = today()
    rows = measure_tasks.tasks(current_user, day, filters)
    return render_template("office/tasks.html", rows=rows, filters=filters, today=day.isoformat(),
                           departments=measure_tasks.department_choices(current_user),
                           saved=request.args.get("saved", ""))


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
