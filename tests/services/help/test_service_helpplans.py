"""Help plans through the service: saved with the rules checked, refused leaving nothing,
revised keeping history; 先行帮扶 on the green channel; the case page's view models."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

import factories
from conftest import TODAY
from core.extensions import db
from domain.enums import CaseSource, LabourCapacity
from domain.workflow import Action, CaseState, TransitionRefused
from help_support import (choices, green_channel_case, helping_case, library, plan_day,
                          visited_case)
from models import AuditLog, CaseEvent, PlanMeasure
from office_support import drive
from portal.office import plan_views
from services.errors import NotFound, ValidationFailed
from services.help import measures, plans
from services.workflow import cases

START = TODAY - timedelta(days=30)
DAY = plan_day(START)


def plan_rows(case_id):
    return list(db.session.execute(select(PlanMeasure).where(PlanMeasure.case_id == case_id)
                                   .order_by(PlanMeasure.id)).scalars())


def row_count():
    return db.session.execute(select(func.count(PlanMeasure.id))).scalar_one()


def test_a_plan_is_saved_in_order_with_departments_and_due_dates(app):
    world = factories.build_world()
    lib = library(world)
    case = visited_case(world, START, toilet=True)
    due = DAY + timedelta(days=30)
    plans.save_plan(world.users["village_a"], case.id, Action.MAKE_HELP_PLAN,
                        choices(lib, "乡村公益性岗位", "医疗救助", due=due) + choices(lib, "结对关爱走访"),
                        comment="全家商量后确定", today=DAY)
    assert case.state_enum is CaseState.HELPING
    rows = plan_rows(case.id)
    assert [(r.measure.name, r.position, r.department, r.status) for r in rows] == [
        ("乡村公益性岗位", 0, "human_resources", "planned"), ("医疗救助", 1, "medical_insurance", "planned"),
        ("结对关爱走访", 2, None, "planned")]
    assert rows[0].due_on == due and rows[2].due_on is None and rows[0].planned_on == DAY
    assert rows[0].created_by_id == world.users["village_a"].id
    event = case.events[-1]
    assert event.action == "make_help_plan" and event.comment == "全家商量后确定"
    assert event.data["notes"][0] == "帮扶措施：乡村公益性岗位、医疗救助、结对关爱走访"
    assert event.data["plan"]["added"] == [lib["乡村公益性岗位"].id, lib["医疗救助"].id, lib["结对关爱走访"].id]
    audit = db.session.execute(select(AuditLog).where(AuditLog.object_type == "help_plan")).scalars().one()
    assert audit.detail == "measures=3 added=3 cancelled=0"


def test_a_plan_breaking_a_rule_is_refused_and_leaves_no_rows(app):
    world = factories.build_world()
    lib = library(world)
    case = visited_case(world, START, toilet=True)
    with pytest.raises(TransitionRefused) as exc:
        plans.save_plan(world.users["village_a"], case.id, Action.MAKE_HELP_PLAN,
                            choices(lib, "医疗救助"), today=DAY)
    assert "开发式" in exc.value.reasons[0] and "依据" in exc.value.reasons[0]
    assert row_count() == 0 and case.state_enum is CaseState.VISITED


def test_an_empty_plan_is_refused(app):
    world = factories.build_world()
    library(world)
    case = visited_case(world, START, toilet=True)
    with pytest.raises(TransitionRefused) as exc:
        plans.save_plan(world.users["village_a"], case.id, Action.MAKE_HELP_PLAN, [], today=DAY)
    assert "还没有选择任何措施" in exc.value.reasons[0]
    assert row_count() == 0


def test_a_household_without_labour_needs_security(app):
    world = factories.build_world()
    lib = library(world)
    case = visited_case(world, START, toilet=True, labour=LabourCapacity.LOST.value)
    with pytest.raises(TransitionRefused) as exc:
        plans.save_plan(world.users["village_a"], case.id, Action.MAKE_HELP_PLAN,
                            choices(lib, "医疗救助"), today=DAY)
    assert "保障式" in str(exc.value)
    plans.save_plan(world.users["village_a"], case.id, Action.MAKE_HELP_PLAN,
                        choices(lib, "农村低保兜底"), today=DAY)
    assert case.state_enum is CaseState.HELPING


def test_the_toilet_upgrade_first_among_improvements(app):
    world = factories.build_world()
    lib = library(world)
    case = visited_case(world, START, toilet=False)
    village = world.users["village_a"]
    for names, text in ((("乡村公益性岗位", "医疗救助"), "须把户厕改造列入"),
                        (("乡村公益性岗位", "医疗救助", "人居环境整治", "户厕改造"), "户厕改造须排在")):
        with pytest.raises(TransitionRefused) as exc:
            plans.save_plan(village, case.id, Action.MAKE_HELP_PLAN, choices(lib, *names), today=DAY)
        assert text in str(exc.value)
    assert row_count() == 0
    plans.save_plan(village, case.id, Action.MAKE_HELP_PLAN,
                        choices(lib, "乡村公益性岗位", "医疗救助", "户厕改造", "人居环境整治"), today=DAY)
    assert [r.measure.name for r in plans.current(case)][2] == "户厕改造"


def test_the_wrong_role_is_refused_before_input_is_read(app):
    world = factories.build_world()
    library(world)
    case = visited_case(world, START, toilet=True)
    for who in ("cadre_a", "township", "grid_a1"):
        with pytest.raises((TransitionRefused, NotFound)):
            plans.save_plan(world.users[who], case.id, Action.MAKE_HELP_PLAN, [plans.PlanChoice(999999)],
                                today=DAY)
    with pytest.raises(NotFound):  # outside scope
        plans.save_plan(world.users["village_b"], case.id, Action.MAKE_HELP_PLAN, [], today=DAY)
    assert row_count() == 0


def test_invalid_choices_name_the_field(app):
    world = factories.build_world()
    lib = library(world)
    case = visited_case(world, START, toilet=True)
    village = world.users["village_a"]
    measures.set_active(world.users["county"], lib["发展庭院经济"].id, False)
    attempts = [
        ([plans.PlanChoice(999999)], {"measure_id": "所选措施不在本县帮扶措施库中"}),
        (choices(lib, "发展庭院经济"), {"measure_id": "措施“发展庭院经济”已停用，不能再选"}),
        (choices(lib, "乡村公益性岗位", due=DAY - timedelta(days=1)),
         {f"due_{lib['乡村公益性岗位'].id}": "完成期限不能早于今天"}),
    ]
    for chosen, fields in attempts:
        with pytest.raises(ValidationFailed) as exc:
            plans.save_plan(village, case.id, Action.MAKE_HELP_PLAN, chosen, today=DAY)
        assert exc.value.fields == fields
    assert row_count() == 0


def test_revising_cancels_and_adds_keeping_history(app):
    world = factories.build_world()
    lib = library(world)
    case = helping_case(world, lib, START, "乡村公益性岗位", "医疗救助", "结对关爱走访")
    first = {r.measure.name: r.id for r in plan_rows(case.id)}
    later = DAY + timedelta(days=20)
    plans.save_plan(world.users["cadre_a"], case.id, Action.REVISE_HELP_PLAN,
                        choices(lib, "发展庭院经济", "乡村公益性岗位", "先诊疗后付费"),
                        comment="医保报销后改为先诊疗后付费", today=later)
    rows = plan_rows(case.id)
    assert [(r.measure.name, r.status) for r in rows] == [
        ("乡村公益性岗位", "planned"), ("医疗救助", "cancelled"), ("结对关爱走访", "cancelled"),
        ("发展庭院经济", "planned"), ("先诊疗后付费", "planned")]
    assert rows[0].id == first["乡村公益性岗位"]  # kept, not re-created
    assert [r.measure.name for r in plans.current(case)] == ["发展庭院经济", "乡村公益性岗位", "先诊疗后付费"]
    assert rows[3].planned_on == later and rows[1].updated_by_id == world.users["cadre_a"].id
    notes = case.events[-1].data["notes"]
    assert notes[1] == "取消：医疗救助、结对关爱走访" and notes[2] == "新增：发展庭院经济、先诊疗后付费"
    assert case.state_enum is CaseState.HELPING


def test_revising_without_change_or_dropping_a_done_measure_is_refused(app):
    world = factories.build_world()
    lib = library(world)
    case = helping_case(world, lib, START)
    village = world.users["village_a"]
    with pytest.raises(ValidationFailed) as exc:
        plans.save_plan(village, case.id, Action.REVISE_HELP_PLAN,
                            choices(lib, "乡村公益性岗位", "医疗救助"), today=DAY)
    assert "没有变化" in exc.value.fields["measure_id"]
    medical = plans.current(case)[1]
    medical.status, medical.done_on = "done", DAY
    with pytest.raises(ValidationFailed) as exc:
        plans.save_plan(village, case.id, Action.REVISE_HELP_PLAN,
                            choices(lib, "乡村公益性岗位", "先诊疗后付费"), today=DAY)
    assert "已落实的措施（医疗救助）不能从计划中取消" == exc.value.fields["measure_id"]
    # A changed due date alone is a revision.
    plans.save_plan(village, case.id, Action.REVISE_HELP_PLAN,
                        choices(lib, "乡村公益性岗位", "医疗救助", due=DAY + timedelta(days=9)), today=DAY)
    assert plans.current(case)[0].due_on == DAY + timedelta(days=9)
    assert medical.due_on is None  # a done measure keeps its dates


def test_cancelling_a_measure_needs_a_reason_kept_on_the_measure(app):
    # A cancelled measure counts as finished for risk elimination (domain.measures): its reason
    # answers for it, so a cancellation without one is refused and nothing changes.
    world = factories.build_world()
    lib = library(world)
    case = helping_case(world, lib, START, "乡村公益性岗位", "医疗救助")
    events = len(case.events)
    for blank in ("", "   "):
        with pytest.raises(ValidationFailed) as exc:
            plans.save_plan(world.users["village_a"], case.id, Action.REVISE_HELP_PLAN,
                            choices(lib, "乡村公益性岗位", "先诊疗后付费"), comment=blank, today=DAY)
        assert exc.value.fields == {"comment": "取消措施（医疗救助）须写明理由"}
    db.session.expire_all()
    assert [(r.measure.name, r.status) for r in plan_rows(case.id)] == [
        ("乡村公益性岗位", "planned"), ("医疗救助", "planned")]
    assert len(case.events) == events
    plans.save_plan(world.users["village_a"], case.id, Action.REVISE_HELP_PLAN,
                    choices(lib, "乡村公益性岗位", "先诊疗后付费"), comment="已纳入大病保险，改为先诊疗后付费", today=DAY)
    medical = plan_rows(case.id)[1]
    assert medical.status == "cancelled"
    assert medical.note == f"{DAY.isoformat()} {world.users['village_a'].full_name}：从帮扶计划中取消，理由：已纳入大病保险，改为先诊疗后付费"
    # Adding alone needs no reason.
    plans.save_plan(world.users["village_a"], case.id, Action.REVISE_HELP_PLAN,
                    choices(lib, "乡村公益性岗位", "先诊疗后付费", "结对关爱走访"), today=DAY)


def test_a_revision_breaking_a_rule_changes_nothing(app):
    world = factories.build_world()
    lib = library(world)
    case = helping_case(world, lib, START)
    before = [(r.id, r.status, r.position) for r in plan_rows(case.id)]
    events = len(case.events)
    with pytest.raises(TransitionRefused):
        plans.save_plan(world.users["village_a"], case.id, Action.REVISE_HELP_PLAN,
                            choices(lib, "医疗救助"), comment="去掉公益岗位", today=DAY)
    db.session.expire_all()
    assert [(r.id, r.status, r.position) for r in plan_rows(case.id)] == before
    assert db.session.execute(select(func.count(CaseEvent.id)).where(CaseEvent.case_id == case.id)).scalar_one() == events


def test_green_channel_measures_start_before_inclusion_and_join_the_plan(app):
    world = factories.build_world()
    lib = library(world)
    case = green_channel_case(world, START)
    made = plans.start_early(world.users["village_a"], case.id, choices(lib, "临时救助"), today=START)
    assert [(r.measure.name, r.department, r.planned_on) for r in made] == [("临时救助", "civil_affairs", START)]
    with pytest.raises(ValidationFailed):  # already started
        plans.start_early(world.users["village_a"], case.id, choices(lib, "临时救助"), today=START)
    case.household.sanitary_toilet = True
    drive(world, case, CaseState.VISITED, START)
    picker = plan_views.picker(case, None)
    ticked = [c.name for g in picker.groups for c in g.choices if c.checked]
    assert ticked == ["临时救助"]
    plans.save_plan(world.users["village_a"], case.id, Action.MAKE_HELP_PLAN,
                        choices(lib, "乡村公益性岗位", "临时救助"), today=DAY)
    assert [(r.id, r.status) for r in plan_rows(case.id)][0] == (made[0].id, "planned")
    assert len(plan_rows(case.id)) == 2


def test_green_channel_measures_need_the_channel_and_the_right_role(app):
    world = factories.build_world()
    lib = library(world)
    plain = factories.household(world.grid_a1, START)
    ordinary = cases.open_case(None, plain.region, CaseSource.SELF_REPORT, today=START, household=plain)
    with pytest.raises(TransitionRefused) as exc:
        plans.start_early(world.users["village_a"], ordinary.id, choices(lib, "临时救助"), today=START)
    assert "绿色通道" in str(exc.value)
    green = green_channel_case(world, START)
    with pytest.raises(NotFound):  # a pair cadre reaches only the cases paired with them
        plans.start_early(world.users["cadre_a"], green.id, choices(lib, "临时救助"), today=START)
    with pytest.raises(ValidationFailed) as exc:
        plans.start_early(world.users["township"], green.id, [], today=START)
    assert exc.value.fields == {"measure_id": "请至少选择一项措施"}
    assert row_count() == 0


def test_the_panel_shows_the_plan_and_its_check(app):
    world = factories.build_world()
    lib = library(world)
    case = helping_case(world, lib, START, "乡村公益性岗位", "医疗救助", "先诊疗后付费")
    view = plan_views.panel(world.users["village_a"], case, TODAY)
    assert [r.name for r in view.rows] == ["乡村公益性岗位", "医疗救助", "先诊疗后付费"]
    assert view.check.ok and [w.text[:6] for w in view.check.warnings] == ["“因病”一项"]
    assert view.facts.labour.startswith("有劳动能力") and view.facts.toilet == "有卫生厕所"
    assert view.early is None
    # Measures without a department are followed by the village; departments' by them.
    assert [r.may_update for r in view.rows] == [False, False, False]
    dept_view = plan_views.panel(world.users["county"], case, TODAY)
    assert all(r.may_update for r in dept_view.rows)


def test_the_picker_shows_what_was_posted_and_checks_it(app):
    world = factories.build_world()
    lib = library(world)
    case = visited_case(world, START, toilet=None)
    form = plan_views.picker(case, plan_views.Posted([lib["医疗救助"].id, 424242], {lib["医疗救助"].id: "2026-13-01"}, {}, {}))
    chosen = [c for g in form.groups for c in g.choices if c.checked]
    assert [(c.name, c.due) for c in chosen] == [("医疗救助", "2026-13-01")]
    assert not form.check.ok
    assert [p.text[:4] for p in form.check.problems] == ["本户有2"]
    assert [w.text[:6] for w in form.check.warnings] == ["农户档案未登"]
    targeted = {c.name for g in form.groups for c in g.choices if c.targets_case}
    assert targeted == {"农村低保兜底", "临时救助", "医疗救助", "先诊疗后付费"}
