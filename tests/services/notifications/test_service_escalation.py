"""逾期升级 over moved dates: a step overdue by N days tells the desk one level up once; the job
run again tells nobody; N is the case's region's setting; a step taken and overdue again is
escalated again; a desk without an account passes it up; a county's statements per batch."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.extensions import db
from domain.enums import CaseSource, NotificationKind, RegionLevel, Role
from domain.workflow import Action, CaseState
from factories import PASSWORD, build_world, household, with_a_neighbour
from models import Case, Notification, Region
from office_support import drive, new_case
from services.accounts import users
from services.notifications import escalation, reminders
from services.notifications.notify import NOTIFIERS_EXTENSION
from services.regions import settings, tree
from services.workflow import cases
from services.workflow.cases import StepInput

S = CaseState
START = date(2026, 11, 1)  # identification due 16 November
DUE = date(2026, 11, 16)


def day(n: int) -> date:
    """The day a step due on 16 November is overdue by ``n`` days."""
    return DUE + timedelta(days=n)


@pytest.fixture
def world(app):
    return build_world()


def escalations(user=None) -> list[Notification]:
    db.session.commit()
    query = select(Notification).where(Notification.kind == NotificationKind.ESCALATED.value).order_by(Notification.id)
    if user is not None:
        query = query.where(Notification.user_id == user.id)
    return list(db.session.execute(query).scalars())


def run(today: date) -> escalation.EscalationReport:
    report = escalation.escalate_overdue(today)
    db.session.commit()
    return report


def test_overdue_by_n_days_the_desk_above_is_told_once(world):
    u = world.users
    case = drive(world, new_case(world, START), S.VERIFYING, START)  # the verifier grid_a1 holds it
    assert run(day(2)) == escalation.EscalationReport(0, 0)  # overdue by N-1 days: nothing
    assert escalations() == [] and case.escalated_due is None

    assert run(day(3)) == escalation.EscalationReport(1, 1)
    told = escalations()
    # The verifier's step goes to the desk that assigned them: the village.
    assert [(n.user_id, n.case_id, n.link) for n in told] == [(u["village_a"].id, case.id, f"/cases/{case.id}")]
    assert told[0].title == (f"案件 {case.id} 逾期升级：入户核实已逾期 3 天（识别认定期限 2026-11-16，核实人办理），"
                             "请督促办理")
    assert told[0].dedupe_key == f"escalated:{case.id}:identification:2026-11-16:verifying"
    db.session.refresh(case)
    assert (case.escalated_due, case.escalated_state) == (DUE, "verifying") and case.escalated_at is not None

    assert run(day(3)) == escalation.EscalationReport(0, 0)  # the job again: nothing
    assert run(day(9)) == escalation.EscalationReport(0, 0)  # and on later days
    assert len(escalations()) == 1


class ListChannel:
    """A channel beside the ledger, as SMS or WeChat: hears of each message once, after commit."""

    def __init__(self):
        self.received = []

    def deliver(self, message):
        self.received.append((message.recipient.id, message.kind, message.step, message.due))


def test_every_channel_hears_of_it_after_the_commit(app, world):
    channel = ListChannel()
    app.extensions[NOTIFIERS_EXTENSION].append(channel)
    drive(world, new_case(world, START), S.VERIFIED, START)
    escalation.escalate_overdue(day(3))
    assert not [r for r in channel.received if r[1] is NotificationKind.ESCALATED]  # not before the commit
    db.session.commit()
    assert [r for r in channel.received if r[1] is NotificationKind.ESCALATED] == [
        (world.users["township"].id, NotificationKind.ESCALATED, "逾期升级：民主评议和公示", DUE)]


def test_the_daily_reminders_escalate_and_say_so(world):
    drive(world, new_case(world, START), S.VERIFIED, START)  # the village holds it
    report = reminders.remind_deadlines(day(4))
    assert report.escalated == 1 and "逾期升级 1" in report.summary()
    db.session.commit()
    assert [n.user_id for n in escalations()] == [world.users["township"].id]
    assert reminders.remind_deadlines(day(5)).escalated == 0


def test_a_step_taken_then_overdue_again_is_escalated_again(world):
    u = world.users
    case = drive(world, new_case(world, START), S.VERIFYING, START)
    run(day(3))
    cases.perform(u["grid_a1"], case.id, Action.VERIFY, StepInput(comment="核实"), today=day(3))
    db.session.commit()
    # Verified, still due 16 November: the village's step now, overdue at once by more than N days.
    assert escalation.escalate_overdue(day(3)).cases == 1
    told = escalations()
    assert [n.user_id for n in told] == [u["village_a"].id, u["township"].id]
    assert told[1].title.startswith(f"案件 {case.id} 逾期升级：民主评议和公示已逾期 3 天")
    assert run(day(4)).cases == 0


def test_the_escalation_is_marked_read_once_the_step_is_taken(world):
    u = world.users
    case = drive(world, new_case(world, START), S.VERIFYING, START)
    run(day(3))
    cases.perform(u["grid_a1"], case.id, Action.VERIFY, StepInput(comment="核实"), today=day(3))
    db.session.commit()
    run(day(3))  # the village's step now, escalated to the township
    first, second = escalations()
    assert first.read_at is not None  # the verification was done: off the village's badge
    assert second.read_at is None     # the township's is about the step still waiting


def test_a_step_moved_to_a_new_due_date_is_no_longer_escalated(world):
    u = world.users
    case = drive(world, new_case(world, date(2026, 10, 20)), S.MONITORED, date(2026, 10, 20))  # pairing due 3 Nov
    assert run(date(2026, 11, 6)).cases == 1
    assert [n.user_id for n in escalations()] == [u["county"].id]  # the township's step
    assert db.session.execute(select(Case.id).where(escalation.escalated_now())).scalars().all() == [case.id]
    cases.perform(u["township"], case.id, Action.ASSIGN_PAIR_CADRE, StepInput(assignee_id=u["cadre_a"].id),
                  today=date(2026, 11, 6))
    db.session.commit()
    assert db.session.execute(select(Case.id).where(escalation.escalated_now())).scalars().all() == []
    assert run(date(2026, 11, 15)).cases == 0  # first visit due 13 Nov: overdue by 2 only
    assert run(date(2026, 11, 16)).cases == 1  # by 3: the pair cadre's step goes to the township
    assert [n.user_id for n in escalations()] == [u["county"].id, u["township"].id]


def _neighbour_case(world):
    """A clue in 邻县's village (no village or township account there), opened on START."""
    other = db.session.execute(select(Region).where(Region.code == "341598000000")).scalar_one()
    township = tree.create_region("341598101000", "河口镇", RegionLevel.TOWNSHIP, other)
    village = tree.create_region("341598101001", "河口村", RegionLevel.VILLAGE, township)
    case = cases.open_case(None, village, CaseSource.GRID_VISIT, today=START, household=household(village, START))
    db.session.commit()
    return case


