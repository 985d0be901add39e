"""Preconditions for proposing risk elimination (风险消除, seed 004 and seed 000).

- monitored for the minimum period (``min_monitoring_months``: half a year in seed 004, "纳入
  监测帮扶半年以上"; one year of tracking in seed 001);
- income stable and above the line (seed 004: "收入持续稳定、年人均收入稳定超过当年监测范围…
  除风险自然消除对象外，收入持续稳定原则上不低于半年"), read from the dated yearly records
  (收入台账) as follows:

  1. only records measured on or before today count, in the order they were measured;
  2. the latest must have been measured after inclusion ("纳入监测后尚未重新核定收入"
     otherwise: the figure that put the household on the list cannot show it left the risk);
  3. the latest's per-capita income must be above the line of its own year (strictly: at the
     line is not "超过"; the line of a year is ``eligibility.line_for_year``);
  4. income has been above the line since the first day of the period of the earliest record
     in the unbroken run of above-line records that ends with the latest;
  5. only income after inclusion counts: the stable months run from the later of that day and
     the inclusion to the latest record's measurement, in whole calendar months, and must be at
     least ``min_monitoring_months``.

  A yearly record says nothing about single months, so a year above the line counts as the
  whole of its twelve months above it;
- large rigid spending resolved; 三保障 and safe water secure;
- every measure of the help plan finished: 已落实, or 已取消 with a written reason
  (``domain.measures.unfinished_measures``; seed 000: the evaluation asks "已制定的帮扶措施是否
  落实", the papers include "帮扶措施落实情况表");
- a whole household without labour capacity (``domain.members.whole_household_without_labour``:
  its present members) is not marked eliminated after 兜底 measures (seed 004: "对整户无劳动能力
  的监测对象，落实兜底保障措施后，暂不标注风险消除");
- risk that vanished by itself (风险自然消除) waives only the minimum period (seed 004: "除风险
  自然消除对象外，收入持续稳定原则上不低于半年"): neither the months of monitoring nor the months
  of income above the line are asked, but the latest income record must still be above the line
  of its year (it may predate inclusion: a household included for a spending shock may never
  have been below the line), and the no-labour, measures, spending and 三保障 rules all apply.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Mapping

from domain.deadlines import add_months, earliest_elimination
from domain.eligibility import NoMonitoringLine, format_yuan, format_yuan_cents, line_for_year
from domain.income import IncomeYear
from domain.settings import PolicySettings


@dataclass(frozen=True)
class EliminationFacts:
    monitored_since: date | None
    incomes: tuple[IncomeYear, ...]  # the household's yearly records (收入台账), any order
    lines: Mapping[int, Decimal] = field(default_factory=dict, hash=False)  # monitoring line by year
    whole_household_without_labour: bool = False
    natural: bool = False  # 风险自然消除
    unfinished_measures: tuple[str, ...] = ()  # "名称（已安排）": measures not yet 已落实 or 已取消
    guarantees_secure: bool | None = None  # 三保障和饮水安全; None: not yet assessed
    rigid_spending_resolved: bool | None = None


@dataclass(frozen=True)
class IncomeStability:
    """How the records read against the income condition (for the blockers and the panel)."""

    latest: IncomeYear | None        # the latest record measured by today
    line: Decimal | None             # the line of the latest record's year
    above: bool | None               # latest per-capita above that line; None: unknown
    above_since: date | None         # start of the unbroken run of above-line years
    counted_from: date | None        # the later of ``above_since`` and the inclusion
    months: int | None               # whole months from ``counted_from`` to the latest measurement
    measured_after_inclusion: bool
    problem: str | None              # the blocker, or None when the condition is met


def whole_months(start: date, end: date) -> int:
    """Whole calendar months from ``start`` through ``end`` (both days included): 2025-03-01 to
    2025-08-31 is 6, to 2025-08-30 is 5."""
    if end < start:
        return 0
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    while months > 0 and add_months(start, months) > end + timedelta(days=1):
        months -= 1
    return months


def _line(lines: Mapping[int, Decimal], year: int) -> Decimal | None:
    try:
        return line_for_year(lines, year)
    except NoMonitoringLine:
        return None


def income_stability(incomes, lines: Mapping[int, Decimal], monitored_since: date, today: date,
                     s: PolicySettings) -> IncomeStability:
    records = sorted((r for r in incomes if r.measured_on <= today), key=lambda r: (r.measured_on, r.year))
    if not records:
        return IncomeStability(None, None, None, None, None, None, False,
                               "纳入监测后尚未重新核定收入（尚无收入记录），无法判断收入是否稳定超过监测范围")
    latest = records[-1]
    line = _line(lines, latest.year)
    above = None if line is None else latest.per_capita > line
    if latest.measured_on <= monitored_since:
        return IncomeStability(latest, line, above, None, None, None, False,
                               f"纳入监测后尚未重新核定收入（最近一次核定于{latest.measured_on.isoformat()}），"
                               "无法判断收入是否稳定超过监测范围")
    if line is None:
        return IncomeStability(latest, None, None, None, None, None, True,
                               f"未设置{latest.year}年的监测范围，无法判断收入是否超过监测范围")
    if not above:
        return IncomeStability(
            latest, line, False, None, None, None, True,
            f"{latest.year}年家庭人均纯收入{format_yuan_cents(latest.per_capita)}元"
            f"（{latest.measured_on.isoformat()}核定），未超过当年监测范围{format_yuan(line)}元")
    run_start = latest
    for record in reversed(records[:-1]):
        year_line = _line(lines, record.year)
        if year_line is None or record.per_capita <= year_line:
            break
        run_start = record
    above_since = run_start.period_start
    counted_from = max(above_since, monitored_since)
    months = whole_months(counted_from, latest.measured_on)
    problem = None
    if months < s.min_monitoring_months:
        problem = (f"收入自{counted_from.isoformat()}起稳定超过监测范围，至{latest.measured_on.isoformat()}"
                   f"核定仅{months}个月，不足{s.min_monitoring_months}个月")
    return IncomeStability(latest, line, True, above_since, counted_from, months, True, problem)


NO_LABOUR_RULE = "整户无劳动能力的监测对象落实兜底保障后，暂不标注风险消除"


def natural_income_problem(incomes, lines: Mapping[int, Decimal], today: date) -> str | None:
    """For 风险自然消除: the latest record measured by today must be above its year's line (no
    stable period is asked, and it may have been measured before inclusion)."""
    records = sorted((r for r in incomes if r.measured_on <= today), key=lambda r: (r.measured_on, r.year))
    if not records:
        return "尚无收入记录，无法判断收入是否超过监测范围（风险自然消除的也须收入超过监测范围）"
    latest = records[-1]
    line = _line(lines, latest.year)
    if line is None:
        return f"未设置{latest.year}年的监测范围，无法判断收入是否超过监测范围"
    if latest.per_capita <= line:
        return (f"{latest.year}年家庭人均纯收入{format_yuan_cents(latest.per_capita)}元"
                f"（{latest.measured_on.isoformat()}核定），未超过当年监测范围{format_yuan(line)}元")
    return None


def elimination_blockers(facts: EliminationFacts, today: date, s: PolicySettings) -> tuple[str, ...]:
    """Every reason the household cannot yet be proposed for elimination (empty: it can)."""
    blockers: list[str] = []
    if facts.monitored_since is None:
        return ("尚未纳入监测，不能启动风险消除",)
    earliest = earliest_elimination(facts.monitored_since, s, natural=facts.natural)
    if today < earliest:
        blockers.append(f"纳入监测未满{s.min_monitoring_months}个月，最早可于{earliest.isoformat()}启动风险消除")
    if facts.natural:
        problem = natural_income_problem(facts.incomes, facts.lines, today)
    else:
        problem = income_stability(facts.incomes, facts.lines, facts.monitored_since, today, s).problem
    if problem:
        blockers.append(problem)
    if facts.whole_household_without_labour:
        blockers.append(NO_LABOUR_RULE + ("（风险自然消除的也不例外）" if facts.natural else ""))
    if facts.unfinished_measures:
        blockers.append("帮扶计划中还有措施未落实：" + "、".join(facts.unfinished_measures)
                        + "（措施须已落实，或写明理由从帮扶计划中取消）")
    if facts.rigid_spending_resolved is False:
        blockers.append("大额刚性支出尚未稳定解决")
    if facts.guarantees_secure is False:
        blockers.append("“三保障”和饮水安全尚未持续巩固")
    return tuple(blockers)
