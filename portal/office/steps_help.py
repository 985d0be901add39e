"""Step forms of help after inclusion (seed 000): pair cadre, first visit, help plan made and
revised from the county library with the rules checked on screen, quarterly evaluation; the
plan and evaluation panels of the case page, and the green channel's 先行帮扶.

The plan forms carry a "检查" button that shows the rule check of the ticked measures without
saving (POST /cases/<id>/plan-check/<action>); a small script runs the same check as boxes are
ticked, when scripts run.
"""
from __future__ import annotations

from datetime import date

from flask import abort, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from core.clock import today
from core.extensions import db
from domain.case_states import CaseState
from domain.deadlines import quarter_code
from domain.fieldwork import VisitMethod
from domain import measures as measure_rule
from domain.enums import MeasureStatus
from domain.workflow import Action, TransitionRefused
from domain import numbers
from domain.helpplan import PlanMaker
from domain.relief import BadAmount, ReliefKind, parse_amount
from models import Case, User
from portal.office import plan_views
from portal.office.blueprint import bp
from portal.office.case_page import render_case_page as render_case
from portal.office.formdata import FormReader
from portal.office.steps import Panel, StepForm, register
from services.accounts import people, scoping
from services.errors import ValidationFailed, answer_for
from services.help import evaluations, plan_state, plans
from services.help.evaluations import EvaluationInput
from services.help.plans import PlanChoice
from services.workflow import cases
from services.workflow.cases import StepInput

EARLY = "early"  # the marker of the 先行帮扶 form


# --- pair cadre and first visit ------------------------------------------------------------

def _assign_pair_cadre(actor: User, case: Case, form: FormReader, today: date) -> None:
    assignee = form.integer("assignee_id", "结对帮扶干部", required=True)
    comment = form.text("comment", "说明", max_len=500)
    form.done()
    cases.perform(actor, case.id, Action.ASSIGN_PAIR_CADRE,
                  StepInput(assignee_id=assignee, comment=comment), today=today)


def _pair_cadre_options(actor: User, case: Case, today: date) -> dict:
    return {"choices": [(p.id, p.label) for p in people.pair_cadres_for(actor, case)]}


def _first_visit(actor: User, case: Case, form: FormReader, today: date) -> None:
    visited_on = form.day("visit_date", "走访日期", required=True)
    if visited_on is not None and visited_on > today:
        form.fail("visit_date", "走访日期不能晚于今天")
    elif visited_on is not None and case.paired_on and visited_on < case.paired_on:
        form.fail("visit_date", f"走访日期不能早于结对日期（{case.paired_on.isoformat()}）")
    method = form.choice("method", VisitMethod, "走访方式", required=True)
    found = form.text("found", "走访了解的情况", required=True, max_len=1000)
    form.done()
    notes = [f"走访日期：{visited_on.isoformat()}", f"走访方式：{VisitMethod(method).label}"]
    cases.perform(actor, case.id, Action.FIRST_VISIT, StepInput(
        comment=found, data={"notes": notes, "first_visit": {"date": visited_on.isoformat(), "method": method}}),
        today=today)


def _first_visit_options(actor: User, case: Case, today: date) -> dict:
    return {"methods": VisitMethod.choices(), "today": today.isoformat()}


# --- the help plan -----------------------------------------------------------------------------

def _posted(marker: str) -> plan_views.Posted | None:
    """The measures ticked, due dates, relief amounts and kinds typed and the will to develop
    chosen in this request's plan form, if it carries one."""
    if request.method != "POST" or request.form.get("plan_form") != marker:
        return None
    ids = [int(v) for v in request.form.getlist("measure_id") if numbers.is_digits(v)]
    dues = {int(k[4:]): v for k, v in request.form.items() if k.startswith("due_") and numbers.is_digits(k[4:])}
    amounts = {int(k[7:]): v for k, v in request.form.items()
               if k.startswith("amount_") and numbers.is_digits(k[7:])}
    kinds = {int(k[12:]): v for k, v in request.form.items()
             if k.startswith("relief_kind_") and numbers.is_digits(k[12:])}
    will = request.form.get("development_will", "")
    return plan_views.Posted(list(dict.fromkeys(ids)), dues, amounts, kinds,
                             None if will not in ("1", "0") else will == "1")


def _choices(case: Case, form: FormReader) -> list[PlanChoice]:
    ids: list[int] = []
    for value in form.form.getlist("measure_id"):
        if numbers.is_digits(value):
            ids.append(int(value))
        else:
            form.fail("measure_id", "所选措施无效，请重新选择")
    return [PlanChoice(i, form.day(f"due_{i}", "完成期限"), *_relief_typed(form, i)) for i in dict.fromkeys(ids)]


def _relief_typed(form: FormReader, measure_id: int):
    """The 临时救助 amount and kind typed beside a measure (left empty for other measures; the
    service asks for them when the measure is a relief measure)."""
    amount = None
    raw = (form.form.get(f"amount_{measure_id}") or "").strip()
    if raw:
        try:
            amount = parse_amount(raw)
        except BadAmount as exc:
            form.fail(f"amount_{measure_id}", str(exc))
    kind = form.choice(f"relief_kind_{measure_id}", ReliefKind, "救助类型")
    return amount, kind


