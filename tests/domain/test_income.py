"""收入台账 rules, from the seeds; dates are passed in, expectations are worked out by hand.

- seed 004, 附件1: "上年度家庭人均纯收入（2021年5月1日-2022年4月30日，单位：元）" — twelve months
  ending on the day of measurement, per person;
- seed 003: "刚性支出明显超过上年度收入" — rigid spending is set beside the income, not taken off;
- seed 004 (二): "对收入持续稳定、年人均收入稳定超过当年监测范围……除风险自然消除对象外，收入持续
  稳定原则上不低于半年" — the latest year above its own year's line, for the minimum months,
  counted after inclusion ("对纳入监测帮扶半年以上……的监测对象进行排查").
"""
from datetime import date
from decimal import Decimal

import pytest

from domain import income
from domain.elimination import EliminationFacts, elimination_blockers, income_stability, whole_months
from domain.income import BadAmount, IncomeYear, compute, date_problems, parse_amount, period_start
from domain.settings import DEFAULT_MONITORING_LINES, PolicySettings

S = PolicySettings()
LINES = DEFAULT_MONITORING_LINES  # 6,000 from 2020 (seed 003), 7,000 from 2022 (seed 004)


def year(y: int, measured_on: date, net: str, size: int = 2) -> IncomeYear:
    return IncomeYear(y, period_start(measured_on), measured_on, size, Decimal(net))


# --- the figures ---------------------------------------------------------------------------------

def test_net_is_the_four_sources_less_business_costs_and_rigid_spending_stays_apart():
    items = {"wages": "20,000", "business": "5000", "property": "", "transfers": "3000",
             "business_costs": "1000", "medical_spending": "8000"}
    result, errors = compute(items, 3)
    assert errors == {}
    # 20,000 + 5,000 + 0 + 3,000 − 1,000 = 27,000; 27,000 / 3 = 9,000 a head.
    assert (result.net_income, result.per_capita) == (Decimal("27000.00"), Decimal("9000.00"))
    amounts, _ = income.read_items(items)
    assert income.rigid_spending_of(amounts) == Decimal("8000.00")
    assert income.rigid_spending_of(income.read_items({"wages": "1"})[0]) is None


def test_per_capita_is_rounded_to_the_cent_and_a_loss_is_allowed():
    assert compute({"wages": "10000"}, 3)[0].per_capita == Decimal("3333.33")
    loss, _ = compute({"business": "2000", "business_costs": "5000"}, 2)
    assert (loss.net_income, loss.per_capita) == (Decimal("-3000.00"), Decimal("-1500.00"))


def test_the_period_is_the_twelve_months_ending_on_the_measurement():
    assert period_start(date(2022, 4, 30)) == date(2021, 5, 1)  # the seed's own example
    assert period_start(date(2024, 2, 29)) == date(2023, 3, 1)
    assert period_start(date(2025, 12, 31)) == date(2025, 1, 1)


@pytest.mark.parametrize("typed, expected", [
    ("1,234.5", Decimal("1234.50")), ("１２３", Decimal("123.00")), ("12 000", Decimal("12000.00")),
    ("0012", Decimal("12.00")), ("", None), (None, None), ("10000000", Decimal("10000000.00")),
    (Decimal("1.2E+4"), Decimal("12000.00")), (1.5, Decimal("1.50")),
])
def test_amounts_as_people_type_them(typed, expected):
    assert parse_amount(typed, "工资性收入") == expected


@pytest.mark.parametrize("typed, message", [
    ("-5", "工资性收入不能为负数"), ("1e999", "工资性收入应为数字（元）"), ("NaN", "工资性收入应为数字（元）"),
    ("²", "工资性收入应为数字（元）"), ("12\x00", "工资性收入应为数字（元）"), ("两万", "工资性收入应为数字（元）"),
    ("1.234", "工资性收入最多保留两位小数（分）"), ("10000000.01", "工资性收入不能超过1,000万元，请核对"),
    ("9" * 40, "工资性收入不能超过1,000万元，请核对"), (Decimal("Infinity"), "工资性收入应为数字（元）"),
    (True, "工资性收入应为数字（元）"),
])
def test_amounts_refused_with_a_message(typed, message):
    with pytest.raises(BadAmount) as info:
        parse_amount(typed, "工资性收入")
    assert str(info.value) == message


