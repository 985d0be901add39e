"""The four forms of a campaign (附件1–4) as .xlsx files: one job kind, ``CAMPAIGN_EXPORT``,
whose ``form`` parameter names the form.

Each form's writer registers itself here with ``@writer("form1")`` … ``@writer("form4")`` (the
consumer imports their modules when it starts, ``shoudi.queue``) and is called as ``write(job, progress) -> jobs.JobResult`` in the consumer. A job's parameters are
``form``, ``round_id`` (the campaign), ``today`` (ISO date: 填表时间) and what the form needs
beside (``week`` for 附件3); ``job.region`` is the region exported (a village, a township or
the county) and ``job.user`` who asked for it. A writer checks again that the person may still
export (the account may have been disabled or moved meanwhile) and records the export in the
audit log.

Who may see a campaign: staff of its county; below the county, those whose township lies in
the campaign's area (an empty area is the whole county).
"""
from __future__ import annotations

from datetime import date
from typing import Callable

from core.extensions import db
from domain.enums import RegionLevel, Role
from domain.jobs import JobKind
from models import Job, Region, ScreeningRound, User
from services.accounts import scoping
from services.campaigns import campaigns
from services.errors import NotFound, PermissionDenied, ValidationFailed
from services.platform import jobs

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMS = {"form1": "附件1 到户排查表", "form2": "附件2 村级排查表", "form3": "附件3 排查情况统计表",
         "form4": "附件4 问题整改台账"}
# The staff who export a campaign's forms (names and answers of households of their area).
EXPORT_ROLES = frozenset({Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF})
EXPORT_LEVELS = (RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE)

Writer = Callable[[Job, jobs.Progress], jobs.JobResult]
FORM_WRITERS: dict[str, Writer] = {}
def writer(form: str) -> Callable[[Writer], Writer]:
    """Register ``func(job, progress) -> JobResult`` as the writer of ``form``."""
    if form not in FORMS:
        raise ValueError(f"unknown form {form!r}")

    def register(func: Writer) -> Writer:
        FORM_WRITERS[form] = func
        return func
    return register


# --- campaigns seen by a person -------------------------------------------------------------------

def export_region(actor: User, campaign: ScreeningRound, code: str | None) -> Region:
    """The region to export: the person's own, or a township or village of their scope by code,
    inside the campaign's area. NotFound for a code outside."""
    region = actor.region if not code else scoping.region_by_code(actor, str(code)[:20])
    if region is None or RegionLevel(region.level) not in EXPORT_LEVELS:
        raise NotFound("region")
    if region.level != RegionLevel.COUNTY.value and not campaigns.covers(campaign, region):
        raise NotFound("region")
    return region


def may_export(actor: User) -> bool:
    return actor.active and actor.role_enum in EXPORT_ROLES


def start(actor: User, campaign: ScreeningRound, form: str, region: Region, today: date, **params) -> Job:
    """Queue the export of ``form`` for ``region``; the job page follows it."""
    if not may_export(actor):
        raise PermissionDenied("集中排查表格由村、乡镇、县级工作人员导出")
    if form not in FORMS:
        raise ValidationFailed({"form": "请选择要导出的表格"})
    if not scoping.in_scope(actor, region):
        raise NotFound("region")
    return jobs.start(JobKind.CAMPAIGN_EXPORT, actor, region, form=form, round_id=campaign.id,
                      today=today.isoformat(), **params)


def job_context(job: Job) -> tuple[User, ScreeningRound, Region, date]:
    """For a writer: (who asked, the campaign, the region, 填表时间), checked again now."""
    user = job.user
    if user is None or not may_export(user):
        raise jobs.JobFailed("发起导出的账号已停用或已不能导出集中排查表格")
    try:
        campaign = campaigns.get(user, int(job.params.get("round_id") or 0))
        region = db.session.get(Region, job.region_id) if job.region_id else None
        if region is None or not scoping.in_scope(user, region):
            raise NotFound("region")
    except (NotFound, PermissionDenied):
        raise jobs.JobFailed("该次集中排查或地区已不在您的范围内") from None
    return user, campaign, region, date.fromisoformat(job.params["today"])


def villages_of(actor: User, campaign: ScreeningRound, region: Region) -> list[Region]:
    """The villages of ``region`` (itself for a village) in the person's scope and the campaign's
    area, in code order."""
    found = db.session.execute(
        scoping.regions(actor).where(Region.level == RegionLevel.VILLAGE.value,
                                     Region.path.startswith(region.path, autoescape=True))
        .order_by(Region.code)).scalars()
    return [village for village in found if campaigns.covers(campaign, village)]


def file_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@jobs.runner(JobKind.CAMPAIGN_EXPORT)
def _export(job: Job, progress: jobs.Progress) -> jobs.JobResult:
    write = FORM_WRITERS.get(str(job.params.get("form")))
    if write is None:
        raise jobs.JobFailed("暂不能导出这张表格")
    return write(job, progress)
