"""Step forms of identification (识别纳入): triage, verification, village review and notice,
township review, county confirmation, green channel and entry in the national system
(seed 003, seed 004), and the township's answer to a farmer's re-review of a refusal.

Each handler reads its fields (every problem collected under the field's name), calls
``form.done()``, then ``services.workflow.cases.perform``, which checks the workflow and records the
step. Dates that a step reports (the day of a review, of a check) may not lie in the future.
"""
from __future__ import annotations

from datetime import date

from domain.deadlines import notice_earliest_end
from domain.eligibility import format_yuan, format_yuan_cents
from domain.enums import MonitoringCategory, RiskType
from domain.evidence import EvidenceKind
from domain.fieldwork import AwayReason, VisitMethod
from domain.workflow import Action, CaseState
from models import Case, User
from portal.office.formdata import FormReader
from portal.office.steps import Panel, StepForm, register
from services.accounts import people
from services.farmer import reviews
from services.identification import panels
from services.regions import settings
from services.workflow import case_facts, cases
from services.workflow.cases import StepInput

SIGN_OFF = "本人已审核并签字，对审核结果负责（谁核查、谁签字、谁负责）"
REASON_MAX = 300  # a reason the farmer reads on /track: short and plain


# --- shared readers ------------------------------------------------------------------------

def _past_day(form: FormReader, name: str, label: str, today: date, *, not_before: date | None = None,
              before_label: str = "") -> date | None:
    """A required date that has already come (a review held, a check made)."""
    day = form.day(name, label, required=True)
    if day is None:
        return None
    if day > today:
        form.fail(name, f"{label}不能晚于今天（{today.isoformat()}）")
    elif not_before is not None and day < not_before:
        form.fail(name, f"{label}不能早于{before_label}（{not_before.isoformat()}）")
    return day


def _review(form: FormReader, case: Case, today: date) -> tuple[dict, date | None]:
    """民主评议: when, who took part, what was decided."""
    day = _past_day(form, "review_date", "评议日期", today, not_before=case.clue_date, before_label="线索受理日期")
    participants = form.text("participants", "参加人员", required=True, max_len=300)
    result = form.text("result", "评议结果", required=True, max_len=300)
    review = {"date": day.isoformat() if day else "", "participants": participants, "result": result}
    return review, day


def _signature(form: FormReader, actor: User) -> dict:
    """The reviewer's sign-off (谁核查、谁签字、谁负责); the event records who and when."""
    if not form.flag("signed"):
        form.fail("signed", "请勾选签字确认：审核人对审核结果负责")
    return {"signed_by": actor.id,
            "notes": [f"审核人签字：{actor.full_name}（{actor.role_enum.label}），对审核结果负责"]}


def _reason(form: FormReader, label: str, max_len: int = REASON_MAX) -> str:
    return form.text("reason", label, required=True, max_len=max_len)


def _day_options(actor: User, case: Case, today: date) -> dict:
    return {"today": today.isoformat()}


# --- triage --------------------------------------------------------------------------------

def _accept(actor: User, case: Case, form: FormReader, today: date) -> None:
    comment = form.text("comment", "受理意见", max_len=500)
    form.done()
    cases.perform(actor, case.id, Action.ACCEPT, StepInput(comment=comment), today=today)


def _verifier_options(actor: User, case: Case, today: date) -> dict:
    return {"choices": [(p.id, p.label) for p in people.verifiers_for(actor, case)]}


def _assign(action: Action):
    def handle(actor: User, case: Case, form: FormReader, today: date) -> None:
        assignee = form.integer("assignee_id", "核实人", required=True)
        comment = form.text("comment", "说明", max_len=500)
        form.done()
        cases.perform(actor, case.id, action, StepInput(assignee_id=assignee, comment=comment), today=today)
    return handle


def _merge_options(actor: User, case: Case, today: date) -> dict:
    return {"choices": [(c.id, c.label) for c in panels.merge_targets(actor, case)]}


