"""When a visit may be recorded, and what its position says: pure rules, times passed in."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from domain import visit_proof as proof
from domain.settings import SETTING_FIELDS, PolicySettings

BEIJING = ZoneInfo("Asia/Shanghai")
ARRIVED = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)  # 10:00 in Beijing
SECOND = timedelta(seconds=1)


def problem(visited_at, *, max_delay_days=14, clue_date=None, arrived=ARRIVED):
    return proof.time_problem(visited_at, arrived, zone=BEIJING, max_delay_days=max_delay_days,
                              clue_date=clue_date)


def test_the_settings_hold_the_delay_and_the_clock_its_margins():
    assert PolicySettings().visit_max_delay_days == 14
    assert SETTING_FIELDS["visit_max_delay_days"][1:] == (1, 60)
    assert proof.SHORTEST_MAX_DELAY_DAYS == 1
    assert proof.VISIT_CLOCK.future_margin == timedelta(minutes=10)
    assert proof.VISIT_CLOCK.late_after == timedelta(days=2)
    assert PolicySettings().with_overrides({"visit_max_delay_days": "30"}).visit_max_delay_days == 30


def test_a_clock_running_fast_within_the_margin_is_recorded_as_the_arrival():
    ahead = ARRIVED + timedelta(minutes=10)
    assert problem(ahead) is None
    assert proof.recorded_time(ahead, ARRIVED) == ARRIVED
    assert proof.recorded_time(ARRIVED - SECOND, ARRIVED) == ARRIVED - SECOND


def test_a_time_beyond_the_margin_is_refused_with_the_time_shown():
    message = problem(ARRIVED + timedelta(minutes=10) + SECOND)
    assert message.startswith("走访时间（2026-11-20 10:10）晚于现在") and "手机的日期和时间" in message
    assert "晚于现在" in problem(datetime(2027, 1, 1, tzinfo=timezone.utc))


def test_a_visit_as_old_as_the_setting_is_accepted_one_second_more_refused():
    assert problem(ARRIVED - timedelta(days=14)) is None
    message = problem(ARRIVED - timedelta(days=14) - SECOND)
    assert message == "这次走访（2026-11-06）距今已超过14天，不能再补录；请重新走访后记录"
    assert problem(ARRIVED - timedelta(days=20), max_delay_days=30) is None
    assert "超过14天" in problem(datetime(2019, 1, 1, tzinfo=timezone.utc))


def test_the_delay_setting_is_read_only_when_it_can_matter():
    assert not proof.delay_may_matter(ARRIVED - timedelta(days=1), ARRIVED)
    assert proof.delay_may_matter(ARRIVED - timedelta(days=1) - SECOND, ARRIVED)
    # Not read: a visit within the shortest delay any region may set is never refused for it.
    assert problem(ARRIVED - timedelta(hours=23), max_delay_days=None) is None


def test_a_visit_before_its_clue_was_found_is_refused_by_the_beijing_date():
    clue = date(2026, 11, 18)
    assert problem(datetime(2026, 11, 18, 0, 0, tzinfo=BEIJING), clue_date=clue) is None
    # 23:30 UTC on the 17th is 07:30 on the 18th in Beijing: the same day as the clue.
    assert problem(datetime(2026, 11, 17, 23, 30, tzinfo=timezone.utc), clue_date=clue) is None
    message = problem(datetime(2026, 11, 17, 23, 59, tzinfo=BEIJING), clue_date=clue)
    assert message == "走访日期（2026-11-17）早于这条线索的发现日期（2026-11-18），请检查走访时间"


@pytest.mark.parametrize("delay, late", [(timedelta(days=2), False), (timedelta(days=2) + SECOND, True),
                                         (timedelta(minutes=5), False), (timedelta(days=10), True)])
def test_late_means_it_arrived_more_than_two_days_after(delay, late):
    assert proof.is_late(ARRIVED - delay, ARRIVED) is late


def test_positions_in_words_on_both_sides_of_the_globe():
    assert proof.read_position(31.7, 116.5, 25).words() == "北纬31.700000°，东经116.500000°，精度约25米"
    assert proof.read_position(-33.86, -70.65, None).words() == "南纬33.860000°，西经70.650000°，精度未知"
    stored = proof.stored_text(proof.read_position("30.5", "117.2", "12.4"))
    assert stored == "30.500000,117.200000,12"
    assert proof.stored_position(stored) == proof.Position(30.5, 117.2, 12)


@pytest.mark.parametrize("lat, lng, accuracy", [
    (float("nan"), 117.2, 10), (30.5, float("inf"), 10), (30.5, 117.2, float("nan")), (30.5, 117.2, -1),
    (90.1, 0, 0), (0, -180.5, 0), ("北纬30", 117, 0), (None, 117, 0), ([30], 117, 0), (30, {}, 0),
    (1e400, 0, 0), (30.5, 117.2, 2_000_000), ("nan", "0", "0"),
])
def test_no_position_from_numbers_that_are_not_one(lat, lng, accuracy):
    assert proof.read_position(lat, lng, accuracy) is None


@pytest.mark.parametrize("stored", [None, "", "30.5,117.2", "a,b,c", "30.5,117.2,12,4"])
def test_no_position_from_a_stored_text_that_holds_none(stored):
    assert proof.stored_position(stored) is None