def test_n_is_the_setting_of_the_cases_region(world):
    u = with_a_neighbour(world).users
    settings.change_policy(u["admin"], world.county, "escalation_days", "5", "县里规定逾期5天升级")
    db.session.commit()
    ours = drive(world, new_case(world, START), S.VERIFIED, START)
    theirs = _neighbour_case(world)
    assert run(day(3)).cases == 1  # 邻县 keeps 3 days; ours waits for 5
    # 邻县 has neither village nor township accounts: the village's step passes up to the county.
    assert [(n.user_id, n.case_id) for n in escalations()] == [(u["other_county"].id, theirs.id)]
    assert run(day(4)).cases == 0
    assert run(day(5)).cases == 1
    assert [(n.user_id, n.case_id) for n in escalations()][-1] == (u["township"].id, ours.id)

    # A township's own value overrides its county's, for the cases below it.
    settings.change_policy(u["admin"], world.township, "escalation_days", "1", "本镇逾期1天升级")
    db.session.commit()
    again = drive(world, new_case(world, date(2026, 11, 5)), S.VERIFIED, date(2026, 11, 5))  # due 20 Nov
    assert run(date(2026, 11, 20)).cases == 0
    assert run(date(2026, 11, 21)).cases == 1
    assert escalations()[-1].case_id == again.id


