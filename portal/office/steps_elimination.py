"""Step forms of risk elimination (风险消除五步法, seed 000), the conditions panel of the case
page, the printable announcement (公告) of households whose risk was eliminated, and the
county's 清退 of a household included by mistake (seed 004; not a risk elimination).

Every handler first makes sure the step is the actor's to take (a wrong role gets 409 with
who must do it, whatever the form holds), then reads the fields and calls
``services.elimination.procedure``.
"""
from __future__ import annotations

from datetime import date

from flask import current_app, render_template, request, url_for
from flask_login import current_user, login_required

from core.clock import today
from core.extensions import db
from core.unit_of_work import keep_on_refusal
from domain.deadlines import notice_earliest_end
from domain.evidence import ELIMINATION_PAPERS, EvidenceKind
from domain.workflow import Action, CaseState
from models import Case, User
from portal.office.blueprint import bp
from portal.office.formdata import FormReader
from portal.office.steps import Panel, StepForm, register
from services.elimination import clearing, procedure
from services.errors import ValidationFailed
from services.regions import settings
from services.workflow import cases

K = EvidenceKind


def turn(action: Action, read):
    """The handler: the actor's turn is checked before any field is read."""
    def handle(actor: User, case: Case, form: FormReader, day: date) -> None:
        procedure.ensure_turn(actor, case, action)
        read(actor, case, form, day)
    return handle


def _propose(actor: User, case: Case, form: FormReader, day: date) -> None:
    natural = form.tristate("natural", "风险是否属于自然消除", required=True)
    secure = form.tristate("guarantees_secure", "“三保障”和饮水安全是否有保障", required=True)
    rigid = form.tristate("rigid_spending_resolved", "大额刚性支出是否已稳定解决", required=True)
    comment = form.text("comment", "研判意见")
    files = form.evidence("elimination_form", K.ELIMINATION_FORM)
    form.done()
    procedure.propose(actor, case.id, natural=natural, guarantees_secure=secure,
                        rigid_spending_resolved=rigid, comment=comment, evidence=files, today=day)


def _verify(actor: User, case: Case, form: FormReader, day: date) -> None:
    findings = form.text("findings", "入户核实情况", required=True, max_len=2000)
    companions = form.text("companions", "会同核实人员", required=True, max_len=200)
    household_signed = form.flag("household_signed")
    signed = form.flag("signed")
    stand_in_reason = form.text("stand_in_reason", "代为核实的原因", max_len=500)
    signature = form.evidence("household_signature", K.HOUSEHOLD_SIGNATURE)
    form.done()
    procedure.verify(actor, case.id, findings=findings, companions=companions,
                       household_signed=household_signed, signed=signed, stand_in_reason=stand_in_reason,
                       signature=signature, today=day)


def _village_review(actor: User, case: Case, form: FormReader, day: date) -> None:
    review_date = form.day("review_date", "评议日期", required=True)
    participants = form.text("participants", "参加人员", required=True, max_len=500)
    result = form.text("result", "评议结果", required=True, max_len=500)
    notice_start = form.day("notice_start", "公示开始日期", required=True)
    signed = form.flag("signed")
    comment = form.text("comment", "说明")
    minutes = form.evidence("review_minutes", K.REVIEW_MINUTES)
    form.done()
    procedure.village_review(actor, case.id, review_date=review_date, participants=participants,
                               result=result, notice_start=notice_start, signed=signed, minutes=minutes,
                               comment=comment, today=day)


def _close_notice(actor: User, case: Case, form: FormReader, day: date) -> None:
    notice_end = form.day("notice_end", "公示结束日期", required=True)
    no_objection = form.flag("no_objection")
    comment = form.text("comment", "说明")
    record = form.evidence("notice_record", K.NOTICE_RECORD)
    form.done()
    procedure.close_notice(actor, case.id, notice_end=notice_end, no_objection=no_objection,
                             notice_record=record, comment=comment, today=day)


def _township(actor: User, case: Case, form: FormReader, day: date) -> None:
    papers = [item for kind in ELIMINATION_PAPERS
              for item in form.evidence(procedure.paper_field(kind), kind)]
    opinion = form.text("opinion", "审核意见", required=True, max_len=1000)
    signed = form.flag("signed")
    form.done()
    procedure.township_approve(actor, case.id, papers=papers, opinion=opinion, signed=signed, today=day)


def _county(actor: User, case: Case, form: FormReader, day: date) -> None:
    household_survey = form.text("household_survey", "对农户的电话调查情况", max_len=2000)
    department_survey = form.text("department_survey", "对行业部门的电话调查情况", max_len=2000)
    survey_files = form.evidence("phone_survey", K.PHONE_SURVEY)
    doubts = form.tristate("doubts_remain", "电话调查后是否仍有疑虑", required=True)
    onsite_notes = form.text("onsite_notes", "入户调查情况", max_len=2000)
    onsite_files = form.evidence("onsite_check", K.ONSITE_CHECK)
    opinion = form.text("opinion", "审定意见", required=True, max_len=1000)
    signed = form.flag("signed")
    form.done()
    procedure.county_approve(actor, case.id, household_survey=household_survey,
                               department_survey=department_survey, survey_files=survey_files,
                               doubts_remain=doubts, onsite_notes=onsite_notes, onsite_files=onsite_files,
                               opinion=opinion, signed=signed, today=day)


