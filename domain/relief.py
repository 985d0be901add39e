"""临时救助 on a help plan: who approves the amount, and the least 急难型 amount.

Seed 003 (003_714cbcc78f441a80.txt 三、（四）临时救助): "临时救助金额在当地当年城市月低保标准3倍以内的，
县级民政部门可以委托乡镇（街道）审批。……对家庭成员在2人以上的监测对象，符合急难型临时救助条件的，给予其家庭
不低于当地当年城市月低保标准8倍的临时救助金额" (``domain.dibao.RELIEF_QUOTE``; the multiples are
``domain.dibao.TOWNSHIP_RELIEF_TIMES`` and ``EMERGENCY_RELIEF_TIMES``).

Decisions:
- "当年" is the year the measure is planned; a year without its own urban monthly standard uses
  the latest earlier year's (``domain.dibao.standard_for_year``, as the rural standard does).
- At most 3 × the standard: the township (街道) may approve, on the county's delegation; above it,
  the county civil-affairs bureau. Exactly 3 × is "以内" (within).
- 急难型 for a household of 2 or more: an amount below 8 × the standard is refused, with the rule
  quoted. 支出型 and households of one have no minimum in the seed.
- No standard for the year or any earlier year: the approver and the minimum cannot be told;
  the check says so plainly and refuses nothing. An unknown household size (no member
  registered) likewise cannot be held to the minimum, and the check says so.

Pure: the caller passes the amount, the kind, the household size, the region's urban monthly
standards by year and the year.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Mapping

from .dibao import (EMERGENCY_MIN_PEOPLE, EMERGENCY_RELIEF_TIMES, RELIEF_QUOTE, TOWNSHIP_RELIEF_TIMES,
                    carried_year, emergency_relief_minimum, standard_for_year, township_relief_limit)
from .eligibility import format_yuan
from .enums import LabelledEnum

RULE = f"种子文件003：“{RELIEF_QUOTE}”"
MAX_AMOUNT = Decimal("10000000")   # 元: anything larger is a typing slip
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，　", "0123456789., ")
_SEPARATORS = re.compile(r"[,\s]")
_AMOUNT = re.compile(r"([0-9]{1,8})(?:\.([0-9]{1,2}))?")


class ReliefKind(LabelledEnum):
    EMERGENCY = ("emergency", "急难型")
    EXPENSE = ("expense", "支出型")


class Approver(LabelledEnum):
    TOWNSHIP = ("township", "乡镇（街道）审批（县级民政部门委托）")
    COUNTY = ("county", "县级民政部门审批")


class BadAmount(ValueError):
    pass


def parse_amount(raw) -> Decimal:
    """The amount typed, in yuan: "3000", "3,000", "３０００元", "2500.5"; no signs, exponents,
    NaN or ²."""
    if isinstance(raw, Decimal):
        raw = format(raw, "f") if raw.is_finite() else "NaN"
    text = _SEPARATORS.sub("", ("" if raw is None else str(raw)).translate(_FULL_WIDTH)).removesuffix("元")
    if not text:
        raise BadAmount("请填写临时救助金额（元）")
    found = _AMOUNT.fullmatch(text) if text.isascii() else None
    if found is None:
        raise BadAmount("临时救助金额应为数字（元），最多两位小数")
    whole, cents = found.groups()
    value = Decimal(f"{whole}.{cents or '0'}").quantize(Decimal("0.01"))
    if not Decimal(0) < value <= MAX_AMOUNT:
        raise BadAmount(f"临时救助金额应大于0且不超过{format_yuan(MAX_AMOUNT)}元")
    return value


@dataclass(frozen=True)
class ReliefCheck:
    year: int
    standard: Decimal | None        # the urban monthly standard used (元/人·月)
    standard_year: int | None       # the year it was set for (== year, or an earlier one)
    approver: Approver | None       # None when no standard is set
    township_limit: Decimal | None  # 3 × the standard
    minimum: Decimal | None         # 8 × the standard, for 急难型 and 2 or more people
    refusal: str | None             # the amount breaks the rule
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.refusal is None

    def standard_words(self) -> str:
        if self.standard is None:
            return (f"本地区未设置{self.year}年及以前年度的城市月低保标准，无法判断审批层级和急难型最低金额"
                    "（请县级民政部门在“低保标准”中设置）")
        carried = "" if self.standard_year == self.year else f"（{self.year}年未单独设置，沿用{self.standard_year}年）"
        return f"{self.year}年城市月低保标准{format_yuan(self.standard)}元/人·月{carried}"

    def approver_words(self) -> str:
        if self.approver is None:
            return "无法判断（未设置城市月低保标准）"
        if self.approver is Approver.TOWNSHIP:
            return f"{self.approver.label}：不超过{TOWNSHIP_RELIEF_TIMES}倍（{format_yuan(self.township_limit)}元）"
        return f"{self.approver.label}：超过{TOWNSHIP_RELIEF_TIMES}倍（{format_yuan(self.township_limit)}元）"


def check_relief(amount: Decimal, kind: ReliefKind | str, household_size: int | None,
                 urban_standards: Mapping[int, Decimal], year: int) -> ReliefCheck:
    """Who approves ``amount`` and whether a 急难型 amount is below the minimum.

    ``household_size``: the members registered (None or 0 when unknown).
    ``urban_standards``: the region's urban monthly 低保 standards by year.
    """
    kind = ReliefKind(kind)
    amount = Decimal(amount)
    standard = standard_for_year(urban_standards, year)
    if standard is None:
        return ReliefCheck(year, None, None, None, None, None, None,
                           ("未设置城市月低保标准，本次不核对审批层级和急难型最低金额",))
    from_year = carried_year(urban_standards, year).from_year
    limit = township_relief_limit(standard)
    approver = Approver.TOWNSHIP if amount <= limit else Approver.COUNTY
    notes: list[str] = []
    minimum = None
    refusal = None
    if kind is ReliefKind.EMERGENCY:
        if not household_size:
            notes.append(f"未登记家庭成员，无法核对家庭成员{EMERGENCY_MIN_PEOPLE}人以上急难型临时救助的最低金额")
        else:
            minimum = emergency_relief_minimum(standard, household_size)
        if minimum is not None and amount < minimum:
            refusal = (f"本户家庭成员{household_size}人，急难型临时救助金额不得低于当地当年城市月低保标准的"
                       f"{EMERGENCY_RELIEF_TIMES}倍（{format_yuan(standard)}元×{EMERGENCY_RELIEF_TIMES}＝"
                       f"{format_yuan(minimum)}元），填写的是{format_yuan(amount)}元")
    return ReliefCheck(year, standard, from_year, approver, limit, minimum, refusal, tuple(notes))