def test_a_desk_without_an_account_passes_it_up(world):
    u = world.users
    case = drive(world, new_case(world, START), S.VERIFIED, START)
    users.deactivate(u["township"])
    db.session.commit()
    run(day(3))
    assert [n.user_id for n in escalations()] == [u["county"].id]
    assert case.id == escalations()[0].case_id


def test_a_verifier_who_is_gone_leaves_the_step_with_the_village_and_the_township_hears(world):
    u = world.users
    drive(world, new_case(world, START), S.VERIFYING, START)
    users.deactivate(u["grid_a1"])
    db.session.commit()
    run(day(3))
    told = escalations()
    assert [n.user_id for n in told] == [u["township"].id]
    assert "（识别认定期限 2026-11-16，村级工作人员办理）" in told[0].title


def _county_step(world, region, start=START) -> Case:
    """A case at county review due on ``start`` + 15 days (the state set directly: only the state
    and the clock matter to escalation)."""
    case = cases.open_case(None, region, CaseSource.GRID_VISIT, today=start, household=household(region, start))
    case.state = S.COUNTY_REVIEW.value
    db.session.commit()
    return case


def test_a_county_step_goes_to_the_city_when_it_has_an_account_else_stays_with_the_county(world):
    u = world.users
    case = _county_step(world, world.village_a)
    run(day(3))
    told = escalations()
    assert [n.user_id for n in told] == [u["county"].id]  # nobody above the county here
    assert told[0].title.endswith("（上级没有开通账号，由本级督办）")

    city = tree.create_region("341500000000", "示范市", RegionLevel.CITY, None)
    county = tree.create_region("341525000000", "山城县", RegionLevel.COUNTY, city)
    township = tree.create_region("341525101000", "山城镇", RegionLevel.TOWNSHIP, county)
    village = tree.create_region("341525101001", "山城村", RegionLevel.VILLAGE, township)
    mayor = users.create_user("city", "市级干部", PASSWORD, Role.CITY_STAFF.value, city.code)
    users.create_user("county_c", "山城县干部", PASSWORD, Role.COUNTY_STAFF.value, county.code)
    db.session.commit()
    theirs = _county_step(world, village)
    run(day(3))
    assert [(n.user_id, n.case_id) for n in escalations()][1:] == [(mayor.id, theirs.id)]
    assert not escalations(u["county"])[1:]


def test_titles_hold_no_personal_data(world):
    case = drive(world, new_case(world, START), S.VERIFYING, START)
    head = case.household.head
    run(day(5))
    for n in escalations():
        for secret in (head.name, head.id_number, head.id_number[-4:]):
            assert secret not in n.title


def test_statements_per_batch_are_fixed(app, world, count_statements):
    """The county's due cases' ids from its clock index once; then each batch: its cases, the
    desks' accounts, the ledger's look-up, the outbox row for the other channels, one UPDATE of
    the cases; and one INSERT per new message (the ledger's row)."""
    for _ in range(6):
        cases.open_case(None, world.village_a, CaseSource.GRID_VISIT, today=START,
                        household=household(world.village_a, START))  # the village's step
    db.session.commit()
    with count_statements(queued=True) as statements:
        report = escalation.escalate_overdue(day(3), batch=4)
    assert report == escalation.EscalationReport(6, 6)
    batches, per_batch, per_run = 2, 5, 3  # the run: the settings, the counties, the county's ids
    assert len(statements) == per_run + batches * per_batch + report.messages, str(statements)
    assert sum(s.lstrip().upper().startswith("UPDATE") for s in statements) == batches
    # Two cases more, in the same two batches: only the ledger's rows grow.
    db.session.rollback()
    for _ in range(2):
        cases.open_case(None, world.village_a, CaseSource.GRID_VISIT, today=START,
                        household=household(world.village_a, START))
    db.session.commit()
    with count_statements(queued=True) as statements:
        report = escalation.escalate_overdue(day(3), batch=4)
    assert report == escalation.EscalationReport(8, 8)
    assert len(statements) == per_run + batches * per_batch + report.messages, str(statements)
