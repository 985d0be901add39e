from datetime import date

import pytest

from domain.deadlines import (
    CaseDates,
    Deadline,
    DeadlineKind,
    add_days,
    add_months,
    add_years,
    current_deadline,
    days_left,
    earliest_elimination,
    first_visit_due,
    help_plan_due,
    identification_due,
    is_long_unresolved,
    is_overdue,
    lookback_due,
    next_evaluation_due,
    notice_deadline,
    notice_earliest_end,
    pairing_due,
    quarter_end,
    unresolved_flag_date,
)
from domain.settings import PolicySettings
from domain.workflow import CaseState

S = PolicySettings()


@pytest.mark.parametrize("start,n,expected", [
    (date(2023, 1, 31), 1, date(2023, 2, 28)),
    (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2023, 8, 31), 1, date(2023, 9, 30)),
    (date(2023, 8, 31), 6, date(2024, 2, 29)),
    (date(2023, 8, 31), 12, date(2024, 8, 31)),
    (date(2023, 11, 15), 3, date(2024, 2, 15)),
    (date(2024, 3, 31), -1, date(2024, 2, 29)),
    (date(2024, 5, 10), 0, date(2024, 5, 10)),
])
def test_add_months(start, n, expected):
    assert add_months(start, n) == expected


def test_add_years_and_days_across_leap_years():
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert add_years(date(2022, 6, 1), 2) == date(2024, 6, 1)
    assert add_days(date(2023, 2, 15), 15) == date(2023, 3, 2)
    assert add_days(date(2024, 2, 20), 15) == date(2024, 3, 6)


@pytest.mark.parametrize("d,expected", [
    (date(2024, 1, 1), date(2024, 3, 31)),
    (date(2024, 3, 31), date(2024, 3, 31)),
    (date(2024, 4, 1), date(2024, 6, 30)),
    (date(2024, 8, 15), date(2024, 9, 30)),
    (date(2024, 12, 31), date(2024, 12, 31)),
    (date(2024, 10, 1), date(2024, 12, 31)),
])
def test_quarter_end(d, expected):
    assert quarter_end(d) == expected


def test_process_deadlines_from_settings():
    assert identification_due(date(2023, 2, 15), S) == date(2023, 3, 2)
    assert identification_due(date(2024, 2, 20), S) == date(2024, 3, 6)
    assert pairing_due(date(2024, 2, 27), S) == date(2024, 3, 1)
    assert first_visit_due(date(2024, 12, 28), S) == date(2025, 1, 4)
    assert help_plan_due(date(2024, 2, 25), S) == date(2024, 3, 6)
    assert notice_earliest_end(date(2024, 2, 26), S) == date(2024, 3, 2)
    assert lookback_due(date(2023, 8, 31), S) == date(2024, 2, 29)
    longer = S.with_overrides({"identification_days": "20"})
    assert identification_due(date(2024, 2, 20), longer) == date(2024, 3, 11)


@pytest.mark.parametrize("since,last,expected", [
    (date(2024, 2, 10), None, date(2024, 6, 30)),
    (date(2024, 3, 31), None, date(2024, 6, 30)),
    (date(2024, 4, 1), None, date(2024, 9, 30)),
    (date(2024, 11, 5), None, date(2025, 3, 31)),
    (date(2024, 2, 10), date(2024, 8, 1), date(2024, 12, 31)),
    (date(2024, 2, 10), date(2023, 12, 1), date(2024, 6, 30)),  # an older evaluation is ignored
])
def test_next_evaluation_due(since, last, expected):
    assert next_evaluation_due(since, last) == expected


def test_two_year_flag():
    since = date(2022, 2, 28)
    assert unresolved_flag_date(since, S) == date(2024, 2, 28)
    assert not is_long_unresolved(since, date(2024, 2, 27), False, S)
    assert is_long_unresolved(since, date(2024, 2, 28), False, S)
    assert not is_long_unresolved(since, date(2026, 1, 1), True, S)
    leap = date(2020, 2, 29)
    assert unresolved_flag_date(leap, S) == date(2022, 2, 28)
    three = S.with_overrides({"unresolved_years": "3"})
    assert not is_long_unresolved(since, date(2024, 6, 1), False, three)


