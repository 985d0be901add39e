"""参数设置: policy settings, monitoring lines, 低保标准 and the yearly 部门筛查预警标准 per region,
with where each value comes from and its history. County staff change their county and its
townships, admins any region of their subtree; township staff read their township's values. The
rules live in ``services.regions.settings`` and ``services.regions.warning_thresholds`` (the
page's view: ``services.regions.settings_page``); this module reads forms and shows pages."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required

from core.clock import today
from core.extensions import db
from domain import dibao, numbers
from domain.settings import SETTING_FIELDS, InvalidSetting, parse_line_year
from domain.warnings import THRESHOLD_FIELDS
from portal.admin.blueprint import bp
from services.errors import NotFound, ValidationFailed
from services.regions import settings, warning_thresholds
from services.regions import settings_page as page_view

SAVED_SECTIONS = ("line", "dibao", "warning")


def _render(region, *, errors: dict | None = None, posted: str = "", typed: dict | None = None,
            saved: str = "", warning_year: int | None = None):
    page = page_view.page(current_user, region, today().year, warning_year)
    status = 400 if errors else 200
    return render_template("admin/settings.html", page=page, errors=errors or {}, posted=posted,
                           typed=typed or {}, saved=saved, dibao_quote=dibao.PHASEOUT_QUOTE,
                           dibao_no_default=dibao.NO_DEFAULT), status


def _year_or_none(raw) -> int | None:
    try:
        return parse_line_year(raw)
    except InvalidSetting:
        return None


@bp.route("/settings", endpoint="settings")
@login_required
def settings_page():
    raw = request.args.get("region", "")
    if raw:
        region_id = numbers.whole(raw, 1)
        if region_id is None:
            raise NotFound("region")
        region = settings.region_for(current_user, region_id)
    else:
        region = settings.home_region(current_user)
    saved = request.args.get("saved", "")
    saved = saved if saved in SETTING_FIELDS or saved in SAVED_SECTIONS else ""
    # The year whose 部门筛查预警标准 are shown (this year unless chosen); a year that does not
    # read is said beside the year picker, and this year is shown.
    raw_year = request.args.get("warning_year", "")
    if not raw_year:
        return _render(region, saved=saved)
    try:
        return _render(region, saved=saved, warning_year=parse_line_year(raw_year))
    except InvalidSetting as exc:
        return _render(region, errors={"warning_year": exc.message}, posted="warning-year",
                       typed={"warning_year": raw_year})


@bp.route("/settings/<int:region_id>/policy", methods=["POST"])
@login_required
def settings_policy(region_id: int):
    region = settings.region_for(current_user, region_id)
    key = request.form.get("key", "")
    if key not in SETTING_FIELDS:
        raise NotFound("setting")
    typed = {"value": request.form.get("value", ""), "reason": request.form.get("reason", "")}
    try:
        if request.form.get("op") == "clear":
            settings.clear_policy(current_user, region, key, typed["reason"])
        else:
            settings.change_policy(current_user, region, key, typed["value"], typed["reason"])
    except ValidationFailed as exc:
        db.session.rollback()
        errors = {("value" if name == key else name): message for name, message in exc.fields.items()}
        return _render(region, errors=errors, posted=key, typed=typed)
    return redirect(url_for("admin.settings", region=region.id, saved=key) + f"#s-{key}")


@bp.route("/settings/<int:region_id>/line", methods=["POST"])
@login_required
def settings_line(region_id: int):
    region = settings.region_for(current_user, region_id)
    typed = {name: request.form.get(name, "") for name in ("year", "amount", "reason")}
    clear = request.form.get("op") == "clear"
    try:
        if clear:
            settings.clear_line(current_user, region, typed["year"], typed["reason"])
        else:
            settings.change_line(current_user, region, typed["year"], typed["amount"], typed["reason"])
    except ValidationFailed as exc:
        db.session.rollback()
        return _render(region, errors=dict(exc.fields), posted=f"line-{typed['year']}" if clear else "line",
                       typed=typed)
    return redirect(url_for("admin.settings", region=region.id, saved="line") + "#lines")


@bp.route("/settings/<int:region_id>/dibao", methods=["POST"])
@login_required
def settings_dibao(region_id: int):
    """Set (op=set) or remove (op=clear) the region's own 低保标准 of a year."""
    region = settings.region_for(current_user, region_id)
    typed = {name: request.form.get(name, "") for name in ("year", "rural", "urban", "reason")}
    clear = request.form.get("op") == "clear"
    try:
        if clear:
            settings.clear_dibao_standard(current_user, region, typed["year"], typed["reason"])
        else:
            settings.change_dibao_standard(current_user, region, typed["year"], typed["rural"], typed["urban"],
                                           typed["reason"])
    except ValidationFailed as exc:
        db.session.rollback()
        # A removal refused for its reason answers beside that year's row; one refused for its
        # year (none set here, say from a page left open) beside the form's year field.
        row_form = clear and set(exc.fields) == {"reason"}
        return _render(region, errors=dict(exc.fields), posted=f"dibao-{typed['year']}" if row_form else "dibao",
                       typed=typed)
    return redirect(url_for("admin.settings", region=region.id, saved="dibao") + "#dibao")


@bp.route("/settings/<int:region_id>/warning", methods=["POST"])
@login_required
def settings_warning(region_id: int):
    """Set (op=set) a 部门筛查预警标准 figure from a year on, or remove (op=clear) the region's own
    figure of a year."""
    region = settings.region_for(current_user, region_id)
    key = request.form.get("key", "")
    if key not in THRESHOLD_FIELDS:
        raise NotFound("warning threshold")
    typed = {name: request.form.get(name, "") for name in ("year", "value", "reason")}
    clear = request.form.get("op") == "clear"
    try:
        if clear:
            warning_thresholds.clear_threshold(current_user, region, key, typed["year"], typed["reason"])
        else:
            warning_thresholds.change_threshold(current_user, region, key, typed["year"], typed["value"],
                                                typed["reason"])
    except ValidationFailed as exc:
        db.session.rollback()
        # A removal answers beside its own row (or, when that row is gone, say from a page left
        # open, beside the figure's form); the setting form beside its fields, showing the year
        # typed when it reads (else the year the page showed).
        year = _year_or_none(typed["year"])
        own_row = clear and year is not None and warning_thresholds.own_value(region, key, year) is not None
        posted = f"warning-clear-{key}-{year}" if own_row else f"warning-{key}"
        shown = year or _year_or_none(request.form.get("shown_year", ""))
        return _render(region, errors=dict(exc.fields), posted=posted, typed=typed, warning_year=shown)
    year = parse_line_year(typed["year"])
    return redirect(url_for("admin.settings", region=region.id, saved="warning", warning_year=year)
                    + f"#w-{key}")
