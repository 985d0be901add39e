"""A household's income for one year (收入台账): its items, the net and the per-capita figure.

What the seeds say:

- seed 004, 附件1: "上年度家庭人均纯收入（2021年5月1日-2022年4月30日，单位：元）" — the income of
  the twelve months that end when it is measured, divided over the household's people;
- seed 004: "生产经营性成本上涨" and "务工收入占比高" — wages and production and business are
  the sources watched, and business costs come off the income;
- seed 003: "刚性支出明显超过上年度收入" — rigid spending (medical out of pocket, schooling,
  disaster) is compared with last year's income, so it is kept beside the net, never taken off it.

The net is the four sources (工资性、生产经营性、财产性、转移性收入) less productive spending
(生产经营性支出), in yuan to the cent; the per-capita figure is ``eligibility.per_capita_income``.
A record imported from the national file has its total only, without items.

Amounts are read as people type them: digits with at most two decimals, thousands separators
and full-width digits allowed; nothing else (no signs, exponents, NaN, superscripts).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Mapping

from .deadlines import add_months
from .eligibility import per_capita_income

# The four sources of income, in the order of the national statistics.
SOURCES: tuple[tuple[str, str], ...] = (
    ("wages", "工资性收入"), ("business", "生产经营性收入"), ("property", "财产性收入"),
    ("transfers", "转移性收入"),
)
COSTS = ("business_costs", "生产经营性支出")
# Rigid spending (刚性支出), kept apart from the net.
SPENDING: tuple[tuple[str, str], ...] = (
    ("medical_spending", "医疗自付支出"), ("schooling_spending", "就学支出"), ("disaster_spending", "因灾支出"),
)
ITEMS: tuple[tuple[str, str], ...] = SOURCES + (COSTS,) + SPENDING
LABELS = dict(ITEMS)

MAX_AMOUNT = Decimal("10000000")  # 1,000万元 per item: anything larger is a typing slip
MIN_HOUSEHOLD, MAX_HOUSEHOLD = 1, 50
FIRST_YEAR = 2015

_CENT = Decimal("0.01")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，－", "0123456789.,-")
_SEPARATORS = re.compile(r"[,\s\u3000]")
_AMOUNT = re.compile(r"(-?)([0-9]+)(?:\.([0-9]+))?")


class BadAmount(ValueError):
    """An amount that cannot be read; the message is in Chinese, for the field."""


def parse_amount(raw, label: str, *, negative: bool = False) -> Decimal | None:
    """The amount typed, in yuan, or None when left blank. Raises ``BadAmount``."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise BadAmount(f"{label}应为数字（元）")
    if isinstance(raw, Decimal):  # from a file reader: written out plainly, not as 1.2E+4
        if not raw.is_finite():
            raise BadAmount(f"{label}应为数字（元）")
        cents = raw.quantize(_CENT) if abs(raw) <= MAX_AMOUNT else raw
        raw = format(cents if cents == raw else raw, "f")
    text = _SEPARATORS.sub("", str(raw).translate(_FULL_WIDTH))
    if not text:
        return None
    found = _AMOUNT.fullmatch(text)
    if found is None:
        raise BadAmount(f"{label}应为数字（元）")
    sign, whole, cents = found.groups()
    if sign and not negative:
        raise BadAmount(f"{label}不能为负数")
    if cents is not None and len(cents) > 2:
        raise BadAmount(f"{label}最多保留两位小数（分）")
    whole = whole.lstrip("0") or "0"
    amount = Decimal(f"{sign}{whole[:12]}.{cents or '0'}")
    if len(whole) > 12 or abs(amount) > MAX_AMOUNT:
        raise BadAmount(f"{label}不能超过1,000万元，请核对")
    return amount.quantize(_CENT)


def read_items(raw: Mapping | None) -> tuple[dict[str, Decimal | None], dict[str, str]]:
    """Every item of ``ITEMS`` read from ``raw`` (blank: None); errors by item key. Keys that
    are not items are refused."""
    raw = raw or {}
    errors = {str(key)[:40]: "没有这个收入项目" for key in raw if key not in LABELS}
    amounts: dict[str, Decimal | None] = {}
    for key, label in ITEMS:
        try:
            amounts[key] = parse_amount(raw.get(key), label)
        except BadAmount as exc:
            errors[key] = str(exc)
            amounts[key] = None
    return amounts, errors


def net_of(amounts: Mapping[str, Decimal | None]) -> Decimal:
    """The four sources less productive spending; an item not given counts as nothing."""
    income = sum((amounts.get(key) or Decimal(0) for key, _ in SOURCES), Decimal(0))
    return (income - (amounts.get(COSTS[0]) or Decimal(0))).quantize(_CENT)


def rigid_spending_of(amounts: Mapping[str, Decimal | None]) -> Decimal | None:
    """Medical, schooling and disaster spending together; None when none of them was given."""
    given = [amounts.get(key) for key, _ in SPENDING if amounts.get(key) is not None]
    return sum(given, Decimal(0)).quantize(_CENT) if given else None


def size_problem(household_size) -> str | None:
    if isinstance(household_size, bool) or not isinstance(household_size, int):
        return "家庭人口应为整数"
    if not MIN_HOUSEHOLD <= household_size <= MAX_HOUSEHOLD:
        return f"家庭人口应在{MIN_HOUSEHOLD}到{MAX_HOUSEHOLD}人之间"
    return None


@dataclass(frozen=True)
class IncomeResult:
    net_income: Decimal
    per_capita: Decimal


def compute(items: Mapping | None, household_size: int) -> tuple[IncomeResult | None, dict[str, str]]:
    """The net and per-capita income of the items typed (the visit form's helper, and the
    yearly record's figures); errors by item key, and ``household_size``."""
    amounts, errors = read_items(items)
    problem = size_problem(household_size)
    if problem:
        errors["household_size"] = problem
    if errors:
        return None, errors
    net = net_of(amounts)
    return IncomeResult(net, per_capita_income(net, household_size)), {}


# --- the dated record ----------------------------------------------------------------------

def period_start(measured_on: date) -> date:
    """First day of the twelve months ending on ``measured_on`` (2022-04-30 → 2021-05-01)."""
    return add_months(measured_on, -12) + timedelta(days=1)


def date_problems(year, measured_on: date | None, today: date) -> dict[str, str]:
    """A record belongs to the year it was measured in, and is not measured in the future."""
    errors: dict[str, str] = {}
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= today.year:
        errors["year"] = f"年度应在{FIRST_YEAR}年到{today.year}年之间"
    if measured_on is None:
        errors["measured_on"] = "请填写核定日期"
    elif measured_on > today:
        errors["measured_on"] = "核定日期不能晚于今天"
    elif "year" not in errors and measured_on.year != year:
        errors["measured_on"] = f"核定日期应在{year}年内"
    return errors


@dataclass(frozen=True)
class IncomeYear:
    """One year's record as the rules read it."""

    year: int
    period_start: date
    measured_on: date
    household_size: int
    net_income: Decimal

    @property
    def per_capita(self) -> Decimal:
        return per_capita_income(self.net_income, self.household_size)
