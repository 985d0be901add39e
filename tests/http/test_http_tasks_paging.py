"""The measures followed (/tasks) paged: 50 rows a page, the filters kept in the pages' links,
totals counted over every page, hostile page numbers and departments answered with a note, each
role's measures kept, and a fixed number of SQL statements whatever the rows.

The cases and their first plans are made through the real services (``help_support``); the
dozens of further measures these tests need are added as rows of those plans, with the columns
the list reads (department, status, dates, the 临时救助 amount and kind).
"""
from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

import factories
from conftest import TODAY
from core.extensions import db
from domain.relief import ReliefKind
from help_support import helping_case, library
from http_support import signed_in, text_of
from models import Case, Measure, PlanMeasure
from services.help import plans
from services.regions import settings

START = TODAY - timedelta(days=60)
# Statements of GET /tasks for county staff (user, region, the counts, the page, its measures,
# cases, regions and their parents, households, members, the 低保标准 of the relief rows, the nav
# badge). Lower it when the page gets cheaper; never raise it to make a test pass.
TASKS_PAGE = 14


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr("portal.office.tasks.today", lambda: TODAY)


@pytest.fixture
def world(app):
    world = factories.build_world()
    settings.set_dibao_standard(None, world.county, TODAY.year, "6000", "575")
    db.session.commit()
    return world


@pytest.fixture
def lib(world) -> dict[str, Measure]:
    made = library(world)
    db.session.commit()
    return made


def _case(world, lib) -> Case:
    """A helping case of village A whose plan holds three undated measures: 乡村公益性岗位 (human
    resources), 医疗救助 (medical insurance) and 结对关爱走访 (no department: the village's)."""
    case = helping_case(world, lib, START, "乡村公益性岗位", "医疗救助", "结对关爱走访")
    db.session.commit()
    return case


def _add(case: Case, measure: Measure, count: int, first_due: date | None, *, status: str = "planned",
         relief: bool = False) -> None:
    """``count`` more measures of ``case``'s plan, due a day apart from ``first_due``."""
    for i in range(count):
        db.session.add(PlanMeasure(
            case_id=case.id, measure_id=measure.id, position=10 + i, department=measure.department,
            status=status, planned_on=START, due_on=first_due + timedelta(days=i) if first_due else None,
            done_on=TODAY if status == "done" else None,
            amount=Decimal(1500 + 500 * (i % 3)) if relief else None,
            relief_kind=ReliefKind.EXPENSE.value if relief else None))
    db.session.commit()


def _open_first() -> list[int]:
    """Every measure in the list's order: open first, then the nearest due date, then undated."""
    rows = db.session.execute(select(PlanMeasure)).scalars().all()
    return [pm.id for pm in sorted(rows, key=lambda pm: (pm.status not in ("planned", "in_progress"),
                                                         pm.due_on is None, pm.due_on or date.min, pm.id))]


def _ids(page: str) -> list[int]:
    match = re.search(r'<table class="list" data-testid="tasks">(.*?)</table>', page, re.S)
    return [int(i) for i in re.findall(r'href="/tasks/(\d+)"', match.group(1))] if match else []


def _figure(page: str, testid: str) -> int:
    match = re.search(rf'data-testid="{testid}">(\d+)<', page)
    assert match, f"no {testid}"
    return int(match.group(1))


def test_fifty_a_page_with_the_totals_of_every_page(app, world, lib):
    case = _case(world, lib)
    _add(case, lib["医疗救助"], 110, TODAY - timedelta(days=40))  # 40 overdue, then due later
    expected = _open_first()
    client = signed_in(app, "county")

    first = text_of(client.get("/tasks"))
    assert _ids(first) == expected[:50]
    assert (_figure(first, "task-total"), _figure(first, "task-overdue")) == (113, 40)
    assert "第 1–50 项" in first and 'href="/tasks?page=3"' in first

    second = client.get("/tasks?page=2")
    assert second.status_code == 200 and _ids(text_of(second)) == expected[50:100]  # rows 51–100
    assert "第 51–100 项" in text_of(second)
    last = text_of(client.get("/tasks?page=3"))
    assert _ids(last) == expected[100:] and "第 101–113 项" in last
    assert _ids(text_of(client.get("/tasks?page=999"))) == expected[100:]  # past the last: the last

    overdue = text_of(client.get("/tasks?overdue=1"))
    assert _ids(overdue) == expected[:40] and _figure(overdue, "task-total") == 40
    assert "aria-current" not in overdue  # one page: no pager


def test_closed_measures_come_after_the_open_ones_across_pages(app, world, lib):
    case = _case(world, lib)
    _add(case, lib["医疗救助"], 45, TODAY - timedelta(days=80), status="done")
    _add(case, lib["乡村公益性岗位"], 57, TODAY + timedelta(days=5))
    expected = _open_first()
    client = signed_in(app, "county")
    assert _figure(text_of(client.get("/tasks")), "task-total") == 60  # open ones only
    every = [_ids(text_of(client.get("/tasks", query_string={"show": "all", "page": n}))) for n in (1, 2, 3)]
    assert every == [expected[:50], expected[50:100], expected[100:]] and len(expected) == 105
    second = text_of(client.get("/tasks?show=all&page=2"))
    assert 'href="/tasks?show=all&amp;page=3"' in second and 'href="/tasks?show=all"' in second
    medical = text_of(client.get("/tasks?department=medical_insurance&show=all"))
    assert _figure(medical, "task-total") == 46  # the plan's own 医疗救助 too


