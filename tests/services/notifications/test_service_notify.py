"""Who is told about a case's next step, the in-app rows and their dedupe, the logging channel,
and the daily deadline reminders (cases and plan measures)."""
import logging
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core.extensions import db
from domain.enums import CaseSource, HelpKind, MeasureStatus, NotificationKind, Role
from domain.workflow import TRANSITIONS, Action, CaseState
from conftest import TODAY
from factories import build_world, household, new_id
from help_support import choices, library, plan_day, visited_case
from models import Measure, Notification, PlanMeasure
from office_support import drive, new_case
from services.accounts import users
from services.errors import NotFound
from services.help import plans
from services.notifications import centre, notify, reminders
from services.notifications.notify import NOTIFIERS_EXTENSION, Duty, duty_for
from services.workflow import cases
from services.workflow.cases import StepInput

S, R = CaseState, Role
START = date(2026, 11, 1)  # identification due 16 November


# --- pure: who holds each state's next step --------------------------------------------------------

EXPECTED_DUTY = {
    # state: (person named on the case, desk level, desk told as well as the person)
    S.REPORTED: (None, R.VILLAGE_STAFF, True),
    S.RECEIVED: (None, R.VILLAGE_STAFF, True),
    S.VERIFYING: ("verifier", R.VILLAGE_STAFF, False),
    S.VERIFIED: (None, R.VILLAGE_STAFF, True),
    S.PUBLICIZING: (None, R.VILLAGE_STAFF, True),
    S.TOWNSHIP_REVIEW: (None, R.TOWNSHIP_STAFF, True),
    S.COUNTY_REVIEW: (None, R.COUNTY_STAFF, True),
    S.MONITORED: (None, R.TOWNSHIP_STAFF, True),
    S.PAIRED: ("pair_cadre", R.TOWNSHIP_STAFF, False),
    S.VISITED: (None, R.VILLAGE_STAFF, True),
    S.HELPING: ("pair_cadre", R.VILLAGE_STAFF, True),
    S.ELIM_PROPOSED: ("original_verifier", R.TOWNSHIP_STAFF, False),
    S.ELIM_VERIFIED: (None, R.VILLAGE_STAFF, True),
    S.ELIM_PUBLICIZING: (None, R.VILLAGE_STAFF, True),
    S.ELIM_TOWNSHIP_REVIEW: (None, R.TOWNSHIP_STAFF, True),
    S.ELIM_COUNTY_REVIEW: (None, R.COUNTY_STAFF, True),
    S.ELIM_APPROVED: (None, R.COUNTY_STAFF, True),
    S.ELIMINATED: (None, R.VILLAGE_STAFF, True),
}


@pytest.mark.parametrize("state", list(EXPECTED_DUTY))
def test_who_holds_the_next_step_of_each_state(state):
    duty = duty_for(state)
    assert isinstance(duty, Duty)
    assert (duty.person, duty.staff, duty.staff_too) == EXPECTED_DUTY[state]


def test_finished_cases_hold_no_step():
    assert duty_for(S.REJECTED) is None
    assert duty_for(S.MERGED) is None


def test_every_next_step_is_a_rule_of_the_workflow_and_every_live_state_has_one():
    assert set(notify.NEXT_STEP) == {s for s in CaseState if not s.is_terminal}
    for state, (action, task) in notify.NEXT_STEP.items():
        assert (state, action) in TRANSITIONS, (state, action)
        assert task
        # The desk named is one the workflow lets take the step, unless it is the stand-in.
        duty = duty_for(state)
        if duty.staff_too:
            assert duty.staff in TRANSITIONS[(state, action)].roles


# --- in-app rows from the case service ---------------------------------------------------------------

@pytest.fixture
def world(app):
    return build_world()


def rows(user=None):
    db.session.commit()  # people are told after the work commits
    query = select(Notification).order_by(Notification.id)
    if user is not None:
        query = query.where(Notification.user_id == user.id)
    return list(db.session.execute(query).scalars())


def unread(user):
    db.session.commit()  # people are told after the work commits
    return centre.unread_count(user)


