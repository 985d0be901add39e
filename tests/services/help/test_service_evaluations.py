"""Quarterly evaluations: a row per evaluation and the workflow step, both or neither."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

import factories
from conftest import TODAY
from core.extensions import db
from domain.workflow import CaseState, TransitionRefused
from help_support import helping_case, library, visited_case
from models import AuditLog, Evaluation
from services.errors import NotFound, ValidationFailed
from services.help import evaluations, measure_tasks, plans
from services.help.evaluations import EvaluationInput
from services.workflow import case_facts

START = TODAY - timedelta(days=30)


def count():
    return db.session.execute(select(func.count(Evaluation.id))).scalar_one()


def finish_measures(world, case, day=TODAY):
    """Every measure of the plan carried out, as county staff record it (/tasks)."""
    for pm in plans.current(case):
        measure_tasks.update(world.users["county"], pm.id, status="done", done_on=day, note="已落实", today=day)
    db.session.flush()


def test_an_evaluation_is_recorded_with_its_quarter(app):
    world = factories.build_world()
    case = helping_case(world, library(world), START)
    finish_measures(world, case)
    row = evaluations.evaluate(world.users["cadre_a"], case.id,
                               EvaluationInput(True, True, False, comment="医疗费用已报销一部分"), today=TODAY)
    assert (row.quarter, row.evaluated_on, row.measures_in_place, row.measures_working, row.risk_gone,
            row.propose_elimination) == ("2026Q4", TODAY, True, True, False, False)
    assert row.actor_id == world.users["cadre_a"].id and row.comment == "医疗费用已报销一部分"
    raw = db.session.execute(text("SELECT comment FROM evaluation")).scalar_one()
    assert "报销" not in raw
    assert case.last_evaluation_on == TODAY and case.state_enum is CaseState.HELPING
    event = case.events[-1]
    assert event.action == "quarterly_evaluation"
    assert event.data["notes"][:2] == ["评估季度：2026Q4", "措施是否落实：是"]
    assert event.comment is None  # the comment lives, encrypted, with the evaluation only
    assert not case_facts.proposed_at_evaluation(case)
    [audit] = db.session.execute(select(AuditLog).where(AuditLog.object_type == "evaluation")).scalars()
    assert audit.detail == f"case={case.id} quarter=2026Q4"


def test_proposing_elimination_needs_the_risk_gone(app):
    world = factories.build_world()
    case = helping_case(world, library(world), START)
    finish_measures(world, case)
    with pytest.raises(ValidationFailed) as exc:
        evaluations.evaluate(world.users["village_a"], case.id, EvaluationInput(True, True, False, True),
                             today=TODAY)
    assert exc.value.fields == {"propose_elimination": "风险尚未消除，不能提出纳入风险消除名单"}
    assert count() == 0
    evaluations.evaluate(world.users["village_a"], case.id, EvaluationInput(True, True, True, True), today=TODAY)
    assert case_facts.proposed_at_evaluation(case)
    assert case.events[-1].data["notes"][-1] == "经集体研判，拟纳入风险消除名单"


def test_the_latest_evaluation_counts(app):
    world = factories.build_world()
    case = helping_case(world, library(world), START)
    finish_measures(world, case)
    evaluations.evaluate(world.users["village_a"], case.id, EvaluationInput(True, True, True, True), today=TODAY)
    assert evaluations.quarter_done(case, TODAY) and not evaluations.quarter_done(case, date(2027, 1, 2))
    evaluations.evaluate(world.users["village_a"], case.id, EvaluationInput(True, False, False),
                         today=date(2027, 1, 5))
    assert not case_facts.proposed_at_evaluation(case)
    rows = evaluations.rows(case)
    assert [(r.quarter, r.working, r.proposed) for r in rows] == [("2027Q1", "否", False), ("2026Q4", "是", True)]


def test_wrong_role_wrong_state_and_out_of_scope_leave_no_row(app):
    world = factories.build_world()
    lib = library(world)
    case = helping_case(world, lib, START)
    for who in ("township", "county", "grid_a1", "dept"):
        with pytest.raises((TransitionRefused, NotFound)):
            evaluations.evaluate(world.users[who], case.id, EvaluationInput(True, True, True), today=TODAY)
    with pytest.raises(NotFound):
        evaluations.evaluate(world.users["village_b"], case.id, EvaluationInput(True, True, True), today=TODAY)
    visited = visited_case(world, START, toilet=True)
    with pytest.raises(TransitionRefused) as exc:
        evaluations.evaluate(world.users["village_a"], visited.id, EvaluationInput(True, True, True), today=TODAY)
    assert "当前状态" in str(exc.value)
    assert count() == 0


def test_the_in_place_answer_is_checked_against_the_measures(app):
    # Seed 000: the evaluation asks "已制定的帮扶措施是否落实": the answer is the measures' state.
    world = factories.build_world()
    lib = library(world)
    case = helping_case(world, lib, START)
    with pytest.raises(ValidationFailed) as exc:
        evaluations.evaluate(world.users["village_a"], case.id, EvaluationInput(True, True, True, True), today=TODAY)
    assert exc.value.fields == {"measures_in_place": "帮扶计划中还有措施未落实：乡村公益性岗位（已安排）、医疗救助（已安排），"
                                                     "“帮扶措施是否落实到位”不能选“是”"}
    # "否" agrees, but then the household cannot be put on the elimination list.
    with pytest.raises(ValidationFailed) as exc:
        evaluations.evaluate(world.users["village_a"], case.id, EvaluationInput(False, True, True, True), today=TODAY)
    assert exc.value.fields == {"propose_elimination": "帮扶措施尚未落实到位，不能提出纳入风险消除名单"}
    assert count() == 0
    evaluations.evaluate(world.users["village_a"], case.id, EvaluationInput(False, False, False), today=TODAY)
    # One done, the other taken out of the plan with a reason: all finished, "否" disagrees now.
    [work, medical] = plans.current(case)
    measure_tasks.update(world.users["county"], work.id, status="in_progress", done_on=None, note="", today=TODAY)
    plans.save_plan(world.users["village_a"], case.id, plans.Action.REVISE_HELP_PLAN,
                    [plans.PlanChoice(lib["乡村公益性岗位"].id), plans.PlanChoice(lib["农村低保兜底"].id)],
                    comment="医疗费用已由大病保险报销，改为低保兜底", today=TODAY)
    with pytest.raises(ValidationFailed) as exc:
        evaluations.evaluate(world.users["village_a"], case.id, EvaluationInput(True, True, True), today=TODAY)
    assert exc.value.fields["measures_in_place"].startswith(
        "帮扶计划中还有措施未落实：乡村公益性岗位（落实中）、农村低保兜底（已安排）")
    finish_measures(world, case)
    with pytest.raises(ValidationFailed) as exc:
        evaluations.evaluate(world.users["village_a"], case.id, EvaluationInput(False, True, True), today=TODAY)
    assert exc.value.fields["measures_in_place"].startswith("帮扶计划中的措施都已落实")
    evaluations.evaluate(world.users["village_a"], case.id, EvaluationInput(True, True, True, True), today=TODAY)
    assert case_facts.proposed_at_evaluation(case)