def _announce(actor: User, case: Case, form: FormReader, day: date) -> None:
    files = form.evidence("announcement", K.ANNOUNCEMENT)
    comment = form.text("comment", "说明")
    form.done()
    procedure.announce(actor, case.id, files=files, comment=comment, today=day)


def _send_back(actor: User, case: Case, form: FormReader, day: date) -> None:
    reason = form.text("reason", "退回理由", required=True, max_len=1000)
    form.done()
    procedure.send_back(actor, case.id, reason=reason, today=day)


def _clear_out(actor: User, case: Case, form: FormReader, day: date) -> None:
    reason = form.text("reason", "清退理由", required=True, max_len=clearing.REASON_MAX)
    application = form.text("application", "乡镇申请", max_len=clearing.APPLICATION_MAX)
    files = form.evidence("application_file")  # the township's application: not an elimination paper
    form.done()
    clearing.clear_out(actor, case.id, reason=reason, application=application, files=files, today=day)


def _clear_out_options(actor: User, case: Case, day: date) -> dict:
    return {"eliminated": case.state_enum is CaseState.ELIMINATED}


# --- what each form offers ---------------------------------------------------------------------

def _verify_options(actor: User, case: Case, day: date) -> dict:
    available = cases.original_verifier_available(case)
    return {"stand_in": not available,
            "original_verifier": procedure.name_of(case.original_verifier_id),
            "pair_cadre": procedure.name_of(case.pair_cadre_id)}


def notice_url(case: Case) -> str:
    """The printable 公示 of the case's village (the notices page), to post after the review."""
    if "office.notice" not in current_app.view_functions:
        return ""
    return url_for("office.notice", village_code=case.region.village.code, stage="elimination")


def _review_options(actor: User, case: Case, day: date) -> dict:
    return {"notice_url": notice_url(case), "today": day.isoformat()}


def _close_options(actor: User, case: Case, day: date) -> dict:
    start = case.notice_start
    earliest = notice_earliest_end(start, settings.policy_for(case.region)) if start else None
    return {"notice_start": start.isoformat() if start else "",
            "earliest_end": earliest.isoformat() if earliest else "", "today": day.isoformat()}


def _township_options(actor: User, case: Case, day: date) -> dict:
    rows = procedure.papers_of_current_elimination(case)
    return {"papers": rows, "missing": [r.label for r in rows if not r.files]}


def _announce_options(actor: User, case: Case, day: date) -> dict:
    return {"announcement_url": url_for("office.announcement")}


def _conditions_panel(actor: User, case: Case, day: date) -> Panel | None:
    found = procedure.conditions(actor, case, day)
    return Panel("office/panel_elimination.html", {"c": found}) if found else None


register({
    Action.PROPOSE_ELIMINATION: StepForm(turn(Action.PROPOSE_ELIMINATION, _propose), multipart=True),
    Action.ELIM_VERIFY: StepForm(turn(Action.ELIM_VERIFY, _verify), _verify_options, multipart=True),
    Action.ELIM_VILLAGE_REVIEW: StepForm(turn(Action.ELIM_VILLAGE_REVIEW, _village_review), _review_options,
                                         multipart=True),
    Action.ELIM_CLOSE_NOTICE: StepForm(turn(Action.ELIM_CLOSE_NOTICE, _close_notice), _close_options,
                                       multipart=True),
    Action.ELIM_TOWNSHIP_APPROVE: StepForm(turn(Action.ELIM_TOWNSHIP_APPROVE, _township), _township_options,
                                           multipart=True),
    Action.ELIM_COUNTY_APPROVE: StepForm(turn(Action.ELIM_COUNTY_APPROVE, _county), multipart=True),
    Action.ANNOUNCE: StepForm(turn(Action.ANNOUNCE, _announce), _announce_options, multipart=True),
    Action.ELIM_RETURN: StepForm(turn(Action.ELIM_RETURN, _send_back)),
    Action.CLEAR_OUT: StepForm(turn(Action.CLEAR_OUT, _clear_out), _clear_out_options, multipart=True),
}, [_conditions_panel])


# --- the printable announcement ----------------------------------------------------------------

def _quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


@bp.route("/announcement")
@login_required
def announcement():
    """风险消除公告: households marked eliminated in a date range (default: this quarter so
    far), in the viewer's area, with masked ID numbers only. Printable."""
    day = today()
    reader = FormReader(request.args)
    start = reader.day("start", "开始日期") or _quarter_start(day)
    end = reader.day("end", "结束日期") or day
    status, errors = 200, dict(reader.errors)
    if errors:
        start, end, status = _quarter_start(day), day, 400
    try:
        page = procedure.announcement(current_user, start, end)
    except ValidationFailed as exc:
        errors, status = exc.fields, 400
        page = procedure.announcement(current_user, _quarter_start(day), day)
    keep_on_refusal()  # the audit entry of this read
    return render_template("office/announcement.html", page=page, errs=errors, val=request.args), status
