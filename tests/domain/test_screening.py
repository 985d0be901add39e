from decimal import Decimal

import pytest

from domain.fieldwork import VisitMethod, remote_problems
from domain.screening import (INCOME_ITEMS, KEY_ANSWERS, QUESTION_KEYS, QUESTIONS, check_answers, net_income,
                              signals_risk)


def test_the_form_keeps_the_official_columns():
    labels = {q.label for q in QUESTIONS}
    for column in ("现有住房是否安全", "医疗是否得到保障", "义务教育是否得到保障", "饮水是否安全",
                   "是否整户无劳动力", "是否近两年新识别和申请低保", "是否重度残疾人家庭（一、二级）",
                   "子女是否履行赡养义务", "是否过度帮扶和福利陷阱", "该户还存在哪些困难和诉求"):
        assert column in labels
    assert len({q.key for q in QUESTIONS}) == len(QUESTIONS)


def test_answers_are_checked_per_question():
    clean, errors = check_answers({"housing_safe": "yes", "water_safe": "maybe", "remarks": "  无  ",
                                   "should_monitor": "", "nonsense": "yes"})
    assert clean == {"housing_safe": "yes", "remarks": "无"}
    assert set(errors) == {"water_safe", "nonsense"} and "是" in errors["water_safe"]
    _, errors = check_answers({"remarks": "长" * 1001})
    assert "1000" in errors["remarks"]


def test_income_helper_subtracts_costs_and_divides_by_household():
    result, errors = net_income({"wages": "20,000", "business": "5000", "business_costs": "1000",
                                 "transfers": "3000", "property": ""}, 3)
    assert errors == {}
    assert result.net_income == Decimal("27000.00") and result.per_capita == Decimal("9000.00")


@pytest.mark.parametrize("items, size, field", [
    ({"wages": "两万"}, 2, "wages"), ({"wages": "-5"}, 2, "wages"), ({"wages": "100"}, 0, "household_size")])
def test_income_helper_reports_bad_numbers(items, size, field):
    result, errors = net_income(items, size)
    assert result is None and field in errors


def test_income_items_match_the_four_sources_and_costs():
    assert [k for k, _ in INCOME_ITEMS] == ["wages", "business", "property", "transfers", "business_costs"]


def test_remote_checks_must_say_who_how_and_why():
    assert remote_problems(VisitMethod.HOME, "", "", None) == {}
    problems = remote_problems(VisitMethod.WECHAT, "", " ", "holiday")
    assert set(problems) == {"reached_person", "reached_via", "away_reason"}
    assert "微信" in problems["reached_via"]
    assert remote_problems(VisitMethod.PHONE, "户主本人", "13800138000", "work") == {}


def test_key_answers_point_to_a_risk_the_way_the_form_asks():
    # "Is the need met" questions: 否 is the risk; "is there a hardship" questions: 是 is.
    assert signals_risk("housing_safe", "no") and not signals_risk("housing_safe", "yes")
    assert signals_risk("water_safe", "no") and signals_risk("medical_secured", "no")
    assert signals_risk("whole_household_no_labour", "yes") and not signals_risk("whole_household_no_labour", "no")
    assert signals_risk("sudden_hardship", "yes") and signals_risk("should_monitor", "yes")
    assert not signals_risk("difficulties_and_requests", "看病贵")
    assert not signals_risk("remarks", "yes")  # not a key question
    assert all(key in QUESTION_KEYS for key, _ in KEY_ANSWERS)