def test_a_total_may_be_negative_when_asked():
    assert parse_amount("-300", "家庭纯收入", negative=True) == Decimal("-300.00")


def test_errors_by_item_and_size():
    result, errors = compute({"wages": "两万", "transfers": "-1", "bonus": "5"}, 0)
    assert result is None
    assert errors == {"wages": "工资性收入应为数字（元）", "transfers": "转移性收入不能为负数",
                      "bonus": "没有这个收入项目", "household_size": "家庭人口应在1到50人之间"}


def test_a_record_belongs_to_the_year_it_was_measured_in_and_not_the_future():
    today = date(2026, 6, 1)
    assert date_problems(2026, date(2026, 5, 10), today) == {}
    assert date_problems(2026, date(2026, 6, 2), today) == {"measured_on": "核定日期不能晚于今天"}
    assert date_problems(2026, date(2025, 12, 31), today) == {"measured_on": "核定日期应在2026年内"}
    assert date_problems(2027, date(2026, 5, 1), today) == {"year": "年度应在2015年到2026年之间"}
    assert date_problems(None, None, today) == {"year": "年度应在2015年到2026年之间", "measured_on": "请填写核定日期"}


# --- income above the line, for long enough, after inclusion -----------------------------------

def test_whole_months_count_both_ends():
    assert whole_months(date(2025, 3, 1), date(2025, 8, 31)) == 6
    assert whole_months(date(2025, 3, 1), date(2025, 8, 30)) == 5
    assert whole_months(date(2025, 3, 1), date(2025, 12, 31)) == 10
    assert whole_months(date(2025, 3, 1), date(2025, 2, 1)) == 0


def test_a_year_above_the_line_counts_from_inclusion():
    # 2024: 10,000 for 2 = 5,000 (below 7,000); 2025: 18,000 for 2 = 9,000 (above).
    records = (year(2024, date(2024, 12, 31), "10000"), year(2025, date(2025, 12, 31), "18000"))
    found = income_stability(records, LINES, date(2025, 3, 1), date(2026, 1, 15), S)
    # Above since the 2025 record's period began (2025-01-01), but only counted from inclusion:
    # 2025-03-01 through 2025-12-31 is 10 months.
    assert (found.above, found.line, found.above_since, found.counted_from, found.months, found.problem) == (
        True, Decimal("7000"), date(2025, 1, 1), date(2025, 3, 1), 10, None)
    facts = EliminationFacts(date(2025, 3, 1), records, LINES)
    assert elimination_blockers(facts, date(2026, 1, 15), S) == ()


def test_too_few_months_says_since_when_and_how_many():
    records = (year(2024, date(2024, 12, 31), "10000"), year(2025, date(2025, 12, 31), "18000"))
    facts = EliminationFacts(date(2025, 9, 1), records, LINES)
    assert elimination_blockers(facts, date(2026, 1, 15), S) == (
        "纳入监测未满6个月，最早可于2026-03-01启动风险消除",
        "收入自2025-09-01起稳定超过监测范围，至2025-12-31核定仅4个月，不足6个月",
    )


def test_no_record_measured_after_inclusion():
    records = (year(2025, date(2025, 12, 31), "18000"),)
    facts = EliminationFacts(date(2026, 1, 10), records, LINES)
    assert elimination_blockers(facts, date(2026, 8, 1), S) == (
        "纳入监测后尚未重新核定收入（最近一次核定于2025-12-31），无法判断收入是否稳定超过监测范围",)
    # Measured on the day of inclusion is not "after" it.
    same_day = EliminationFacts(date(2025, 12, 31), records, LINES)
    assert "纳入监测后尚未重新核定收入" in elimination_blockers(same_day, date(2026, 8, 1), S)[0]
    assert elimination_blockers(EliminationFacts(date(2026, 1, 10), (), LINES), date(2026, 8, 1), S) == (
        "纳入监测后尚未重新核定收入（尚无收入记录），无法判断收入是否稳定超过监测范围",)


