"""One rule for "open measure" and "overdue measure" (``domain.measures``): the department's
list (/tasks), the overdue list (/overdue) and the daily reminders give the same answer.

The cases: a green-channel case still being identified (its measures count at once), a case in
help, and cases that ended without help (rejected, merged), whose measures are nobody's task."""
from datetime import timedelta

from sqlalchemy import select

import factories
from conftest import TODAY
from core.extensions import db
from domain.enums import CaseSource
from domain.workflow import Action, CaseState
from help_support import choices, green_channel_case, helping_case, library
from models import Notification, PlanMeasure
from office_support import drive
from services.accounts import users
from services.help import measure_tasks, plans
from services.help.measure_tasks import TaskFilters
from services.notifications import centre, reminders
from services.reporting import overdue
from services.workflow import cases
from services.workflow.cases import StepInput

START = TODAY - timedelta(days=40)
DUE = TODAY - timedelta(days=25)  # the green channel's measure: due 15 days after it started


def _green_with_measure(world, lib):
    case = green_channel_case(world, START)
    [made] = plans.start_early(world.users["village_a"], case.id, choices(lib, "临时救助", due=DUE),
                                   today=START)
    db.session.flush()
    return case, made


def _merge(world, case):
    """Merge ``case`` into a second clue about the same household (已合并)."""
    target = cases.open_case(None, case.region, CaseSource.SELF_REPORT, today=TODAY, household=case.household)
    cases.perform(world.users["village_a"], case.id, Action.MERGE, StepInput(target_case_id=target.id),
                  today=TODAY)
    assert case.state_enum is CaseState.MERGED
    return target


def _reminded(user, measure_id):
    return [n.title for n in db.session.execute(select(Notification).where(
        Notification.user_id == user.id, Notification.kind == "measure",
        Notification.dedupe_key.like(f"measure:{measure_id}:%"))).scalars()]


def test_a_green_channel_measure_25_days_late_is_overdue_everywhere(app):
    """The reported bug: /tasks said overdue, /overdue did not list it and no reminder went out
    (they only counted measures of monitored cases, but the green channel starts help at once)."""
    world = factories.build_world()
    lib = library(world)
    case, made = _green_with_measure(world, lib)
    assert case.state_enum.in_identification  # identification still runs alongside
    dept = world.users["dept"]  # 民政, who carries 临时救助

    [task] = measure_tasks.tasks(dept, TODAY)
    assert (task.id, task.overdue, task.days_left) == (made.id, True, -25)
    assert [t.id for t in measure_tasks.tasks(dept, TODAY, TaskFilters(overdue_only=True))] == [made.id]

    listed = overdue.build(dept, TODAY).measures
    assert [(m.case_id, m.measure, m.days) for m in listed] == [(case.id, "临时救助", 25)]
    assert [m.case_id for m in overdue.build(world.users["village_a"], TODAY).measures] == [case.id]

    assert reminders.remind_deadlines(TODAY).measures == 1
    assert _reminded(dept, made.id) == [
        f"案件 {case.id} 帮扶措施第 1 项已逾期：期限 {DUE.isoformat()}（民政负责）"]


def test_measures_of_a_case_that_ended_without_help_are_nobodys_task(app):
    """Rejected (未纳入) or merged (已合并): the household is not helped under this case, so its
    measures leave the lists and the reminders, and a reminder already sent is retired."""
    world = factories.build_world()
    lib = library(world)
    case, made = _green_with_measure(world, lib)
    dept = world.users["dept"]
    reminders.remind_deadlines(TODAY - timedelta(days=1))
    assert len(_reminded(dept, made.id)) == 1 and centre.unread_count(dept) >= 1

    drive(world, case, CaseState.VERIFIED, START)
    cases.perform(world.users["village_a"], case.id, Action.VILLAGE_REVIEW_FAIL,
                  StepInput(reason="收入高于监测范围", review={"date": TODAY.isoformat(), "participants": "村两委"}),
                  today=TODAY)
    assert case.state_enum is CaseState.REJECTED

    assert measure_tasks.tasks(dept, TODAY) == []
    assert measure_tasks.tasks(dept, TODAY, TaskFilters(overdue_only=True)) == []
    [kept] = measure_tasks.tasks(dept, TODAY, TaskFilters(show="all"))  # still on record
    assert (kept.id, kept.overdue, kept.days_left) == (made.id, False, None)
    assert overdue.build(dept, TODAY).measures == []
    assert reminders.remind_deadlines(TODAY).measures == 0
    assert not any(n.read_at is None and n.kind == "measure" for n in db.session.execute(
        select(Notification).where(Notification.user_id == dept.id)).scalars())


def test_a_merged_case_carries_no_measures(app):
    world = factories.build_world()
    lib = library(world)
    case, made = _green_with_measure(world, lib)
    _merge(world, case)
    for who in ("dept", "county"):
        assert measure_tasks.tasks(world.users[who], TODAY) == []
        assert overdue.build(world.users[who], TODAY).measures == []
    assert reminders.remind_deadlines(TODAY).measures == 0


def test_the_three_lists_agree_with_the_domain_rule(app):
    """Every plan measure in the database, judged by ``measure_tasks.row`` (the domain rule in
    Python), is overdue exactly when /tasks, /overdue and the reminders say so."""
    world = factories.build_world()
    lib = library(world)
    green, _ = _green_with_measure(world, lib)
    helped = helping_case(world, lib, START, "乡村公益性岗位", "农村低保兜底", "医疗救助", "结对关爱走访")
    rows = {r.measure.name: r for r in db.session.execute(
        select(PlanMeasure).where(PlanMeasure.case_id == helped.id)).scalars()}
    rows["乡村公益性岗位"].due_on = TODAY - timedelta(days=1)
    rows["农村低保兜底"].due_on = TODAY  # due today: not yet overdue
    rows["医疗救助"].due_on, rows["医疗救助"].status = TODAY - timedelta(days=9), "done"
    rows["医疗救助"].done_on = TODAY
    rows["结对关爱走访"].due_on = TODAY - timedelta(days=4)
    ended, late = _green_with_measure(world, lib)
    _merge(world, ended)
    db.session.flush()

    for department in ("human_resources", "medical_insurance"):  # every measure has someone to tell
        users.create_user(f"dept_{department}", department, factories.PASSWORD, "department",
                          world.county.code, department)
    county = world.users["county"]
    everything = db.session.execute(select(PlanMeasure)).scalars().all()
    expected = {pm.id for pm in everything if measure_tasks.row(pm, TODAY).overdue}
    assert len(expected) == 3 and late.id not in expected

    on_tasks = {t.id for t in measure_tasks.tasks(county, TODAY, TaskFilters(overdue_only=True))}
    on_overdue = {(m.case_id, m.measure) for m in overdue.build(county, TODAY).measures}
    reminders.remind_deadlines(TODAY)
    reminded = {int(n.dedupe_key.split(":")[1]) for n in db.session.execute(
        select(Notification).where(Notification.kind == "measure",
                                   Notification.dedupe_key.like("measure:%"))).scalars()}
    by_id = {pm.id: pm for pm in everything}
    assert on_tasks == expected == reminded
    assert on_overdue == {(by_id[i].case_id, by_id[i].measure.name) for i in expected}
