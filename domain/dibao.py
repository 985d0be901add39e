"""低保: the standards per region and year, the 低保渐退期 and the 临时救助 amounts counted in them.

Seed 003 (003_714cbcc78f441a80.txt 三、（三）兜底保障): "实行低保“渐退期”，脱贫攻坚期内纳入农村低保的
建档立卡贫困户人均收入超过当地低保标准且在当地低保1.5倍以内，可给予12个月的渐退期；边缘户纳入低保的，可给予
6—12个月的渐退期。"

Seed 003 (三、（四）临时救助): "临时救助金额在当地当年城市月低保标准3倍以内的，县级民政部门可以委托乡镇
（街道）审批。……对家庭成员在2人以上的监测对象，符合急难型临时救助条件的，给予其家庭不低于当地当年城市月低保
标准8倍的临时救助金额".

So a region sets, per year, two figures: the rural standard (元/人·年 — the figure a household's
per-capita income is compared with) and the urban monthly standard (元/人·月 — the figure
临时救助 counts in). The seeds give no figure for either: there is no default, and a year
without its own standard keeps the latest earlier year's (as the monitoring line does).

Who gets a phase-out: a household on 低保 (any member present 享受低保) that is lifted out of
poverty (脱贫户, or monitored as 脱贫不稳定户 — a category only lifted-out households have: the
seed's 建档立卡贫困户) gets 12 months; a 边缘易致贫户 gets the region's setting
``dibao_phaseout_months`` (6 to 12, default 12). Other households (一般农户, 突发严重困难户) are
not named by the seed and get none. Where a household is both, the lifted-out rule applies.

When: the per-capita income of a year's record above that year's rural standard and at most
1.5 times it. The period starts the day that income was measured; the period a household
already stands in is not renewed by the next year's record while its income stays in the band
(the start is the first of the unbroken run of records in the band, ending with the latest).
The end is the start plus the months.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Iterable, Mapping

from .deadlines import add_months
from .eligibility import format_yuan

SEED = "003_714cbcc78f441a80.txt"
PHASEOUT_QUOTE = ("实行低保“渐退期”，脱贫攻坚期内纳入农村低保的建档立卡贫困户人均收入超过当地低保标准且在当地低保"
                  "1.5倍以内，可给予12个月的渐退期；边缘户纳入低保的，可给予6—12个月的渐退期。")
RELIEF_QUOTE = ("临时救助金额在当地当年城市月低保标准3倍以内的，县级民政部门可以委托乡镇（街道）审批。……对家庭成员"
                "在2人以上的监测对象，符合急难型临时救助条件的，给予其家庭不低于当地当年城市月低保标准8倍的临时救助金额")
NO_DEFAULT = "种子文件没有给出低保标准的数字，本系统不设默认值；没有设置的年度无法判断低保渐退期"

BAND = Decimal("1.5")            # "在当地低保1.5倍以内"
LIFTED_MONTHS = 12               # "建档立卡贫困户……可给予12个月的渐退期"
MARGINAL_RANGE = (6, 12)         # "边缘户……可给予6—12个月的渐退期"
TOWNSHIP_RELIEF_TIMES = 3        # "在当地当年城市月低保标准3倍以内的……委托乡镇（街道）审批"
EMERGENCY_RELIEF_TIMES = 8       # "不低于当地当年城市月低保标准8倍"
EMERGENCY_MIN_PEOPLE = 2         # "家庭成员在2人以上"

LIFTED, MARGINAL = "lifted", "marginal"
GROUP_LABELS = {LIFTED: "脱贫户", MARGINAL: "边缘易致贫户"}


# --- who ------------------------------------------------------------------------------------------

def on_dibao(flags: Iterable[bool | None]) -> bool:
    """Any member present 享受低保 (``Member.minimum_living`` of the present members)."""
    return any(flag is True for flag in flags)


def group_of(attribute: str | None, category: str | None) -> str | None:
    """``LIFTED`` for a 脱贫户 (or a household monitored as 脱贫不稳定户), ``MARGINAL`` for a
    边缘易致贫户, None for others (the seed grants them no phase-out)."""
    if attribute == "lifted" or category == "unstable_lifted":
        return LIFTED
    if category == "marginal":
        return MARGINAL
    return None


def months_for(group: str, marginal_months: int) -> int:
    return LIFTED_MONTHS if group == LIFTED else marginal_months


# --- when -----------------------------------------------------------------------------------------

def in_band(per_capita: Decimal, standard: Decimal) -> bool:
    """Above the rural standard and at most 1.5 times it."""
    return Decimal(standard) < Decimal(per_capita) <= Decimal(standard) * BAND


@dataclass(frozen=True)
class IncomeMeasure:
    """A year's income record as the rule reads it."""

    year: int
    measured_on: date
    per_capita: Decimal


@dataclass(frozen=True)
class Phaseout:
    group: str
    months: int
    start: date
    end: date
    standard: Decimal   # the rural standard of the record that started it
    standard_year: int  # the year of that record

    def words(self) -> str:
        return (f"{GROUP_LABELS[self.group]}，人均纯收入超过{self.standard_year}年农村低保标准"
                f"{format_yuan(self.standard)}元且在1.5倍以内，自{self.start.isoformat()}起{self.months}个月")


