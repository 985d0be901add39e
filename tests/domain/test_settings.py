from dataclasses import fields
from decimal import Decimal

import pytest

from domain.settings import (
    DEFAULT_MONITORING_LINES,
    SETTING_FIELDS,
    InvalidSetting,
    PolicySettings,
    parse_setting,
)


def test_defaults_follow_the_seeds():
    s = PolicySettings()
    assert (s.identification_days, s.pairing_days, s.first_visit_days, s.help_plan_days) == (15, 3, 7, 10)
    assert (s.notice_min_days, s.min_monitoring_months, s.unresolved_years, s.lookback_months) == (5, 6, 2, 6)
    assert s.income_drop_ratio == Decimal("0.30")
    assert DEFAULT_MONITORING_LINES == {2020: Decimal("6000"), 2022: Decimal("7000")}


def test_every_field_is_described_in_order():
    assert list(SETTING_FIELDS) == [f.name for f in fields(PolicySettings)]
    for name, (label, low, high) in SETTING_FIELDS.items():
        assert label and low < high
        assert low <= getattr(PolicySettings(), name) <= high, name


def test_overrides_apply_in_order_nearest_level_last():
    county = {"min_monitoring_months": "12", "identification_days": "20"}
    village = {"min_monitoring_months": "6"}
    s = PolicySettings().with_overrides(county).with_overrides(village)
    assert s.min_monitoring_months == 6
    assert s.identification_days == 20
    assert PolicySettings().min_monitoring_months == 6  # frozen: the original is untouched


def test_override_parsing_accepts_full_width_and_percent():
    s = PolicySettings().with_overrides({"pairing_days": " ５ ", "income_drop_ratio": "25%"})
    assert s.pairing_days == 5
    assert s.income_drop_ratio == Decimal("0.25")
    assert PolicySettings().with_overrides({"income_drop_ratio": "0.4"}).income_drop_ratio == Decimal("0.4")
    assert PolicySettings().with_overrides({}) == PolicySettings()


@pytest.mark.parametrize("name,raw,message", [
    ("no_such_setting", "1", "未知的设置项：no_such_setting"),
    ("identification_days", "十五", "“识别认定时限（天，自发现线索之日起）”应为整数"),
    ("identification_days", "15.5", "“识别认定时限（天，自发现线索之日起）”应为整数"),
    ("identification_days", "", "“识别认定时限（天，自发现线索之日起）”不能为空"),
    ("identification_days", "0", "“识别认定时限（天，自发现线索之日起）”应在1到60之间"),
    ("notice_min_days", "-3", "“公示最少天数”应在1到30之间"),
    ("min_monitoring_months", "37", "“风险消除前收入持续稳定最少月数”应在1到36之间"),
    ("income_drop_ratio", "abc", "“收入大幅缩减标准（较上年度减少的比例）”应为数字，例如0.3或30%"),
    ("income_drop_ratio", "NaN", "“收入大幅缩减标准（较上年度减少的比例）”应为数字，例如0.3或30%"),
    ("income_drop_ratio", "1.5", "“收入大幅缩减标准（较上年度减少的比例）”应在0.01到0.99之间"),
])
def test_invalid_overrides(name, raw, message):
    with pytest.raises(InvalidSetting) as exc:
        PolicySettings().with_overrides({name: raw})
    assert exc.value.field == name
    assert exc.value.message == message
    assert str(exc.value) == message


def test_a_bad_override_applies_nothing():
    with pytest.raises(InvalidSetting):
        PolicySettings().with_overrides({"pairing_days": "4", "lookback_months": "99"})


def test_parse_setting_and_round_trip_through_strings():
    assert parse_setting("unresolved_years", "3") == 3
    s = PolicySettings(first_visit_days=5, income_drop_ratio=Decimal("0.5"))
    assert PolicySettings().with_overrides(s.as_strings()) == s
