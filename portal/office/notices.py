"""Printable papers: the village's public notice (公示) and the county's written notice of
inclusion; and the case-page panels that link to them."""
from __future__ import annotations

from datetime import date

from flask import render_template, request, url_for
from flask_login import current_user, login_required

from core.clock import today
from models import Case, User
from portal.office.blueprint import bp
from portal.office.steps import Panel, register
from services.identification import notices


@bp.route("/notices/<village_code>")
@login_required
def notice(village_code: str):
    view = notices.public_notice(current_user, village_code, request.args.get("stage", ""), today())
    html = render_template("office/notice.html", notice=view)
    return html


@bp.route("/cases/<int:case_id>/confirmation-notice")
@login_required
def confirmation_notice(case_id: int):
    view = notices.confirmation_notice(current_user, case_id)
    html = render_template("office/confirmation_notice.html", notice=view)
    return html


def _notice_panel(actor: User, case: Case, today: date) -> Panel | None:
    """While the case is on a public notice: a link to print the village's notice."""
    stage = notices.notice_stage_of(case)
    village = case.region.village
    if stage is None or not notices.may_print_notice(actor, village):
        return None
    return Panel("office/notice_panel.html", {
        "url": url_for("office.notice", village_code=village.code, stage=stage),
        "village": village.name, "stage": notices.STAGES[stage].title})


def _confirmation_panel(actor: User, case: Case, today: date) -> Panel | None:
    """Once the county has confirmed the case: a link to print the written notice."""
    if not notices.confirmation_available(case):
        return None
    return Panel("office/notice_confirmation_panel.html", {
        "url": url_for("office.confirmation_notice", case_id=case.id)})


register({}, [_notice_panel, _confirmation_panel])
