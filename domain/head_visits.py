"""党政主职遍访: the township's party secretary or head visits every household still at risk once a year.

Seed 000 (二、（三）): "每年由乡镇党委书记或镇长对辖区内未消除风险的监测对象开展一次遍访，逐户上门
核查、督促帮扶措施的落实。对特别困难的监测对象，积极调度政策、资源，强化针对性帮扶。"

- Who: the township's 党委书记 or 乡镇长 (``HeadTitle``), nobody else's visit counts.
- Whom: the monitored households whose risk is not eliminated (a case in a monitored state).
- How often: once in each calendar year; a visit of last year does not count this year.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.enums import LabelledEnum

SEED_QUOTE = "每年由乡镇党委书记或镇长对辖区内未消除风险的监测对象开展一次遍访，逐户上门核查、督促帮扶措施的落实。"
SEED_SOURCE = "seed 000 / 000_b8ef52531082bb4c.txt 二、（三）"


class HeadTitle(LabelledEnum):
    SECRETARY = ("secretary", "乡镇党委书记")
    MAYOR = ("mayor", "乡镇长")


def visit_year(day: date) -> int:
    """The year a visit counts for: the calendar year it was made in."""
    return day.year


def counts_this_year(visited_on: date, today: date) -> bool:
    return visited_on.year == today.year and visited_on <= today


@dataclass(frozen=True)
class Coverage:
    due: int       # households to visit this year
    visited: int   # of them, visited this year

    @property
    def missing(self) -> int:
        return self.due - self.visited

    @property
    def percent(self) -> int:
        """Whole percent, rounded down (100 only when every household was visited)."""
        return 100 if self.due == 0 else self.visited * 100 // self.due


def visit_problems(visited_on: date | None, today: date, note: str) -> dict[str, str]:
    """Why a visit cannot be recorded as typed (field -> message)."""
    problems = {}
    if visited_on is None:
        problems["visited_on"] = "请填写遍访日期"
    elif visited_on > today:
        problems["visited_on"] = "遍访日期不能晚于今天"
    elif visited_on.year != today.year:
        problems["visited_on"] = f"只能登记{today.year}年的遍访（每年遍访一次，按当年计）"
    if len(note.strip()) > 500:
        problems["note"] = "情况说明不超过500个字"
    return problems
