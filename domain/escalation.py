"""Escalation (逾期升级): a step overdue by ``PolicySettings.escalation_days`` days is told to the
desk one level above whoever holds it, once per case, step and due date.

Who is "one level up" follows the seeds' chain of supervision:

- a village step goes to the township: seed 000 五、（四） "镇乡村振兴办将采取“四不两直”等方式开展
  防止返贫监测帮扶工作督查，对督查发现的问题及时进行通报，并明确整改时限", and 五、（一） "建立“乡镇
  负责人联村、村干部联片”的防止返贫监测帮扶联点工作机制";
- a township step goes to the county: seed 000 五、（一） "县级将加强对本区域的监督指导", seed 001
  三、（三） "县层面将成立调研指导组……加强对各乡（镇）防贫工作进行实地调研指导";
- a county step goes to the city or province when it has an account: seed 003 六、（二）
  "省级把防止返贫监测和帮扶工作作为日常工作监督检查的重要内容……各市县要落实主体责任"; a
  deployment that stops at the county keeps it at the county desk, which is then told that
  nobody above will be;
- a step that belongs to one named person (the verifier, the original verifier at an
  elimination, the pair cadre's first visit) goes to the desk that assigned that person, one
  level above them: the village assigns verifiers, the township names pair cadres and stands in
  for an original verifier who is gone (seed 000 三、（一） "完成监测对象识别认定后3天内要明确结对
  帮扶干部", 五、（一） "乡村两级落实全过程管理工作责任"). When that person is gone the desk already
  holds the step, and it goes one level above the desk.

A desk level without an account passes the message on up (as every reminder does); the holder's
own desk is the last resort, so a message never goes nowhere. Dates are passed in.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Mapping, Sequence, TypeVar

from .enums import Role

# The desks from the village up, nearest first.
DESK_LADDER: tuple[Role, ...] = (Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF, Role.CITY_STAFF,
                                 Role.PROVINCE_STAFF)

Account = TypeVar("Account")


@dataclass(frozen=True)
class Holder:
    """Who holds a step now: ``desk``, the desk level that holds it (or assigned the person who
    does), and ``person_holds``, whether a named, active person holds it alone."""

    desk: Role
    person_holds: bool = False


def days_overdue(due: date, today: date) -> int:
    """0 up to the due day itself, then 1 on the day after, and so on."""
    return max(0, (today - due).days)


def is_escalation_due(due: date, today: date, escalation_days: int) -> bool:
    """Overdue by at least ``escalation_days`` days (overdue by N-1 days: not yet)."""
    return days_overdue(due, today) >= escalation_days


def escalation_cutoff(today: date, escalation_days: int) -> date:
    """The latest due date that is escalated on ``today``."""
    return date.fromordinal(today.toordinal() - escalation_days)


def desks_to_tell(holder: Holder) -> tuple[Role, ...]:
    """The desk levels to try, nearest first; the first with an account is told.

    A person's step goes to their assigning desk and on up from there; a desk's step to the
    levels above it, then back to the desk itself when no level above has an account."""
    if holder.desk not in DESK_LADDER:
        raise ValueError(f"not a desk: {holder.desk}")
    at = DESK_LADDER.index(holder.desk)
    if holder.person_holds:
        return DESK_LADDER[at:]
    return DESK_LADDER[at + 1:] + (holder.desk,)


def pick_desk(holder: Holder, accounts: Mapping[Role, Sequence[Account]]) -> tuple[Role, list[Account]] | None:
    """The desk told of ``holder``'s overdue step and its accounts (``accounts``: the active
    accounts of each level over the case's region); None when no desk has any."""
    for role in desks_to_tell(holder):
        found = list(accounts.get(role, ()))
        if found:
            return role, found
    return None


def escalation_key(case_id: int, deadline_kind: str | None, due: date, state: str) -> str:
    """One escalation per case, deadline, due date and state (the step): a step taken, or a
    new due date, is a new occasion."""
    return f"escalated:{case_id}:{deadline_kind or '-'}:{due.isoformat()}:{state}"


def is_current(escalated_due: date | None, escalated_state: str | None, due: date | None, state: str) -> bool:
    """Whether the escalation recorded on a case is of the step it is at now."""
    return escalated_due is not None and escalated_due == due and escalated_state == state
