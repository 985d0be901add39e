"""Deadline reminders.

``remind_deadlines(today)`` runs once a day (``flask remind-deadlines``, a systemd timer): every
case whose clock runs out within ``DUE_SOON_DAYS`` or has run out tells the people holding its
next step; every overdue help-plan measure (``domain.measures.is_overdue``: past its date, not
done, in a case that still carries measures — green-channel cases included) tells the responsible
department.
Keys hold the case, the deadline, the due date and the state, so a second run the same day —
or any later day — sends nothing new until the deadline or the step changes.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.extensions import db
from domain.deadlines import DUE_SOON_DAYS, DeadlineKind, days_left
from domain.enums import Department, NotificationKind, Role
from domain.workflow import MONITORED_STATES, CaseState
from models import Case, Notification, PlanMeasure, User
from models.types import utcnow
from services.help.measure_tasks import overdue_clause
from services.notifications import notify
from services.notifications.notify import Message, Recipients

NON_TERMINAL = tuple(s.value for s in CaseState if not s.is_terminal)
MONITORED = tuple(s.value for s in MONITORED_STATES)


@dataclass(frozen=True)
class ReminderReport:
    due_soon: int
    overdue: int
    measures: int

    @property
    def total(self) -> int:
        return self.due_soon + self.overdue + self.measures

    def summary(self) -> str:
        return (f"已发送提醒 {self.total} 条（即将到期 {self.due_soon}，已逾期 {self.overdue}，"
                f"措施逾期 {self.measures}）")


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
    return ReminderReport(sent[NotificationKind.DUE_SOON], sent[NotificationKind.OVERDUE], measures)


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