def _merge(actor: User, case: Case, form: FormReader, today: date) -> None:
    target = form.integer("target_case_id", "要合并到的线索", required=True)
    comment = form.text("comment", "说明", max_len=500)
    form.done()
    cases.perform(actor, case.id, Action.MERGE, StepInput(target_case_id=target, comment=comment), today=today)


# --- verification --------------------------------------------------------------------------

def _verify_options(actor: User, case: Case, today: date) -> dict:
    on_behalf = case.verifier is not None and case.verifier_id != actor.id
    return {"today": today.isoformat(), "methods": VisitMethod.choices(), "away": AwayReason.choices(),
            "verifier": case.verifier.full_name if on_behalf else ""}


def _verify(actor: User, case: Case, form: FormReader, today: date) -> None:
    method = form.choice("method", VisitMethod, "核实方式", required=True)
    day = _past_day(form, "verified_on", "核实日期", today, not_before=case.clue_date, before_label="线索受理日期")
    findings = form.text("findings", "核实情况", required=True, max_len=2000)
    lines = [findings]
    if method is not None and VisitMethod(method).remote:
        # Seed 004: families away are checked by phone, WeChat or QQ; say who was reached and why away.
        reached = form.text("reached_person", "联系上的人", required=True, max_len=50)
        away = form.choice("away_reason", AwayReason, "全家外出原因", required=True)
        lines += [f"联系对象：{reached}", f"全家外出原因：{AwayReason(away).label if away else ''}"]
    files = form.evidence("verification_form", EvidenceKind.VERIFICATION_FORM)
    form.done()
    notes = [f"核实方式：{VisitMethod(method).label}", f"核实日期：{day.isoformat()}"]
    if case.verifier is not None and case.verifier_id != actor.id:
        notes.append(f"由{actor.full_name}代为登记，核实人：{case.verifier.full_name}")
    step = StepInput(comment="\n".join(lines), evidence=files,
                     data={"method": method, "verified_on": day.isoformat(), "notes": notes})
    cases.perform(actor, case.id, Action.VERIFY, step, today=today)


def _visits_panel(actor: User, case: Case, today: date) -> Panel | None:
    """Field-app visits already linked to the case, beside the verification step."""
    rows = panels.linked_visits(case)
    if not rows and case.state_enum is not CaseState.VERIFYING:
        return None
    return Panel("office/identification_visits.html", {"visits": rows})


# --- village review and notice -------------------------------------------------------------

def _review_pass(actor: User, case: Case, form: FormReader, today: date) -> None:
    review, day = _review(form, case, today)
    start = form.day("notice_start", "公示开始日期", required=True)
    if start is not None and day is not None and start < day:
        form.fail("notice_start", "公示开始日期不能早于评议日期")
    elif start is not None and start > today:
        form.fail("notice_start", "请在公示张贴后登记：公示开始日期不能晚于今天")
    minutes = form.evidence("review_minutes", EvidenceKind.REVIEW_MINUTES, required=True)
    comment = form.text("comment", "说明", max_len=500)
    form.done()
    step = StepInput(review=review, notice_start=start, evidence=minutes, comment=comment)
    cases.perform(actor, case.id, Action.VILLAGE_REVIEW_PASS, step, today=today)


def _review_fail(actor: User, case: Case, form: FormReader, today: date) -> None:
    review, _ = _review(form, case, today)
    minutes = form.evidence("review_minutes", EvidenceKind.REVIEW_MINUTES, required=True)
    reason = _reason(form, "未通过的原因")
    form.done()
    step = StepInput(review=review, reason=reason, evidence=minutes)
    cases.perform(actor, case.id, Action.VILLAGE_REVIEW_FAIL, step, today=today)


def _close_options(actor: User, case: Case, today: date) -> dict:
    policy = settings.policy_for(case.region)
    earliest = notice_earliest_end(case.notice_start, policy) if case.notice_start else None
    return {"today": today.isoformat(), "start": case.notice_start.isoformat() if case.notice_start else "",
            "earliest": earliest.isoformat() if earliest else "", "min_days": policy.notice_min_days}


