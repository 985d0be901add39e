"""Whether a household falls within the monitoring scope (监测范围).

Seed 003: households with per-capita income below the line (6,000 yuan in 2020), and those whose
rigid spending from illness, disability, disaster or the epidemic clearly exceeds last year's
income, or whose income dropped sharply. Seed 004: the line is 7,000 yuan in 2022 and nine key
groups deserve attention; belonging to one is a reason to look closely, not by itself a reason to
include. Seed 000: the green channel for sudden severe hardship. How large a drop counts as
"大幅缩减" is a setting (``PolicySettings.income_drop_ratio``).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Mapping

from .enums import KeyGroup
from .settings import PolicySettings

_CENT = Decimal("0.01")


class NoMonitoringLine(LookupError):
    """No monitoring line is set for the year or any earlier year."""

    def __str__(self) -> str:
        return self.args[0] if self.args else "未设置监测范围"


def line_for_year(lines: Mapping[int, Decimal], year: int) -> Decimal:
    """The line for ``year``, or the latest earlier one: a line stays in force until replaced."""
    if year in lines:
        return Decimal(lines[year])
    earlier = [y for y in lines if y < year]
    if not earlier:
        raise NoMonitoringLine(f"未设置{year}年及以前年度的监测范围，请先设置")
    return Decimal(lines[max(earlier)])


def _dec(value) -> Decimal:
    # str() first so a float like 0.1 becomes Decimal("0.1"), not its binary expansion.
    return value if isinstance(value, Decimal) else Decimal(str(value))


def per_capita_income(net_income: Decimal, household_size: int) -> Decimal:
    if household_size < 1:
        raise ValueError("家庭人口数应至少为1人")
    return (_dec(net_income) / household_size).quantize(_CENT, rounding=ROUND_HALF_UP)


def format_yuan(amount: Decimal) -> str:
    """Thousands separators; whole amounts without decimals (7,000), others with two (5,200.50).

    Per-capita incomes always show two decimals via ``format_yuan_cents`` so they read as computed.
    """
    amount = _dec(amount)
    if amount == amount.to_integral_value():
        return f"{amount:,.0f}"
    return f"{amount.quantize(_CENT, rounding=ROUND_HALF_UP):,.2f}"


def format_yuan_cents(amount: Decimal) -> str:
    return f"{_dec(amount).quantize(_CENT, rounding=ROUND_HALF_UP):,.2f}"


@dataclass(frozen=True)
class HouseholdFacts:
    household_size: int
    net_income: Decimal  # family net income over the last 12 months
    rigid_spending: Decimal = Decimal("0")  # illness, disability, disaster, accident, schooling
    last_year_income: Decimal | None = None  # 上年度家庭纯收入
    key_groups: frozenset[KeyGroup] = frozenset()
    sudden_hardship: bool = False


@dataclass(frozen=True)
class Reason:
    code: str
    text: str


@dataclass(frozen=True)
class Assessment:
    in_scope: bool
    per_capita: Decimal
    line: Decimal
    reasons: tuple[Reason, ...]
    attention: tuple[Reason, ...]


def assess(facts: HouseholdFacts, line: Decimal, s: PolicySettings) -> Assessment:
    """Apply the scope rules; every reason found is listed, in a fixed order."""
    line = _dec(line)
    if line <= 0:
        raise ValueError("监测范围应大于0元")
    per_capita = per_capita_income(facts.net_income, facts.household_size)
    net = _dec(facts.net_income)
    rigid = _dec(facts.rigid_spending)
    last = None if facts.last_year_income is None else _dec(facts.last_year_income)
    reasons: list[Reason] = []
    attention: list[Reason] = []

    # Strictly below: a household exactly at the line is not "低于" it.
    if per_capita < line:
        reasons.append(Reason(
            "below_line",
            f"家庭人均纯收入{format_yuan_cents(per_capita)}元，低于监测范围{format_yuan(line)}元"))

    if last is not None:
        if rigid > 0 and rigid > last:
            reasons.append(Reason(
                "rigid_spending",
                f"刚性支出{format_yuan(rigid)}元，超过上年度家庭纯收入{format_yuan(last)}元"))
        # A drop is measured against a positive base; with no income last year nothing can drop.
        if last > 0 and net < last:
            drop = (last - net) / last
            if drop >= s.income_drop_ratio:
                reasons.append(Reason(
                    "income_drop",
                    f"家庭纯收入由上年度{format_yuan(last)}元降至{format_yuan(net)}元，"
                    f"减少{_percent(drop)}，达到收入大幅缩减标准（{_percent(s.income_drop_ratio)}）"))
    elif rigid > 0:
        # Without last year's income the two comparisons cannot be made; say so rather than
        # silently treating the household as out of scope.
        attention.append(Reason("last_year_income_missing", "未填写上年度家庭纯收入，无法判断刚性支出和收入缩减情况"))

    if facts.sudden_hardship:
        reasons.append(Reason("sudden_hardship", "因病因灾因意外事故等导致基本生活出现严重困难"))

    for group in KeyGroup:  # enum order, so the list reads the same every time
        if group in facts.key_groups:
            attention.append(Reason(f"key_group_{group.value}", f"属于重点关注人群：{group.label}"))

    return Assessment(bool(reasons), per_capita, line, tuple(reasons), tuple(attention))


def _percent(ratio: Decimal) -> str:
    value = (ratio * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    text = f"{value:f}".rstrip("0").rstrip(".")
    return f"{text}%"
