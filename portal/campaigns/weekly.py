"""附件3 pages: a village's week (its figures, the six values it types, 报送本周), and the
township's or county's view of a week (who has not submitted, each report's figures, 退回 with
a reason).

Village staff see their own village only; township and county staff opening the village page
are taken to the week's status. Other roles get 403; a campaign or report outside the scope
404. The week travels in the query string as a date (not personal); reasons and typed values
only in posted forms. A bad week shows the current one with a message (400).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required

from core import clock
from core.extensions import db
from domain.campaigns import previous_week, week_ending
from domain.enums import RegionLevel
from domain.screening_forms import FORM3_ENTERED
from models import ScreeningRound, WeeklyReport
from portal.campaigns import bp
from services.campaigns import campaigns, exports, weekly
from services.errors import ValidationFailed

# The figures shown, in the form's order (the seq and village columns and typed values apart).
COMPUTED = ("to_screen_pair", "screened_pair", "new_unstable_pair", "new_marginal_pair", "new_sudden_pair",
            "reverted_pair", "reidentified_pair", "measures_unresolved", "proposed_elimination_pair",
            "measures_lifted", "problems_policy_open", "problems_funds_open", "problems_construction_open")
ENTERED_LABELS = {"grids": "调整后的网格数", "grid_workers": "调整后的网格员数", "trainings": "网格员培训人次",
                  "large_scale_risk": "是否存在规模性返贫风险隐患（否；或“是，说明”）",
                  "blocked_workers": "因疫情外出务工受阻人数（总人数/已解决）", "remarks": "备注"}


@dataclass(frozen=True)
class Head:
    id: int
    name: str
    dates: str


@dataclass(frozen=True)
class Figure:
    label: str
    value: str


@dataclass(frozen=True)
class StatusRow:
    village: str
    state: str
    submitted: bool
    returned: bool
    report_id: int | None
    when: str
    by: str
    reason: str
    figures: list[Figure]


def _head(campaign: ScreeningRound) -> Head:
    return Head(campaign.id, campaign.name, f"{campaign.starts_on.isoformat()} 至 {campaign.ends_on.isoformat()}")


def _figures(campaign: ScreeningRound, figures: dict, entered: dict | None = None) -> list[Figure]:
    titles = weekly.labels(campaigns.year_of(campaign))
    rows = [Figure(titles[key], str(weekly.cell(figures.get(key)))) for key in COMPUTED]
    if entered:
        rows += [Figure(titles[key], str(weekly.cell(entered.get(key))) or "—") for key in FORM3_ENTERED]
    return rows


def _day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# --- the village's week ---------------------------------------------------------------------------

def _village_page(campaign: ScreeningRound, *, errors=None, typed=None, status=200):
    today = clock.today()
    week = weekly.week(current_user, campaign, today)
    shown = week.report.figures if week.submitted else week.figures
    values = typed if typed is not None else (
        {k: str(v) for k, v in week.report.entered.items()} if week.report is not None
        else weekly.suggested(current_user, week.village, week.previous))
    html = render_template(
        "campaigns/weekly.html", campaign=_head(campaign), village=week.village.name,
        friday=_day(week.friday), figures=_figures(campaign, shown), submitted=week.submitted,
        returned=week.returned, report=week.report,
        submitted_at=clock.local_text(week.report.submitted_at) if week.submitted else "",
        reason=week.report.returned_reason if week.returned else "",
        closed=week.open_problem, labels=ENTERED_LABELS, typed=values, errors=errors or {},
        just_sent=request.args.get("done") == "1")
    return html, status


@bp.get("/<int:round_id>/weekly")
@login_required
def weekly_page(round_id: int):
    campaign = campaigns.get(current_user, round_id)
    if current_user.role_enum in weekly.REVIEWERS:
        return redirect(url_for("campaigns.weekly_status", round_id=round_id), code=303)
    weekly.require_submitter(current_user)
    return _village_page(campaign)


@bp.post("/<int:round_id>/weekly")
@login_required
def weekly_submit(round_id: int):
    campaign = campaigns.get(current_user, round_id)
    weekly.require_submitter(current_user)
    typed = {key: request.form.get(key, "")[:600] for key in FORM3_ENTERED}
    try:
        weekly.submit(current_user, campaign, typed, clock.today())
    except ValidationFailed as exc:
        db.session.rollback()
        return _village_page(campaign, errors=exc.fields, typed=typed, status=400)
    return redirect(url_for("campaigns.weekly_page", round_id=round_id, done="1"), code=303)


# --- the township's view ---------------------------------------------------------------------------

def _week_asked(raw: str | None, today: date) -> tuple[date, str]:
    """The Friday of the week asked for (this week without one), and a message for a bad one."""
    if not raw:
        return week_ending(today), ""
    text = raw.strip()
    try:
        if len(text) != 10 or not text.isascii():
            raise ValueError(text[:0])
        asked = date.fromisoformat(text)
    except ValueError:
        return week_ending(today), "日期格式不对，已显示本周"
    if not 2000 <= asked.year <= 2100:
        return week_ending(today), "日期不对，已显示本周"
    return week_ending(asked), ""


def _status_rows(campaign: ScreeningRound, friday: date) -> list[StatusRow]:
    rows = []
    for item in weekly.status(current_user, campaign, friday):
        report: WeeklyReport | None = item.report
        rows.append(StatusRow(
            item.village.name, item.state, item.submitted, report is not None and not item.submitted,
            report.id if report is not None else None,
            clock.local_text(report.submitted_at) if report is not None else "",
            report.submitted_by.full_name if report is not None and report.submitted_by else "",
            report.returned_reason or "" if report is not None else "",
            _figures(campaign, report.figures, report.entered) if item.submitted else []))
    return rows


def _status_page(campaign: ScreeningRound, friday: date, *, message="", errors=None, typed_reason="",
                 error_report: int | None = None, status=200):
    rows = _status_rows(campaign, friday)
    html = render_template(
        "campaigns/weekly_status.html", campaign=_head(campaign), friday=_day(friday), week=friday.isoformat(),
        previous=previous_week(friday).isoformat(), following=(friday + timedelta(days=7)).isoformat(),
        rows=rows, missing=sum(1 for r in rows if not r.submitted), total=len(rows), message=message,
        errors=errors or {}, typed_reason=typed_reason, error_report=error_report,
        may_export=current_user.region.level != RegionLevel.VILLAGE.value,
        done=request.args.get("done") == "returned")
    return html, status


@bp.get("/<int:round_id>/weekly/status")
@login_required
def weekly_status(round_id: int):
    campaign = campaigns.get(current_user, round_id)
    weekly.require_reviewer(current_user)
    friday, message = _week_asked(request.args.get("week"), clock.today())
    return _status_page(campaign, friday, message=message, status=400 if message else 200)


@bp.post("/<int:round_id>/weekly/<int:report_id>/return")
@login_required
def weekly_return(round_id: int, report_id: int):
    campaign = campaigns.get(current_user, round_id)
    weekly.require_reviewer(current_user)
    reason = request.form.get("reason", "")[:600]
    try:
        report = weekly.send_back(current_user, campaign, report_id, reason)
    except ValidationFailed as exc:
        db.session.rollback()
        found = db.session.get(WeeklyReport, report_id)
        friday = found.week_ending if found is not None else week_ending(clock.today())
        return _status_page(campaign, friday, errors=exc.fields, typed_reason=reason, error_report=report_id,
                            status=400)
    friday = report.week_ending
    return redirect(url_for("campaigns.weekly_status", round_id=round_id, week=friday.isoformat(),
                            done="returned"), code=303)
