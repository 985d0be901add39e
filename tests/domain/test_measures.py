"""Open, overdue and due-soon plan measures (``domain.measures``): one rule for every list."""
from datetime import date, timedelta

import pytest

from domain.case_states import IDENTIFICATION_STATES, MONITORED_STATES
from domain.deadlines import DUE_SOON_DAYS, is_due_soon
from domain.enums import MeasureStatus
from domain.measures import (
    OPEN_STATUSES,
    case_carries_measures,
    is_due_soon_measure,
    is_open,
    is_overdue,
    measure_days_left,
)
from domain.workflow import CaseState

S, M = CaseState, MeasureStatus
TODAY = date(2026, 11, 20)


def test_planned_and_in_progress_are_open_done_and_cancelled_are_not():
    assert OPEN_STATUSES == {M.PLANNED, M.IN_PROGRESS}
    for status, expected in ((M.PLANNED, True), (M.IN_PROGRESS, True), (M.DONE, False), (M.CANCELLED, False)):
        assert is_open(status, S.HELPING, green_channel_started=False) is expected
        assert is_open(status.value, S.HELPING.value, green_channel_started=False) is expected  # codes too


@pytest.mark.parametrize("state", sorted(MONITORED_STATES, key=list(S).index))
def test_every_monitored_state_carries_measures(state):
    assert case_carries_measures(state, green_channel_started=False)


@pytest.mark.parametrize("state", sorted(IDENTIFICATION_STATES, key=list(S).index))
def test_a_green_channel_carries_measures_while_identification_runs(state):
    """Seed 000: "实施“绿色通道”，确保监测对象及早得到帮扶" — help starts at once."""
    assert case_carries_measures(state, green_channel_started=True)
    assert not case_carries_measures(state, green_channel_started=False)


@pytest.mark.parametrize("state", [S.REJECTED, S.MERGED, S.ELIMINATED])
def test_cases_that_ended_carry_no_measures_even_after_a_green_channel(state):
    for green in (False, True):
        assert not case_carries_measures(state, green_channel_started=green)
        assert not is_open(M.PLANNED, state, green_channel_started=green)
        assert not is_overdue(M.PLANNED, TODAY - timedelta(days=25), TODAY, state, green_channel_started=green)


def test_every_state_is_decided():
    carried = {s for s in S if case_carries_measures(s, green_channel_started=True)}
    assert carried == set(MONITORED_STATES) | set(IDENTIFICATION_STATES)
    assert set(S) - carried == {S.REJECTED, S.MERGED, S.CLEARED, S.ELIMINATED}


def test_overdue_once_the_due_date_has_passed():
    due = date(2026, 11, 19)
    assert is_overdue(M.PLANNED, due, TODAY, S.HELPING, green_channel_started=False)
    assert is_overdue(M.IN_PROGRESS, due, TODAY, S.ELIM_APPROVED, green_channel_started=False)
    assert not is_overdue(M.PLANNED, TODAY, TODAY, S.HELPING, green_channel_started=False)  # due today
    assert not is_overdue(M.PLANNED, None, TODAY, S.HELPING, green_channel_started=False)  # no date
    assert not is_overdue(M.DONE, due, TODAY, S.HELPING, green_channel_started=False)
    assert not is_overdue(M.CANCELLED, due, TODAY, S.HELPING, green_channel_started=False)


def test_the_reported_case_a_green_channel_measure_25_days_late_is_overdue():
    due = TODAY - timedelta(days=25)
    assert is_overdue(M.PLANNED, due, TODAY, S.REPORTED, green_channel_started=True)
    assert measure_days_left(M.PLANNED, due, TODAY, S.REPORTED, green_channel_started=True) == -25
    assert not is_overdue(M.PLANNED, due, TODAY, S.REPORTED, green_channel_started=False)


def test_due_soon_uses_the_one_horizon():
    assert DUE_SOON_DAYS == 3
    for offset, expected in ((-1, False), (0, True), (DUE_SOON_DAYS, True), (DUE_SOON_DAYS + 1, False), (7, False)):
        due = TODAY + timedelta(days=offset)
        assert is_due_soon(due, TODAY) is expected
        assert is_due_soon_measure(M.IN_PROGRESS, due, TODAY, S.HELPING, green_channel_started=False) is expected
        assert not is_due_soon_measure(M.DONE, due, TODAY, S.HELPING, green_channel_started=False)
        assert not is_due_soon_measure(M.PLANNED, due, TODAY, S.REJECTED, green_channel_started=True)
    assert not is_due_soon_measure(M.PLANNED, None, TODAY, S.HELPING, green_channel_started=False)


def test_days_left_only_for_open_measures_with_a_date():
    due = TODAY + timedelta(days=5)
    assert measure_days_left(M.PLANNED, due, TODAY, S.HELPING, green_channel_started=False) == 5
    assert measure_days_left(M.DONE, due, TODAY, S.HELPING, green_channel_started=False) is None
    assert measure_days_left(M.PLANNED, None, TODAY, S.HELPING, green_channel_started=False) is None
    assert measure_days_left(M.PLANNED, due, TODAY, S.MERGED, green_channel_started=True) is None