def phaseout(*, on_low_income_support: bool, attribute: str | None, category: str | None,
             records: Iterable[IncomeMeasure], standards: Mapping[int, Decimal],
             marginal_months: int) -> Phaseout | None:
    """The household's phase-out, or None when it has none: not on 低保, not a group the seed
    names, no record, the latest record outside the band, or no standard for its year.

    ``standards``: the region's rural standards by year (a year without its own uses the latest
    earlier year's, ``standard_for_year``)."""
    group = group_of(attribute, category)
    if not on_low_income_support or group is None:
        return None
    if not MARGINAL_RANGE[0] <= marginal_months <= MARGINAL_RANGE[1]:
        raise ValueError("边缘户的渐退期应为6至12个月")
    ordered = sorted(records, key=lambda r: r.year)
    first: IncomeMeasure | None = None
    first_standard: Decimal | None = None
    for record in reversed(ordered):
        standard = standard_for_year(standards, record.year)
        if standard is None or not in_band(record.per_capita, standard):
            break
        first, first_standard = record, standard
    if first is None:
        return None
    months = months_for(group, marginal_months)
    return Phaseout(group=group, months=months, start=first.measured_on, end=add_months(first.measured_on, months),
                    standard=first_standard, standard_year=first.year)


def months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


# --- the standards per year -----------------------------------------------------------------------

def standard_for_year(standards: Mapping[int, Decimal], year: int) -> Decimal | None:
    """The standard of ``year``, or the latest earlier year's; None before the first."""
    earlier = [y for y in standards if y <= year]
    return Decimal(standards[max(earlier)]) if earlier else None


@dataclass(frozen=True)
class StandardYear:
    """One year as a region sees it: its own standard, the latest earlier year's, or none."""

    year: int
    from_year: int | None  # the year whose standard applies (== year when set for the year)

    @property
    def own(self) -> bool:
        return self.from_year == self.year

    @property
    def carried(self) -> bool:
        return self.from_year is not None and self.from_year != self.year


def carried_year(years: Iterable[int], year: int) -> StandardYear:
    earlier = [y for y in years if y <= year]
    return StandardYear(year, max(earlier) if earlier else None)


def shown_years(years: Iterable[int], through: int) -> list[StandardYear]:
    """Every year from the first set one to ``through`` (or the last set, if later), newest
    first, each with the year whose standard it uses."""
    years = sorted(set(years))
    if not years:
        return [StandardYear(through, None)]
    last = max(years[-1], through)
    return [carried_year(years, y) for y in range(min(years[0], through), last + 1)][::-1]


# --- 临时救助 -------------------------------------------------------------------------------------

def township_relief_limit(urban_monthly: Decimal) -> Decimal:
    """Relief up to this amount the county may let the township approve (3 × the urban standard)."""
    return Decimal(urban_monthly) * TOWNSHIP_RELIEF_TIMES


def emergency_relief_minimum(urban_monthly: Decimal, household_size: int) -> Decimal | None:
    """The least 急难型 relief for a monitored household of 2 or more (8 × the urban standard);
    None for a household of one (the seed sets no minimum for it)."""
    if household_size < EMERGENCY_MIN_PEOPLE:
        return None
    return Decimal(urban_monthly) * EMERGENCY_RELIEF_TIMES


# --- reading the figures typed --------------------------------------------------------------------

FIRST_YEAR, LAST_YEAR = 2015, 2100
MAX_RURAL = Decimal("1000000")   # 元/人·年: anything larger is a typing slip
MAX_URBAN = Decimal("100000")    # 元/人·月
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，　", "0123456789., ")
_SEPARATORS = re.compile(r"[,\s]")
_AMOUNT = re.compile(r"([0-9]{1,7})(?:\.([0-9]{1,2}))?")
FIELDS = {"rural": ("农村低保标准", "元/人·年", MAX_RURAL), "urban": ("城市月低保标准", "元/人·月", MAX_URBAN)}


class BadStandard(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def parse_year(raw) -> int:
    text = ("" if raw is None else str(raw)).translate(_FULL_WIDTH).strip().removesuffix("年")
    if not text:
        raise BadStandard("year", "请填写年份")
    if not (len(text) == 4 and text.isascii() and text.isdigit()) or not FIRST_YEAR <= int(text) <= LAST_YEAR:
        raise BadStandard("year", f"年份应在{FIRST_YEAR}至{LAST_YEAR}之间")
    return int(text)


def parse_amount(raw, field: str) -> Decimal:
    """"6000", "6,000", "６０００元", "575.5"; no signs, exponents, NaN or ²."""
    label, unit, high = FIELDS[field]
    if isinstance(raw, Decimal):
        raw = format(raw, "f") if raw.is_finite() else "NaN"
    text = _SEPARATORS.sub("", ("" if raw is None else str(raw)).translate(_FULL_WIDTH))
    text = text.removesuffix(unit).removesuffix("元")
    if not text:
        raise BadStandard(field, f"请填写{label}（{unit}）")
    found = _AMOUNT.fullmatch(text) if text.isascii() else None
    if found is None:
        raise BadStandard(field, f"{label}应为数字（{unit}），最多两位小数")
    whole, cents = found.groups()
    value = Decimal(f"{whole}.{cents or '0'}").quantize(Decimal("0.01"))
    if not Decimal(0) < value <= high:
        raise BadStandard(field, f"{label}应大于0且不超过{format_yuan(high)}元")
    return value


def stored(rural: Decimal, urban: Decimal) -> str:
    """The pair as the settings history keeps it: "6000.00|575.00"."""
    return f"{Decimal(rural):.2f}|{Decimal(urban):.2f}"


def words(value: str | None) -> str | None:
    """A stored pair as people read it; None for None."""
    if value is None:
        return None
    rural, _, urban = value.partition("|")
    try:
        return f"农村{format_yuan(Decimal(rural))}元/人·年，城市{format_yuan(Decimal(urban))}元/人·月"
    except ArithmeticError:
        return value