def test_each_role_pages_through_its_own_measures(app, world, lib):
    case = _case(world, lib)
    _add(case, lib["农村低保兜底"], 55, TODAY + timedelta(days=3))      # civil affairs
    _add(case, lib["临时救助"], 2, TODAY - timedelta(days=3), relief=True)  # civil affairs
    _add(case, lib["医疗救助"], 4, TODAY + timedelta(days=1))
    _add(case, lib["人居环境整治"], 2, None)                              # no department
    totals = {}
    for who in ("county", "dept", "village_a", "cadre_a", "township"):
        page = text_of(signed_in(app, who).get("/tasks?page=2"))
        totals[who] = (_figure(page, "task-total"), len(_ids(page)))
    assert totals == {"county": (66, 16), "dept": (57, 7), "village_a": (3, 3), "cadre_a": (3, 3),
                      "township": (3, 3)}
    county = signed_in(app, "county")
    assert _figure(text_of(county.get("/tasks?department=civil_affairs")), "task-total") == 57
    assert _figure(text_of(county.get("/tasks?department=none")), "task-total") == 3
    assert 'data-testid="no-tasks"' in text_of(signed_in(app, "village_b").get("/tasks?page=2"))
    for who in ("admin", "auditor"):
        assert signed_in(app, who).get("/tasks?page=2").status_code == 403


def test_the_relief_words_of_a_page_are_those_of_the_plan(app, world, lib):
    """The list works the 临时救助 words out for the whole page at once; they are the plan's."""
    case = _case(world, lib)
    _add(case, lib["临时救助"], 6, TODAY, relief=True)
    page = text_of(signed_in(app, "dept").get("/tasks"))
    shown = re.findall(r'data-testid="task-relief">([^<]*)<', page)
    relief = db.session.execute(select(PlanMeasure).where(PlanMeasure.amount.is_not(None))
                                .order_by(PlanMeasure.due_on, PlanMeasure.id)).scalars().all()
    assert shown == [plans.relief_words(pm) for pm in relief] and len(set(shown)) == 3
    assert all("临时救助" in words and "元，" in words for words in shown)


@pytest.mark.parametrize("value", ["-1", "0", "99999999999999999999", "²", "1.5", "二", "%"])
def test_a_page_number_not_understood_shows_the_first_page_with_a_note(app, world, lib, value):
    _case(world, lib)
    answer = signed_in(app, "county").get("/tasks", query_string={"page": value, "show": "all"})
    page = text_of(answer)
    assert answer.status_code == 400 and 'data-testid="page-error">页码无效，已显示第1页<' in page
    assert _ids(page) == _open_first()


def test_a_department_not_offered_is_ignored_with_a_note(app, world, lib):
    case = _case(world, lib)
    _add(case, lib["医疗救助"], 2, TODAY)
    answer = signed_in(app, "county").get("/tasks", query_string={"department": "x' OR 1=1"})
    page = text_of(answer)
    assert answer.status_code == 400 and "所选的责任部门无效，未按部门筛选" in page
    assert _figure(page, "task-total") == 5  # every department
    # Only county staff choose a department: anyone else's is not read at all.
    assert signed_in(app, "dept").get("/tasks", query_string={"department": "health"}).status_code == 200
    nul = signed_in(app, "county").get("/tasks", query_string={"department": "\x00", "page": "2"})
    assert nul.status_code == 400 and "不允许的控制字符" in text_of(nul)  # core.boundary


def _counted(client, count_statements) -> tuple[list[str], str]:
    with count_statements() as statements:
        answer = client.get("/tasks")
    assert answer.status_code == 200
    return statements, text_of(answer)


def test_the_statements_of_a_page_do_not_grow_with_the_rows(app, world, lib, count_statements):
    first = _case(world, lib)
    _add(first, lib["临时救助"], 2, TODAY, relief=True)
    client = signed_in(app, "county")
    few, page = _counted(client, count_statements)
    assert len(_ids(page)) == 5
    for _ in range(2):  # more cases, households and members, and relief rows on every one
        case = _case(world, lib)
        _add(case, lib["临时救助"], 10, TODAY - timedelta(days=9), relief=True)
        _add(case, lib["医疗救助"], 20, TODAY + timedelta(days=2))
    _add(first, lib["农村低保兜底"], 20, TODAY + timedelta(days=4))
    many, page = _counted(client, count_statements)
    assert len(_ids(page)) == 50 and _figure(page, "task-total") == 91
    assert len(many) == len(few) == TASKS_PAGE, (
        f"pinned at {TASKS_PAGE} (lower the pin if it got cheaper; find the new query if it got dearer)"
        f"\n5 rows:\n{few}\n\n91 rows:\n{many}")
    dept = signed_in(app, "dept")
    with count_statements() as statements:
        page = text_of(dept.get("/tasks?page=1"))
    assert _figure(page, "task-total") == 42 and len(statements) == TASKS_PAGE, statements
