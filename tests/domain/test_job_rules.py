from datetime import datetime, timedelta, timezone

from domain.jobs import STALE_AFTER, JobState, after_stale, is_stale, lost_in_queue

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=timezone.utc)


def test_a_running_job_is_stuck_once_it_stops_reporting_for_ten_minutes():
    assert STALE_AFTER == timedelta(minutes=10)
    assert not is_stale(JobState.RUNNING, NOW - timedelta(minutes=9), NOW)
    assert is_stale(JobState.RUNNING, NOW - timedelta(minutes=11), NOW) and is_stale("running", None, NOW)
    assert not is_stale(JobState.QUEUED, NOW - timedelta(hours=2), NOW)
    assert after_stale(1) is JobState.QUEUED and after_stale(3) is JobState.FAILED


def test_a_queued_job_nobody_took_for_ten_minutes_is_lost_in_the_queue():
    assert not lost_in_queue(JobState.QUEUED, NOW - timedelta(minutes=9), NOW)
    assert lost_in_queue("queued", NOW - timedelta(minutes=11), NOW)
    assert not lost_in_queue(JobState.RUNNING, NOW - timedelta(hours=1), NOW)
    assert not lost_in_queue(JobState.DONE, NOW - timedelta(hours=1), NOW)
