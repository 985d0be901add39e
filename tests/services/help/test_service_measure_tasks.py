"""Departments follow their measures to done; county staff see every department's."""
from datetime import timedelta

import pytest
from sqlalchemy import select, text

import factories
from conftest import TODAY
from core.extensions import db
from domain.enums import RegionLevel
from help_support import helping_case, library
from models import AuditLog, PlanMeasure
from services.accounts import users
from services.errors import NotFound, PermissionDenied, ValidationFailed
from services.help import measure_tasks
from services.help.measure_tasks import TaskFilters
from services.regions import tree

START = TODAY - timedelta(days=30)


def names(rows):
    return [r.measure for r in rows]


def world_with_plan():
    world = factories.build_world()
    lib = library(world)
    case = helping_case(world, lib, START, "乡村公益性岗位", "农村低保兜底", "医疗救助", "结对关爱走访")
    return world, lib, case


def test_a_department_sees_its_own_measures_by_head_name_and_village(app):
    world, lib, case = world_with_plan()
    rows = measure_tasks.tasks(world.users["dept"], TODAY)  # civil affairs
    assert names(rows) == ["农村低保兜底"]
    row = rows[0]
    assert row.head == "户主青山村一组" and row.village == "青山村" and row.department == "民政"
    assert row.status == "已安排" and row.case_id == case.id and not row.overdue


def test_county_staff_see_every_department_and_filter(app):
    world, lib, case = world_with_plan()
    county = world.users["county"]
    assert sorted(names(measure_tasks.tasks(county, TODAY))) == sorted(
        ["乡村公益性岗位", "农村低保兜底", "医疗救助", "结对关爱走访"])
    assert names(measure_tasks.tasks(county, TODAY, TaskFilters(department="medical_insurance"))) == ["医疗救助"]
    assert names(measure_tasks.tasks(county, TODAY, TaskFilters(department="none"))) == ["结对关爱走访"]
    # The department filter is county staff's only: a department always sees its own.
    assert names(measure_tasks.tasks(world.users["dept"], TODAY, TaskFilters(department="health"))) == ["农村低保兜底"]
    assert ("none", "无责任部门") in measure_tasks.department_choices(county)
    assert measure_tasks.department_choices(world.users["dept"]) == []


def test_village_staff_and_cadres_follow_measures_without_a_department(app):
    world, lib, case = world_with_plan()
    assert names(measure_tasks.tasks(world.users["village_a"], TODAY)) == ["结对关爱走访"]
    assert names(measure_tasks.tasks(world.users["cadre_a"], TODAY)) == ["结对关爱走访"]
    assert measure_tasks.tasks(world.users["village_b"], TODAY) == []  # another village
    with pytest.raises(PermissionDenied):
        measure_tasks.tasks(world.users["admin"], TODAY)


def test_a_department_in_another_county_sees_nothing(app):
    world, lib, case = world_with_plan()
    county = tree.create_region("341598000000", "邻县", RegionLevel.COUNTY, None)
    officer = users.create_user("dept_other", "邻县民政", factories.PASSWORD, "department", county.code,
                                "civil_affairs")
    db.session.flush()
    assert measure_tasks.tasks(officer, TODAY) == []
    basic = next(r for r in helpplans_rows(case) if r.measure.name == "农村低保兜底")
    with pytest.raises(NotFound):
        measure_tasks.update(officer, basic.id, status="done", done_on=TODAY, note="", today=TODAY)


def helpplans_rows(case):
    return list(db.session.execute(select(PlanMeasure).where(PlanMeasure.case_id == case.id)).scalars())


def test_open_measures_first_and_overdue_flagged(app):
    world, lib, case = world_with_plan()
    rows = {r.measure.name: r for r in helpplans_rows(case)}
    rows["乡村公益性岗位"].due_on = TODAY - timedelta(days=3)
    rows["医疗救助"].due_on = TODAY + timedelta(days=5)
    rows["农村低保兜底"].status, rows["农村低保兜底"].done_on = "done", TODAY
    db.session.flush()
    listed = measure_tasks.tasks(world.users["county"], TODAY, TaskFilters(show="all"))
    assert names(listed) == ["乡村公益性岗位", "医疗救助", "结对关爱走访", "农村低保兜底"]
    assert [r.overdue for r in listed] == [True, False, False, False]
    assert listed[0].days_left == -3 and listed[3].days_left is None and not listed[3].is_open
    assert names(measure_tasks.tasks(world.users["county"], TODAY)) == ["乡村公益性岗位", "医疗救助", "结对关爱走访"]
    assert names(measure_tasks.tasks(world.users["county"], TODAY, TaskFilters(overdue_only=True))) == ["乡村公益性岗位"]