def test_the_latest_at_or_below_its_years_line_blocks_with_the_figures():
    at_line = (year(2026, date(2026, 6, 30), "14000"),)  # 7,000 a head: at the line is not above it
    facts = EliminationFacts(date(2025, 6, 1), at_line, LINES)
    assert elimination_blockers(facts, date(2026, 7, 1), S) == (
        "2026年家庭人均纯收入7,000.00元（2026-06-30核定），未超过当年监测范围7,000元",)


def test_each_record_meets_the_line_of_its_own_year():
    # 2021: 13,000 for 2 = 6,500, above the 6,000 line still in force in 2021 (7,000 from 2022).
    records = (year(2021, date(2021, 12, 31), "13000"),)
    found = income_stability(records, LINES, date(2021, 1, 5), date(2022, 1, 10), S)
    assert (found.line, found.above, found.months, found.problem) == (Decimal("6000"), True, 11, None)
    # The same 6,500 measured in 2022 is under that year's 7,000.
    later = (year(2022, date(2022, 4, 30), "13000"),)
    assert income_stability(later, LINES, date(2021, 1, 5), date(2022, 5, 1), S).above is False
    # A region's own line for a year wins, and a year without one is said so.
    assert income_stability(records, {2021: Decimal("7000")}, date(2021, 1, 5), date(2022, 1, 10), S).above is False
    assert income_stability(records, {}, date(2021, 1, 5), date(2022, 1, 10), S).problem == (
        "未设置2021年的监测范围，无法判断收入是否超过监测范围")


def test_the_run_of_years_above_the_line_ends_at_a_year_below():
    below, above_25, above_26 = (year(2024, date(2024, 6, 30), "10000"), year(2025, date(2025, 6, 30), "18000"),
                                 year(2026, date(2026, 3, 31), "20000"))
    found = income_stability((above_26, below, above_25), LINES, date(2024, 1, 10), date(2026, 4, 1), S)
    # Above since the 2025 record's period began (2024-07-01), through 2026-03-31: 21 months.
    assert (found.above_since, found.counted_from, found.months) == (date(2024, 7, 1), date(2024, 7, 1), 21)
    dipped = year(2025, date(2025, 6, 30), "12000")  # 6,000 a head in 2025: below
    found = income_stability((below, dipped, above_26), LINES, date(2024, 1, 10), date(2026, 4, 1), S)
    assert (found.above_since, found.months) == (date(2025, 4, 1), 12)


def test_a_record_dated_after_today_is_not_read():
    records = (year(2025, date(2025, 12, 31), "18000"), year(2026, date(2026, 5, 1), "10000"))
    found = income_stability(records, LINES, date(2025, 3, 1), date(2026, 4, 1), S)
    assert found.latest.year == 2025 and found.problem is None


def test_the_minimum_is_a_setting_and_natural_elimination_needs_no_stable_period():
    records = (year(2025, date(2025, 12, 31), "18000"),)
    year_long = PolicySettings(min_monitoring_months=12)
    assert elimination_blockers(EliminationFacts(date(2025, 3, 1), records, LINES), date(2026, 1, 15), year_long) == (
        "纳入监测未满12个月，最早可于2026-03-01启动风险消除",
        "收入自2025-03-01起稳定超过监测范围，至2025-12-31核定仅10个月，不足12个月",
    )
    # Seed 004 "除风险自然消除对象外，收入持续稳定原则上不低于半年": natural vanishing waives the
    # period only; the latest income must still be above the line (it may predate inclusion).
    natural = EliminationFacts(date(2026, 1, 10), records, LINES, natural=True)
    assert elimination_blockers(natural, date(2026, 1, 10), S) == ()
    assert elimination_blockers(EliminationFacts(date(2026, 1, 10), (), LINES, natural=True), date(2026, 1, 10), S) == (
        "尚无收入记录，无法判断收入是否超过监测范围（风险自然消除的也须收入超过监测范围）",)
