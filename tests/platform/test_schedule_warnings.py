"""Seed 001 二、（二）2.: "原则上每个月要协调共享数据1次以上". The scheduler compares every county's
department lists again once a month, as a job of its own."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

import factories
from core.extensions import db
from core.queue import QUEUE_EXTENSION
from domain.department_lists import ListKind, ListRow
from domain.jobs import JobKind, JobState
from models import DepartmentList, DepartmentWarning
from services.platform import scheduled
from services.warnings import compare

TODAY = date(2026, 11, 20)


@pytest.fixture
def world(app):
    world = factories.build_world()
    db.session.commit()
    return world


def _monthly_task(app):
    queue = app.extensions[QUEUE_EXTENSION]
    return next(t for t in queue._registry.periodic_tasks if t.name == "warnings.monthly")


def test_the_comparison_is_scheduled_once_a_month(app):
    task = _monthly_task(app)
    fires = [day for day in range(1, 32) for hour in range(24) for minute in range(60)
             if task.validate_datetime(datetime(2026, 12, day, hour, minute))]
    assert fires == [1]  # one minute on the first day of the month (UTC; the 2nd in Beijing)


def test_the_monthly_job_finds_a_person_registered_after_the_list_came(app, world):
    stranger = factories.new_id()
    county = world.users["county"]
    dlist = DepartmentList(county_id=world.county.id, kind=ListKind.MEDICAL.value,
                           department=ListKind.MEDICAL.department.value, filename="医保.xlsx", uploaded_by=county)
    db.session.add(dlist)
    db.session.flush()
    row = ListRow(2, "张三", stranger, {"period_start": date(2026, 1, 1), "period_end": date(2026, 10, 31),
                                       "out_of_pocket": Decimal("40000")})
    compare.write(county, dlist, compare.plan(ListKind.MEDICAL, world.county, [row], TODAY), TODAY)
    factories.household(world.village_b, TODAY, id_number=stranger)
    db.session.commit()

    job = scheduled.start(JobKind.DEPARTMENT_MONTHLY, TODAY)
    db.session.commit()  # run at once in tests
    db.session.refresh(job)
    assert job.state == JobState.DONE.value and job.user_id is None
    assert "新找到 1 人" in job.message and "新预警 1 条" in job.message
    warning = db.session.execute(select(DepartmentWarning)).scalar_one()
    # An ordinary household: over 26,000 but under twice that, so yellow.
    assert warning.grade == "yellow" and warning.region_id == world.village_b.id
