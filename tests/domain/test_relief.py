"""临时救助 (seed 003 三、（四）): within 3 × the urban monthly 低保 standard the township may approve,
above it the county; 急难型 for 2 or more people not below 8 ×; no standard → said, not refused."""
from decimal import Decimal

import pytest

from domain.relief import Approver, BadAmount, ReliefKind, check_relief, parse_amount, RULE

D = Decimal
STANDARDS = {2025: D("560"), 2026: D("575")}  # 3 × 575 = 1725; 8 × 575 = 4600


def test_within_three_times_the_township_approves_above_the_county():
    assert check_relief(D("1725"), "expense", 3, STANDARDS, 2026).approver is Approver.TOWNSHIP
    above = check_relief(D("1725.01"), "expense", 3, STANDARDS, 2026)
    assert above.approver is Approver.COUNTY and above.ok and above.township_limit == D("1725")
    assert "县级民政部门审批" in above.approver_words() and "1,725" in above.approver_words()


def test_emergency_relief_for_two_or_more_below_eight_times_is_refused_with_the_figures():
    refused = check_relief(D("4599.99"), ReliefKind.EMERGENCY, 2, STANDARDS, 2026)
    assert not refused.ok and refused.minimum == D("4600")
    assert "不得低于" in refused.refusal and "4,600" in refused.refusal and "8倍" in refused.refusal
    assert check_relief(D("4600"), "emergency", 2, STANDARDS, 2026).ok


def test_no_minimum_for_one_person_or_expense_relief():
    assert check_relief(D("100"), "emergency", 1, STANDARDS, 2026).ok
    assert check_relief(D("100"), "expense", 5, STANDARDS, 2026).ok
    unknown = check_relief(D("100"), "emergency", 0, STANDARDS, 2026)
    assert unknown.ok and "未登记家庭成员" in unknown.notes[0]


def test_a_year_without_its_own_standard_uses_the_latest_earlier_one():
    result = check_relief(D("1700"), "expense", 2, STANDARDS, 2028)
    assert result.standard == D("575") and result.standard_year == 2026
    assert "2028年未单独设置，沿用2026年" in result.standard_words()
    assert check_relief(D("1700"), "expense", 2, STANDARDS, 2025).approver is Approver.COUNTY  # 3 × 560 = 1680


def test_without_any_standard_it_says_so_and_refuses_nothing():
    result = check_relief(D("10"), "emergency", 4, {2027: D("600")}, 2026)
    assert result.ok and result.approver is None and result.standard is None
    assert "未设置2026年及以前年度的城市月低保标准" in result.standard_words()
    assert "无法判断" in result.approver_words()


def test_the_rule_quotes_the_seed():
    assert "委托乡镇（街道）审批" in RULE and "不低于当地当年城市月低保标准8倍" in RULE


@pytest.mark.parametrize("raw, value", [("3000", "3000.00"), ("3,000", "3000.00"), ("３０００元", "3000.00"),
                                        (" 2500.5 ", "2500.50"), (D("12.345"), None)])
def test_amounts_typed(raw, value):
    if value is None:
        with pytest.raises(BadAmount):
            parse_amount(raw)
    else:
        assert parse_amount(raw) == D(value)


@pytest.mark.parametrize("raw", ["", None, "0", "-5", "1e3", "NaN", "3²", "\x00", "12.345", "99999999999", D("NaN")])
def test_bad_amounts_are_refused_in_words(raw):
    with pytest.raises(BadAmount) as caught:
        parse_amount(raw)
    assert "临时救助金额" in str(caught.value)