def test_the_department_records_progress_then_done(app):
    world, lib, case = world_with_plan()
    dept = world.users["dept"]
    [task] = measure_tasks.tasks(dept, TODAY)
    measure_tasks.update(dept, task.id, status="in_progress", done_on=None, note="已受理低保申请", today=TODAY)
    later = TODAY + timedelta(days=3)
    pm = measure_tasks.update(dept, task.id, status="done", done_on=later, note="低保金已发放", today=later)
    assert pm.status == "done" and pm.done_on == later and pm.updated_by_id == dept.id
    assert pm.note == f"{TODAY.isoformat()} DEPT：已受理低保申请\n{later.isoformat()} DEPT：低保金已发放"
    raw = db.session.execute(text("SELECT note FROM plan_measure WHERE id = :id"), {"id": pm.id}).scalar_one()
    assert "低保" not in raw  # encrypted at rest
    details = [a.detail for a in db.session.execute(
        select(AuditLog).where(AuditLog.object_type == "plan_measure").order_by(AuditLog.id)).scalars()]
    assert details == ["status planned->in_progress", "status in_progress->done"]
    with pytest.raises(ValidationFailed) as exc:
        measure_tasks.update(dept, task.id, status="in_progress", done_on=None, note="", today=later)
    assert "已落实" in exc.value.fields["status"]


def test_progress_validation(app):
    world, lib, case = world_with_plan()
    dept = world.users["dept"]
    [task] = measure_tasks.tasks(dept, TODAY)
    attempts = [
        (dict(status=None, done_on=None, note=""), {"status": "请选择落实进度"}),
        (dict(status="cancelled", done_on=None, note=""), {"status": "请选择落实进度"}),
        (dict(status="done", done_on=None, note=""), {"done_on": "请填写落实完成的日期"}),
        (dict(status="done", done_on=TODAY + timedelta(days=1), note=""), {"done_on": "完成日期不能晚于今天"}),
        (dict(status="done", done_on=START, note=""), {"done_on": f"完成日期不能早于安排日期（{(START + timedelta(days=18)).isoformat()}）"}),
        (dict(status="in_progress", done_on=None, note="长" * 1001), {"note": "进展情况不超过1000个字"}),
    ]
    for kwargs, fields in attempts:
        with pytest.raises(ValidationFailed) as exc:
            measure_tasks.update(dept, task.id, today=TODAY, **kwargs)
        assert exc.value.fields == fields
    assert helpplans_rows(case)[1].status == "planned"


def test_only_the_responsible_update(app):
    world, lib, case = world_with_plan()
    rows = {r.measure.name: r for r in helpplans_rows(case)}
    medical = rows["医疗救助"]
    for who in ("dept", "village_a", "cadre_a"):  # not their department's / has a department
        with pytest.raises(NotFound):
            measure_tasks.update(world.users[who], medical.id, status="in_progress", done_on=None, note="",
                                 today=TODAY)
    measure_tasks.update(world.users["cadre_a"], rows["结对关爱走访"].id, status="done", done_on=TODAY,
                         note="已走访", today=TODAY)
    measure_tasks.update(world.users["county"], medical.id, status="in_progress", done_on=None, note="",
                         today=TODAY)
    assert medical.status == "in_progress"
    assert measure_tasks.may_update(world.users["county"], medical)
    assert not measure_tasks.may_update(world.users["cadre_a"], rows["结对关爱走访"])  # done now


def test_reading_one_measure_is_audited(app):
    world, lib, case = world_with_plan()
    [task] = measure_tasks.tasks(world.users["dept"], TODAY)
    measure_tasks.read(world.users["dept"], task.id)
    entry = db.session.execute(select(AuditLog).where(AuditLog.object_type == "plan_measure")).scalars().one()
    assert (entry.action, entry.object_id, entry.detail) == ("read", str(task.id), "with note")
