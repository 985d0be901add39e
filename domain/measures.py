"""Which help measures are still somebody's task ("open"), and which are overdue.

One rule, used by the department's list (/tasks), the overdue list (/overdue), the daily
reminders and the case page alike. Dates are passed in; nothing here reads the clock.

A measure is **open** while both hold:

- its status is 已安排 or 落实中. Seed 000: "对照帮扶计划跟踪、对接相关帮扶措施的落实" and, for the
  departments, "交由相关行业部门跟进落实" — a measure is followed until it is done (已落实); a
  measure taken out of the plan (已取消) is no longer followed.
- its case still carries measures (``case_carries_measures``):
  - a monitored case (已纳入监测 through 消除已审定): the plan is made "监测对象识别纳入后10天内"
    (seed 000) and followed while the household is monitored;
  - a case still being identified once its green channel has started. Seed 000: "对因灾因疫因病
    等突发严重困难户，要实施“绿色通道”，确保监测对象及早得到帮扶" — help starts at once and
    identification runs alongside (DOMAIN.md), so these measures count as soon as they exist;
  - not a case that ended without help: 未纳入 (rejected: the household is not a 监测对象, and
    the plan is for "纳入监测的风险原因", seed 000) or 已合并 (merged: "Duplicates of an open clue
    … are merged, not counted twice", DOMAIN.md — the help is followed on the case it joined);
  - not an eliminated case (风险已消除): the county checked "帮扶措施落实的相关行业部门" by phone
    before approving (seed 000, 县级审定必须调查), so nothing is left to follow. A look-back that
    reverts the case to 帮扶中 makes its open measures count again.
  - not a case being identified without a green channel (for example one identified again after
    elimination): the old plan's measures wait until the case is monitored again.

A measure is **finished** (``is_finished``) when it is 已落实, or 已取消 — taken out of the plan,
which ``services.help.plans`` allows only with a written reason (the reason is kept on the
measure and on the plan's event). Seed 000 asks the quarterly evaluation "已制定的帮扶措施是否
落实" and the township's papers include "防止返贫监测对象帮扶措施落实情况表": a household is not
proposed for risk elimination while a measure of its plan is still 已安排 or 落实中
(``unfinished_measures``, read by ``domain.elimination``), and the evaluation's "措施是否落实到位"
must agree with the measures' real state (``in_place_answer_problem``).

A measure is **overdue** when it is open, has a due date and that date has passed: on the due
date itself it is not yet overdue (``deadlines.is_overdue``). It is **due soon** when it is open
and due within ``DUE_SOON_DAYS`` days, today included — the same horizon as case deadlines.
"""
from __future__ import annotations

from datetime import date
from typing import Iterable

from .case_states import IDENTIFICATION_STATES, MONITORED_STATES, CaseState
from .deadlines import DUE_SOON_DAYS, days_left, is_due_soon
from .deadlines import is_overdue as _date_passed
from .enums import MeasureStatus

__all__ = [
    "OPEN_STATUSES", "CARRYING_STATES", "GREEN_CHANNEL_STATES", "DUE_SOON_DAYS",
    "case_carries_measures", "is_open", "is_finished", "unfinished_measures", "in_place_answer_problem", "is_overdue", "is_due_soon_measure", "measure_days_left",
]

# Statuses of a measure still being carried out (seed 000: "跟进落实" until 已落实).
OPEN_STATUSES: frozenset[MeasureStatus] = frozenset({MeasureStatus.PLANNED, MeasureStatus.IN_PROGRESS})

# Case states whose measures are followed in any case: the household is monitored.
CARRYING_STATES: frozenset[CaseState] = frozenset(MONITORED_STATES)

# Case states whose measures are followed only once the green channel has started.
GREEN_CHANNEL_STATES: frozenset[CaseState] = frozenset(IDENTIFICATION_STATES)


def is_finished(status: MeasureStatus | str) -> bool:
    """已落实, or 已取消 with its reason (see the module's docstring)."""
    return MeasureStatus(status) not in OPEN_STATUSES


def unfinished_measures(plan: Iterable[tuple[str, MeasureStatus | str]]) -> tuple[str, ...]:
    """The plan's measures not yet finished, as "名称（已安排）", in plan order.
    ``plan``: (measure name, status) pairs."""
    return tuple(f"{name}（{MeasureStatus(status).label}）" for name, status in plan if not is_finished(status))


def in_place_answer_problem(answer: bool | None, plan: Iterable[tuple[str, MeasureStatus | str]]) -> str | None:
    """Why the evaluation's "帮扶措施是否落实到位" answer disagrees with the measures (None: it
    agrees, or there is nothing to compare with). "是" while a measure is unfinished names the
    unfinished ones; "否" while every measure still in the plan is 已落实 is refused too: what is
    not working is answered by "措施是否见效", and a measure that must change is revised in the plan."""
    plan = list(plan)
    if answer is None:
        return None
    unfinished = unfinished_measures(plan)
    if answer and unfinished:
        return ("帮扶计划中还有措施未落实：" + "、".join(unfinished)
                + "，“帮扶措施是否落实到位”不能选“是”")
    kept = [status for _, status in plan if MeasureStatus(status) is not MeasureStatus.CANCELLED]
    if not answer and kept and not unfinished:
        return ("帮扶计划中的措施都已落实，“帮扶措施是否落实到位”应选“是”；"
                "效果不明显的在“帮扶措施是否见效”中选“否”，需要换措施的请调整帮扶计划")
    return None


def case_carries_measures(state: CaseState | str, *, green_channel_started: bool) -> bool:
    """Whether a case in ``state`` still has measures someone must carry out."""
    state = CaseState(state)
    return state in CARRYING_STATES or (green_channel_started and state in GREEN_CHANNEL_STATES)


def is_open(status: MeasureStatus | str, state: CaseState | str, *, green_channel_started: bool) -> bool:
    """An open measure: not done or cancelled, in a case that still carries measures."""
    return (MeasureStatus(status) in OPEN_STATUSES
            and case_carries_measures(state, green_channel_started=green_channel_started))


def is_overdue(status: MeasureStatus | str, due_on: date | None, today: date, state: CaseState | str, *,
               green_channel_started: bool) -> bool:
    """An open measure whose due date has passed (due today is not overdue yet)."""
    return (due_on is not None and _date_passed(due_on, today)
            and is_open(status, state, green_channel_started=green_channel_started))


def is_due_soon_measure(status: MeasureStatus | str, due_on: date | None, today: date,
                        state: CaseState | str, *, green_channel_started: bool) -> bool:
    """An open measure due within ``DUE_SOON_DAYS`` days, today included."""
    return (due_on is not None and is_due_soon(due_on, today)
            and is_open(status, state, green_channel_started=green_channel_started))


def measure_days_left(status: MeasureStatus | str, due_on: date | None, today: date,
                      state: CaseState | str, *, green_channel_started: bool) -> int | None:
    """Days until an open measure's due date (negative once overdue); None when the measure has
    no date or is nobody's task any more, so no count is shown."""
    if due_on is None or not is_open(status, state, green_channel_started=green_channel_started):
        return None
    return days_left(due_on, today)
