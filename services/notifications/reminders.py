"""Deadline reminders.

``remind_deadlines(today)`` runs once a day (``flask remind-deadlines``, a systemd timer): every
case whose clock runs out within ``DUE_SOON_DAYS`` or has run out tells the people holding its
next step; every overdue help-plan measure (``domain.measures.is_overdue``: past its date, not
done, in a case that still carries measures — green-channel cases included) tells the responsible
department.
Keys hold the case, the deadline, the due date and the state, so a second run the same day —
or any later day — sends nothing new until the deadline or the step changes.

A household's 低保渐退期 (``domain.dibao``, stored on the household when its income is
recorded) that ends within ``PHASEOUT_LEAD_DAYS`` tells the village staff of its village (a
village without an account: its township, as every reminder does) once, keyed by the household
and the end date: the village reviews the income before 低保 ends. A household no longer on 低保
is not reminded.

A department warning still unanswered (``Case.warning_grade`` / ``warning_due``) whose answer is
due within ``DUE_SOON_DAYS``, or overdue, tells the village staff of the case's village once per
due date and state of lateness: the village verifies and answers the department.

A step overdue by its region's ``escalation_days`` is told to the desk one level up, once
(``services.notifications.escalation``).

An item of a campaign's rectification ledger (附件4 问题整改台账) still being fixed tells its
responsible person (an account; for a name typed without one, the village staff of its village)
once when its deadline is within ``DUE_SOON_DAYS`` and once when it is overdue.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from flask import current_app
from werkzeug.routing import BuildError

from core.extensions import db
from domain import dibao
from domain.deadlines import DUE_SOON_DAYS, DeadlineKind, days_left
from domain.enums import Department, NotificationKind, Role
from domain.warnings import Grade
from domain.workflow import MONITORED_STATES, CaseState
from domain.campaigns import LedgerState
from models import Case, Household, LedgerItem, Notification, PlanMeasure, User
from models.types import utcnow
from services.help.measure_tasks import overdue_clause
from services.notifications import escalation, notify
from services.notifications.notify import Message, Recipients

NON_TERMINAL = tuple(s.value for s in CaseState if not s.is_terminal)
PHASEOUT_LEAD_DAYS = 30  # the village is told a month before a 低保渐退期 ends
MONITORED = tuple(s.value for s in MONITORED_STATES)


@dataclass(frozen=True)
class ReminderReport:
    due_soon: int
    overdue: int
    measures: int
    phaseouts: int = 0  # 低保渐退期 ending within PHASEOUT_LEAD_DAYS
    warnings: int = 0   # department warnings whose answer falls due
    ledger: int = 0     # rectification ledger items due soon or overdue
    escalated: int = 0  # steps overdue by N days told to the desk above (services.notifications.escalation)

    @property
    def total(self) -> int:
        return (self.due_soon + self.overdue + self.measures + self.phaseouts + self.warnings + self.ledger
                + self.escalated)

    def summary(self) -> str:
        phaseouts = f"，低保渐退期将结束 {self.phaseouts}" if self.phaseouts else ""
        warnings = f"，部门预警待反馈 {self.warnings}" if self.warnings else ""
        ledger = f"，整改台账待整改 {self.ledger}" if self.ledger else ""
        escalated = f"，逾期升级 {self.escalated}" if self.escalated else ""
        return (f"已发送提醒 {self.total} 条（即将到期 {self.due_soon}，已逾期 {self.overdue}，"
                f"措施逾期 {self.measures}{phaseouts}{warnings}{ledger}{escalated}）")


def remind_deadlines(today: date, lead_days: int = DUE_SOON_DAYS) -> ReminderReport:
    recipients = Recipients()
    sent = {NotificationKind.DUE_SOON: 0, NotificationKind.OVERDUE: 0}
    for case in _cases_due(today + timedelta(days=lead_days)):
        kind = NotificationKind.OVERDUE if case.due_date < today else NotificationKind.DUE_SOON
        messages = [_case_reminder(case, user, kind, today) for user in recipients.for_case(case)]
        sent[kind] += notify.send(messages)
    overdue_measures = _measure_reminders(today, recipients)
    _retire_measures({m.dedupe_key for m in overdue_measures})
    measures = notify.send(overdue_measures)
    phaseouts = notify.send(phaseout_reminders(today, recipients))
    warnings = notify.send(warning_reminders(today, recipients, lead_days))
    ledger = notify.send(ledger_reminders(today, recipients, lead_days))
    escalated = escalation.escalate_overdue(today).messages
    return ReminderReport(sent[NotificationKind.DUE_SOON], sent[NotificationKind.OVERDUE], measures, phaseouts,
                          warnings, ledger, escalated)


def ledger_reminders(today: date, recipients: Recipients | None = None,
                     lead_days: int = DUE_SOON_DAYS) -> list[Message]:
    """The responsible person of each ledger item still being fixed whose deadline is within
    ``lead_days`` or past. The title names the item's number and the date only (the problem's
    words may speak of a family)."""
    recipients = recipients or Recipients()
    query = (select(LedgerItem).where(LedgerItem.state == LedgerState.FIXING.value,
                                      LedgerItem.deadline <= today + timedelta(days=lead_days))
             .options(selectinload(LedgerItem.region), selectinload(LedgerItem.responsible))
             .order_by(LedgerItem.deadline, LedgerItem.id))
    messages = []
    for item in db.session.execute(query).scalars():
        due, late = item.deadline, item.deadline < today
        kind = NotificationKind.OVERDUE if late else NotificationKind.DUE_SOON
        if late:
            title = f"整改台账第 {item.id} 项已逾期（整改时限 {due.isoformat()}），请尽快整改并上传佐证"
        else:
            left = days_left(due, today)
            title = (f"整改台账第 {item.id} 项请于 {due.isoformat()} 前完成整改（"
                     + (f"还剩 {left} 天）" if left else "今天到期）"))
        person = item.responsible
        people = [person] if person is not None and person.active else recipients.staff(Role.VILLAGE_STAFF, item.region)
        key = f"ledger:{item.id}:{due.isoformat()}:{'late' if late else 'soon'}"
        link = _link("campaigns.ledger_item", round_id=item.round_id, item_id=item.id)
        messages += [Message(recipient=user, kind=kind, title=title, dedupe_key=key, link=link, step="问题整改",
                             due=due) for user in people]
    return messages


def warning_reminders(today: date, recipients: Recipients | None = None,
                      lead_days: int = DUE_SOON_DAYS) -> list[Message]:
    """The village staff of each case with a department warning whose answer is due within
    ``lead_days`` or overdue. The title names the case, the grade and the date only."""
    recipients = recipients or Recipients()
    query = (select(Case).where(Case.warning_due.is_not(None), Case.warning_due <= today + timedelta(days=lead_days))
             .options(selectinload(Case.region)).order_by(Case.warning_due, Case.id))
    messages = []
    for case in db.session.execute(query).scalars():
        due, late = case.warning_due, case.warning_due < today
        kind = NotificationKind.OVERDUE if late else NotificationKind.DUE_SOON
        grade = Grade(case.warning_grade).label
        when = f"已逾期（期限 {due.isoformat()}）" if late else f"请于 {due.isoformat()} 前核实并反馈"
        title = f"案件 {case.id} 有{grade}未反馈部门：{when}"
        key = f"warning_due:{case.id}:{due.isoformat()}:{'late' if late else 'soon'}"
        messages += [Message(recipient=user, kind=kind, title=title, dedupe_key=key, case_id=case.id,
                             link=notify.case_link(case.id), step="部门预警核实反馈", due=due)
                     for user in recipients.staff(Role.VILLAGE_STAFF, case.region)]
    return messages


def phaseout_reminders(today: date, recipients: Recipients | None = None,
                       lead_days: int = PHASEOUT_LEAD_DAYS) -> list[Message]:
    """The village staff of each household still on 低保 whose 低保渐退期 ends between today and
    ``lead_days`` from now. The title names the household's record number and the date only."""
    recipients = recipients or Recipients()
    query = (select(Household).where(Household.dibao_phaseout_end.is_not(None),
                                     Household.dibao_phaseout_end >= today,
                                     Household.dibao_phaseout_end <= today + timedelta(days=lead_days))
             .options(selectinload(Household.region), selectinload(Household.members))
             .order_by(Household.dibao_phaseout_end, Household.id))
    messages = []
    for household in db.session.execute(query).scalars():
        if not dibao.on_dibao(m.minimum_living for m in household.members):
            continue
        end = household.dibao_phaseout_end
        left = days_left(end, today)
        title = (f"农户档案 {household.id} 低保渐退期将于 {end.isoformat()} 结束（"
                 + (f"还剩 {left} 天" if left else "今天结束") + "），请核实收入，办理低保续保或退出")
        key = f"dibao_phaseout:{household.id}:{end.isoformat()}"
        messages += [Message(recipient=user, kind=NotificationKind.DUE_SOON, title=title, dedupe_key=key,
                             link=household_link(household.id), step="低保渐退期到期核实", due=end)
                     for user in recipients.staff(Role.VILLAGE_STAFF, household.region)]
    return messages


