"""The look-back list (/lookback) paged: 50 rows of each section per page under one ``?page=N``,
totals and the 回退 count over the whole scope, hostile page numbers answered with the first page
and a note, each role's scope kept, and a fixed number of SQL statements whatever the rows.

The list reads a handful of columns of an eliminated case (state, region, household, the
look-back deadline, the elimination day), so the hundreds of cases these tests need are opened
through the workflow and then given those columns directly; cases taken through the whole
elimination procedure are in test_http_lookback.py.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

import factories
from conftest import TODAY
from core.extensions import db
from domain.deadlines import LOOKBACK_SOON_DAYS
from domain.enums import CaseSource, LabourCapacity
from domain.workflow import CaseState
from http_support import signed_in, text_of
from models import Case, Region
from services.workflow import cases

HORIZON = TODAY + timedelta(days=LOOKBACK_SOON_DAYS)
# Statements of GET /lookback for county staff (user, region, the counts, the ids of each
# section's page, the page's cases with their regions, households and members, the nav badge).
# Lower it when the page gets cheaper; never raise it to make a test pass.
LOOKBACK_PAGE = 9


@pytest.fixture
def world(app, monkeypatch):
    monkeypatch.setattr("portal.office.lookback.today", lambda: TODAY)
    world = factories.build_world()
    db.session.commit()
    return world


def _eliminated(region: Region, *, due: date | None, labour: str = LabourCapacity.ORDINARY.value) -> int:
    """An eliminated case of a new household in ``region``: waiting for its look-back on ``due``,
    or (``due`` None) with the look-back behind it."""
    home = factories.household(region, TODAY - timedelta(days=600), labour=labour)
    case = cases.open_case(None, home.region, CaseSource.SELF_REPORT, today=TODAY - timedelta(days=600),
                           household=home)
    case.state = CaseState.ELIMINATED.value
    if due is None:
        case.eliminated_on = TODAY - timedelta(days=400)  # one day for all: listed in the order made
        case.lookback_on, case.deadline_kind, case.due_date = TODAY - timedelta(days=30), None, None
    else:
        case.eliminated_on = due - timedelta(days=183)
        case.lookback_on, case.deadline_kind, case.due_date = None, "lookback", due
    db.session.flush()
    return case.id


def _many(region: Region, count: int, first_due: date | None, *, labour=LabourCapacity.ORDINARY.value) -> list[int]:
    """``count`` cases due a day apart from ``first_due`` (or behind them), in list order."""
    made = [_eliminated(region, due=first_due + timedelta(days=i) if first_due else None, labour=labour)
            for i in range(count)]
    db.session.commit()
    return made


def _section(page: str, testid: str) -> list[int]:
    """The case ids of one section's table, in order ([] when the page shows none of it)."""
    match = re.search(rf'<table class="list" data-testid="{testid}">(.*?)</table>', page, re.S)
    return [int(i) for i in re.findall(r'<tr data-case="(\d+)"', match.group(1))] if match else []


def _total(page: str, testid: str) -> int:
    match = re.search(rf'data-testid="{testid}-total">(\d+) 户<', page)
    assert match, f"no total for {testid}"
    return int(match.group(1))


def test_each_section_is_paged_by_fifty_under_one_page_number(app, world):
    due = _many(world.grid_a1, 110, TODAY - timedelta(days=200))       # overdue, then due soon
    later = _many(world.grid_a2, 55, HORIZON + timedelta(days=1))
    no_labour = _many(world.grid_a1, 52, None, labour=LabourCapacity.NONE.value)
    _many(world.grid_a2, 3, None)  # looked back, able to work: on no list
    client = signed_in(app, "county")

    first = text_of(client.get("/lookback"))
    assert _section(first, "lookback-due") == due[:50]
    assert _section(first, "lookback-later") == later[:50]
    assert _section(first, "lookback-no-labour") == no_labour[:50]
    assert (_total(first, "lookback-due"), _total(first, "lookback-later"),
            _total(first, "lookback-no-labour")) == (110, 55, 52)
    assert 'data-testid="no-labour-rule">52 户' in first  # the flagged, counted over every page
    assert 'href="/lookback?page=2"' in first and 'href="/lookback?page=3"' in first
    assert "每一部分每页显示 50 户" in first

    second = client.get("/lookback?page=2")
    page = text_of(second)
    assert second.status_code == 200
    assert _section(page, "lookback-due") == due[50:100]  # rows 51–100
    assert "第 51–100 户" in page
    assert _section(page, "lookback-later") == later[50:]
    assert _section(page, "lookback-no-labour") == no_labour[50:]
    assert '<strong aria-current="page">2</strong>' in page and 'href="/lookback"' in page

    third = text_of(client.get("/lookback?page=3"))
    assert _section(third, "lookback-due") == due[100:]
    assert _section(third, "lookback-later") == [] and 'data-testid="lookback-later-elsewhere"' in third
    assert "共 55 户，见前面的页" in third
    assert _total(third, "lookback-later") == 55
    # A page past the last shows the last.
    assert _section(text_of(client.get("/lookback?page=40")), "lookback-due") == due[100:]


