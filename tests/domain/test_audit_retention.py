from datetime import datetime, timedelta, timezone

import pytest

from domain import audit_retention as r
from domain.audit_labels import ACTIONS, OBJECT_TYPES, action_label, object_label

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("days", [180, 181, 365, 3650])
def test_a_retention_of_at_least_180_days_is_accepted(days):
    assert r.retention_problem(days) is None


@pytest.mark.parametrize("days", [179, 90, 0, -1])
def test_below_180_days_is_refused_naming_the_law(days):
    problem = r.retention_problem(days)
    assert "180" in problem and "网络安全法第二十一条" in problem and "SHOUDI_AUDIT_RETENTION_DAYS" in problem


@pytest.mark.parametrize("value", ["365", 365.0, None, True])
def test_only_a_whole_number_is_a_setting(value):
    assert r.retention_problem(value) is not None


def test_the_cutoff_is_the_setting_before_now():
    assert r.archive_cutoff(NOW, 365) == NOW - timedelta(days=365)
    assert r.archive_cutoff(NOW, 200) == NOW - timedelta(days=200)


def test_the_cutoff_is_never_later_than_six_calendar_months():
    # 31 August back six months is 28 February: 184 days, more than the 180 days the setting allows
    now = datetime(2026, 8, 31, 12, 0, tzinfo=timezone.utc)
    assert r.archive_cutoff(now, 180) == datetime(2026, 2, 28, 12, 0, tzinfo=timezone.utc)
    assert now - r.archive_cutoff(now, 180) == timedelta(days=184)
    # 31 March back six months is 30 September: 182 days
    assert r.archive_cutoff(datetime(2026, 3, 31, tzinfo=timezone.utc), 180) == datetime(2025, 9, 30, tzinfo=timezone.utc)
    # six months are at most 184 days: from 185 days on, the setting alone decides
    assert r.archive_cutoff(now, 185) == now - timedelta(days=185)


def test_a_cutoff_below_the_floor_is_refused():
    with pytest.raises(ValueError, match="180"):
        r.archive_cutoff(NOW, 179)


def test_only_entries_older_than_the_cutoff_may_be_archived():
    cutoff = r.archive_cutoff(NOW, 180)
    assert r.may_archive(cutoff - timedelta(seconds=1), cutoff)
    assert not r.may_archive(cutoff, cutoff)
    assert not r.may_archive(NOW, cutoff)


def test_labels_are_chinese_and_unknown_codes_show_as_they_are():
    assert action_label("read") == "查看" and object_label("household") == "农户"
    assert action_label("something_new") == "something_new" and object_label(None) == ""
    assert all(label and not label.isascii() for label in [*ACTIONS.values(), *OBJECT_TYPES.values()])