def test_a_report_tells_the_village_and_each_step_the_next_holder(world):
    u = world.users
    case = new_case(world, START)
    assert [n.title for n in rows(u["village_a"])] == [f"案件 {case.id} 待办：受理线索，期限 2026-11-16"]
    assert rows(u["village_b"]) == [] and rows(u["township"]) == []

    drive(world, case, S.VERIFYING, START)
    # village_a accepted and assigned: nothing new for the person who acted; the verifier is told.
    assert len(rows(u["village_a"])) == 1
    assert [n.title for n in rows(u["grid_a1"])] == [f"案件 {case.id} 待办：入户核实，期限 2026-11-16"]
    assert all(n.kind == NotificationKind.ASSIGNED.value and n.case_id == case.id for n in rows())
    assert rows(u["grid_a1"])[0].link == f"/cases/{case.id}"


@pytest.mark.parametrize("state, who, task", [
    (S.VERIFIED, "village_a", "民主评议和公示"),
    (S.TOWNSHIP_REVIEW, "township", "乡镇审核"),
    (S.COUNTY_REVIEW, "county", "县级确定"),
    (S.MONITORED, "township", "明确结对帮扶干部"),
    (S.PAIRED, "cadre_a", "结对干部首次走访"),
    (S.VISITED, "village_a", "制定帮扶计划"),
])
def test_the_holder_of_the_next_step_is_told(world, state, who, task):
    case = drive(world, new_case(world, START), state, START)
    last = rows()[-1]
    assert (last.user_id, last.case_id) == (world.users[who].id, case.id)
    assert last.title.startswith(f"案件 {case.id} 待办：{task}")
    told = {n.user_id for n in rows()}
    assert not told & {world.users[n].id for n in ("village_b", "grid_b1", "dept", "admin")}


def test_a_new_verifier_is_told_and_nobody_twice(world):
    u = world.users
    case = drive(world, new_case(world, START), S.VERIFYING, START)
    before = len(rows())
    cases.perform(u["village_a"], case.id, Action.REASSIGN_VERIFIER,
                  StepInput(assignee_id=u["cadre_a"].id), today=START)
    assert len(rows(u["cadre_a"])) == 1
    assert len(rows()) == before + 1  # the first verifier keeps their one row
    notify.case_changed(case, None)  # the same occasion again adds nothing
    notify.case_changed(case, Action.REASSIGN_VERIFIER)
    assert len(rows()) == before + 1


def test_a_to_do_counts_as_read_once_its_step_is_taken(world):
    u = world.users
    case = new_case(world, START)
    reminders.remind_deadlines(date(2026, 11, 14))  # due soon: the village is reminded too
    assert unread(u["village_a"]) == 2
    drive(world, case, S.VERIFYING, START)
    assert unread(u["village_a"]) == 0
    assert len(rows(u["village_a"])) == 2  # still listed
    assert unread(u["grid_a1"]) == 1
    cases.perform(u["grid_a1"], case.id, Action.VERIFY, StepInput(comment="核实"), today=START)
    assert unread(u["grid_a1"]) == 0


def test_a_finished_case_leaves_nothing_unread(world):
    u = world.users
    case = drive(world, new_case(world, START), S.VERIFIED, START)
    assert unread(u["village_a"]) == 1
    cases.perform(u["village_a"], case.id, Action.VILLAGE_REVIEW_FAIL,
                  StepInput(reason="收入高于监测范围", review={"date": "2026-11-05", "participants": "村两委"}),
                  today=date(2026, 11, 5))
    assert unread(u["village_a"]) == 0


def test_a_case_sent_back_tells_the_verifier_again(world):
    u = world.users
    case = drive(world, new_case(world, START), S.TOWNSHIP_REVIEW, START)
    cases.perform(u["township"], case.id, Action.TOWNSHIP_RETURN, StepInput(reason="收入核算有误"), today=START)
    assert len(rows(u["grid_a1"])) == 2  # a new arrival in VERIFYING is a new to-do


def test_without_village_staff_the_township_is_told(world):
    u = world.users
    users.deactivate(u["village_a"])
    db.session.flush()
    case = new_case(world, START)
    assert rows(u["village_a"]) == []
    assert [n.case_id for n in rows(u["township"])] == [case.id]


def test_titles_and_logs_hold_no_personal_data(world, caplog):
    id_number, phone = new_id(), "13912345678"
    h = household(world.grid_a1, START, id_number=id_number, phone=phone)
    head = h.head.name
    caplog.set_level(logging.INFO, logger="shoudi.notify")
    case = cases.open_case(None, h.region, CaseSource.SELF_REPORT, today=START, household=h,
                           risk_types=["illness"], words="老人住院花了五万元")
    drive(world, case, S.VERIFYING, START)
    reminders.remind_deadlines(START + timedelta(days=20))
    titles = [n.title for n in rows()]
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "shoudi.notify")
    assert titles and "notify user=" in logged
    for text in titles + [logged]:
        for secret in (head, id_number, id_number[-4:], phone, phone[-4:], "住院", "五万"):
            assert secret not in text
    assert not any(t in logged for t in titles)  # the log keeps ids and keys, not titles


