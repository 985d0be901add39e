"""Notifications about cases, behind a notifier interface.

One place decides WHO holds a case's next step (``duty_for`` reads the roles and the "who"
guards of ``domain.workflow.TRANSITIONS``; ``responsible_users`` finds the people). Messages
are plain data (``Message``) handed to every registered ``Notifier``: the in-app notification
centre and a log now; an SMS or WeChat template-message channel later implements ``deliver``
and is added to ``app.extensions[NOTIFIERS_EXTENSION]`` in the application factory.

Titles carry case numbers, steps and dates — never names, ID numbers, phones, health or
income — so any channel may show them. Every message has a dedupe key; the notification table
is the ledger of what was sent, so a message already sent to a person is not sent again on
any channel (running the reminder job twice adds nothing).

Nothing is told before the work that causes it commits. A step writes one outbox row
("case.changed"); after the commit a queue consumer works out who holds the next step and
writes the in-app rows. The in-app table is the ledger and is written in that consumer's
transaction; every other channel (the log, SMS, WeChat) is handed its messages through one more
outbox row, so it hears only of what the ledger committed.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Iterable, Protocol

from flask import current_app
from sqlalchemy import func, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.extensions import db
from domain import guards as g
from domain.enums import Department, NotificationKind, Role
from domain.escalation import escalation_key
from domain.workflow import TRANSITIONS, Action, CaseState
from models import Case, CaseEvent, Notification, PlanMeasure, Region, User
from models.types import utcnow
from services.platform import outbox

log = logging.getLogger("shoudi.notify")
NOTIFIERS_EXTENSION = "shoudi_notifiers"


# --- the message and the channels ------------------------------------------------------------

@dataclass(frozen=True)
class Message:
    """One notice to one person. ``step`` and ``due`` are there for template messages (WeChat
    templates have fields, not free text); ``link`` is a site-relative path."""

    recipient: User
    kind: NotificationKind
    title: str
    dedupe_key: str
    case_id: int | None = None
    link: str | None = None
    step: str = ""
    due: date | None = None


class Notifier(Protocol):
    def deliver(self, message: Message) -> None:
        """Hand one new message to this channel. Called once per recipient and dedupe key."""


class LoggingNotifier:
    """Logs ids, kinds and keys (which hold states and dates): never a title or a name."""

    def deliver(self, message: Message) -> None:
        log.info("notify user=%s kind=%s case=%s key=%s", message.recipient.id, message.kind.value,
                 message.case_id, message.dedupe_key)


class InAppNotifier:
    """Writes the notification centre's rows. The unique (user, dedupe key) constraint is the
    last word: a row that already exists is left alone, even when two jobs race. It is the
    ledger, written in the sender's transaction; other channels hear after that commits."""

    ledger = True

    def deliver(self, message: Message) -> None:
        values = {"user_id": message.recipient.id, "case_id": message.case_id,
                  "kind": message.kind.value, "title": message.title[:200],
                  "link": message.link, "dedupe_key": message.dedupe_key[:120]}
        dialect = db.session.get_bind().dialect.name
        if dialect in _UPSERT:
            statement = _UPSERT[dialect](Notification).values(**values).on_conflict_do_nothing(
                index_elements=["user_id", "dedupe_key"])
            db.session.execute(statement)
        elif not _sent_keys([message]):
            db.session.add(Notification(**values))
            db.session.flush()


_UPSERT = {"postgresql": pg_insert, "sqlite": sqlite_insert}


def send(messages: Iterable[Message]) -> int:
    """Deliver the messages not sent before; returns how many.

    The ledger (the in-app notifier) is written now, in the caller's transaction; the other
    channels get the same messages from an outbox row, after that transaction commits.
    """
    pending = list({(m.recipient.id, m.dedupe_key): m for m in messages}.values())
    if not pending:
        return 0
    sent_before = _sent_keys(pending)
    fresh = [m for m in pending if (m.recipient.id, m.dedupe_key) not in sent_before]
    notifiers = current_app.extensions.get(NOTIFIERS_EXTENSION, ())
    for notifier in notifiers:
        if getattr(notifier, "ledger", False):
            for message in fresh:
                notifier.deliver(message)
    if fresh and any(not getattr(n, "ledger", False) for n in notifiers):
        outbox.add("notify.deliver", messages=[_to_payload(m) for m in fresh])
    return len(fresh)


