"""低保渐退期 and the 低保标准 figures (seed 003 三、（三）and（四）)."""
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from domain import dibao
from domain.settings import SEED_FOLDER, SETTING_FIELDS, SETTING_SOURCES, PolicySettings

STANDARDS = {2024: Decimal("5000"), 2025: Decimal("6000")}


def measure(year, day, per_capita):
    return dibao.IncomeMeasure(year, day, Decimal(per_capita))


def phaseout(records, *, on=True, attribute="lifted", category=None, months=12, standards=STANDARDS):
    return dibao.phaseout(on_low_income_support=on, attribute=attribute, category=category, records=records,
                          standards=standards, marginal_months=months)


def test_a_lifted_out_household_above_the_standard_within_one_and_a_half_gets_twelve_months():
    found = phaseout([measure(2025, date(2025, 4, 30), "7000")])
    assert (found.group, found.months, found.start, found.end) == ("lifted", 12, date(2025, 4, 30), date(2026, 4, 30))
    assert found.standard == Decimal("6000") and found.standard_year == 2025
    assert "脱贫户" in found.words() and "6,000元" in found.words()


def test_a_household_monitored_as_unstable_lifted_is_a_lifted_out_one():
    found = phaseout([measure(2025, date(2025, 6, 1), "6500")], attribute="monitored", category="unstable_lifted",
                     months=6)
    assert (found.group, found.months) == ("lifted", 12)


@pytest.mark.parametrize("months", [6, 9, 12])
def test_a_marginal_household_gets_the_setting(months):
    found = phaseout([measure(2025, date(2025, 1, 31), "6000.01")], attribute="monitored", category="marginal",
                     months=months)
    assert (found.group, found.months) == ("marginal", months)
    assert found.end == dibao.add_months(date(2025, 1, 31), months)


@pytest.mark.parametrize("per_capita, applies", [
    ("6000", False),      # at the standard: not above it
    ("6000.01", True),
    ("9000", True),       # exactly 1.5 times: "在1.5倍以内"
    ("9000.01", False),
    ("3000", False), ("-100", False),
])
def test_the_band_is_above_the_standard_and_at_most_one_and_a_half_times(per_capita, applies):
    assert (phaseout([measure(2025, date(2025, 5, 1), per_capita)]) is not None) is applies
    assert dibao.in_band(Decimal(per_capita), Decimal("6000")) is applies


@pytest.mark.parametrize("on, attribute, category", [
    (False, "lifted", None),                  # not on 低保
    (True, "ordinary", None),                 # the seed names no ordinary household
    (True, "monitored", "sudden_hardship"),
    (True, "monitored", None),
])
def test_no_phaseout_for_households_the_seed_does_not_name(on, attribute, category):
    assert phaseout([measure(2025, date(2025, 5, 1), "7000")], on=on, attribute=attribute,
                    category=category) is None


def test_no_record_or_no_standard_means_no_phaseout():
    assert phaseout([]) is None
    assert phaseout([measure(2023, date(2023, 5, 1), "7000")]) is None  # before the first standard
    assert phaseout([measure(2025, date(2025, 5, 1), "7000")], standards={}) is None


def test_a_year_without_its_own_standard_uses_the_latest_earlier_one():
    found = phaseout([measure(2027, date(2027, 3, 1), "8000")])  # 2025's 6,000 carried
    assert found.standard == Decimal("6000") and found.standard_year == 2027
    assert dibao.standard_for_year(STANDARDS, 2026) == Decimal("6000")
    assert dibao.standard_for_year(STANDARDS, 2023) is None


def test_the_period_is_not_renewed_while_the_income_stays_in_the_band():
    records = [measure(2024, date(2024, 5, 10), "4000"), measure(2025, date(2025, 5, 10), "6500"),
               measure(2026, date(2026, 5, 10), "7000")]
    found = phaseout(records)
    assert found.start == date(2025, 5, 10) and found.end == date(2026, 5, 10)
    # the latest record out of the band again: no phase-out
    assert phaseout(records + [measure(2027, date(2027, 5, 10), "9500")]) is None
    # a run broken by a year below the standard starts afresh
    broken = [measure(2024, date(2024, 5, 10), "5500"), measure(2025, date(2025, 5, 10), "5000"),
              measure(2026, date(2026, 5, 10), "7000")]
    assert phaseout(broken).start == date(2026, 5, 10)


