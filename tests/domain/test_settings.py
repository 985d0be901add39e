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


# --- where each default comes from, and the yearly line ----------------------------------------

from pathlib import Path  # noqa: E402

from domain.settings import (  # noqa: E402
    LINE_SOURCES,
    SEED_FOLDER,
    SETTING_SOURCES,
    LineYear,
    carried_line,
    format_setting,
    line_years,
    parse_line_amount,
    parse_line_year,
)


def test_every_default_names_its_source():
    assert list(SETTING_SOURCES) == list(SETTING_FIELDS)
    assert set(LINE_SOURCES) == set(DEFAULT_MONITORING_LINES)
    for name, source in SETTING_SOURCES.items():
        assert source.label.startswith("默认值（依据："), name
        assert source.seed is None or (source.quote and source.clause), name
    # Where the seed gives the number itself, the quote says it (half a year: six months).
    stated = {"identification_days": "15天", "pairing_days": "3天", "first_visit_days": "7天",
              "help_plan_days": "10天", "min_monitoring_months": "半年", "unresolved_years": "2年",
              "lookback_months": "半年"}
    for name, words in stated.items():
        assert words in SETTING_SOURCES[name].quote, name
    # The others say so: the seeds give no number, the default is the project's or local custom.
    unstated = {n for n, s in SETTING_SOURCES.items() if s.seed is None or "没有" in s.note}
    assert unstated == set(SETTING_FIELDS) - set(stated) == {"notice_min_days", "income_drop_ratio",
                                                              "visit_max_delay_days", "review_days",
                                                              "dibao_phaseout_months", "warning_red_days",
                                                              "warning_orange_days", "warning_yellow_days",
                                                              "campaigns_per_year", "escalation_days"}
    for year, source in LINE_SOURCES.items():
        assert f"{DEFAULT_MONITORING_LINES[year]:f}" in source.quote and str(year) in source.quote
    seed_004 = SETTING_SOURCES["identification_days"]
    assert seed_004.label == "默认值（依据：seed 004 / 004_60f78604919f5d04.txt 四、（二））"
    assert SETTING_SOURCES["visit_max_delay_days"].seed is None
    assert SETTING_SOURCES["unresolved_years"].seed_number == "000"


@pytest.mark.skipif(not Path(SEED_FOLDER).is_dir(), reason="the seed documents are not on this machine")
def test_quotes_are_the_seeds_own_words():
    texts = {p.name: p.read_text(encoding="utf-8") for p in Path(SEED_FOLDER).glob("*.txt")}
    for source in [*SETTING_SOURCES.values(), *LINE_SOURCES.values()]:
        if source.seed is None:
            continue
        assert source.seed in texts, source.seed
        for part in source.quote_parts:
            assert part in texts[source.seed], part


@pytest.mark.parametrize("raw, year", [("2026", 2026), ("２０２６", 2026), (" 2015 ", 2015), ("2100年", 2100),
                                       (2030, 2030)])
def test_line_years_as_typed(raw, year):
    assert parse_line_year(raw) == year


@pytest.mark.parametrize("raw, message", [("", "请填写年份"), (None, "请填写年份"), ("2014", "年份应在2015至2100之间"),
                                          ("2101", "年份应在2015至2100之间"), ("²⁰²⁶", "年份应在2015至2100之间"),
                                          ("20 26", "年份应在2015至2100之间"), ("-2026", "年份应在2015至2100之间"),
                                          ("9" * 40, "年份应在2015至2100之间")])
def test_bad_line_years(raw, message):
    with pytest.raises(InvalidSetting) as exc:
        parse_line_year(raw)
    assert (exc.value.field, exc.value.message) == ("year", message)


@pytest.mark.parametrize("raw, amount", [("7000", "7000.00"), ("7,000", "7000.00"), ("７０００元", "7000.00"),
                                         (" 7 500.5 ", "7500.50"), (Decimal("7600"), "7600.00"),
                                         ("1000000", "1000000.00"), ("0.01", "0.01")])
def test_line_amounts_as_typed(raw, amount):
    assert parse_line_amount(raw) == Decimal(amount)


@pytest.mark.parametrize("raw", ["七千", "NaN", "Infinity", "1e4", "7000.555", "-7000", "²", "7000元整",
                                 Decimal("NaN"), "0x1F", "7.000.0"])
def test_unreadable_line_amounts(raw):
    with pytest.raises(InvalidSetting) as exc:
        parse_line_amount(raw)
    assert exc.value.field == "amount" and "数字" in exc.value.message


@pytest.mark.parametrize("raw, message", [("", "请填写监测范围（元）"), ("0", "监测范围应大于0且不超过100万元"),
                                          ("1000000.01", "监测范围应大于0且不超过100万元"),
                                          ("99999999", "监测范围应为数字（元），最多两位小数，例如7000")])
def test_line_amounts_out_of_range(raw, message):
    with pytest.raises(InvalidSetting) as exc:
        parse_line_amount(raw)
    assert exc.value.message == message


def test_a_year_without_its_own_line_keeps_the_latest_earlier_one():
    lines = {2020: Decimal("6000"), 2022: Decimal("7000")}
    shown = line_years(lines, 2026)
    assert [y.year for y in shown] == [2026, 2025, 2024, 2023, 2022, 2021, 2020]  # newest first
    assert shown[0] == LineYear(2026, Decimal("7000"), 2022) and not shown[0].own
    assert shown[4].own and shown[5].from_year == 2020 and shown[5].amount == Decimal("6000")
    assert [y.year for y in line_years(lines, 2021)] == [2022, 2021, 2020]  # a later line still shows
    assert line_years(lines, 2019)[-1] == LineYear(2019, None, None) and line_years(lines, 2019)[-1].missing
    assert line_years({}, 2026) == [LineYear(2026, None, None)]
    assert carried_line(lines, 2026) == LineYear(2026, Decimal("7000"), 2022)
    assert carried_line(lines, 2022).own
    assert carried_line(lines, 2019).missing


def test_values_as_shown():
    assert format_setting("income_drop_ratio", Decimal("0.30")) == "0.30（30%）"
    assert format_setting("income_drop_ratio", Decimal("0.255")) == "0.255（25.5%）"
    assert format_setting("unresolved_years", 2) == "2"


@pytest.mark.parametrize("raw", ["²", "①", "٣", "3²"])
def test_digits_that_only_look_like_digits_are_refused(raw):
    with pytest.raises(InvalidSetting) as exc:
        parse_setting("pairing_days", raw)
    assert exc.value.message == "“明确结对帮扶干部时限（天，自识别认定之日起）”应为整数"
    assert parse_setting("pairing_days", "＋５") == 5