def _to_payload(message: Message) -> dict:
    return {"recipient": message.recipient.id, "kind": message.kind.value, "title": message.title,
            "key": message.dedupe_key, "case": message.case_id, "link": message.link,
            "step": message.step, "due": message.due.isoformat() if message.due else None}


@outbox.handler("notify.deliver")
def _deliver_to_channels(payload: dict) -> None:
    """After the ledger committed: hand each message to every channel but the ledger."""
    rows = payload["messages"]
    people = {u.id: u for u in db.session.execute(
        select(User).where(User.id.in_({r["recipient"] for r in rows}))).scalars()}
    channels = [n for n in current_app.extensions.get(NOTIFIERS_EXTENSION, ())
                if not getattr(n, "ledger", False)]
    for row in rows:
        recipient = people.get(row["recipient"])
        if recipient is None:
            continue
        message = Message(recipient=recipient, kind=NotificationKind(row["kind"]), title=row["title"],
                          dedupe_key=row["key"], case_id=row["case"], link=row["link"],
                          step=row["step"], due=date.fromisoformat(row["due"]) if row["due"] else None)
        for channel in channels:
            channel.deliver(message)


def _sent_keys(messages: list[Message]) -> set[tuple[int, str]]:
    found: set[tuple[int, str]] = set()
    pairs = [(m.recipient.id, m.dedupe_key) for m in messages]
    for start in range(0, len(pairs), 500):  # keeps the IN list short on every database
        chunk = pairs[start:start + 500]
        query = select(Notification.user_id, Notification.dedupe_key).where(
            tuple_(Notification.user_id, Notification.dedupe_key).in_(chunk))
        found.update((row.user_id, row.dedupe_key) for row in db.session.execute(query))
    return found


def case_link(case_id: int) -> str:
    """The case page's path, also outside a request (the reminder job runs from the CLI)."""
    root = current_app.config.get("APPLICATION_ROOT") or "/"
    adapter = current_app.url_map.bind("localhost", script_name=root)
    return adapter.build("office.case", {"case_id": case_id})


# --- who holds the next step ------------------------------------------------------------------

# The step each state waits for, and what to call it in a message. The roles come from the
# workflow table; tests check that every pair below is a rule of the table.
NEXT_STEP: dict[CaseState, tuple[Action, str]] = {
    CaseState.REPORTED: (Action.ACCEPT, "受理线索"),
    CaseState.RECEIVED: (Action.ASSIGN_VERIFIER, "指派核实人"),
    CaseState.VERIFYING: (Action.VERIFY, "入户核实"),
    CaseState.VERIFIED: (Action.VILLAGE_REVIEW_PASS, "民主评议和公示"),
    CaseState.PUBLICIZING: (Action.CLOSE_NOTICE, "结束公示"),
    CaseState.TOWNSHIP_REVIEW: (Action.TOWNSHIP_APPROVE, "乡镇审核"),
    CaseState.COUNTY_REVIEW: (Action.COUNTY_CONFIRM, "县级确定"),
    CaseState.MONITORED: (Action.ASSIGN_PAIR_CADRE, "明确结对帮扶干部"),
    CaseState.PAIRED: (Action.FIRST_VISIT, "结对干部首次走访"),
    CaseState.VISITED: (Action.MAKE_HELP_PLAN, "制定帮扶计划"),
    CaseState.HELPING: (Action.QUARTERLY_EVALUATION, "季度帮扶效果评估"),
    CaseState.ELIM_PROPOSED: (Action.ELIM_VERIFY, "风险消除入户核实"),
    CaseState.ELIM_VERIFIED: (Action.ELIM_VILLAGE_REVIEW, "风险消除民主评议和公示"),
    CaseState.ELIM_PUBLICIZING: (Action.ELIM_CLOSE_NOTICE, "结束风险消除公示"),
    CaseState.ELIM_TOWNSHIP_REVIEW: (Action.ELIM_TOWNSHIP_APPROVE, "风险消除乡镇审核"),
    CaseState.ELIM_COUNTY_REVIEW: (Action.ELIM_COUNTY_APPROVE, "风险消除县级审定"),
    CaseState.ELIM_APPROVED: (Action.ANNOUNCE, "风险消除公告"),
    CaseState.ELIMINATED: (Action.LOOKBACK_STABLE, "回头看"),
}

