"""党政主职遍访 (seed 000): once a calendar year, a visit recorded for this year only."""
from __future__ import annotations

from datetime import date

from domain.head_visits import Coverage, counts_this_year, visit_problems

TODAY = date(2026, 11, 20)


def test_a_visit_counts_for_the_calendar_year_it_was_made_in():
    assert counts_this_year(date(2026, 1, 1), TODAY)
    assert not counts_this_year(date(2025, 12, 31), TODAY)
    assert not counts_this_year(date(2026, 11, 21), TODAY)  # not yet made


def test_only_this_years_visits_up_to_today_are_recorded():
    assert visit_problems(TODAY, TODAY, "督促落实医疗救助") == {}
    assert visit_problems(None, TODAY, "") == {"visited_on": "请填写遍访日期"}
    assert visit_problems(date(2026, 11, 21), TODAY, "") == {"visited_on": "遍访日期不能晚于今天"}
    assert "只能登记2026年的遍访" in visit_problems(date(2025, 12, 30), TODAY, "")["visited_on"]
    assert visit_problems(TODAY, TODAY, "长" * 501) == {"note": "情况说明不超过500个字"}


def test_coverage_in_whole_percent():
    assert (Coverage(3, 1).percent, Coverage(3, 1).missing) == (33, 2)
    assert Coverage(0, 0).percent == 100 and Coverage(4, 4).percent == 100