def _close_notice(actor: User, case: Case, form: FormReader, today: date) -> None:
    end = form.day("notice_end", "公示结束日期", required=True)
    photos = form.evidence("notice_record", EvidenceKind.NOTICE_RECORD)
    comment = form.text("comment", "说明", max_len=500)
    form.done()
    step = StepInput(notice_end=end, evidence=photos, comment=comment)
    cases.perform(actor, case.id, Action.CLOSE_NOTICE, step, today=today)


def _objection(actor: User, case: Case, form: FormReader, today: date) -> None:
    objection = _reason(form, "异议内容", max_len=1000)
    checked = form.text("checked", "核查情况", required=True, max_len=1000)
    records = form.evidence("objection_record", EvidenceKind.OBJECTION_RECORD)
    form.done()
    step = StepInput(reason=f"异议内容：{objection}", comment=f"核查情况：{checked}", evidence=records,
                     data={"notes": ["公示期间收到异议，退回重新评议"]})
    cases.perform(actor, case.id, Action.NOTICE_OBJECTION, step, today=today)


# --- township review (谁核查、谁签字、谁负责) ------------------------------------------------

def _township_approve(actor: User, case: Case, form: FormReader, today: date) -> None:
    comment = form.text("comment", "审核意见", max_len=500)
    data = _signature(form, actor)
    form.done()
    step = StepInput(comment=comment, signed=True, data=data)
    cases.perform(actor, case.id, Action.TOWNSHIP_APPROVE, step, today=today)


def _township_return(actor: User, case: Case, form: FormReader, today: date) -> None:
    reason = _reason(form, "退回原因和需补充核实的内容", max_len=500)
    data = _signature(form, actor)
    form.done()
    step = StepInput(reason=reason, signed=True, data=data)
    cases.perform(actor, case.id, Action.TOWNSHIP_RETURN, step, today=today)


def _decline(action: Action):
    """乡镇审核不通过 / 县级不予纳入: a reason the applicant reads, and the sign-off."""
    def handle(actor: User, case: Case, form: FormReader, today: date) -> None:
        reason = _reason(form, "不予纳入的原因")
        data = _signature(form, actor)
        form.done()
        cases.perform(actor, case.id, action, StepInput(reason=reason, signed=True, data=data), today=today)
    return handle


# --- county confirmation -------------------------------------------------------------------

def _confirm_options(actor: User, case: Case, today: date) -> dict:
    return {"categories": MonitoringCategory.choices(), "risks": RiskType.choices(),
            "checked": list(case.risk_types), "hint": panels.category_hint(case),
            "no_household": case.household_id is None, "eligibility": _eligibility(case, today)}


# --- the measurement where the decisions are taken -----------------------------------------------

ELIGIBILITY_STATES = (CaseState.VERIFIED, CaseState.PUBLICIZING, CaseState.TOWNSHIP_REVIEW, CaseState.COUNTY_REVIEW)


def _eligibility(case: Case, today: date) -> dict:
    """``domain.eligibility.assess`` for the case's household, as the reviews show it."""
    found = case_facts.assessment(case, today)
    if found is None:
        return {"known": False, "why": "尚未关联农户" if case.household is None
                else "该户尚未登记家庭纯收入，或本地区没有设定监测范围，无法测算"}
    return {"known": True, "in_scope": found.in_scope, "per_capita": format_yuan_cents(found.per_capita),
            "line": format_yuan(found.line), "year": today.year,
            "reasons": [r.text for r in found.reasons], "attention": [r.text for r in found.attention]}


def _eligibility_panel(actor: User, case: Case, today: date) -> Panel | None:
    if case.state_enum not in ELIGIBILITY_STATES:
        return None
    return Panel("office/panel_eligibility.html", {"e": _eligibility(case, today)})