# A guard that names the one person who may take the step -> the case field naming them.
_PERSONAL_GUARDS = {
    g.actor_is_assigned_verifier: "verifier",
    g.actor_is_original_verifier: "original_verifier",
    g.actor_is_pair_cadre: "pair_cadre",
}
STAFF_LEVELS = (Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF)
# When the person a step belongs to is not named (or no longer active), the desk that can put
# it right hears of it: the village assigns verifiers, the township names pair cadres and its
# staff verify an elimination in place of an original verifier who is gone (seed 000).
_FALLBACK = {
    Action.VERIFY: Role.VILLAGE_STAFF,
    Action.FIRST_VISIT: Role.TOWNSHIP_STAFF,
    Action.ELIM_VERIFY: Role.TOWNSHIP_STAFF,
}


@dataclass(frozen=True)
class Duty:
    """Who holds a state's next step.

    ``person``: the case field naming someone personally ("verifier", "original_verifier",
    "pair_cadre"), or None. ``staff``: the desk level that holds the step. When the workflow
    names the person in a guard, the step is theirs alone and the staff are told only if
    nobody is named (``staff_too`` False); when the role merely may act (a pair cadre may
    record an evaluation), both are told.
    """

    action: Action
    task: str
    person: str | None
    staff: Role
    staff_too: bool


def duty_for(state: CaseState | str) -> Duty | None:
    """Pure: the holder of the next step of a case in ``state``; None when nothing is due."""
    entry = NEXT_STEP.get(CaseState(state))
    if entry is None:
        return None
    action, task = entry
    rule = TRANSITIONS[(CaseState(state), action)]
    named = next((_PERSONAL_GUARDS[x] for x in rule.guards + rule.actor_guards if x in _PERSONAL_GUARDS), None)
    person = named or ("pair_cadre" if Role.PAIR_CADRE in rule.roles else None)
    # Otherwise the lowest desk level the rule lets act holds the step (village before township).
    staff = _FALLBACK.get(action) or next((r for r in STAFF_LEVELS if r in rule.roles), Role.VILLAGE_STAFF)
    return Duty(action, task, person, staff, staff_too=named is None)


class Recipients:
    """Finds the people responsible for cases, remembering staff lookups within one run."""

    def __init__(self):
        self._staff: dict[tuple[str, int, str | None], list[User]] = {}

    def for_case(self, case: Case) -> list[User]:
        duty = duty_for(case.state_enum)
        if duty is None:
            return []
        people: list[User] = []
        person = named_person(case, duty)
        if person is not None and person.active:
            people.append(person)
        if not people or duty.staff_too:
            people += [u for u in self.staff(duty.staff, case.region) if u not in people]
        return people

    def staff(self, role: Role, region: Region, department: str | None = None) -> list[User]:
        """Active accounts of ``role`` bound to ``region`` or above it. A desk level without an
        account passes the message up (village → township → county), so it never goes nowhere."""
        key = (role.value, region.id, department)
        if key not in self._staff:
            self._staff[key] = self._find(role, region, department)
        return self._staff[key]

    def _find(self, role: Role, region: Region, department: str | None) -> list[User]:
        levels = STAFF_LEVELS[STAFF_LEVELS.index(role):] if role in STAFF_LEVELS else (role,)
        for level in levels:
            query = (select(User).where(User.role == level.value, User.active.is_(True),
                                        User.region_id.in_(region.ancestor_ids))
                     .order_by(User.id))
            if department is not None:
                query = query.where(User.department == department)
            found = list(db.session.execute(query).scalars())
            if found:
                return found
        return []


def named_person(case: Case, duty: Duty) -> User | None:
    """The person the case names for the duty, read through the id column: a step may have
    just changed the id while the relationship still holds the previous person."""
    person_id = getattr(case, f"{duty.person}_id") if duty.person else None
    return db.session.get(User, person_id) if person_id else None


def responsible_users(case: Case) -> list[User]:
    return Recipients().for_case(case)


def measures_handed_over(rows: Iterable[PlanMeasure]) -> None:
    """措施交办: tell each department's officers that a measure of a plan is now theirs, once the
    plan is committed. Measures with no department stay with the village, which made the plan."""
    rows = [row for row in rows if row.department]
    if rows:
        db.session.flush()
        ids = [row.id for row in rows]
        outbox.add("plan.handover", measure_ids=ids)


