"""The dashboard over HTTP: figures per scope, inline SVG charts with their tables and nothing
loaded from elsewhere, the CSV, and who may see it."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from core.extensions import db
from domain.enums import CaseSource
from domain.workflow import CaseState
from factories import build_world, household
from http_support import by_testid, signed_in, text_of
from models import Region
from office_support import drive, new_case
from services.reporting import rollups
from services.workflow import cases

TODAY = date(2026, 11, 20)


@pytest.fixture
def scene(app, monkeypatch):
    monkeypatch.setattr("portal.office.dashboard.today", lambda: TODAY)
    world = build_world()
    drive(world, new_case(world, date(2026, 11, 1)), CaseState.MONITORED, date(2026, 11, 1))
    new_case(world, date(2026, 11, 19))
    cases.open_case(None, world.village_b, CaseSource.GRID_VISIT, today=TODAY,
                    household=household(world.village_b, TODAY), risk_types=["housing"])
    db.session.commit()


@pytest.fixture
def as_user(app, scene):
    """A logged-in client for one of the factory users."""
    return lambda name: signed_in(app, name)


def test_figures_follow_the_scope(as_user):
    a = text_of(as_user("village_a").get("/dashboard"))
    assert (by_testid(a, "total-open"), by_testid(a, "total-monitored"), by_testid(a, "total-overdue")) == ("2", "1", "1")
    b = text_of(as_user("village_b").get("/dashboard"))
    assert (by_testid(b, "total-open"), by_testid(b, "total-monitored"), by_testid(b, "total-overdue")) == ("1", "0", "0")
    t = text_of(as_user("township").get("/dashboard"))
    assert by_testid(t, "total-open") == "3"
    assert "按村统计" in t and "青山村" in t and "石门村" in t
    c = text_of(as_user("county").get("/dashboard"))
    assert "按乡镇统计" in c and by_testid(c, "total-open") == "3"


def test_charts_are_inline_svg_with_tables_and_nothing_from_elsewhere(as_user):
    html = text_of(as_user("township").get("/dashboard"))
    svgs = re.findall(r"<svg.*?</svg>", html, re.S)
    assert len(svgs) == 5
    for svg in svgs:
        assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
        assert not re.search(r"https?:|href=|<script|url\(", svg)
    assert html.count('<table class="list data">') == 5
    assert "<script" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)  # no CDN, no other site
    assert "近12个月趋势" in html and "2026年11月" in html


def test_csv_download(as_user):
    answer = as_user("county").get("/dashboard.csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    body = answer.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    assert "监测户按类别" in body.decode("utf-8-sig")


def test_who_sees_the_dashboard(app, as_user):
    for name in ("dept", "admin", "grid_a1", "cadre_a"):
        assert as_user(name).get("/dashboard").status_code == 200
    assert app.test_client().get("/dashboard").status_code == 302  # not logged in: to the login page
    nav = text_of(as_user("dept").get("/dashboard"))
    assert 'href="/dashboard"' in nav and 'href="/overdue"' in nav


def test_the_page_says_how_fresh_its_figures_are(as_user):
    html = text_of(as_user("county").get("/dashboard"))
    # Never built: counted live, and said plainly.
    assert re.search(r'<p class="alert" data-testid="freshness" role="status">统计汇总还没有生成', html)
    assert by_testid(html, "total-open") == "3"
    rollups.refresh(TODAY)
    db.session.commit()
    village_b = db.session.execute(select(Region).where(Region.code == "341599101002")).scalar_one()
    cases.open_case(None, village_b, CaseSource.GRID_VISIT, today=TODAY, household=household(village_b, TODAY))
    db.session.commit()
    html = text_of(as_user("county").get("/dashboard"))
    assert re.search(r'<p class="muted" data-testid="freshness">数据更新于 \d+月\d+日 \d\d:\d\d（每10分钟更新）。</p>', html)
    assert by_testid(html, "total-open") == "3"  # the new clue counts from the next refresh
    csv = as_user("county").get("/dashboard.csv").get_data().decode("utf-8-sig")
    assert "数据更新于" in csv and "在办案件,3" in csv
    rollups.refresh(TODAY)
    db.session.commit()
    assert by_testid(text_of(as_user("county").get("/dashboard")), "total-open") == "4"
