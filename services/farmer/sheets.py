"""The printed 明白纸 as use cases: which villages and townships a user may print.

The drawing itself is in ``services.farmer.sheet_drawing``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app

from core.extensions import db
from domain.enums import RegionLevel
from domain.jobs import JobKind
from models import Job, Region, User
from services.accounts import scoping
from services.errors import NotFound
from services.farmer import policy, sheet_drawing
from services.platform import jobs
from services.regions import tree


def village_in_scope(user: User, code: str) -> Region:
    """The village a (possibly old) code stands for, if it lies in the user's scope."""
    village = policy.village_for_code(code)
    if not scoping.in_scope(user, village):
        raise NotFound("village outside scope")
    return village


def township_in_scope(user: User, code: str) -> Region:
    township = tree.resolve_code(code or "")
    if (township is None or township.level != RegionLevel.TOWNSHIP.value
            or not scoping.in_scope(user, township)):
        raise NotFound("no such township in scope")
    return township


def villages_of(user: User, township: Region) -> list[Region]:
    """The township's villages in the user's scope, ordered by code (NotFound when none)."""
    query = (scoping.regions(user)
             .where(Region.level == RegionLevel.VILLAGE.value, Region.parent_id == township.id,
                    Region.active.is_(True))
             .order_by(Region.code))
    villages = list(db.session.execute(query).scalars())
    if not villages:
        raise NotFound("no villages to print")
    return villages


@dataclass(frozen=True)
class TownshipEntry:
    code: str
    name: str
    printable: bool                               # the whole township lies in scope: offer its PDF
    villages: list[tuple[str, str]]               # (code, name)


def sheet_index(user: User) -> list[TownshipEntry]:
    """The villages in the user's scope grouped by township (townships in scope get a PDF)."""
    rows = db.session.execute(
        scoping.regions(user)
        .where(Region.level.in_([RegionLevel.TOWNSHIP.value, RegionLevel.VILLAGE.value]),
               Region.active.is_(True))
        .order_by(Region.code)).scalars().all()
    townships = {r.id: r for r in rows if r.level == RegionLevel.TOWNSHIP.value}
    grouped: dict[int, list[tuple[str, str]]] = {tid: [] for tid in townships}
    for village in (r for r in rows if r.level == RegionLevel.VILLAGE.value):
        grouped.setdefault(village.parent_id, []).append((village.code, village.name))
    entries = []
    for parent_id, villages in grouped.items():
        township = townships.get(parent_id) or db.session.get(Region, parent_id)
        entries.append(TownshipEntry(township.code, township.name, parent_id in townships, villages))
    return sorted(entries, key=lambda e: e.code)


# --- a township's sheets in one PDF, as a job ---------------------------------------------------

def start_township_pdf(user: User, code: str, public_url: str, today: date, *,
                       address_warning: str = "") -> Job:
    """Queue the township's PDF (about a quarter of a second per village: too long for a request).
    ``address_warning`` (``domain.public_url``), if any, is repeated beside the finished PDF."""
    township = township_in_scope(user, code)
    villages_of(user, township)  # refuse now, not in the job, when there is nothing to print
    return jobs.start(JobKind.TOWNSHIP_SHEETS, user, township, public_url=public_url,
                      address_warning=address_warning, today=today.isoformat())


@jobs.runner(JobKind.TOWNSHIP_SHEETS)
def _township_pdf(job: Job, progress: jobs.Progress) -> jobs.JobResult:
    user, township = job.user, job.region
    if user is None or not user.active:
        raise jobs.JobFailed("发起任务的账号已停用，无法生成")
    try:  # scope is checked again: the account may have moved since it asked
        villages = villages_of(user, township)
    except NotFound:
        raise jobs.JobFailed("该乡镇已不在您的管辖范围内，或没有村（社区）") from None
    today, public_url = date.fromisoformat(job.params["today"]), job.params["public_url"]
    pages = [(page, sheet_drawing.qr_target(public_url, page.village_code))
             for page in (policy.policy_page(village, today) for village in villages)]
    progress(0, len(pages))
    try:
        data = sheet_drawing.render_township_pdf(pages, current_app.config["SHOUDI_CJK_FONT"],
                                                 on_page=lambda n: progress(n, len(pages)))
    except sheet_drawing.SheetFontMissing as exc:
        raise jobs.JobFailed(str(exc)) from None
    warning = job.params.get("address_warning")
    message = f"共 {len(pages)} 个村" + (f"。注意：{warning}" if warning else "")
    return jobs.JobResult(message=message, data=data, content_type="application/pdf",
                          filename=f"明白纸-{township.name}-{township.code}.pdf")