def test_flagged_households_are_counted_across_the_sections(app, world):
    """整户无劳动力 households on the due and later lists count with the looked-back ones."""
    _many(world.grid_a1, 2, TODAY, labour=LabourCapacity.NONE.value)
    _many(world.grid_a1, 3, TODAY + timedelta(days=5))
    _many(world.grid_a2, 1, HORIZON + timedelta(days=9), labour=LabourCapacity.LOST.value)
    _many(world.grid_a2, 4, None, labour=LabourCapacity.NONE.value)
    page = text_of(signed_in(app, "village_a").get("/lookback"))
    assert 'data-testid="no-labour-rule">7 户' in page
    assert page.count("整户无劳动力，应回退") == 7
    assert (_total(page, "lookback-due"), _total(page, "lookback-later"),
            _total(page, "lookback-no-labour")) == (5, 1, 4)
    assert "aria-current" not in page  # a single page: no pager


@pytest.mark.parametrize("value", ["-1", "0", "99999999999999999999", "²", "1.5", "二", "1e3", "%", " "])
def test_a_page_number_not_understood_shows_the_first_page_with_a_note(app, world, value):
    due = _many(world.grid_a1, 3, TODAY)
    answer = signed_in(app, "village_a").get("/lookback", query_string={"page": value})
    page = text_of(answer)
    if value.strip():
        assert answer.status_code == 400 and 'data-testid="page-error">页码无效，已显示第1页<' in page
    else:  # an empty page number is no page number
        assert answer.status_code == 200 and "page-error" not in page
    assert _section(page, "lookback-due") == due


def test_a_nul_in_the_page_number_is_refused_before_the_list(app, world):
    """The app's boundary refuses NUL in any argument (core.boundary): a 400, never a 500."""
    answer = signed_in(app, "village_a").get("/lookback", query_string={"page": "1\x00"})
    assert answer.status_code == 400 and "不允许的控制字符" in text_of(answer)


def test_each_role_sees_its_own_scope(app, world):
    in_a = _many(world.grid_a1, 3, TODAY)
    in_b = _many(world.village_b, 2, TODAY + timedelta(days=10))
    behind_b = _many(world.grid_b1, 1, None, labour=LabourCapacity.NONE.value)
    seen = {}
    for who in ("village_a", "village_b", "township", "county"):
        page = text_of(signed_in(app, who).get("/lookback"))
        seen[who] = (_section(page, "lookback-due"), _section(page, "lookback-no-labour"))
    assert seen["village_a"] == (in_a, [])
    assert seen["village_b"] == (in_b, behind_b)
    assert seen["township"] == seen["county"] == (in_a + in_b, behind_b)
    for who in ("grid_a1", "cadre_a", "dept", "admin", "auditor"):
        assert signed_in(app, who).get("/lookback?page=2").status_code == 403


def _counted(client, count_statements) -> tuple[list[str], str]:
    with count_statements() as statements:
        answer = client.get("/lookback")
    assert answer.status_code == 200
    return statements, text_of(answer)


def test_the_statements_of_a_page_do_not_grow_with_the_rows(app, world, count_statements):
    _many(world.grid_a1, 2, TODAY - timedelta(days=40))
    _many(world.grid_a2, 2, HORIZON + timedelta(days=3))
    _many(world.village_b, 2, None, labour=LabourCapacity.NONE.value)
    client = signed_in(app, "county")
    few, page = _counted(client, count_statements)
    assert page.count("<tr data-case=") == 6
    _many(world.grid_b1, 63, TODAY - timedelta(days=100))
    _many(world.grid_a1, 63, HORIZON + timedelta(days=50))
    _many(world.grid_a2, 63, None, labour=LabourCapacity.NONE.value)
    many, page = _counted(client, count_statements)
    assert page.count("<tr data-case=") == 150 and _total(page, "lookback-due") == 65
    assert len(many) == len(few) == LOOKBACK_PAGE, (
        f"pinned at {LOOKBACK_PAGE} (lower the pin if it got cheaper; find the new query if it got dearer)"
        f"\n6 rows:\n{few}\n\n195 rows:\n{many}")
    with count_statements() as statements:
        assert client.get("/lookback?page=2").status_code == 200
    assert len(statements) == LOOKBACK_PAGE, statements
