"""Department follow-up over HTTP: a department's list, progress recorded, others kept out."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

import factories
from domain.masking import mask_id_number
from conftest import TODAY
from core.extensions import db
from domain.deadlines import DUE_SOON_DAYS
from help_support import choices, green_channel_case, helping_case, library
from http_support import audit_rows, login, text_of
from models import PlanMeasure
from services.help import plans

START = TODAY - timedelta(days=30)


@dataclass(frozen=True)
class Scene:
    case_id: int
    tasks: dict[str, int]  # measure name -> plan measure id
    id_number: str


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    for module in ("portal.office.case_page", "portal.office.steps_help", "portal.office.tasks"):
        monkeypatch.setattr(f"{module}.today", lambda: TODAY)


@pytest.fixture
def scene(app):
    world = factories.build_world()
    lib = library(world)
    case = helping_case(world, lib, START, "乡村公益性岗位", "农村低保兜底", "医疗救助", "结对关爱走访")
    rows = {r.measure.name: r for r in db.session.execute(
        select(PlanMeasure).where(PlanMeasure.case_id == case.id)).scalars()}
    rows["农村低保兜底"].due_on = TODAY - timedelta(days=2)
    db.session.commit()
    return Scene(case.id, {k: r.id for k, r in rows.items()}, case.household.head.id_number)


def as_user(app, name):
    client = app.test_client()
    assert login(client, name).status_code == 302
    return client


def task(task_id) -> PlanMeasure:
    db.session.expire_all()
    return db.session.get(PlanMeasure, task_id)


def test_a_department_sees_its_measures_overdue_highlighted(app, scene):
    html = text_of(as_user(app, "dept").get("/tasks"))
    assert html.count('data-testid="task-row"') == 1
    assert "农村低保兜底" in html and "医疗救助" not in html
    assert "户主青山村一组" in html and "青山村" in html and "逾期 2 天" in html
    # What the measure needs: the head, the village, the measure and a masked ID number; no phone.
    assert scene.id_number not in html and mask_id_number(scene.id_number) in html
    assert "责任部门</label>" not in html  # no department filter for a department


def test_county_staff_see_all_and_filter_by_department(app, scene):
    county = as_user(app, "county")
    html = text_of(county.get("/tasks"))
    assert html.count('data-testid="task-row"') == 4 and "责任部门</label>" in html
    filtered = text_of(county.get("/tasks?department=medical_insurance"))
    assert filtered.count('data-testid="task-row"') == 1 and "医疗救助" in filtered
    overdue = text_of(county.get("/tasks?overdue=1"))
    assert overdue.count('data-testid="task-row"') == 1 and "农村低保兜底" in overdue


def test_the_department_records_progress_and_done(app, scene):
    dept = as_user(app, "dept")
    basic = scene.tasks["农村低保兜底"]
    page = dept.get(f"/tasks/{basic}")
    assert page.status_code == 200 and "登记进度" in text_of(page)
    ok = dept.post(f"/tasks/{basic}", data={"status": "in_progress", "note": "已受理"})
    assert ok.status_code == 302 and task(basic).status == "in_progress"
    bad = dept.post(f"/tasks/{basic}", data={"status": "done", "done_on": "", "note": "已发放"})
    html = text_of(bad)
    assert bad.status_code == 400 and "请填写落实完成的日期" in html and "已发放" in html
    done = dept.post(f"/tasks/{basic}", data={"status": "done", "done_on": TODAY.isoformat(), "note": "已发放"})
    assert done.status_code == 302
    row = task(basic)
    assert (row.status, row.done_on) == ("done", TODAY) and row.note.endswith("DEPT：已发放")
    assert "已受理" in text_of(dept.get(f"/tasks/{basic}"))
    assert "农村低保兜底" not in text_of(dept.get("/tasks"))  # done: out of the open list
    assert "农村低保兜底" in text_of(dept.get("/tasks?show=all"))
    actions = [a.action for a in audit_rows(object_type="plan_measure", object_id=str(basic))]
    assert actions.count("update") == 2 and "read" in actions
    again = dept.post(f"/tasks/{basic}", data={"status": "in_progress"})
    assert again.status_code == 400 and "不能再更改" in text_of(again)


def test_another_departments_measure_is_404(app, scene):
    dept = as_user(app, "dept")
    medical = scene.tasks["医疗救助"]
    assert dept.get(f"/tasks/{medical}").status_code == 404
    assert dept.post(f"/tasks/{medical}", data={"status": "in_progress"}).status_code == 404
    assert as_user(app, "village_b").get(f"/tasks/{scene.tasks['结对关爱走访']}").status_code == 404
    assert task(medical).status == "planned"


def test_admin_has_no_task_list(app, scene):
    assert as_user(app, "admin").get("/tasks").status_code == 403


def test_the_case_page_links_the_follower_to_the_update(app, scene):
    cadre = as_user(app, "cadre_a")
    html = text_of(cadre.get(f"/cases/{scene.case_id}"))
    assert f"/tasks/{scene.tasks['结对关爱走访']}" in html and f"/tasks/{scene.tasks['医疗救助']}" not in html
    ok = cadre.post(f"/tasks/{scene.tasks['结对关爱走访']}",
                    data={"status": "done", "done_on": TODAY.isoformat(), "note": "已上门看望"})
    assert ok.status_code == 302 and task(scene.tasks["结对关爱走访"]).status == "done"


def test_due_soon_is_the_one_horizon_of_the_deadlines(app, scene):
    """"剩 N 天" marks measures due within DUE_SOON_DAYS (3), as case deadlines do — not 7."""
    rows = {name: db.session.get(PlanMeasure, pid) for name, pid in scene.tasks.items()}
    rows["医疗救助"].due_on = TODAY + timedelta(days=DUE_SOON_DAYS)
    rows["乡村公益性岗位"].due_on = TODAY + timedelta(days=DUE_SOON_DAYS + 2)
    db.session.commit()
    html = text_of(as_user(app, "county").get("/tasks"))
    assert html.count('data-testid="due-soon"') == 1 and f"剩 {DUE_SOON_DAYS} 天" in html
    assert f"剩 {DUE_SOON_DAYS + 2} 天" not in html


def test_a_green_channel_measure_late_is_on_tasks_and_overdue_alike(app, monkeypatch):
    """The reported bug: a green-channel case's measure 25 days late showed as overdue on /tasks
    but not on /overdue."""
    monkeypatch.setattr("portal.office.overdue.today", lambda: TODAY)
    world = factories.build_world()
    lib = library(world)
    start = TODAY - timedelta(days=40)
    case = green_channel_case(world, start)
    plans.start_early(world.users["village_a"], case.id,
                          choices(lib, "临时救助", due=TODAY - timedelta(days=25)), today=start)
    db.session.commit()
    dept = as_user(app, "dept")
    tasks_html = text_of(dept.get("/tasks?overdue=1"))
    assert tasks_html.count('data-testid="task-row"') == 1 and "逾期 25 天" in tasks_html
    overdue_html = text_of(dept.get("/overdue"))
    assert 'data-testid="measure-count">1<' in overdue_html and "临时救助" in overdue_html