def _county_confirm(actor: User, case: Case, form: FormReader, today: date) -> None:
    category = form.choice("category", MonitoringCategory, "监测对象类别", required=True)
    risks = form.choices("risk_types", RiskType, "风险类型", required=True)
    comment = form.text("comment", "确定意见", max_len=500)
    reason = form.text("reason", "确定纳入的理由", max_len=REASON_MAX)
    data = _signature(form, actor)
    form.done()
    step = StepInput(category=category, risk_types=risks, comment=comment, reason=reason, signed=True, data=data)
    cases.perform(actor, case.id, Action.COUNTY_CONFIRM, step, today=today)


# --- green channel and national system -----------------------------------------------------

def _green_channel(actor: User, case: Case, form: FormReader, today: date) -> None:
    help_now = form.text("comment", "先行帮扶措施", required=True, max_len=500)
    form.done()
    step = StepInput(comment=help_now, data={"notes": ["绿色通道：帮扶先行，识别程序同步进行"]})
    cases.perform(actor, case.id, Action.GREEN_CHANNEL, step, today=today)


def _record_entry(actor: User, case: Case, form: FormReader, today: date) -> None:
    comment = form.text("comment", "录入说明", max_len=500)
    form.done()
    cases.perform(actor, case.id, Action.RECORD_ENTRY, StepInput(comment=comment), today=today)


# --- the farmer's re-review of a refusal (申请复核) ---------------------------------------------

def _review_decision(action: Action):
    """维持不纳入 / 重新核实: the township's answer, which the farmer reads on /track."""
    def handle(actor: User, case: Case, form: FormReader, today: date) -> None:
        note = _reason(form, "复核意见")
        form.done()
        reviews.decide(actor, case.id, action, note, today=today)
    return handle


def _review_panel(actor: User, case: Case, today: date) -> Panel | None:
    """The farmer's re-review requests of a refused case, the open one with its countdown. Only a
    refused case can have them open (a reopened case shows its decision on the timeline), so no
    other case page pays the query."""
    if case.state_enum is not CaseState.REJECTED:
        return None
    rows = reviews.requests_shown(case, today)
    if not rows:
        return None
    return Panel("office/panel_review.html", {"rows": rows})


register({
    Action.ACCEPT: StepForm(_accept),
    Action.MERGE: StepForm(_merge, _merge_options),
    Action.ASSIGN_VERIFIER: StepForm(_assign(Action.ASSIGN_VERIFIER), _verifier_options),
    Action.REASSIGN_VERIFIER: StepForm(_assign(Action.REASSIGN_VERIFIER), _verifier_options),
    Action.VERIFY: StepForm(_verify, _verify_options, multipart=True),
    Action.VILLAGE_REVIEW_PASS: StepForm(_review_pass, _day_options, multipart=True),
    Action.VILLAGE_REVIEW_FAIL: StepForm(_review_fail, _day_options, multipart=True),
    Action.CLOSE_NOTICE: StepForm(_close_notice, _close_options, multipart=True),
    Action.NOTICE_OBJECTION: StepForm(_objection, multipart=True),
    Action.TOWNSHIP_APPROVE: StepForm(_township_approve),
    Action.TOWNSHIP_RETURN: StepForm(_township_return),
    Action.TOWNSHIP_REJECT: StepForm(_decline(Action.TOWNSHIP_REJECT)),
    Action.COUNTY_CONFIRM: StepForm(_county_confirm, _confirm_options),
    Action.COUNTY_REJECT: StepForm(_decline(Action.COUNTY_REJECT)),
    Action.GREEN_CHANNEL: StepForm(_green_channel),
    Action.RECORD_ENTRY: StepForm(_record_entry),
    Action.REVIEW_UPHOLD: StepForm(_review_decision(Action.REVIEW_UPHOLD)),
    Action.REVIEW_REOPEN: StepForm(_review_decision(Action.REVIEW_REOPEN)),
}, [_visits_panel, _eligibility_panel, _review_panel])
