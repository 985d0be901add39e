"""The farmer's self-report form (自主申报): what it asks, in plain words, and its checks.

At most six required fields (name, ID number, phone, village, hardship types, a short
description), a separate consent for sensitive personal data (PIPL Art. 29) and the
green-channel question; household size, an income estimate and photos are optional.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from domain import numbers
from domain.consent import CONSENT_TEXT, stale_version  # noqa: F401  (the form's consent wording)
from domain.enums import RiskType
from domain.validation import InvalidIdNumber, InvalidPhone, normalize_mobile, parse_id_number

# Hardship choices in the farmer's words, each mapped to the risk type staff work with.
HARDSHIPS: dict[RiskType, str] = {
    RiskType.ILLNESS: "家人生病，看病花钱多",
    RiskType.DISABILITY: "家里有人残疾",
    RiskType.SCHOOLING: "孩子上学负担重",
    RiskType.DISASTER: "遭了灾（水灾、旱灾、火灾等）",
    RiskType.ACCIDENT: "出了意外事故",
    RiskType.UNSTABLE_WORK: "没活干，打工收入不稳定",
    RiskType.LACK_LABOUR: "家里缺劳力",
    RiskType.FAILED_INDUSTRY: "种养殖或生意亏了",
    RiskType.HOUSING: "住房不安全",
    RiskType.WATER: "吃水难、水不安全",
    RiskType.DROPOUT: "孩子没上学（辍学）",
    RiskType.NO_INSURANCE: "没有参加医保",
    RiskType.OTHER: "其他困难",
}

GREEN_CHANNEL_QUESTION = "是否因灾、因病、因意外等突然出现严重困难？"
MAX_PHOTOS = 3
MAX_DESCRIPTION = 500
MAX_NAME = 30


@dataclass
class ReportInput:
    """Raw form values, exactly as typed (kept to re-fill the form after an error)."""

    name: str = ""
    id_number: str = ""
    phone: str = ""
    village_code: str = ""
    hardships: list[str] = field(default_factory=list)
    description: str = ""
    consent: bool = False
    consent_version: str = ""  # the wording the form showed (domain.consent); "" = the current one
    urgent: str = ""  # "yes" | "no"
    household_size: str = ""
    income: str = ""


@dataclass(frozen=True)
class CleanReport:
    name: str
    id_number: str
    phone: str
    village_code: str
    risk_types: tuple[str, ...]
    description: str
    urgent: bool
    household_size: int | None
    income: Decimal | None


def check_report(raw: ReportInput, today: date) -> tuple[CleanReport | None, dict[str, str]]:
    """Check every field; return the clean report or the messages to show beside each field."""
    errors: dict[str, str] = {}
    name = raw.name.strip()
    if not name:
        errors["name"] = "请填写姓名"
    elif len(name) > MAX_NAME:
        errors["name"] = f"姓名不超过{MAX_NAME}个字"
    id_number = ""
    try:
        id_number = parse_id_number(raw.id_number, today=today).value
    except InvalidIdNumber as exc:
        errors["id_number"] = str(exc) if raw.id_number.strip() else "请填写身份证号"
    phone = ""
    try:
        phone = normalize_mobile(raw.phone)
    except InvalidPhone as exc:
        errors["phone"] = str(exc) if raw.phone.strip() else "请填写手机号，方便工作人员联系您"
    if not raw.village_code.strip():
        errors["village_code"] = "请选择所在的村"
    codes = [h for h in raw.hardships if h in {r.value for r in HARDSHIPS}]
    if not codes:
        errors["hardships"] = "请至少选一种困难"
    description = raw.description.strip()
    if not description:
        errors["description"] = "请简单说说遇到了什么困难"
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = f"请控制在{MAX_DESCRIPTION}字以内（现在{len(description)}字）"
    if raw.urgent not in ("yes", "no"):
        errors["urgent"] = "请选择“是”或“否”"
    if not raw.consent:
        errors["consent"] = "需要您同意后才能提交"
    elif stale_version(raw.consent_version):
        errors["consent"] = "同意的内容刚刚更新了，请重新看一遍，再勾选同意"
    size = _optional_int(raw.household_size, 1, 30, "household_size", "家庭人口请填1到30之间的数字", errors)
    income = _optional_money(raw.income, errors)
    if errors:
        return None, errors
    return CleanReport(name, id_number, phone, raw.village_code.strip(), tuple(dict.fromkeys(codes)),
                       description, raw.urgent == "yes", size, income), {}


def _optional_int(text: str, low: int, high: int, key: str, message: str, errors: dict) -> int | None:
    text = text.strip()
    if not text:
        return None
    if numbers.whole(text, low, high) is None:
        errors[key] = message
        return None
    return int(text)


def _optional_money(text: str, errors: dict) -> Decimal | None:
    text = text.strip().replace(",", "").replace("，", "").removesuffix("元")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():  # NaN and Infinity are no amount of money
        errors["income"] = "收入请填数字，单位是元，不清楚可以不填"
        return None
    if amount < 0 or amount > Decimal("10000000"):
        errors["income"] = "收入请填0到1000万之间的数字"
        return None
    return amount
