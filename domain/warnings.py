"""Grading a department list's row into a warning (分类分级预警), its deadline, and the feedback.

Seed 000 二、（二）: "进一步加强相关部门共享数据比对，及时将预警信息分类分级反馈核实". The seeds name no
figures; the defaults follow published practice and are settings by region and year
(``Thresholds``, stored per year; the deadlines per region in ``domain.settings``):

- 医保 (Xi'an): out of pocket after the three insurances above 10,000 yuan a year for
  low-income people (here: 脱贫户 and 监测户) and 26,000 for others; a single hospital stay
  above 6,000 (监测户, 脱贫户) or 10,000 (others) in some provinces. Yangyuan (Hebei) uses 50 % /
  100 % of the province's last-year rural per-capita disposable income: a county that does
  sets the year's figures so.
- Everything else (应急 losses, 停水 days) has no published figure: the project's defaults.

A row is first read as a ``Signal`` — whether it is a warning at all, and whether it is severe
(the amount at least ``severe_ratio`` times its threshold, 特困, a grade 1–2 disability, a D-grade
house, a pupil out of compulsory schooling) — then graded by the household's kind:

    severe and 脱贫户/监测户 → 红;  severe, or 脱贫户/监测户 → 橙;  otherwise → 黄.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Mapping

from domain.department_lists import COMPULSORY_STAGES, RISK_TYPES, ListKind
from domain.enums import HouseholdAttribute, LabelledEnum
from domain.settings import InvalidSetting, PolicySettings, ascii_digits


class Grade(LabelledEnum):
    RED = ("red", "红色预警")
    ORANGE = ("orange", "橙色预警")
    YELLOW = ("yellow", "黄色预警")

    @property
    def colour(self) -> str:
        return self.label[0]


class Feedback(LabelledEnum):
    """What the village's verification found, sent back to the department (核实反馈)."""

    INCLUDED = ("included", "已纳入监测")
    HELPED = ("helped", "已落实帮扶")
    NO_RISK = ("no_risk", "经核实无风险")
    WRONG = ("wrong", "信息有误")

    @property
    def needs_reason(self) -> bool:
        return self in (Feedback.NO_RISK, Feedback.WRONG)

    @property
    def counts_as_included(self) -> bool:
        return self in (Feedback.INCLUDED, Feedback.HELPED)


MAX_REASON = 500


def check_feedback(code: str, reason: str) -> tuple[Feedback, str]:
    """The feedback chosen and its reason, or ``ValueError`` naming the field (``result`` or
    ``reason``) with a Chinese message."""
    try:
        found = Feedback((code or "").strip())
    except ValueError:
        raise FeedbackRefused("result", "请选择核实结果") from None
    reason = (reason or "").strip()
    if found.needs_reason and not reason:
        raise FeedbackRefused("reason", f"核实结果为“{found.label}”时，请写明理由")
    if len(reason) > MAX_REASON:
        raise FeedbackRefused("reason", f"理由不超过{MAX_REASON}个字（现在{len(reason)}字）")
    if any(ord(c) < 32 and c not in "\n\r\t" for c in reason):
        raise FeedbackRefused("reason", "理由中有无法识别的字符，请重新填写")
    return found, reason


