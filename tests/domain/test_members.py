"""Rules about the people of a household: who counts, 低保户/特困户, natural changes, typed text."""
from dataclasses import dataclass
from datetime import date

import pytest

from domain.members import (departure_problems, joining_problems, needs_new_head, text_problem,
                            welfare_labels)

TODAY = date(2026, 11, 20)


@dataclass
class P:
    status: str = "present"
    minimum_living: bool | None = None
    extreme_poverty: bool | None = None


def test_a_household_is_what_its_present_members_are():
    assert welfare_labels([P(), P(minimum_living=True)]) == ("低保户",)
    assert welfare_labels([P(extreme_poverty=True)]) == ("特困户",)
    assert welfare_labels([P(minimum_living=True), P(extreme_poverty=True)]) == ("低保户", "特困户")
    assert welfare_labels([P(minimum_living=False), P(minimum_living=None)]) == ()
    assert welfare_labels([]) == ()


def test_one_who_left_no_longer_makes_the_household_a_welfare_household():
    assert welfare_labels([P(), P(status="deceased", minimum_living=True, extreme_poverty=True)]) == ()


@pytest.mark.parametrize("value, message", [
    ("", ""), ("王大山", ""), ("王\x00山", "含有无法保存的字符"), ("王\n山", "含有无法保存的字符"),
    ("王\ud800", "含有无法保存的字符"), ("长" * 65, "不超过64个字"),
])
def test_typed_text(value, message):
    found = text_problem(value, "姓名", 64)
    assert (message in found) if message else found == ""


def test_required_text():
    assert text_problem("", "情况说明", 200, required=True) == "请填写情况说明"


def test_joining_needs_a_reason_and_a_date_not_in_the_future():
    assert joining_problems("born", date(2026, 11, 1), TODAY) == {}
    assert joining_problems("born", TODAY, TODAY, birth_date=TODAY) == {}
    assert set(joining_problems(None, None, TODAY)) == {"join_reason", "joined_on"}
    assert joining_problems("married_in", date(2026, 11, 21), TODAY) == {"joined_on": "增加日期不能晚于今天"}
    assert "出生日期" in joining_problems("moved_in", date(2000, 1, 1), TODAY, birth_date=date(2001, 1, 1))["joined_on"]
    assert "join_reason" in joining_problems("adopted_by_aliens", TODAY, TODAY)


def test_departure_needs_a_kind_a_date_and_for_other_reasons_a_note():
    assert departure_problems("deceased", date(2026, 10, 3), "", TODAY) == {}
    assert departure_problems("married_out", TODAY, "嫁到外县", TODAY) == {}
    assert set(departure_problems("present", None, "", TODAY)) == {"status", "left_on"}
    assert departure_problems("other_left", TODAY, "", TODAY) == {"left_note": "请填写情况说明"}
    assert departure_problems("moved_out", date(2027, 1, 1), "", TODAY) == {"left_on": "减少日期不能晚于今天"}
    assert "加入本户" in departure_problems("moved_out", date(2020, 1, 1), "", TODAY,
                                           joined_on=date(2021, 1, 1))["left_on"]
    assert "出生日期" in departure_problems("deceased", date(1950, 1, 1), "", TODAY,
                                          birth_date=date(1960, 1, 1))["left_on"]
    assert "left_note" in departure_problems("deceased", TODAY, "x" * 201, TODAY)


def test_the_head_leaves_with_a_successor_unless_nobody_stays():
    assert needs_new_head(True, 2) is True
    assert needs_new_head(True, 0) is False
    assert needs_new_head(False, 3) is False