def _plan(action: Action):
    def handle(actor: User, case: Case, form: FormReader, today: date) -> None:
        choices = _choices(case, form)
        # Making a plan asks both; revising keeps what the case has when the field is left out.
        making = action is Action.MAKE_HELP_PLAN
        makers = form.choices("plan_makers", PlanMaker, "共同商议的各方", required=making)
        will = form.tristate("development_will", "本户是否有发展意愿", required=making)
        if action is Action.REVISE_HELP_PLAN:
            comment = form.text("comment", "调整理由", required=True, max_len=500)
        else:
            comment = form.text("comment", "计划说明", max_len=500)
        form.done()
        plans.save_plan(actor, case.id, action, choices, comment=comment, today=today,
                        makers=makers or None, development_will=will, will_given=will is not None)
    return handle


def _plan_options(action: Action):
    def options(actor: User, case: Case, today: date) -> dict:
        return {"plan": plan_views.picker(case, _posted(action.value)), "marker": action.value,
                "check_url": url_for("office.plan_check", case_id=case.id, action=action.value),
                "makers": PlanMaker.choices(), "makers_checked": tuple(case.plan_makers or ()),
                "will": "" if case.development_will is None else ("1" if case.development_will else "0")}
    return options


@bp.route("/cases/<int:case_id>/plan-check/<action>", methods=["POST"])
@login_required
def plan_check(case_id: int, action: str):
    """The rule check of the ticked measures, without saving: the whole case page with the
    form kept (no script), or only the check (``?fragment=1``, for the script)."""
    if action not in (a.value for a in plans.PLAN_ACTIONS):
        abort(404)
    if request.args.get("fragment"):
        # Only the check (measure names and rules, no personal record): not an audited read.
        case = scoping.get(current_user, Case, case_id)
        return render_template("office/steps/_plan_check.html", check=plan_views.picker(case, _posted(action)).check)
    return render_case(case_id, open_action=action, typed=request.form)


# --- quarterly evaluation ----------------------------------------------------------------------

def _evaluate(actor: User, case: Case, form: FormReader, today: date) -> None:
    in_place = form.tristate("measures_in_place", "措施是否落实到位", required=True)
    working = form.tristate("measures_working", "措施是否见效", required=True)
    risk_gone = form.tristate("risk_gone", "风险是否已消除", required=True)
    propose = form.flag("propose_elimination")
    comment = form.text("comment", "评估意见", max_len=1000)
    if propose and risk_gone is False:
        form.fail("propose_elimination", "风险尚未消除，不能提出纳入风险消除名单")
    form.done()
    evaluations.evaluate(actor, case.id, EvaluationInput(in_place, working, risk_gone, propose, comment),
                         today=today)


def _evaluation_options(actor: User, case: Case, today: date) -> dict:
    """The plan's measures as recorded, beside the "措施是否落实到位" question they decide."""
    plan = [(name, MeasureStatus(status)) for name, status in plan_state.plan(case)]
    return {"quarter": quarter_code(today), "done": evaluations.quarter_done(case, today),
            "measures": [(name, status.label, status.value) for name, status in plan],
            "unfinished": measure_rule.unfinished_measures(plan)}


# --- green channel: 先行帮扶 ----------------------------------------------------------------

@bp.route("/cases/<int:case_id>/early-measures", methods=["POST"])
@login_required
def early_measures(case_id: int):
    """先行帮扶. A refusal (wrong role, no green channel) is explained at the top of the case page."""
    case = cases.read_case(current_user, case_id)  # 404 outside scope
    form = FormReader(request.form)
    try:
        plans.ensure_early(current_user, case)  # 409 for another role, before any input
        choices = _choices(case, form)
        form.done()
        plans.start_early(current_user, case.id, choices, today=today())
    except ValidationFailed as exc:
        db.session.rollback()
        g.early_errors = exc.fields
        return render_case(case_id, typed=request.form, status=answer_for(exc).status)
    except TransitionRefused as exc:
        db.session.rollback()
        return render_case(case_id, open_action=EARLY, refused=exc.reasons, typed=request.form,
                           status=answer_for(exc).status)
    return redirect(url_for("office.case", case_id=case_id, done="early") + "#plan")


# --- panels ----------------------------------------------------------------------------------

def _plan_panel(actor: User, case: Case, today: date) -> Panel | None:
    view = plan_views.panel(actor, case, today, _posted(EARLY))
    if view is None:
        return None
    return Panel("office/panel_plan.html", {
        "plan": view, "errors": g.get("early_errors", {}),
        "early_url": url_for("office.early_measures", case_id=case.id)})


def _evaluations_panel(actor: User, case: Case, today: date) -> Panel | None:
    rows = evaluations.rows(case)
    if not rows and case.state_enum not in (CaseState.HELPING,) and not case.state_enum.in_elimination:
        return None
    return Panel("office/panel_evaluations.html", {"rows": rows})


register({
    Action.ASSIGN_PAIR_CADRE: StepForm(_assign_pair_cadre, _pair_cadre_options),
    Action.FIRST_VISIT: StepForm(_first_visit, _first_visit_options),
    Action.MAKE_HELP_PLAN: StepForm(_plan(Action.MAKE_HELP_PLAN), _plan_options(Action.MAKE_HELP_PLAN)),
    Action.REVISE_HELP_PLAN: StepForm(_plan(Action.REVISE_HELP_PLAN), _plan_options(Action.REVISE_HELP_PLAN)),
    Action.QUARTERLY_EVALUATION: StepForm(_evaluate, _evaluation_options),
}, [_plan_panel, _evaluations_panel])
