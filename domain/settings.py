"""Policy settings: the numbers the rules depend on, adjustable per region.

Defaults come from the seeds: 15 days from clue to identification (seed 004); 3 days to name a
pair cadre, 7 days to the first visit, 10 days to the help plan, quarterly evaluation, flag after
2 years unresolved (seed 000); at least half a year of stable income before elimination and for
the look-back (seed 004; seed 001 says one year of tracking, hence a setting, not a constant);
the monitoring line 6,000 yuan in 2020 (seed 003) and 7,000 yuan in 2022 (seed 004).

Settings are stored as strings in a key/value table at county, township and village level; the
caller applies them in that order with ``with_overrides`` so the nearest level wins.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Mapping

from domain import numbers


class InvalidSetting(ValueError):
    """A setting override that cannot be applied. ``message`` is shown to the administrator."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class PolicySettings:
    identification_days: int = 15
    pairing_days: int = 3
    first_visit_days: int = 7
    help_plan_days: int = 10
    # Seeds require a 公示 but give no length; 5 days is the customary minimum locally.
    notice_min_days: int = 5
    min_monitoring_months: int = 6
    unresolved_years: int = 2
    lookback_months: int = 6
    # "收入大幅缩减" is never quantified in the seeds: a drop of at least this share of last year's
    # income counts. Regions set their own value.
    income_drop_ratio: Decimal = Decimal("0.30")
    # How long after a visit its record may still arrive (a phone queues visits made without
    # signal). Two weeks: a grid worker in the hills may be out of signal for a week, and the
    # phone may only be back on a network at the next township meeting; older visits are
    # refused, so a back-dated record cannot be made for a day long past (see domain.visit_proof).
    visit_max_delay_days: int = 14

    def with_overrides(self, overrides: Mapping[str, str]) -> "PolicySettings":
        """Return a copy with string overrides applied in iteration order.

        Raises ``InvalidSetting`` on the first unknown name, unparsable value or value outside
        the range in ``SETTING_FIELDS``; nothing is applied partially.
        """
        changes: dict[str, object] = {}
        for name, raw in overrides.items():
            changes[name] = parse_setting(name, raw)
        return replace(self, **changes) if changes else self

    def as_strings(self) -> dict[str, str]:
        """The current values as strings, in ``SETTING_FIELDS`` order (for forms and storage)."""
        return {name: str(getattr(self, name)) for name in SETTING_FIELDS}


# field name -> (Chinese label, minimum, maximum). Order is the order shown in forms.
# Ranges are wide enough for any region's rule yet catch typos such as 150 days for 15.
SETTING_FIELDS: dict[str, tuple[str, int | Decimal, int | Decimal]] = {
    "identification_days": ("识别认定时限（天，自发现线索之日起）", 1, 60),
    "pairing_days": ("明确结对帮扶干部时限（天，自识别认定之日起）", 1, 30),
    "first_visit_days": ("结对干部首次入户走访时限（天，自结对之日起）", 1, 30),
    "help_plan_days": ("制定帮扶计划时限（天，自识别纳入之日起）", 1, 60),
    "notice_min_days": ("公示最少天数", 1, 30),
    "min_monitoring_months": ("风险消除前收入持续稳定最少月数", 1, 36),
    "unresolved_years": ("纳入监测满几年未消除风险需重点分析", 1, 10),
    "lookback_months": ("风险消除后回头看观察月数", 1, 24),
    "income_drop_ratio": ("收入大幅缩减标准（较上年度减少的比例）", Decimal("0.01"), Decimal("0.99")),
    "visit_max_delay_days": ("走访记录最迟上传天数（自走访之日起）", 1, 60),
}


def parse_setting(name: str, raw: str) -> int | Decimal:
    """Parse one stored string value for ``name``; raise ``InvalidSetting`` with a Chinese message."""
    if name not in SETTING_FIELDS:
        raise InvalidSetting(name, f"未知的设置项：{name}")
    label, low, high = SETTING_FIELDS[name]
    # NFKC turns full-width digits typed with a Chinese input method into ASCII.
    text = unicodedata.normalize("NFKC", "" if raw is None else str(raw)).strip()
    if not text:
        raise InvalidSetting(name, f"“{label}”不能为空")
    if isinstance(low, Decimal):
        value: int | Decimal = _parse_ratio(name, label, text)
    else:
        if not numbers.is_digits(text[1:] if text[0] in "+-" else text, 12):
            raise InvalidSetting(name, f"“{label}”应为整数")
        value = int(text)
    if not (low <= value <= high):
        raise InvalidSetting(name, f"“{label}”应在{low}到{high}之间")
    return value


def _parse_ratio(name: str, label: str, text: str) -> Decimal:
    # Administrators write either 0.3 or 30%; both mean the same ratio.
    percent = text.endswith("%")
    if percent:
        text = text[:-1].strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidSetting(name, f"“{label}”应为数字，例如0.3或30%") from None
    if not value.is_finite():
        raise InvalidSetting(name, f"“{label}”应为数字，例如0.3或30%")
    return value / 100 if percent else value


# Yearly per-capita net income line (监测范围), yuan. Regions override per year.
DEFAULT_MONITORING_LINES: dict[int, Decimal] = {
    2020: Decimal("6000"),  # seed 003: 河南 2020, 1.5 × the national line
    2022: Decimal("7000"),  # seed 004: 六安 2022
}
