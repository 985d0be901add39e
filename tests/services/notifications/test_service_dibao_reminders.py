"""The daily reminders tell the village staff of a household's village once, 30 days before its
低保渐退期 ends (dates passed in)."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from conftest import TODAY
from core.extensions import db
from domain.enums import HouseholdAttribute, IncomeSource, NotificationKind
from factories import build_world, household
from models import Notification
from services.accounts import users
from services.households import incomes
from services.notifications import reminders
from services.regions import settings

END = date(2027, 3, 15)


@pytest.fixture
def world(app):
    world = build_world()
    settings.set_dibao_standard(None, world.county, 2026, "6000", "575")
    return world


def _phasing_out(world, region, measured_on=date(2026, 3, 15)):
    h = household(region, TODAY, size=1)
    h.attribute = HouseholdAttribute.LIFTED.value
    h.members[0].minimum_living = True
    incomes.record_income(None, h, year=2026, measured_on=measured_on, net_total="7000",
                          source=IncomeSource.STAFF, today=TODAY)
    db.session.flush()
    return h


def _rows(user=None):
    query = select(Notification).where(Notification.dedupe_key.like("dibao_phaseout:%")).order_by(Notification.id)
    if user is not None:
        query = query.where(Notification.user_id == user.id)
    return list(db.session.execute(query).scalars())


def test_the_village_is_told_thirty_days_before_the_end_once(world):
    h = _phasing_out(world, world.grid_a1)
    assert h.dibao_phaseout_end == END
    assert reminders.remind_deadlines(END - timedelta(days=31)).phaseouts == 0
    report = reminders.remind_deadlines(END - timedelta(days=30))
    assert report.phaseouts == 1 and "低保渐退期将结束 1" in report.summary()
    [row] = _rows()
    assert row.user_id == world.users["village_a"].id and row.kind == NotificationKind.DUE_SOON.value
    assert row.title == (f"农户档案 {h.id} 低保渐退期将于 2027-03-15 结束（还剩 30 天），请核实收入，办理低保续保或退出")
    assert row.link == f"/households/{h.id}" and row.case_id is None
    assert "户主" not in row.title  # no name
    for day in (END - timedelta(days=29), END - timedelta(days=1), END):
        assert reminders.remind_deadlines(day).phaseouts == 0  # once
    assert len(_rows()) == 1
    assert _rows(world.users["village_b"]) == [] and _rows(world.users["township"]) == []


def test_a_run_missed_on_the_thirtieth_day_still_tells_before_the_end_but_not_after(world):
    _phasing_out(world, world.grid_a1)
    assert reminders.remind_deadlines(END + timedelta(days=1)).phaseouts == 0
    messages = reminders.phaseout_reminders(END)
    assert ["（今天结束）" in m.title for m in messages] == [True]
    assert reminders.remind_deadlines(END - timedelta(days=10)).phaseouts == 1


def test_a_household_no_longer_on_dibao_is_not_reminded(world):
    h = _phasing_out(world, world.grid_a1)
    h.members[0].minimum_living = False
    db.session.flush()
    assert reminders.remind_deadlines(END - timedelta(days=30)).phaseouts == 0


def test_a_village_without_an_account_passes_it_to_its_township(world):
    users.deactivate(world.users["village_b"])
    db.session.flush()
    _phasing_out(world, world.grid_b1)
    assert reminders.remind_deadlines(END - timedelta(days=30)).phaseouts == 1
    [row] = _rows()
    assert row.user_id == world.users["township"].id


def test_a_new_end_is_a_new_reminder(world):
    h = _phasing_out(world, world.grid_a1)
    reminders.remind_deadlines(END - timedelta(days=30))
    incomes.record_income(None, h, year=2026, measured_on=date(2026, 4, 1), net_total="7000",
                          source=IncomeSource.STAFF, today=TODAY)  # the record corrected: measured later
    db.session.flush()
    assert h.dibao_phaseout_end == date(2027, 4, 1)
    assert reminders.remind_deadlines(date(2027, 4, 1) - timedelta(days=30)).phaseouts == 1
    assert [r.dedupe_key for r in _rows()] == [f"dibao_phaseout:{h.id}:2027-03-15", f"dibao_phaseout:{h.id}:2027-04-01"]
