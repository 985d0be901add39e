"""The register import as two jobs: a check (a dry run) of the uploaded file, then, when staff
confirm its report, the import itself.

The uploaded file waits in the file store between the two. No row names it, so the nightly
sweep removes it after a day: an unconfirmed upload of everybody's ID numbers is not kept. Each
job's result is its report (JSON, read back by the import page); rows that could not be imported
go into an ``.xlsx`` of their own, named in the report.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date

from core.filestore import FileMissing, new_key, store
from domain.enums import Role
from domain.jobs import JobKind, JobState
from models import Job, User
from services.errors import NotFound, PermissionDenied, ValidationFailed
from services.households import register_rejects
from services.households.register_import import IMPORT_ROLES, ImportReport, import_register
from services.platform import audit, jobs

MAX_LISTED = 200  # problems, warnings and households listed on the page; the .xlsx has every row
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ImportView:
    """A finished check or import, as its page shows it."""

    job_id: int
    dry_run: bool
    filename: str
    summary: str
    counts: dict
    households: list[dict]
    problems: list[dict]
    warnings: list[dict]
    more_problems: int
    more_warnings: int
    rejected: bool  # an .xlsx of the rows not imported can be downloaded
    importable: bool  # a check whose households can now be imported


def may_import(user: User) -> bool:
    return user.role_enum in IMPORT_ROLES


def start_check(actor: User, filename: str, content: bytes, today: date) -> Job:
    if not may_import(actor):
        raise PermissionDenied("农户档案由县级或乡镇工作人员导入")
    if not content:
        raise ValidationFailed({"file": "请选择要导入的文件（.xlsx、.xls 或 .csv）"})
    key = new_key("imports", ".upload")
    store().put(key, content, "application/octet-stream")
    return jobs.start(JobKind.REGISTER_CHECK, actor, actor.region, file_key=key,
                      filename=_safe_name(filename), today=today.isoformat())


def confirm(actor: User, check_job_id: int, today: date) -> Job:
    """Import what a finished check found importable, from the same uploaded file."""
    job = jobs.visible(actor, check_job_id)
    view = import_view(actor, job.id)
    if job.kind != JobKind.REGISTER_CHECK.value or not view.importable:
        raise ValidationFailed({"": "这次检查没有可以导入的农户"})
    if not store().exists(job.params["file_key"]):
        raise ValidationFailed({"": "上传的文件已过期（只保留一天），请重新上传"})
    return jobs.start(JobKind.REGISTER_IMPORT, actor, actor.region, file_key=job.params["file_key"],
                      filename=job.params["filename"], today=today.isoformat(), check_job_id=job.id)


def import_view(actor: User, job_id: int) -> ImportView:
    job = register_job(actor, job_id)
    if job.state != JobState.DONE.value:
        raise NotFound("not finished")
    report = json.loads(store().get(job.result_key))
    return ImportView(job_id=job.id, dry_run=job.kind == JobKind.REGISTER_CHECK.value,
                      filename=job.params.get("filename", ""), summary=report["summary"], counts=report["counts"],
                      households=report["households"][:MAX_LISTED], problems=report["problems"][:MAX_LISTED],
                      warnings=report["warnings"][:MAX_LISTED],
                      more_problems=max(0, len(report["problems"]) - MAX_LISTED),
                      more_warnings=max(0, len(report["warnings"]) - MAX_LISTED),
                      rejected=bool(report.get("rejected_key")),
                      importable=job.kind == JobKind.REGISTER_CHECK.value
                      and report["counts"]["new"] + report["counts"]["updated"] > 0)


def rejected_file(actor: User, job_id: int) -> tuple[str, bytes]:
    """The .xlsx of the rows not imported (audited: it holds the rows as they were)."""
    job = register_job(actor, job_id)
    try:
        report = json.loads(store().get(job.result_key)) if job.result_key else {}
        data = store().get(report["rejected_key"])
    except (FileMissing, KeyError):
        raise NotFound("no rejected rows") from None
    audit.record(actor, "download", "job", job.id, detail="register_rejected_rows")
    stem = job.params.get("filename", "").rsplit(".", 1)[0] or "户成员信息"
    return f"{stem}-未导入的行.xlsx", data


def register_job(actor: User, job_id: int) -> Job:
    """A check or import job of this user's (NotFound for anyone else's, or another kind)."""
    job = jobs.visible(actor, job_id)
    if job.kind not in (JobKind.REGISTER_CHECK.value, JobKind.REGISTER_IMPORT.value):
        raise NotFound("not a register job")
    return job


def _safe_name(filename: str) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return "".join(c for c in name if c.isprintable())[:100] or "户成员信息"


# --- in the consumer --------------------------------------------------------------------------

@jobs.runner(JobKind.REGISTER_CHECK)
def _check(job: Job, progress: jobs.Progress) -> jobs.JobResult:
    return _run(job, progress, dry_run=True)


@jobs.runner(JobKind.REGISTER_IMPORT)
def _import(job: Job, progress: jobs.Progress) -> jobs.JobResult:
    return _run(job, progress, dry_run=False)


def _run(job: Job, progress: jobs.Progress, dry_run: bool) -> jobs.JobResult:
    user = job.user
    if user is None or not user.active or user.role_enum not in (Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF):
        raise jobs.JobFailed("发起导入的账号已停用或已不能导入农户档案")
    try:
        content = store().get(job.params["file_key"])
    except FileMissing:
        raise jobs.JobFailed("上传的文件已过期（只保留一天），请重新上传") from None
    try:
        report = import_register(user, content, today=date.fromisoformat(job.params["today"]),
                                 dry_run=dry_run, progress=progress)
    except (ValidationFailed, PermissionDenied) as exc:
        raise jobs.JobFailed(str(exc)) from None
    rejected_key = None
    if report.problems:
        rejected_key = new_key("exports", ".xlsx")
        store().put(rejected_key, register_rejects.rejected_rows_xlsx(content, report), XLSX)
    data = json.dumps(_as_dict(report, rejected_key), ensure_ascii=False).encode("utf-8")
    return jobs.JobResult(message=report.summary(), data=data, filename="导入报告.json",
                          content_type="application/json")


def _as_dict(report: ImportReport, rejected_key: str | None) -> dict:
    return {
        "summary": report.summary(),
        "counts": {"new": report.count("new"), "updated": report.count("updated"),
                   "unchanged": report.count("unchanged"), "people_new": report.people("new"),
                   "people_updated": report.people("updated"), "people_unchanged": report.people("unchanged"),
                   "rejected_rows": len(report.rejected_lines), "warnings": len(report.warnings)},
        "households": [asdict(h) for h in report.households if h.status != "unchanged"],
        "problems": [asdict(p) for p in report.problems],
        "warnings": [asdict(w) for w in report.warnings],
        "rejected_key": rejected_key,
    }