# --- the channel interface --------------------------------------------------------------------------

class ListChannel:
    """A second channel, as an SMS or WeChat one would be: it receives each message once."""

    def __init__(self):
        self.received = []

    def deliver(self, message):
        self.received.append((message.recipient.id, message.kind, message.dedupe_key, message.step, message.due))


def test_a_further_channel_gets_each_message_once(app, world):
    channel = ListChannel()
    app.extensions[NOTIFIERS_EXTENSION].append(channel)
    case = drive(world, new_case(world, START), S.VERIFYING, START)
    notify.case_changed(case, None)
    reminders.remind_deadlines(START + timedelta(days=20))
    reminders.remind_deadlines(START + timedelta(days=20))
    heard = len(channel.received)
    assert all(kind is NotificationKind.ASSIGNED for _, kind, *_ in channel.received)
    db.session.flush()
    assert len(channel.received) == heard  # other channels hear only of committed work
    db.session.commit()
    grid = world.users["grid_a1"].id
    assert (grid, NotificationKind.ASSIGNED, f"todo:{case.id}:{_entered(case)}", "入户核实",
            date(2026, 11, 16)) in channel.received
    assert len(channel.received) == len(set(channel.received)) == len(rows())


def _entered(case):
    return notify._arrival(case)[0]


# --- reminders ---------------------------------------------------------------------------------------

def _count(kind=None):
    query = select(func.count(Notification.id))
    if kind is not None:
        query = query.where(Notification.kind == kind.value)
    return db.session.execute(query).scalar_one()


def test_reminders_due_soon_then_overdue_and_idempotent(world):
    u = world.users
    case = drive(world, new_case(world, START), S.VERIFYING, START)  # due 16 November
    assert reminders.remind_deadlines(date(2026, 11, 12)).total == 0  # 4 days left: not yet

    report = reminders.remind_deadlines(date(2026, 11, 13))
    assert (report.due_soon, report.overdue, report.measures) == (1, 0, 0)
    soon = [n for n in rows(u["grid_a1"]) if n.kind == "due_soon"]
    assert soon[0].title == f"案件 {case.id} 即将到期：识别认定期限 2026-11-16（还剩 3 天），当前环节：入户核实"
    assert reminders.remind_deadlines(date(2026, 11, 13)).total == 0
    assert reminders.remind_deadlines(date(2026, 11, 15)).total == 0  # one per deadline and step

    report = reminders.remind_deadlines(date(2026, 11, 17))
    assert (report.due_soon, report.overdue) == (0, 1)
    # 18 November: overdue by 2 days, still short of escalation (3 days, tests/services/notifications/
    # test_service_escalation.py).
    assert reminders.remind_deadlines(date(2026, 11, 18)).total == 0
    assert _count(NotificationKind.OVERDUE) == 1 and _count(NotificationKind.DUE_SOON) == 1
    assert rows(u["village_a"])[-1].kind == "assigned"  # the verifier's step: the desk is not nagged


def test_a_new_step_while_overdue_reminds_its_new_holders(world):
    u = world.users
    case = drive(world, new_case(world, START), S.VERIFYING, START)
    reminders.remind_deadlines(date(2026, 11, 17))
    cases.perform(u["grid_a1"], case.id, Action.VERIFY, StepInput(comment="核实"), today=date(2026, 11, 17))
    db.session.commit()
    report = reminders.remind_deadlines(date(2026, 11, 18))
    assert report.overdue == 1
    assert [n.kind for n in rows(u["village_a"])][-1] == "overdue"


def test_finished_cases_are_not_reminded(world):
    u = world.users
    case = drive(world, new_case(world, START), S.VERIFIED, START)
    cases.perform(u["village_a"], case.id, Action.VILLAGE_REVIEW_FAIL,
                  StepInput(reason="收入高于监测范围", review={"date": "2026-11-05", "participants": "村两委"}),
                  today=date(2026, 11, 5))
    assert case.due_date is None
    assert reminders.remind_deadlines(date(2026, 11, 30)).total == 0


