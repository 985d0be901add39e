"""Above the county: city and province staff see the dashboard, the overdue list and their
landing page rolled up over the counties below them (安徽省 → 六安市 → 示范县, 霍邱县), never a
county of another city, and the desks of the procedure refuse them."""
from __future__ import annotations

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

import factories
from core.extensions import db
from domain.enums import CaseSource, RegionLevel
from domain.workflow import Action, CaseState
from http_support import by_testid, signed_in, text_of
from models import Case
from regions_support import build_province_world
from services.regions import tree
from services.workflow import cases

TODAY = date(2026, 11, 20)
OPENED = date(2026, 11, 1)  # the first step's deadline is long past by TODAY


@pytest.fixture
def pw(app, monkeypatch):
    for module in ("portal.office.dashboard", "portal.office.overdue"):
        monkeypatch.setattr(f"{module}.today", lambda: TODAY)
    made = build_province_world()
    for village in (made.world.village_a, made.village_c, made.village_c):
        cases.open_case(None, village, CaseSource.SELF_REPORT, today=OPENED,
                        household=factories.household(village, OPENED))
    # Another city of the province, with a case: the province counts it, 六安市 never sees it.
    other_city = tree.create_region("341800000000", "宣城市", RegionLevel.CITY, made.province)
    other_county = tree.create_region("341821000000", "郎溪县", RegionLevel.COUNTY, other_city)
    township = tree.create_region("341821100000", "建平镇", RegionLevel.TOWNSHIP, other_county)
    village = tree.create_region("341821100001", "梅渚村", RegionLevel.VILLAGE, township)
    made.foreign_case = cases.open_case(None, village, CaseSource.SELF_REPORT, today=OPENED,
                                        household=factories.household(village, OPENED)).id
    db.session.commit()
    return made


def _rows(html: str, testid: str) -> list[list[str]]:
    table = re.search(rf'data-testid="{testid}".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]


def test_the_city_dashboard_lists_its_counties(app, pw):
    html = text_of(signed_in(app, "city").get("/dashboard"))
    assert "统计 · 六安市" in html
    assert by_testid(html, "total-open") == "3" and by_testid(html, "total-overdue") == "3"
    assert "按县统计" in html
    assert _rows(html, "table-region") == [["霍邱县", "2", "0", "2", "0"], ["示范县", "1", "0", "1", "0"]]  # by code
    assert "郎溪县" not in html and "宣城市" not in html


def test_the_province_dashboard_lists_its_cities(app, pw):
    html = text_of(signed_in(app, "province").get("/dashboard"))
    assert by_testid(html, "total-open") == "4" and "按地市统计" in html
    assert _rows(html, "table-region") == [["六安市", "3", "0", "3", "0"], ["宣城市", "1", "0", "1", "0"]]
    csv = signed_in(app, "province").get("/dashboard.csv")
    assert csv.status_code == 200 and "六安市,3,0,3" in csv.get_data(as_text=True)


def test_the_county_dashboard_is_unchanged_under_a_city(app, pw):
    html = text_of(signed_in(app, "county_b").get("/dashboard"))
    assert by_testid(html, "total-open") == "2" and "按乡镇统计" in html and "城关镇" in html


@pytest.mark.parametrize("who, chain, households, open_cases", [
    ("city", "安徽省 / 六安市", "3", "3"),
    ("province", "安徽省", "4", "4"),
    ("county_b", "安徽省 / 六安市 / 霍邱县", "2", "2"),
])
def test_landing_pages_above_the_county(app, pw, who, chain, households, open_cases):
    html = text_of(signed_in(app, who).get("/"))
    assert chain in html
    figures = re.findall(r'class="num"[^>]*>(\d+)<', html)
    assert figures[:2] == [households, open_cases]


def test_the_overdue_list_rolls_up_over_the_counties(app, pw):
    client = signed_in(app, "city")
    html = text_of(client.get("/overdue"))
    assert _rows(html, "by-county") == [["霍邱县", "2", "0", "0"], ["示范县", "1", "0", "0"]]
    assert by_testid(html, "overdue-count") == "3"
    listed = _rows(html, "overdue-list")
    assert sorted(r[0] for r in listed) == ["示范县", "霍邱县", "霍邱县"]  # the county column
    assert {r[3] for r in listed} == {"青山村", "河口村"}
    assert 'name="village"' not in html and 'name="county"' in html
    one = text_of(client.get("/overdue", query_string={"county": str(pw.county_b.id)}))
    assert by_testid(one, "overdue-count") == "2" and _rows(one, "by-county") == [["霍邱县", "2", "0", "0"]]
    started = client.post("/overdue/export")
    assert started.status_code == 303
    sheet = load_workbook(io.BytesIO(client.get(started.headers["Location"] + "/result").data)).active
    table = [[c.value for c in row] for row in sheet.iter_rows()]
    assert table[0][:3] == ["县", "区段", "案件编号"] and [r[1] for r in table[1:]] == ["已逾期"] * 3
    assert sorted(r[0] for r in table[1:]) == ["示范县", "霍邱县", "霍邱县"]
    assert "郎溪县" not in html and "梅渚村" not in repr(table)


@pytest.mark.parametrize("value", ["abc", "²", "0", "99999999999999", "NaN"])
def test_a_county_outside_the_city_or_nonsense_is_a_field_error(app, pw, value):
    foreign = db.session.execute(select(Case.region_id).where(Case.id == pw.foreign_case)).scalar_one()
    for county in (value, str(foreign), str(pw.world.village_a.id)):
        answer = signed_in(app, "city").get("/overdue", query_string={"county": county})
        assert answer.status_code == 400 and "所选县不在您的管辖范围内" in text_of(answer)


def test_the_province_sees_every_city_and_a_county_sees_no_county_column(app, pw):
    html = text_of(signed_in(app, "province").get("/overdue"))
    assert by_testid(html, "overdue-count") == "4" and "郎溪县" in html
    assert _rows(html, "by-county") == [["霍邱县", "2", "0", "0"], ["示范县", "1", "0", "0"], ["郎溪县", "1", "0", "0"]]
    county = text_of(signed_in(app, "county_b").get("/overdue"))
    assert by_testid(county, "overdue-count") == "2" and 'data-testid="by-county"' not in county
    assert 'name="village"' in county


def test_a_case_of_another_city_is_not_found(app, pw):
    client = signed_in(app, "city")
    assert client.get(f"/cases/{pw.foreign_case}").status_code == 404
    assert signed_in(app, "province").get(f"/cases/{pw.foreign_case}").status_code == 200


@pytest.mark.parametrize("who", ["city", "province"])
def test_the_desks_of_the_procedure_refuse_city_and_province_staff(app, pw, who):
    client = signed_in(app, who)
    for url in ("/inbox", "/households", "/lookback", "/tasks"):
        assert client.get(url).status_code == 403, url
    case_id = db.session.execute(select(Case.id).order_by(Case.id)).scalars().first()
    page = text_of(client.get(f"/cases/{case_id}"))
    assert "/steps/" not in page  # read-only: no step is offered
    for action in (Action.ACCEPT, Action.ASSIGN_VERIFIER, Action.COUNTY_CONFIRM):
        answer = client.post(f"/cases/{case_id}/steps/{action.value}", data={})
        assert 400 <= answer.status_code < 500
    db.session.expire_all()
    assert db.session.get(Case, case_id).state == CaseState.REPORTED.value