def test_minimum_period_six_or_twelve_months():
    since = date(2023, 8, 31)
    assert earliest_elimination(since, S) == date(2024, 2, 29)
    one_year = S.with_overrides({"min_monitoring_months": "12"})  # seed 001
    assert earliest_elimination(since, one_year) == date(2024, 8, 31)
    assert earliest_elimination(since, one_year, natural=True) == since


def test_days_left_and_overdue():
    due = date(2024, 3, 1)
    assert days_left(due, date(2024, 2, 28)) == 2
    assert days_left(due, due) == 0
    assert days_left(due, date(2024, 3, 4)) == -3
    assert not is_overdue(due, due)
    assert is_overdue(due, date(2024, 3, 2))
    deadline = Deadline(DeadlineKind.PAIRING, due)
    assert deadline.days_left(date(2024, 2, 29)) == 1 and deadline.is_overdue(date(2024, 3, 2))


DATES = CaseDates(
    clue_date=date(2024, 2, 20),
    identified_on=date(2024, 3, 5),
    paired_on=date(2024, 3, 7),
    monitored_since=date(2024, 3, 5),
    last_evaluation_on=date(2024, 7, 2),
    notice_start=date(2024, 2, 28),
    eliminated_on=date(2024, 8, 31),
)


@pytest.mark.parametrize("state,kind,due", [
    (CaseState.REPORTED, DeadlineKind.IDENTIFICATION, date(2024, 3, 6)),
    (CaseState.VERIFYING, DeadlineKind.IDENTIFICATION, date(2024, 3, 6)),
    (CaseState.PUBLICIZING, DeadlineKind.IDENTIFICATION, date(2024, 3, 6)),
    (CaseState.COUNTY_REVIEW, DeadlineKind.IDENTIFICATION, date(2024, 3, 6)),
    (CaseState.MONITORED, DeadlineKind.PAIRING, date(2024, 3, 8)),
    (CaseState.PAIRED, DeadlineKind.FIRST_VISIT, date(2024, 3, 14)),
    (CaseState.VISITED, DeadlineKind.HELP_PLAN, date(2024, 3, 15)),
    (CaseState.HELPING, DeadlineKind.EVALUATION, date(2024, 12, 31)),
    (CaseState.ELIM_COUNTY_REVIEW, DeadlineKind.EVALUATION, date(2024, 12, 31)),
    (CaseState.ELIMINATED, DeadlineKind.LOOKBACK, date(2025, 2, 28)),
])
def test_current_deadline(state, kind, due):
    assert current_deadline(state, DATES, S) == Deadline(kind, due)


def test_no_deadline_when_closed_or_start_date_missing():
    assert current_deadline(CaseState.REJECTED, DATES, S) is None
    assert current_deadline(CaseState.MERGED, DATES, S) is None
    bare = CaseDates(clue_date=date(2024, 2, 20))
    assert current_deadline(CaseState.MONITORED, bare, S) is None
    assert current_deadline(CaseState.PAIRED, bare, S) is None
    assert current_deadline(CaseState.HELPING, bare, S) is None
    assert current_deadline(CaseState.ELIMINATED, bare, S) is None
    # Inclusion date stands in for a missing identification date.
    only_since = CaseDates(clue_date=date(2024, 2, 20), monitored_since=date(2024, 3, 5))
    assert current_deadline(CaseState.MONITORED, only_since, S).due == date(2024, 3, 8)
    assert current_deadline("helping", only_since, S).due == date(2024, 6, 30)


def test_notice_deadline():
    assert notice_deadline(CaseState.PUBLICIZING, DATES, S) == Deadline(DeadlineKind.NOTICE, date(2024, 3, 4))
    assert notice_deadline(CaseState.ELIM_PUBLICIZING, DATES, S).due == date(2024, 3, 4)
    assert notice_deadline(CaseState.VERIFIED, DATES, S) is None
    assert DeadlineKind.NOTICE.label == "公示期"
