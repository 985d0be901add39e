"""逾期升级: a step overdue by N days (``escalation_days``, a setting of the case's region, 3 by
default) is told to the desk one level up, once per case, step and due date (``domain.escalation``
says who that is, and why).

``escalate_overdue(today)`` runs with the daily reminders (``reminders.remind_deadlines``). It
works one county at a time, and in a county reads only the open cases due by the county's
earliest cut-off that are not escalated for their step already: one range of
``ix_case_file_clock`` (region_path prefix, due_date) for their ids, then works through them in
batches of ``BATCH``. Per batch it sends a fixed number of statements — the cases' columns, the
named people still active (when a step is a person's), the desks' accounts over the batch's
regions, the ledger's look-up, the outbox row for the other channels, one UPDATE marking the
cases — plus the ledger's row for each new message (``notify.send``), and never one per case.

The messages go through ``notify.send``: the in-app ledger (its dedupe key makes it once per
person) and every other channel registered behind the notifier interface. The case records the
day it was escalated and the due date and state it was escalated for (``Case.escalated_*``);
its current step counts as escalated (``escalated_now``: the dashboard's figure) while the case
still has that due date and state, so a step taken or a new due date leaves the record behind
without anyone clearing it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, not_, select, update

from core import clock
from core.extensions import db
from domain import escalation as rule
from domain.deadlines import DeadlineKind
from domain.enums import NotificationKind, RegionLevel
from domain.escalation import Holder
from domain.settings import PolicySettings, parse_setting
from domain.workflow import CaseState
from models import Case, Region, RegionPolicy, User
from services.notifications import notify
from services.notifications.notify import Message, duty_for

SETTING = "escalation_days"
BATCH = 500
NON_TERMINAL = tuple(s.value for s in CaseState if not s.is_terminal)
_DESK_CODES = tuple(r.value for r in rule.DESK_LADDER)
_PERSON_LABEL = {"verifier": "核实人", "original_verifier": "原核实人", "pair_cadre": "结对帮扶干部"}
_CASE_COLUMNS = (Case.id, Case.region_path, Case.state, Case.due_date, Case.deadline_kind, Case.verifier_id,
                 Case.original_verifier_id, Case.pair_cadre_id)


@dataclass(frozen=True)
class EscalationReport:
    cases: int      # cases whose step was escalated in this run
    messages: int   # messages sent (none twice)


def escalated_now() -> ColumnElement[bool]:
    """SQL: the case's current step has been escalated (``domain.escalation.is_current``)."""
    return and_(Case.escalated_due.is_not(None), Case.escalated_due == Case.due_date,
                Case.escalated_state == Case.state)


def _path_ids(path: str) -> list[int]:
    return [int(p) for p in path.strip("/").split("/") if p]


class EscalationDays:
    """N of every region, read once per run: the default, overridden along the region's path by
    the nearest node's own value (as ``services.regions.settings.policy_for`` applies them)."""

    def __init__(self):
        self.default = PolicySettings().escalation_days
        rows = db.session.execute(select(RegionPolicy.region_id, Region.path, RegionPolicy.value)
                                  .join(Region, Region.id == RegionPolicy.region_id)
                                  .where(RegionPolicy.key == SETTING)).all()
        self.own = {row.region_id: int(parse_setting(SETTING, row.value)) for row in rows}
        self.paths = {row.region_id: row.path for row in rows}

    def for_path(self, path: str) -> int:
        for region_id in reversed(_path_ids(path)):
            if region_id in self.own:
                return self.own[region_id]
        return self.default

    def least_under(self, path: str) -> int:
        """The smallest N of the node at ``path`` and of any node below it."""
        below = [n for region_id, n in self.own.items() if self.paths[region_id].startswith(path)]
        return min([self.for_path(path), *below])


def escalate_overdue(today: date, batch: int = BATCH) -> EscalationReport:
    """Tell the desk above of every step overdue by its region's N days, once; mark the cases."""
    days = EscalationDays()
    counties = db.session.execute(select(Region.id, Region.path).where(Region.level == RegionLevel.COUNTY.value)
                                  .order_by(Region.id)).all()
    cases = messages = 0
    for county in counties:
        cutoff = rule.escalation_cutoff(today, days.least_under(county.path))
        ids = sorted(db.session.execute(_due(county.path, cutoff)).scalars())
        for start in range(0, len(ids), batch):
            rows = db.session.execute(select(*_CASE_COLUMNS).where(Case.id.in_(ids[start:start + batch]))
                                      .order_by(Case.id)).all()
            done, sent = _escalate(rows, today, days)
            cases, messages = cases + done, messages + sent
    return EscalationReport(cases, messages)


