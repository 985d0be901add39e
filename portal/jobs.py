"""Job pages: watch a job's progress (/jobs/<id>), download its result, retry a failed one.

Only the person who started a job sees it (scheduled jobs: admins); anyone else gets 404.
The page refreshes itself: a small script asks /jobs/<id>/status every two seconds, and
without JavaScript a meta refresh reloads the page until the job has finished.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from flask import Blueprint, jsonify, redirect, render_template, send_file, url_for
from flask_login import current_user, login_required

from domain.jobs import JobKind, JobState, percent
from models import Job
from services.platform import jobs

bp = Blueprint("jobs", __name__, url_prefix="/jobs")
REFRESH_SECONDS = 2


@dataclass(frozen=True)
class JobView:
    id: int
    title: str
    state: str
    state_label: str
    done: int
    total: int | None
    percent: int
    message: str
    finished: bool
    failed: bool
    has_result: bool
    result_name: str | None

    @classmethod
    def of(cls, job: Job) -> "JobView":
        state = JobState(job.state)
        return cls(id=job.id, title=JobKind(job.kind).label, state=state.value, state_label=state.label,
                   done=job.done, total=job.total,
                   percent=100 if state is JobState.DONE else percent(job.done, job.total),
                   message=job.message or "", finished=state.finished, failed=state is JobState.FAILED,
                   has_result=state is JobState.DONE and bool(job.result_key), result_name=job.result_name)

    def as_json(self) -> dict:
        return {"id": self.id, "state": self.state, "state_label": self.state_label, "done": self.done,
                "total": self.total, "percent": self.percent, "message": self.message,
                "finished": self.finished, "failed": self.failed,
                "result_url": url_for("jobs.result", job_id=self.id) if self.has_result else None}


@bp.get("/<int:job_id>")
@login_required
def page(job_id: int):
    view = JobView.of(jobs.visible(current_user, job_id))
    return render_template("jobs/job.html", job=view, refresh=REFRESH_SECONDS)


@bp.get("/<int:job_id>/status")
@login_required
def status(job_id: int):
    return jsonify(JobView.of(jobs.visible(current_user, job_id)).as_json())


@bp.get("/<int:job_id>/result")
@login_required
def result(job_id: int):
    job, data = jobs.result_file(current_user, job_id)  # 404 unless done and theirs; audited
    response = send_file(io.BytesIO(data), mimetype=job.result_type or "application/octet-stream",
                         as_attachment=True, download_name=job.result_name or f"任务{job.id}", max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<int:job_id>/retry")
@login_required
def retry(job_id: int):
    jobs.retry(current_user, job_id)
    return redirect(url_for("jobs.page", job_id=job_id))
