"""Look-back (回头看): the list of eliminated households due for a re-check, and the step forms
of its three outcomes on the case page (stable, revert to helping, identify again). Households
whose present members all lack labour are flagged for 回退 (seed 004: "对风险消除不稳定和整户无
劳动力的监测对象进行回退"), on the list and on both forms."""
from __future__ import annotations

from datetime import date

from flask import render_template, request, url_for
from flask_login import current_user, login_required

from core.clock import today
from domain.enums import RiskType
from domain.workflow import Action
from models import Case, User
from portal.office.blueprint import bp
from portal.office.formdata import FormReader
from portal.office.steps import StepForm, register
from portal.office.steps_elimination import turn
from services.elimination import lookback
from services.identification.inbox import read_page


@bp.route("/lookback", endpoint="lookback")
@login_required
def lookback_list():
    """One page of the three sections (``?page=N``); a page number not understood shows the
    first page with a note (400), never an error page."""
    page, page_error = read_page(request.args.get("page"))
    lists = lookback.due_list(current_user, today(), page)
    pager = [(n, url_for("office.lookback", page=n) if n > 1 else url_for("office.lookback"))
             for n in lists.page_numbers]
    html = render_template("office/lookback.html", lists=lists, pager=pager, page_error=page_error,
                           page_size=lookback.PAGE_SIZE)
    return html, 400 if page_error else 200


def _stable(actor: User, case: Case, form: FormReader, day: date) -> None:
    findings = form.text("findings", "回头看情况", required=True, max_len=2000)
    confirmed = form.flag("confirmed")
    files = form.evidence("record")  # not one of the required papers: no kind
    form.done()
    lookback.stable(actor, case.id, findings=findings, confirmed=confirmed, evidence=files, today=day)


def _revert(actor: User, case: Case, form: FormReader, day: date) -> None:
    reason = form.text("reason", "回退理由", required=True, max_len=1000)
    form.done()
    lookback.revert(actor, case.id, reason=reason, today=day)


def _reidentify(actor: User, case: Case, form: FormReader, day: date) -> None:
    reason = form.text("reason", "新发现的风险情况", required=True, max_len=1000)
    risk_types = form.choices("risk_types", RiskType, "风险类型", required=True)
    form.done()
    lookback.reidentify(actor, case.id, reason=reason, risk_types=risk_types, today=day)


def _risk_options(actor: User, case: Case, day: date) -> dict:
    return {"risk_types": RiskType.choices()}


def _labour_options(actor: User, case: Case, day: date) -> dict:
    """整户无劳动力 now: the stable and revert forms say that seed 004 reverts the household."""
    return {"without_labour": lookback.without_labour(case), "rule": lookback.REVERT_RULE}


register({
    Action.LOOKBACK_STABLE: StepForm(turn(Action.LOOKBACK_STABLE, _stable), _labour_options, multipart=True),
    Action.LOOKBACK_REVERT: StepForm(turn(Action.LOOKBACK_REVERT, _revert), _labour_options),
    Action.REIDENTIFY: StepForm(turn(Action.REIDENTIFY, _reidentify), _risk_options),
})