def household_link(household_id: int) -> str:
    """The household page's path, also outside a request (the reminder job runs from the CLI)."""
    root = current_app.config.get("APPLICATION_ROOT") or "/"
    adapter = current_app.url_map.bind("localhost", script_name=root)
    return adapter.build("portal.household_detail", {"household_id": household_id})


def _link(endpoint: str, **values) -> str | None:
    """A page's path outside a request; None when the page is not served by this application."""
    root = current_app.config.get("APPLICATION_ROOT") or "/"
    try:
        return current_app.url_map.bind("localhost", script_name=root).build(endpoint, values)
    except BuildError:
        return None


def _cases_due(last_day: date) -> list[Case]:
    query = (select(Case).where(Case.due_date.is_not(None), Case.due_date <= last_day,
                                Case.state.in_(NON_TERMINAL))
             .options(selectinload(Case.region), selectinload(Case.verifier),
                      selectinload(Case.original_verifier), selectinload(Case.pair_cadre))
             .order_by(Case.due_date, Case.id))
    return list(db.session.execute(query).scalars())


def _case_reminder(case: Case, user: User, kind: NotificationKind, today: date) -> Message:
    duty = notify.duty_for(case.state_enum)
    deadline = DeadlineKind(case.deadline_kind).label if case.deadline_kind else "办理"
    due = case.due_date
    if kind is NotificationKind.OVERDUE:
        when = f"已逾期：{deadline}期限 {due.isoformat()}"
    else:
        left = days_left(due, today)
        when = f"即将到期：{deadline}期限 {due.isoformat()}（" + (f"还剩 {left} 天）" if left else "今天到期）")
    title = f"案件 {case.id} {when}，当前环节：{duty.task}"
    return Message(recipient=user, kind=kind, title=title, dedupe_key=notify.reminder_key(kind, case),
                   case_id=case.id, link=notify.case_link(case.id), step=duty.task, due=due)


