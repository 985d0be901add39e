"""Pure helpers for the to-do lists: how close a deadline is, and which of two comes first.

The colours are the overdue list's (``domain.deadlines``): red once past the day, amber within
``DUE_SOON_DAYS`` (the day itself included), plain otherwise.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.deadlines import days_left, is_due_soon, is_overdue


@dataclass(frozen=True)
class Clock:
    days_left: int | None   # negative once overdue; None without a deadline
    text: str               # "已逾期 2 天", "今天到期", "剩 3 天", or ""
    tone: str               # overdue | soon | ok | "" (the CSS tag class)

    @property
    def overdue(self) -> bool:
        return self.tone == "overdue"

    @property
    def due_soon(self) -> bool:
        return self.tone == "soon"


def clock(due: date | None, today: date) -> Clock:
    if due is None:
        return Clock(None, "", "")
    left = days_left(due, today)
    if is_overdue(due, today):
        return Clock(left, f"已逾期 {-left} 天", "overdue")
    text = "今天到期" if left == 0 else f"剩 {left} 天"
    return Clock(left, text, "soon" if is_due_soon(due, today) else "ok")


def sooner(first: date | None, second: date | None) -> date | None:
    """The earlier of two optional days (a missing one never wins)."""
    if first is None or second is None:
        return first or second
    return min(first, second)