def _measure(world, case, department, due, status=MeasureStatus.PLANNED):
    library = Measure(county_id=world.county.id, name=f"措施{department}", kind=HelpKind.SECURITY.value,
                      department=department, risk_types=["illness"])
    planned = PlanMeasure(case=case, measure=library, position=0, department=department,
                          status=status.value, planned_on=due - timedelta(days=30), due_on=due)
    db.session.add_all([library, planned])
    db.session.flush()
    return planned


def test_overdue_measures_remind_their_department(world):
    u = world.users
    case = drive(world, new_case(world, START), S.HELPING, START)
    _measure(world, case, "civil_affairs", date(2026, 11, 19))
    _measure(world, case, "education", date(2026, 11, 19), MeasureStatus.DONE)
    _measure(world, case, "health", date(2026, 11, 25))
    report = reminders.remind_deadlines(date(2026, 11, 20))
    assert report.measures == 1
    measure_rows = [n for n in rows(u["dept"]) if n.kind == "measure"]
    assert [n.title for n in measure_rows] == [
        f"案件 {case.id} 帮扶措施第 1 项已逾期：期限 2026-11-19（民政负责）"]
    assert "措施civil_affairs" not in measure_rows[0].title  # the measure's name stays out
    assert reminders.remind_deadlines(date(2026, 11, 21)).measures == 0
    assert len([n for n in rows() if n.kind == "measure"]) == 1
    late = db.session.execute(select(PlanMeasure).where(PlanMeasure.department == "civil_affairs")).scalar_one()
    late.status = MeasureStatus.DONE.value  # done since: the next run retires the reminder
    reminders.remind_deadlines(date(2026, 11, 22))
    assert unread(u["dept"]) == 0


def test_the_centre_shows_own_rows_unread_first_and_marks_read(world):
    u = world.users
    drive(world, new_case(world, START), S.VERIFYING, START)
    new_case(world, START)
    mine = rows(u["village_a"])
    assert len(mine) == 2
    centre.mark_read(u["village_a"], mine[0].id)
    view = centre.centre(u["village_a"])
    assert [r.id for r in view.rows] == [mine[1].id, mine[0].id]
    assert (view.unread, view.total) == (1, 2) == (unread(u["village_a"]), 2)
    with pytest.raises(NotFound):
        centre.mark_read(u["village_b"], mine[1].id)
    assert centre.mark_all_read(u["village_a"]) == 1
    assert unread(u["village_a"]) == 0
    assert unread(u["grid_a1"]) == 1


def test_the_daily_command_reports_what_it_sent_and_sends_nothing_twice(app, world):
    drive(world, new_case(world, START), S.VERIFYING, START)
    db.session.commit()
    first = app.test_cli_runner().invoke(args=["remind-deadlines", "--date", "2026-11-17"])
    assert first.exit_code == 0, first.output
    assert first.output.strip() == "2026-11-17：已发送提醒 1 条（即将到期 0，已逾期 1，措施逾期 0）"
    again = app.test_cli_runner().invoke(args=["remind-deadlines", "--date", "2026-11-17"])
    assert "已发送提醒 0 条" in again.output
    db.session.expire_all()
    assert _count(NotificationKind.OVERDUE) == 1
    bad = app.test_cli_runner().invoke(args=["remind-deadlines", "--date", "17/11/2026"])
    assert bad.exit_code != 0


def test_a_department_is_told_when_a_plan_hands_it_a_measure(app):
    """措施交办: the officers of the measure's department get a notice; measures with no
    department stay with the village; the title names no measure (医疗救助 tells of health)."""
    world = build_world()
    lib = library(world)
    case = visited_case(world, TODAY, toilet=True)
    plans.save_plan(world.users["village_a"], case.id, Action.MAKE_HELP_PLAN,
                        choices(lib, "乡村公益性岗位", "临时救助", "结对关爱走访"), today=plan_day(TODAY))
    db.session.commit()  # departments are told once the plan is committed
    handed = db.session.execute(select(Notification).where(
        Notification.kind == "measure", Notification.dedupe_key.like("handover:%"))).scalars().all()
    assert [n.user_id for n in handed] == [world.users["dept"].id]  # 民政 only: no 人社 officer exists
    assert handed[0].title.startswith(f"案件 {case.id} 交办帮扶措施第 2 项（民政负责）")
    assert "临时救助" not in handed[0].title
