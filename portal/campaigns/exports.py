"""集中排查表格导出: one page to export a campaign's four forms (附件1–4) as .xlsx for the
person's own region or one of its townships or villages in the campaign's area (附件3: for a
chosen week). Each export is a job: the person is taken to /jobs/<id>, which shows its progress
and offers the file (seen only by who started it).

Village, township and county staff export; other roles get 403, a campaign or region outside
the scope 404. Bad choices come back with a message next to the field (400).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required

from core import clock
from core.extensions import db
from domain.campaigns import week_ending
from domain.enums import RegionLevel
from models import Region, ScreeningRound
from portal.campaigns import bp
from services.accounts import scoping
from services.campaigns import campaigns, exports
from services.errors import NotFound, PermissionDenied, ValidationFailed


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


def _require_exporter() -> None:
    if not exports.may_export(current_user):
        raise PermissionDenied("集中排查表格由村、乡镇、县级工作人员导出")


def _regions(campaign: ScreeningRound) -> list[Choice]:
    """The person's own region, then the townships and villages below it in the campaign's area."""
    own = current_user.region
    found = [own]
    if own.level != RegionLevel.VILLAGE.value:
        below = db.session.execute(scoping.regions(current_user).where(
            Region.level.in_([RegionLevel.TOWNSHIP.value, RegionLevel.VILLAGE.value]), Region.id != own.id)
            .order_by(Region.path, Region.code)).scalars()
        found += [r for r in below if campaigns.covers(campaign, r)]
    return [Choice(r.code, ("　" if r.level == RegionLevel.VILLAGE.value and r is not own else "") + r.name)
            for r in found]


def _weeks(campaign: ScreeningRound) -> list[Choice]:
    """The Fridays of the campaign, up to this week."""
    last = min(week_ending(campaign.ends_on), week_ending(clock.today()))
    friday = week_ending(campaign.starts_on)
    weeks = []
    while friday <= last and len(weeks) < 60:
        weeks.append(Choice(friday.isoformat(), f"{friday.month}月{friday.day}日（星期五）止"))
        friday = friday.fromordinal(friday.toordinal() + 7)
    return list(reversed(weeks))


def _page(campaign: ScreeningRound, *, typed=None, errors=None, status=200):
    weeks = _weeks(campaign)
    html = render_template(
        "campaigns/weekly_exports.html", campaign=campaign, forms=[Choice(k, v) for k, v in exports.FORMS.items()],
        regions=_regions(campaign), weeks=weeks,
        typed=typed or {"form": "form1", "region": current_user.region.code,
                        "week": weeks[0].value if weeks else ""},
        errors=errors or {})
    return html, status


@bp.get("/<int:round_id>/exports")
@login_required
def exports_page(round_id: int):
    _require_exporter()
    return _page(campaigns.get(current_user, round_id))


@bp.post("/<int:round_id>/exports")
@login_required
def exports_start(round_id: int):
    _require_exporter()
    campaign = campaigns.get(current_user, round_id)
    typed = {key: request.form.get(key, "").strip()[:20] for key in ("form", "region", "week")}
    errors = {}
    if typed["form"] not in exports.FORMS:
        errors["form"] = "请选择要导出的表格"
    try:
        region = exports.export_region(current_user, campaign, typed["region"] or None)
    except NotFound:
        region, errors["region"] = None, "请选择本辖区内该次排查范围中的地区"
    params = {}
    if typed["form"] == "form3":
        if typed["week"] not in {w.value for w in _weeks(campaign)}:
            errors["week"] = "请选择要导出的周"
        else:
            params["week"] = typed["week"]
    if errors:
        return _page(campaign, typed=typed, errors=errors, status=400)
    try:
        job = exports.start(current_user, campaign, typed["form"], region, clock.today(), **params)
    except ValidationFailed as exc:
        db.session.rollback()
        return _page(campaign, typed=typed, errors=exc.fields, status=400)
    return redirect(url_for("jobs.page", job_id=job.id), code=303)
