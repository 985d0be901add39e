"""The household list's 本轮未走访 filter counts a campaign's days in Beijing time: a visit at
07:00 on its first day is inside it, one at 06:00 the day after its last is not."""
import uuid
from datetime import date, datetime, timedelta

import pytest

from core.clock import WORK_TZ
from core.extensions import db
from factories import build_world, household
from models import ScreeningRound
from services.fieldwork import visits
from services.fieldwork.visits import VisitInput
from services.households.register_list import Filters, register_page

FIRST, LAST = date(2026, 5, 1), date(2026, 5, 31)


@pytest.fixture
def world(app):
    made = build_world()
    db.session.add(ScreeningRound(county=made.county, name="2026年集中排查", starts_on=FIRST, ends_on=LAST))
    db.session.flush()
    return made


def _visit(world, made, at: datetime) -> None:
    visits.record_visit(world.users["grid_a1"], VisitInput(
        client_uuid=str(uuid.uuid4()), household_id=made.id, method="home", visited_at=at.isoformat(),
        household_size=made.size, answers={"should_monitor": "no"}), now=at + timedelta(minutes=5))


def test_the_rounds_days_are_beijing_days(world):
    early = household(world.grid_a1, FIRST)
    after = household(world.grid_a1, FIRST)
    never = household(world.grid_a1, FIRST)
    _visit(world, early, datetime(2026, 5, 1, 7, 0, tzinfo=WORK_TZ))      # 30 April 23:00 UTC
    _visit(world, after, datetime(2026, 6, 1, 6, 0, tzinfo=WORK_TZ))      # 31 May 22:00 UTC
    page = register_page(world.users["county"], Filters(not_visited=True), date(2026, 5, 20))
    assert sorted(row.id for row in page.rows) == sorted([after.id, never.id])
