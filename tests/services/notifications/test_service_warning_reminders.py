"""The daily reminders tell a village that a department warning's answer is due (a red warning
gives it 3 days), once before the day and once when it is late, and stop once it is answered."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.extensions import db
from domain.enums import HouseholdAttribute, NotificationKind
from factories import build_world, household, medical_warnings
from models import DepartmentWarning, Notification
from services.notifications import reminders
from services.warnings import feedback

SENT = date(2026, 11, 20)


@pytest.fixture
def world(app):
    return build_world()


def _red_warning(world) -> DepartmentWarning:
    made = household(world.village_a, SENT)
    made.attribute = HouseholdAttribute.MONITORED.value
    [warning] = medical_warnings(world, [(made, "25000")], SENT)
    return warning


def _told(user):
    return list(db.session.execute(select(Notification).where(
        Notification.user_id == user.id, Notification.dedupe_key.like("warning_due:%"))
        .order_by(Notification.id)).scalars())


def test_the_village_hears_before_the_day_and_when_late_once_each(world):
    warning = _red_warning(world)
    assert warning.grade == "red" and warning.due_on == SENT + timedelta(days=3)
    village = world.users["village_a"]
    first = reminders.remind_deadlines(SENT + timedelta(days=1))
    assert first.warnings == 1 and "部门预警待反馈 1" in first.summary()
    assert reminders.remind_deadlines(SENT + timedelta(days=2)).warnings == 0  # told already
    late = reminders.remind_deadlines(SENT + timedelta(days=4))
    assert late.warnings == 1
    told = _told(village)
    assert [n.kind for n in told] == [NotificationKind.DUE_SOON.value, NotificationKind.OVERDUE.value]
    assert "红色预警" in told[1].title and "已逾期" in told[1].title and made_name_absent(told, warning)
    assert _told(world.users["village_b"]) == []


def made_name_absent(told, warning) -> bool:
    """No name, ID number or figure in a title: it may show on a lock screen."""
    return all(warning.row.name not in n.title and "25,000" not in n.title for n in told)


def test_an_answered_warning_is_not_reminded(world):
    warning = _red_warning(world)
    feedback.answer(world.users["village_a"], warning.id, "included", "", SENT + timedelta(days=1))
    assert reminders.remind_deadlines(SENT + timedelta(days=5)).warnings == 0