@outbox.handler("plan.handover")
def _hand_over(payload: dict) -> None:
    """The title leaves out the measure's name (医疗救助 would tell of the household's health)."""
    rows = db.session.execute(select(PlanMeasure).where(PlanMeasure.id.in_(payload["measure_ids"]))
                              .order_by(PlanMeasure.id)).scalars()
    recipients = Recipients()
    messages: list[Message] = []
    for row in rows:
        case = row.case
        due = f"，期限 {row.due_on.isoformat()}" if row.due_on else ""
        title = f"案件 {case.id} 交办帮扶措施第 {row.position + 1} 项（{Department(row.department).label}负责）{due}"
        messages += [Message(recipient=user, kind=NotificationKind.MEASURE, title=title,
                             dedupe_key=f"handover:{row.id}", case_id=case.id, link="/tasks",
                             step="帮扶措施落实", due=row.due_on)
                     for user in recipients.staff(Role.DEPARTMENT, case.region, row.department)]
    send(messages)


# --- the case service's hook --------------------------------------------------------------------

def case_changed(case: Case, action) -> None:
    """Called by ``services.workflow.cases`` after every step, in the same transaction: once it commits,
    whoever holds the next step is told that it is theirs (not the person who just acted)."""
    action_code = getattr(action, "value", action)
    log.info("case %s now %s after %s (due %s)", case.id, case.state, action_code or "report", case.due_date)
    outbox.add("case.changed", case_id=case.id)
    for hook in CASE_HOOKS:
        hook(case, action)


# Further listeners to every step, called in the step's transaction with the case and the action
# (the farmer's milestone messages, services.notifications.channels.farmers).
CASE_HOOKS: list = []


@outbox.handler("case.changed")
def _tell_next_holder(payload: dict) -> None:
    """Works from the case as it is now: when several steps were taken before this runs, the
    holder of the latest one is told, and the to-dos of the steps in between are retired."""
    case = db.session.get(Case, payload["case_id"])
    if case is None:
        return
    tell_next_holder(case)


def tell_next_holder(case: Case) -> None:
    duty = duty_for(case.state_enum)
    if duty is None:  # finished: nothing waits for anyone
        _retire(case, set())
        return
    entered, actor_id = _arrival(case)
    step, key = duty.task, f"todo:{case.id}:{entered}"
    escalated = {escalation_key(case.id, case.deadline_kind, case.due_date, case.state)} if case.due_date else set()
    _retire(case, {key} | {reminder_key(kind, case) for kind in REMINDER_KINDS} | escalated)
    title = f"案件 {case.id} 待办：{step}" + (f"，期限 {case.due_date.isoformat()}" if case.due_date else "")
    send(Message(recipient=user, kind=NotificationKind.ASSIGNED, title=title, dedupe_key=key,
                 case_id=case.id, link=case_link(case.id), step=step, due=case.due_date)
         for user in responsible_users(case) if user.id != actor_id)


REMINDER_KINDS = (NotificationKind.DUE_SOON, NotificationKind.OVERDUE)
# What is about one step of a case, retired once the step is taken: its to-do, its reminders and
# its escalation to the desk above.
_STEP_KINDS = (NotificationKind.ASSIGNED.value, *(k.value for k in REMINDER_KINDS), NotificationKind.ESCALATED.value)


def reminder_key(kind: NotificationKind, case: Case) -> str:
    """One reminder of each kind per case, deadline, due date and state."""
    due = case.due_date.isoformat() if case.due_date else "-"
    return f"{kind.value}:{case.id}:{case.deadline_kind or '-'}:{due}:{case.state}"


def _retire(case: Case, current: set[str]) -> None:
    """Unread to-dos and reminders about a step that has since been taken are marked read: the
    badge counts only what still waits for someone. They stay listed in the centre."""
    db.session.execute(
        update(Notification).where(Notification.case_id == case.id, Notification.read_at.is_(None),
                                   Notification.kind.in_(_STEP_KINDS),
                                   Notification.dedupe_key.not_in(sorted(current) or [""]))
        .values(read_at=utcnow()).execution_options(synchronize_session=False))


def _arrival(case: Case) -> tuple[int, int | None]:
    """The event that brought the case into its state (steps that keep the state, such as a new
    verifier, keep the key, so only newly responsible people hear of it), and the last actor."""
    entered = db.session.execute(
        select(func.max(CaseEvent.id)).where(
            CaseEvent.case_id == case.id,
            or_(CaseEvent.from_state.is_(None), CaseEvent.from_state != CaseEvent.to_state))
    ).scalar_one()
    last_actor = db.session.execute(
        select(CaseEvent.actor_id).where(CaseEvent.case_id == case.id)
        .order_by(CaseEvent.id.desc()).limit(1)).scalar_one_or_none()
    return entered or 0, last_actor
