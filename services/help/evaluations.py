"""Quarterly help evaluations (帮扶效果评估, seed 000): are the measures in place, working, is
the risk gone? The collective judgement that the risk is gone may put the household on the
risk-elimination list; ``services.workflow.case_facts.proposed_at_evaluation`` reads the latest row.

"措施是否落实到位" is not taken on trust: it must agree with the plan's measures as recorded
(``domain.measures.in_place_answer_problem``), or the evaluation is refused naming the measures.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.extensions import db
from domain.case_states import Action
from domain.deadlines import quarter_code
from domain import measures as measure_rule
from models import Case, Evaluation, User
from services.accounts import scoping
from services.errors import ValidationFailed
from services.help import plan_state
from services.platform import audit
from services.workflow import cases
from services.workflow.case_events import StepInput

COMMENT_MAX = 1000


@dataclass(frozen=True)
class EvaluationInput:
    measures_in_place: bool
    measures_working: bool
    risk_gone: bool
    propose_elimination: bool = False
    comment: str = ""


@dataclass(frozen=True)
class EvaluationRow:
    quarter: str
    evaluated_on: str
    in_place: str
    working: str
    risk_gone: str
    proposed: bool
    actor: str
    comment: str


def _yes(value: bool) -> str:
    return "是" if value else "否"


def _notes(data: EvaluationInput, quarter: str) -> list[str]:
    notes = [f"评估季度：{quarter}", f"措施是否落实：{_yes(data.measures_in_place)}",
             f"措施是否见效：{_yes(data.measures_working)}", f"风险是否消除：{_yes(data.risk_gone)}"]
    if data.propose_elimination:
        notes.append("经集体研判，拟纳入风险消除名单")
    return notes


def evaluate(actor: User, case_id: int, data: EvaluationInput, *, today: date) -> Evaluation:
    """Record this quarter's evaluation, then take the workflow step (both or neither)."""
    case = scoping.get(actor, Case, case_id)
    quarter = quarter_code(today)
    step = StepInput(data={"notes": _notes(data, quarter), "evaluation": {
        "quarter": quarter, "in_place": data.measures_in_place, "working": data.measures_working,
        "risk_gone": data.risk_gone, "propose_elimination": data.propose_elimination}})
    cases.check(actor, case, Action.QUARTERLY_EVALUATION, step, today=today)
    errors: dict[str, str] = {}
    problem = measure_rule.in_place_answer_problem(data.measures_in_place, plan_state.plan(case))
    if problem:  # the answer must agree with the measures' real state (domain.measures)
        errors["measures_in_place"] = problem
    if data.propose_elimination and not data.risk_gone:
        errors["propose_elimination"] = "风险尚未消除，不能提出纳入风险消除名单"
    elif data.propose_elimination and not data.measures_in_place:
        errors["propose_elimination"] = "帮扶措施尚未落实到位，不能提出纳入风险消除名单"
    if len(data.comment.strip()) > COMMENT_MAX:
        errors["comment"] = f"评估意见不超过{COMMENT_MAX}个字"
    if errors:
        raise ValidationFailed(errors)
    evaluation = Evaluation(
        case=case, quarter=quarter, evaluated_on=today, measures_in_place=data.measures_in_place,
        measures_working=data.measures_working, risk_gone=data.risk_gone,
        propose_elimination=data.propose_elimination, comment=data.comment.strip() or None, actor=actor)
    db.session.add(evaluation)
    db.session.flush()
    cases.perform(actor, case.id, Action.QUARTERLY_EVALUATION, step, today=today)
    audit.record(actor, "create", "evaluation", evaluation.id, f"case={case.id} quarter={quarter}")
    return evaluation


def evaluations_of(case: Case) -> list[Evaluation]:
    query = (select(Evaluation).where(Evaluation.case_id == case.id).options(selectinload(Evaluation.actor))
             .order_by(Evaluation.evaluated_on.desc(), Evaluation.id.desc()))
    return list(db.session.execute(query).scalars())


def rows(case: Case) -> list[EvaluationRow]:
    """For the case page (an audited read of the case): newest first."""
    return [EvaluationRow(
        quarter=e.quarter, evaluated_on=e.evaluated_on.isoformat(), in_place=_yes(e.measures_in_place),
        working=_yes(e.measures_working), risk_gone=_yes(e.risk_gone), proposed=e.propose_elimination,
        actor=e.actor.full_name if e.actor else "", comment=e.comment or "")
        for e in evaluations_of(case)]


def quarter_done(case: Case, today: date) -> bool:
    """An evaluation of the current quarter is already on record."""
    quarter = quarter_code(today)
    return any(e.quarter == quarter for e in evaluations_of(case))
