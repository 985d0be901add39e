"""Register import pages (农户档案导入): upload the national export, watch the check, read its
report, confirm the import, download the rows that were not imported.

County and township staff only; each job is seen only by the person who started it (404 for
anyone else, as on /jobs).
"""
from __future__ import annotations

import dataclasses
import io

from flask import Blueprint, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from core import clock
from domain.jobs import JobState
from portal.jobs import REFRESH_SECONDS, JobView
from services.errors import PermissionDenied, ValidationFailed
from services.households import register_jobs

bp = Blueprint("register", __name__, url_prefix="/register")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _may_import() -> None:
    if not register_jobs.may_import(current_user):
        raise PermissionDenied("农户档案由县级或乡镇工作人员导入")


@bp.get("/import")
@login_required
def upload_form():
    _may_import()
    return render_template("register/import.html", errors={})


@bp.post("/import")
@login_required
def upload():
    _may_import()
    sent = request.files.get("file")
    try:
        job = register_jobs.start_check(current_user, sent.filename if sent else "",
                                        sent.read() if sent else b"", clock.today())
    except ValidationFailed as exc:
        return render_template("register/import.html", errors=exc.fields), 400
    return redirect(url_for("register.report", job_id=job.id), code=303)


@bp.get("/import/<int:job_id>")
@login_required
def report(job_id: int):
    job = register_jobs.register_job(current_user, job_id)
    progress = dataclasses.replace(JobView.of(job), has_result=False)  # the report is the page itself
    view = register_jobs.import_view(current_user, job_id) if job.state == JobState.DONE.value else None
    return render_template("register/report.html", job=progress, view=view, refresh=REFRESH_SECONDS)


@bp.post("/import/<int:job_id>/confirm")
@login_required
def confirm(job_id: int):
    try:
        job = register_jobs.confirm(current_user, job_id, clock.today())
    except ValidationFailed as exc:
        job = register_jobs.register_job(current_user, job_id)
        return render_template("register/report.html", job=JobView.of(job), refresh=REFRESH_SECONDS,
                               view=register_jobs.import_view(current_user, job_id),
                               refusal=next(iter(exc.fields.values()))), 409
    return redirect(url_for("register.report", job_id=job.id), code=303)


@bp.get("/import/<int:job_id>/rejected.xlsx")
@login_required
def rejected(job_id: int):
    filename, data = register_jobs.rejected_file(current_user, job_id)
    response = send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=filename, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response