def _due(county_path: str, cutoff: date):
    """The ids of a county's open cases due by ``cutoff`` and not escalated for their step. No
    ORDER BY and no LIMIT: with them PostgreSQL walked the primary key through every case of the
    province (measured on 600,000 cases); without, it reads one range of ``ix_case_file_clock``."""
    return select(Case.id).where(Case.region_path.startswith(county_path, autoescape=True),
                                 Case.due_date.is_not(None), Case.due_date <= cutoff,
                                 Case.state.in_(NON_TERMINAL), not_(escalated_now()))


def _escalate(rows, today: date, days: EscalationDays) -> tuple[int, int]:
    """One batch: who is told of each case that is due, the messages, and the cases marked."""
    due = [row for row in rows if rule.is_escalation_due(row.due_date, today, days.for_path(row.region_path))]
    if not due:
        return 0, 0
    holders = _holders(due)
    accounts = _desk_accounts(due)
    messages: list[Message] = []
    marked: list[int] = []
    for row in due:
        duty, holder = holders[row.id]
        by_desk: dict = {}
        for region_id in _path_ids(row.region_path):
            for user in accounts.get(region_id, ()):
                by_desk.setdefault(user.role_enum, []).append(user)
        picked = rule.pick_desk(holder, by_desk)
        if picked is None:  # no desk anywhere above has an account: nobody to tell
            continue
        desk, people = picked
        title = _title(row, duty, holder, desk, today)
        key = rule.escalation_key(row.id, row.deadline_kind, row.due_date, row.state)
        messages += [Message(recipient=user, kind=NotificationKind.ESCALATED, title=title, dedupe_key=key,
                             case_id=row.id, link=notify.case_link(row.id), step=f"逾期升级：{duty.task}",
                             due=row.due_date)
                     for user in people]
        marked.append(row.id)
    sent = notify.send(messages)
    if marked:
        db.session.execute(update(Case).where(Case.id.in_(marked))
                           .values(escalated_at=clock.now(), escalated_due=Case.due_date, escalated_state=Case.state)
                           .execution_options(synchronize_session=False))
    return len(marked), sent


def _holders(rows) -> dict[int, tuple]:
    """(duty, Holder) of each case: a named person holds a step alone while their account is
    active; otherwise the desk holds it."""
    duties = {row.id: duty_for(row.state) for row in rows}
    named = {row.id: getattr(row, f"{duties[row.id].person}_id") for row in rows
             if duties[row.id].person and not duties[row.id].staff_too}
    wanted = {person for person in named.values() if person}
    active = set(db.session.execute(select(User.id).where(User.id.in_(wanted), User.active.is_(True)))
                 .scalars()) if wanted else set()
    return {row.id: (duties[row.id], Holder(duties[row.id].staff, person_holds=named.get(row.id) in active))
            for row in rows}


def _desk_accounts(rows) -> dict[int, list[User]]:
    """Active desk accounts (village up to province) on any node of the batch's regions' paths,
    by the node they are bound to."""
    places = {region_id for row in rows for region_id in _path_ids(row.region_path)}
    found: dict[int, list[User]] = {}
    for user in db.session.execute(select(User).where(User.role.in_(_DESK_CODES), User.active.is_(True),
                                                      User.region_id.in_(places)).order_by(User.id)).scalars():
        found.setdefault(user.region_id, []).append(user)
    return found


def _title(row, duty, holder: Holder, desk, today: date) -> str:
    """Case number, step, days and dates only: no name, as every message title."""
    deadline = DeadlineKind(row.deadline_kind).label if row.deadline_kind else "办理"
    who = _PERSON_LABEL.get(duty.person, holder.desk.label) if holder.person_holds else holder.desk.label
    late = rule.days_overdue(row.due_date, today)
    title = (f"案件 {row.id} 逾期升级：{duty.task}已逾期 {late} 天（{deadline}期限 {row.due_date.isoformat()}，"
             f"{who}办理），请督促办理")
    if desk == holder.desk and not holder.person_holds:
        title += "（上级没有开通账号，由本级督办）"
    return title