def _measure_reminders(today: date, recipients: Recipients) -> list[Message]:
    query = (select(PlanMeasure).where(overdue_clause(today))
             .options(selectinload(PlanMeasure.case).selectinload(Case.region))
             .order_by(PlanMeasure.due_on, PlanMeasure.id))
    messages = []
    for measure in db.session.execute(query).scalars():
        case = measure.case
        if measure.department:
            people = recipients.staff(Role.DEPARTMENT, case.region, measure.department)
            owner = Department(measure.department).label
        else:  # a measure no department carries: the village that made the plan follows it
            people = recipients.staff(Role.VILLAGE_STAFF, case.region)
            owner = "村级"
        # No measure name: names such as 医疗救助 would tell of the household's health.
        title = (f"案件 {case.id} 帮扶措施第 {measure.position + 1} 项已逾期："
                 f"期限 {measure.due_on.isoformat()}（{owner}负责）")
        key = f"measure:{measure.id}:{measure.due_on.isoformat()}"
        messages += [Message(recipient=user, kind=NotificationKind.MEASURE, title=title, dedupe_key=key,
                             case_id=case.id, link=notify.case_link(case.id), step="帮扶措施落实",
                             due=measure.due_on) for user in people]
    return messages


def _retire_measures(still_overdue: set[str]) -> None:
    """A measure done (or cancelled, or given a new date) since its reminder: the reminder is
    marked read, as a taken step's are (``notify._retire``)."""
    unread = db.session.execute(select(Notification).where(
        Notification.kind == NotificationKind.MEASURE.value, Notification.read_at.is_(None))).scalars()
    now = utcnow()
    for row in unread:
        if row.dedupe_key not in still_overdue:
            row.read_at = now