class FeedbackRefused(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


# --- thresholds by region and year ------------------------------------------------------------

@dataclass(frozen=True)
class Thresholds:
    """The year's figures a row is compared with (yuan unless named otherwise)."""

    medical_vulnerable: Decimal = Decimal("10000")
    medical_other: Decimal = Decimal("26000")
    hospital_stay_vulnerable: Decimal = Decimal("6000")
    hospital_stay_other: Decimal = Decimal("10000")
    disaster_vulnerable: Decimal = Decimal("5000")
    disaster_other: Decimal = Decimal("10000")
    outage_days: Decimal = Decimal("7")
    severe_ratio: Decimal = Decimal("2")

    def with_overrides(self, overrides: Mapping[str, str]) -> "Thresholds":
        return replace(self, **{name: parse_threshold(name, raw) for name, raw in overrides.items()})


# name -> (label, lowest, highest)
THRESHOLD_FIELDS: dict[str, tuple[str, Decimal, Decimal]] = {
    "medical_vulnerable": ("医保：脱贫户、监测户全年个人自付超过（元）", Decimal("100"), Decimal("1000000")),
    "medical_other": ("医保：一般农户全年个人自付超过（元）", Decimal("100"), Decimal("1000000")),
    "hospital_stay_vulnerable": ("医保：脱贫户、监测户单次住院自付超过（元）", Decimal("100"), Decimal("1000000")),
    "hospital_stay_other": ("医保：一般农户单次住院自付超过（元）", Decimal("100"), Decimal("1000000")),
    "disaster_vulnerable": ("应急：脱贫户、监测户直接经济损失超过（元）", Decimal("100"), Decimal("1000000")),
    "disaster_other": ("应急：一般农户直接经济损失超过（元）", Decimal("100"), Decimal("1000000")),
    "outage_days": ("水利：停水达到（天）", Decimal("1"), Decimal("180")),
    "severe_ratio": ("达到标准的几倍为严重（定为红色或橙色）", Decimal("1.1"), Decimal("10")),
}

THRESHOLD_NOTES: dict[str, str] = {
    "medical_vulnerable": "西安市医保局做法：低收入人口经三重保障后个人自付超过1万元预警；阳原县按上年全省农村居民人均可支配收入的50%折算",
    "medical_other": "西安市医保局做法：其他人员个人自付超过2.6万元预警；阳原县按上年全省农村居民人均可支配收入的100%折算",
    "hospital_stay_vulnerable": "部分省份做法：监测对象单次住院个人自付超过6000元预警",
    "hospital_stay_other": "部分省份做法：其他农户单次住院个人自付超过1万元预警",
    "disaster_vulnerable": "种子文件和公开做法都没有给出数额；本系统默认5000元，各地按本地口径设置",
    "disaster_other": "种子文件和公开做法都没有给出数额；本系统默认1万元，各地按本地口径设置",
    "outage_days": "种子文件没有规定；本系统默认停水7天以上预警",
    "severe_ratio": "本系统的分级办法：达到标准2倍及以上为严重；严重且为脱贫户、监测户的为红色",
}


def parse_threshold(name: str, raw) -> Decimal:
    if name not in THRESHOLD_FIELDS:
        raise InvalidSetting(name, f"未知的预警标准：{name}")
    label, low, high = THRESHOLD_FIELDS[name]
    text = ascii_digits("" if raw is None else str(raw)).replace(",", "").strip().removesuffix("元").removesuffix("天")
    if not text:
        raise InvalidSetting(name, f"“{label}”不能为空")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidSetting(name, f"“{label}”应为数字") from None
    if not value.is_finite() or value.as_tuple().exponent < -2:
        raise InvalidSetting(name, f"“{label}”应为数字，最多两位小数")
    if not low <= value <= high:
        raise InvalidSetting(name, f"“{label}”应在{low}到{high}之间")
    return value


def threshold_names() -> list[str]:
    return [f.name for f in fields(Thresholds)]


# --- reading a row as a signal ----------------------------------------------------------------

@dataclass(frozen=True)
class Signal:
    severe: bool
    figures: str                 # what triggered it, in Chinese (personal: stored encrypted)
    risk_types: tuple[str, ...]


# 脱贫户 and 监测户 are watched more closely than 一般农户 (the lower thresholds).
VULNERABLE = (HouseholdAttribute.LIFTED, HouseholdAttribute.MONITORED)


def is_vulnerable(attribute: HouseholdAttribute | str | None) -> bool:
    return attribute is not None and HouseholdAttribute(attribute) in VULNERABLE


def kind_label(attribute: HouseholdAttribute | str | None) -> str:
    return "脱贫户、监测户标准" if is_vulnerable(attribute) else "一般农户标准"


def yuan(amount: Decimal) -> str:
    return f"{Decimal(amount).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}".removesuffix(".00")


def evaluate(kind: ListKind, facts: Mapping, attribute, t: Thresholds) -> Signal | None:
    """The row's signal for a household of ``attribute``, or None when it is no warning."""
    vulnerable = is_vulnerable(attribute)
    risks = tuple(r.value for r in RISK_TYPES[kind])
    found = _EVALUATORS[kind](facts, vulnerable, t)
    if found is None:
        return None
    severe, figures = found
    return Signal(severe, figures, risks)


def _over(amount, threshold: Decimal, t: Thresholds) -> tuple[bool, bool]:
    """(over the threshold, severe)"""
    if amount is None:
        return False, False
    return amount > threshold, amount >= threshold * t.severe_ratio


def _medical(facts, vulnerable: bool, t: Thresholds):
    yearly = t.medical_vulnerable if vulnerable else t.medical_other
    stay_line = t.hospital_stay_vulnerable if vulnerable else t.hospital_stay_other
    over, severe = _over(facts.get("out_of_pocket"), yearly, t)
    stay_over, stay_severe = _over(facts.get("largest_stay"), stay_line, t)
    if not (over or stay_over):
        return None
    standard = "脱贫户、监测户" if vulnerable else "一般农户"
    parts = [f"{facts['period_start']:%Y-%m-%d}至{facts['period_end']:%Y-%m-%d}"]
    if over:
        parts.append(f"个人自付医疗费用{yuan(facts['out_of_pocket'])}元，超过{yuan(yearly)}元（{standard}标准）")
    if stay_over:
        parts.append(f"单次住院自付{yuan(facts['largest_stay'])}元，超过{yuan(stay_line)}元（{standard}标准）")
    return severe or stay_severe, "，".join(parts)


def _civil(facts, vulnerable: bool, t: Thresholds):
    matter = facts["matter"]
    text = f"{facts['on']:%Y-%m-%d} {matter}"
    if facts.get("amount") is not None:
        text += f"，金额{yuan(facts['amount'])}元"
    return matter == "特困申请", text


def _disability(facts, vulnerable: bool, t: Thresholds):
    kind = f"{facts['disability_type']}残疾" if facts.get("disability_type") else "残疾"
    return facts["grade"] <= 2, f"{facts['on']:%Y-%m-%d} 新办{kind}证，{facts['grade']}级"


def _education(facts, vulnerable: bool, t: Thresholds):
    stage, situation = facts["stage"], facts["situation"]
    if situation == "辍学":
        compulsory = stage in COMPULSORY_STAGES
        return compulsory, f"{facts['on']:%Y-%m-%d} {stage}辍学" + ("（义务教育阶段）" if compulsory else "")
    if stage in COMPULSORY_STAGES:
        return None  # a pupil in compulsory schooling is no warning
    return False, f"{stage}在校生（非义务教育阶段），{facts['on']:%Y-%m-%d}起"


def _housing(facts, vulnerable: bool, t: Thresholds):
    grade = facts["house_grade"]
    if grade not in ("C级", "D级"):
        return None
    return grade == "D级", f"{facts['on']:%Y-%m-%d} 房屋鉴定为{grade}危房"


def _water(facts, vulnerable: bool, t: Thresholds):
    problem = facts["problem"]
    if problem != "停水":
        return False, f"{facts['on']:%Y-%m-%d} 饮水问题：{problem}"
    days = facts.get("outage_days") or 0
    if days < t.outage_days:
        return None
    return days >= t.outage_days * t.severe_ratio, f"{facts['on']:%Y-%m-%d}起停水{days}天"


def _disaster(facts, vulnerable: bool, t: Thresholds):
    line = t.disaster_vulnerable if vulnerable else t.disaster_other
    over, severe = _over(facts.get("loss"), line, t)
    if not over:
        return None
    standard = "脱贫户、监测户" if vulnerable else "一般农户"
    return severe, (f"{facts['on']:%Y-%m-%d} {facts['disaster']}，直接经济损失{yuan(facts['loss'])}元，"
                    f"超过{yuan(line)}元（{standard}标准）")


def _employment(facts, vulnerable: bool, t: Thresholds):
    return False, f"{facts['on']:%Y-%m-%d} {facts['situation']}"


_EVALUATORS = {
    ListKind.MEDICAL: _medical, ListKind.CIVIL: _civil, ListKind.DISABILITY: _disability,
    ListKind.EDUCATION: _education, ListKind.HOUSING: _housing, ListKind.WATER: _water,
    ListKind.DISASTER: _disaster, ListKind.EMPLOYMENT: _employment,
}


def grade(signal: Signal, attribute) -> Grade:
    vulnerable = is_vulnerable(attribute)
    if signal.severe and vulnerable:
        return Grade.RED
    if signal.severe or vulnerable:
        return Grade.ORANGE
    return Grade.YELLOW


# --- deadlines and timeliness -----------------------------------------------------------------

def deadline_days(policy: PolicySettings) -> dict[Grade, int]:
    return {Grade.RED: policy.warning_red_days, Grade.ORANGE: policy.warning_orange_days,
            Grade.YELLOW: policy.warning_yellow_days}


def most_pressing(grades) -> "Grade | None":
    """The most severe of some grades (红 before 橙 before 黄); None for none."""
    order = list(Grade)
    found = sorted((Grade(g) for g in grades), key=order.index)
    return found[0] if found else None


def due_on(level: Grade, sent_on: date, days: Mapping[Grade, int]) -> date:
    """The day the village's verification result is due back (核实反馈期限)."""
    return sent_on + timedelta(days=days[level])


def is_overdue(due: date, feedback_on: date | None, today: date) -> bool:
    """Late: answered after the day, or still unanswered past it."""
    return (feedback_on or today) > due


__all__ = ["Feedback", "FeedbackRefused", "Grade", "Signal", "THRESHOLD_FIELDS", "THRESHOLD_NOTES", "Thresholds",
           "check_feedback", "deadline_days", "due_on", "most_pressing", "evaluate", "grade", "is_overdue", "is_vulnerable", "parse_threshold",
           "threshold_names", "yuan"]