def test_the_marginal_months_out_of_the_seeds_range_are_refused():
    with pytest.raises(ValueError):
        phaseout([measure(2025, date(2025, 5, 1), "7000")], attribute="monitored", category="marginal", months=13)


def test_members_on_dibao_and_the_groups():
    assert dibao.on_dibao([None, False, True]) and not dibao.on_dibao([None, False]) and not dibao.on_dibao([])
    assert dibao.group_of("lifted", "marginal") == "lifted"  # both: the lifted-out rule
    assert dibao.group_of("monitored", "marginal") == "marginal"
    assert dibao.group_of("ordinary", None) is None


def test_temporary_relief_counts_in_the_urban_monthly_standard():
    assert dibao.township_relief_limit(Decimal("575")) == Decimal("1725")
    assert dibao.emergency_relief_minimum(Decimal("575"), 2) == Decimal("4600")
    assert dibao.emergency_relief_minimum(Decimal("575"), 1) is None


def test_the_marginal_months_setting_quotes_seed_003():
    assert PolicySettings().dibao_phaseout_months == 12
    assert SETTING_FIELDS["dibao_phaseout_months"][1:] == (6, 12)
    assert PolicySettings().with_overrides({"dibao_phaseout_months": "9"}).dibao_phaseout_months == 9
    source = SETTING_SOURCES["dibao_phaseout_months"]
    assert source.seed == dibao.SEED and "6—12个月" in source.quote


@pytest.mark.skipif(not Path(SEED_FOLDER).is_dir(), reason="the seed documents are not on this machine")
def test_the_quotes_are_seed_003s_own_words():
    text = (Path(SEED_FOLDER) / dibao.SEED).read_text(encoding="utf-8")
    assert dibao.PHASEOUT_QUOTE in text
    for part in dibao.RELIEF_QUOTE.split("……"):
        assert part in text


@pytest.mark.parametrize("raw, value", [("6000", "6000.00"), ("6,000", "6000.00"), ("６０００元", "6000.00"),
                                        (" 575.5 ", "575.50"), ("6000元/人·年", "6000.00"),
                                        (Decimal("575"), "575.00")])
def test_figures_are_read_as_people_type_them(raw, value):
    assert dibao.parse_amount(raw, "rural") == Decimal(value)


@pytest.mark.parametrize("raw", ["", None, "NaN", "Infinity", "1e4", "-6000", "6000.123", "６０００²", "0", "七千",
                                 "1000001", "\x00", Decimal("NaN"), "6000.0.0"])
def test_bad_figures_are_refused_with_the_field(raw):
    with pytest.raises(dibao.BadStandard) as refused:
        dibao.parse_amount(raw, "rural")
    assert refused.value.field == "rural" and "农村低保标准" in refused.value.message


def test_urban_figures_have_their_own_limit_and_years_their_range():
    assert dibao.parse_amount("100000", "urban") == Decimal("100000.00")
    with pytest.raises(dibao.BadStandard, match="城市月低保标准"):
        dibao.parse_amount("100000.01", "urban")
    assert dibao.parse_year("２０２６年") == 2026
    for bad in ("", "2014", "2101", "²026", "20266", "abcd"):
        with pytest.raises(dibao.BadStandard):
            dibao.parse_year(bad)


def test_the_years_shown_carry_the_latest_earlier_standard():
    shown = dibao.shown_years({2022: 1, 2024: 1}, 2026)
    assert [(y.year, y.from_year) for y in shown] == [(2026, 2024), (2025, 2024), (2024, 2024), (2023, 2022),
                                                       (2022, 2022)]
    assert shown[0].carried and shown[2].own
    assert [(y.year, y.from_year) for y in dibao.shown_years({}, 2026)] == [(2026, None)]
    assert dibao.stored(Decimal("6000"), Decimal("575.5")) == "6000.00|575.50"
    assert dibao.words("6000.00|575.50") == "农村6,000元/人·年，城市575.50元/人·月"
