"""附件2 村级排查表 pages: a village's problems by area, with forms to add, correct and remove
them (the village's own staff) and "列入整改台账" on each; township and county staff read the
villages' counts and each village's form; everyone concerned exports the form (a job).

Village codes travel in the query string (they are not personal); problem texts only in posted
forms. Roles without the form get 403, a campaign, village or problem outside the scope 404.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required

from core import clock
from core.extensions import db
from domain.campaigns import ProblemArea
from domain.enums import RegionLevel
from portal.campaigns import bp
from services.campaigns import campaigns, problems
from services.errors import ValidationFailed

DONE = {"added": "已添加问题。", "saved": "已保存修改。", "removed": "已删除问题。"}


@dataclass(frozen=True)
class CampaignHead:
    id: int
    name: str
    year: int
    dates: str


def head_of(found) -> CampaignHead:
    return CampaignHead(found.id, found.name, campaigns.year_of(found),
                        f"{found.starts_on.isoformat()} 至 {found.ends_on.isoformat()}")


def _village_page(found, village, *, errors=None, typed=None, status=200, edit=None):
    editable = problems.may_edit(current_user, village)
    own = current_user.region.level == RegionLevel.VILLAGE.value
    html = render_template(
        "campaigns/problems_village.html", campaign=head_of(found), village=village,
        areas=problems.by_area(found, village), area_choices=[(a.value, a.short) for a in ProblemArea],
        editable=editable, own=own, errors=errors or {}, typed=typed or {}, edit=edit,
        done=DONE.get(request.args.get("done", "")),
        export_code=village.code)
    return html, status


@bp.get("/<int:round_id>/problems")
@login_required
def problems_page(round_id: int):
    found = problems.campaign(current_user, round_id)
    code = request.args.get("village", "").strip()[:20]
    if code or current_user.region.level == RegionLevel.VILLAGE.value:
        return _village_page(found, problems.village(current_user, found, code))
    return render_template("campaigns/problems.html", campaign=head_of(found),
                           villages=problems.counts(current_user, found), region=current_user.region.name)


@bp.post("/<int:round_id>/problems")
@login_required
def problem_add(round_id: int):
    found = problems.campaign(current_user, round_id)
    village = problems.village(current_user, found, request.form.get("village", "").strip()[:20])
    try:
        problems.add(current_user, found, village, request.form)
    except ValidationFailed as exc:
        db.session.rollback()
        return _village_page(found, village, errors=exc.fields, typed=request.form, status=400)
    return redirect(url_for("campaigns.problems_page", round_id=round_id, village=village.code, done="added")
                    + "#problems", code=303)


@bp.route("/<int:round_id>/problems/<int:problem_id>/edit", methods=["GET", "POST"])
@login_required
def problem_edit(round_id: int, problem_id: int):
    found = problems.campaign(current_user, round_id)
    row = problems.problem(current_user, found, problem_id)
    village = row.village
    if request.method == "GET":
        typed = {"area": row.area, "text": row.text, "remarks": row.remarks or ""}
        if not problems.may_edit(current_user, village):
            return _village_page(found, village)
        return _village_page(found, village, typed=typed, edit=row.id)
    try:
        problems.edit(current_user, found, problem_id, request.form)
    except ValidationFailed as exc:
        db.session.rollback()
        return _village_page(found, village, errors=exc.fields, typed=request.form, status=400, edit=problem_id)
    return redirect(url_for("campaigns.problems_page", round_id=round_id, village=village.code, done="saved")
                    + "#problems", code=303)


@bp.post("/<int:round_id>/problems/<int:problem_id>/remove")
@login_required
def problem_remove(round_id: int, problem_id: int):
    found = problems.campaign(current_user, round_id)
    village = problems.problem(current_user, found, problem_id).village
    try:
        problems.remove(current_user, found, problem_id)
    except ValidationFailed as exc:
        db.session.rollback()
        return _village_page(found, village, errors=exc.fields, status=409)
    return redirect(url_for("campaigns.problems_page", round_id=round_id, village=village.code, done="removed")
                    + "#problems", code=303)


@bp.post("/<int:round_id>/problems/export")
@login_required
def problems_export(round_id: int):
    found = problems.campaign(current_user, round_id)
    job = problems.start_export(current_user, found, request.form.get("village", "").strip()[:20], clock.today())
    return redirect(url_for("jobs.page", job_id=job.id), code=303)
