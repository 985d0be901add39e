"""逾期升级, the pure rule: when a step is escalated, to which desk, and once per what."""
from datetime import date

import pytest

from domain.enums import Role
from domain.escalation import (DESK_LADDER, Holder, days_overdue, desks_to_tell, escalation_cutoff, escalation_key,
                               is_current, is_escalation_due, pick_desk)
from domain.settings import SETTING_FIELDS, PolicySettings, parse_setting

DUE = date(2026, 11, 16)
R = Role


def test_the_setting_defaults_to_three_days_and_regions_may_change_it():
    assert PolicySettings().escalation_days == 3
    assert SETTING_FIELDS["escalation_days"][0].startswith("逾期升级天数")
    assert parse_setting("escalation_days", "５") == 5
    assert PolicySettings().with_overrides({"escalation_days": "7"}).escalation_days == 7


@pytest.mark.parametrize("today, late", [(date(2026, 11, 15), 0), (DUE, 0), (date(2026, 11, 17), 1),
                                         (date(2026, 11, 19), 3), (date(2026, 12, 16), 30)])
def test_days_overdue_count_from_the_day_after_the_due_day(today, late):
    assert days_overdue(DUE, today) == late


@pytest.mark.parametrize("n", [1, 3, 7])
def test_escalated_when_overdue_by_n_days_not_by_n_minus_one(n):
    assert not is_escalation_due(DUE, date.fromordinal(DUE.toordinal() + n - 1), n)
    assert is_escalation_due(DUE, date.fromordinal(DUE.toordinal() + n), n)
    assert is_escalation_due(DUE, date.fromordinal(DUE.toordinal() + n + 10), n)
    today = date(2026, 11, 30)
    assert escalation_cutoff(today, n) == date.fromordinal(today.toordinal() - n)
    assert is_escalation_due(escalation_cutoff(today, n), today, n)


@pytest.mark.parametrize("holder, desks", [
    # A desk's step: the levels above it, then back to the desk itself when none has an account.
    (Holder(R.VILLAGE_STAFF), (R.TOWNSHIP_STAFF, R.COUNTY_STAFF, R.CITY_STAFF, R.PROVINCE_STAFF, R.VILLAGE_STAFF)),
    (Holder(R.TOWNSHIP_STAFF), (R.COUNTY_STAFF, R.CITY_STAFF, R.PROVINCE_STAFF, R.TOWNSHIP_STAFF)),
    (Holder(R.COUNTY_STAFF), (R.CITY_STAFF, R.PROVINCE_STAFF, R.COUNTY_STAFF)),
    (Holder(R.PROVINCE_STAFF), (R.PROVINCE_STAFF,)),
    # A person's step: the desk that assigned them, then up.
    (Holder(R.VILLAGE_STAFF, person_holds=True), DESK_LADDER),
    (Holder(R.TOWNSHIP_STAFF, person_holds=True), DESK_LADDER[1:]),
])
def test_the_desks_one_level_up_nearest_first(holder, desks):
    assert desks_to_tell(holder) == desks


def test_only_desks_hold_steps():
    with pytest.raises(ValueError):
        desks_to_tell(Holder(R.PAIR_CADRE))


def test_a_desk_without_an_account_passes_it_up_and_the_top_keeps_it():
    village = Holder(R.VILLAGE_STAFF)
    assert pick_desk(village, {R.TOWNSHIP_STAFF: ["t"], R.COUNTY_STAFF: ["c"]}) == (R.TOWNSHIP_STAFF, ["t"])
    assert pick_desk(village, {R.TOWNSHIP_STAFF: [], R.COUNTY_STAFF: ["c1", "c2"]}) == (R.COUNTY_STAFF, ["c1", "c2"])
    assert pick_desk(village, {R.VILLAGE_STAFF: ["v"]}) == (R.VILLAGE_STAFF, ["v"])
    assert pick_desk(Holder(R.COUNTY_STAFF), {R.COUNTY_STAFF: ["c"], R.PROVINCE_STAFF: ["p"]}) == (R.PROVINCE_STAFF,
                                                                                                  ["p"])
    assert pick_desk(Holder(R.COUNTY_STAFF), {R.COUNTY_STAFF: ["c"]}) == (R.COUNTY_STAFF, ["c"])
    assert pick_desk(Holder(R.VILLAGE_STAFF, person_holds=True), {R.VILLAGE_STAFF: ["v"], R.TOWNSHIP_STAFF: ["t"]}) \
        == (R.VILLAGE_STAFF, ["v"])
    assert pick_desk(village, {}) is None


def test_once_per_case_deadline_due_date_and_step():
    key = escalation_key(7, "identification", DUE, "verifying")
    assert key == "escalated:7:identification:2026-11-16:verifying"
    others = {escalation_key(7, "identification", DUE, "verified"), escalation_key(7, "identification",
                                                                                  date(2026, 11, 17), "verifying"),
              escalation_key(8, "identification", DUE, "verifying"), escalation_key(7, None, DUE, "verifying")}
    assert key not in others and len(others) == 4


def test_an_escalation_is_current_only_for_the_step_and_due_date_it_was_for():
    assert is_current(DUE, "verifying", DUE, "verifying")
    assert not is_current(DUE, "verifying", DUE, "verified")        # the step was taken
    assert not is_current(DUE, "helping", date(2027, 3, 31), "helping")  # a new due date
    assert not is_current(None, None, DUE, "verifying")
