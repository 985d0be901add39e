from decimal import Decimal

import pytest

from domain.eligibility import (
    Assessment,
    HouseholdFacts,
    NoMonitoringLine,
    Reason,
    assess,
    line_for_year,
    per_capita_income,
)
from domain.enums import KeyGroup
from domain.settings import DEFAULT_MONITORING_LINES, PolicySettings

S = PolicySettings()
LINE = Decimal("7000")


def codes(a: Assessment) -> list[str]:
    return [r.code for r in a.reasons]


def test_line_for_year():
    assert line_for_year(DEFAULT_MONITORING_LINES, 2020) == Decimal("6000")
    assert line_for_year(DEFAULT_MONITORING_LINES, 2021) == Decimal("6000")
    assert line_for_year(DEFAULT_MONITORING_LINES, 2022) == Decimal("7000")
    assert line_for_year(DEFAULT_MONITORING_LINES, 2030) == Decimal("7000")
    with pytest.raises(NoMonitoringLine) as exc:
        line_for_year(DEFAULT_MONITORING_LINES, 2019)
    assert str(exc.value) == "未设置2019年及以前年度的监测范围，请先设置"
    with pytest.raises(NoMonitoringLine):
        line_for_year({}, 2024)


def test_per_capita_income_rounds_half_up():
    assert per_capita_income(Decimal("20800"), 4) == Decimal("5200.00")
    assert per_capita_income(Decimal("10000"), 3) == Decimal("3333.33")
    assert per_capita_income(Decimal("20000"), 3) == Decimal("6666.67")
    assert per_capita_income(Decimal("0.05"), 2) == Decimal("0.03")  # 0.025 -> 0.03, not banker's 0.02
    assert per_capita_income(Decimal("-900"), 2) == Decimal("-450.00")
    with pytest.raises(ValueError) as exc:
        per_capita_income(Decimal("100"), 0)
    assert str(exc.value) == "家庭人口数应至少为1人"


def test_below_line_reason_text():
    a = assess(HouseholdFacts(household_size=4, net_income=Decimal("20800")), LINE, S)
    assert a.in_scope
    assert a.per_capita == Decimal("5200.00") and a.line == LINE
    assert a.reasons == (Reason("below_line", "家庭人均纯收入5,200.00元，低于监测范围7,000元"),)
    assert a.attention == ()


def test_exactly_at_the_line_is_not_below():
    at = assess(HouseholdFacts(household_size=4, net_income=Decimal("28000")), LINE, S)
    assert at.per_capita == LINE and not at.in_scope and at.reasons == ()
    just_below = assess(HouseholdFacts(household_size=4, net_income=Decimal("27999.96")), LINE, S)
    assert just_below.per_capita == Decimal("6999.99") and codes(just_below) == ["below_line"]
    # Rounding half up may lift 6999.995 to the line itself: not below.
    rounded = assess(HouseholdFacts(household_size=2, net_income=Decimal("13999.99")), LINE, S)
    assert rounded.per_capita == Decimal("7000.00") and not rounded.in_scope


def test_rigid_spending_above_last_year_income():
    facts = HouseholdFacts(household_size=3, net_income=Decimal("60000"),
                           rigid_spending=Decimal("52000"), last_year_income=Decimal("51000"))
    a = assess(facts, LINE, S)
    assert codes(a) == ["rigid_spending"]
    assert a.reasons[0].text == "刚性支出52,000元，超过上年度家庭纯收入51,000元"
    equal = HouseholdFacts(household_size=3, net_income=Decimal("60000"),
                           rigid_spending=Decimal("51000"), last_year_income=Decimal("51000"))
    assert not assess(equal, LINE, S).in_scope


def test_income_drop_boundary_uses_setting():
    base = dict(household_size=2, last_year_income=Decimal("50000"))
    exactly_30 = assess(HouseholdFacts(net_income=Decimal("35000"), **base), LINE, S)
    assert codes(exactly_30) == ["income_drop"]
    assert exactly_30.reasons[0].text == (
        "家庭纯收入由上年度50,000元降至35,000元，减少30%，达到收入大幅缩减标准（30%）")
    just_under = assess(HouseholdFacts(net_income=Decimal("35000.01"), **base), LINE, S)
    assert not just_under.in_scope
    stricter = S.with_overrides({"income_drop_ratio": "0.5"})
    assert not assess(HouseholdFacts(net_income=Decimal("30000"), **base), LINE, stricter).in_scope
    assert codes(assess(HouseholdFacts(net_income=Decimal("25000"), **base), LINE, stricter)) == ["income_drop"]
    # No income last year: nothing to drop from.
    zero = HouseholdFacts(household_size=2, net_income=Decimal("20000"), last_year_income=Decimal("0"))
    assert not assess(zero, LINE, S).in_scope


def test_sudden_hardship_and_all_reasons_together():
    facts = HouseholdFacts(household_size=2, net_income=Decimal("6000"), rigid_spending=Decimal("30000"),
                           last_year_income=Decimal("24000"), sudden_hardship=True)
    a = assess(facts, LINE, S)
    assert codes(a) == ["below_line", "rigid_spending", "income_drop", "sudden_hardship"]
    assert a.reasons[2].text.startswith("家庭纯收入由上年度24,000元降至6,000元，减少75%")
    only = assess(HouseholdFacts(household_size=1, net_income=Decimal("90000"), sudden_hardship=True), LINE, S)
    assert codes(only) == ["sudden_hardship"] and only.in_scope


def test_key_groups_are_attention_not_scope():
    facts = HouseholdFacts(household_size=1, net_income=Decimal("12000"),
                           key_groups=frozenset({KeyGroup.ELDERLY_ALONE, KeyGroup.DISABLED}))
    a = assess(facts, LINE, S)
    assert not a.in_scope
    assert [r.code for r in a.attention] == ["key_group_disabled", "key_group_elderly_alone"]
    assert a.attention[0].text == "属于重点关注人群：" + KeyGroup.DISABLED.label


def test_missing_last_year_income_is_flagged_when_spending_is_given():
    facts = HouseholdFacts(household_size=2, net_income=Decimal("30000"), rigid_spending=Decimal("40000"))
    a = assess(facts, LINE, S)
    assert not a.in_scope
    assert [r.code for r in a.attention] == ["last_year_income_missing"]


def test_line_must_be_positive():
    with pytest.raises(ValueError):
        assess(HouseholdFacts(household_size=1, net_income=Decimal("1")), Decimal("0"), S)
