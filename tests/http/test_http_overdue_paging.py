"""The overdue list at size: each section paged 50 rows at a time with its total counted in the
database, the filters kept in the pager's links, hostile page numbers answered without a 500, the
page's SQL statements pinned and not growing with the rows, the whole list written by a job as an
.xlsx (every row, in the page's order, audited), and the counts per county above the county."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

import factories
from core.extensions import db
from domain.enums import CaseSource, HelpKind, MeasureStatus, RegionLevel, Relation
from domain.workflow import CaseState
from http_support import audit_rows, by_testid, signed_in, text_of
from models import Case, Measure, PlanMeasure, Region
from regions_support import build_province_world
from services.households import records
from services.households.records import MemberInput
from services.regions import tree

TODAY = date(2026, 11, 20)
PAGE = 50
# GET /overdue for county staff, whatever the rows: the user and their region, the villages to
# filter by, the two case totals in one statement, the measure total, one page of each section,
# the names of all three pages (the regions on their paths, the heads, the people the cases
# name), and the nav's unread badge. A pin may only be lowered (tests/http/test_statement_counts.py).
OVERDUE_PAGE = 11


@dataclass
class Listed:
    """What a scene put in each section: (due date, case id) rows, and the names shown."""
    rows: dict[str, list[tuple[date, int]]] = field(default_factory=lambda: {"late": [], "soon": [], "measures": []})
    heads: dict[int, str] = field(default_factory=dict)  # case id: the name the list shows

    def _in_order(self, section: str) -> list[int]:  # the list's order: due date, then id
        return [case_id for _, case_id in sorted(self.rows[section])]

    @property
    def late(self) -> list[int]:
        return self._in_order("late")

    @property
    def soon(self) -> list[int]:
        return self._in_order("soon")

    @property
    def measures(self) -> list[int]:  # the measures' case ids (their own ids follow the cases' here)
        return self._in_order("measures")


def _household(region: Region, name: str):
    return records.register_household(None, region, [MemberInput(
        name=name, relation=Relation.HEAD.value, labour_capacity="ordinary", id_number=factories.new_id())],
        today=TODAY - timedelta(days=200))


def _case(region: Region, due: date | None, state: CaseState, n: int, **more) -> tuple[Case, str]:
    """A case of the list: every fifth for a registered household, the others clues with a name."""
    name = f"户主{n:04d}"
    household = _household(region, name) if n % 5 == 0 else None
    made = Case(source=CaseSource.PETITION_MEDIA.value, state=state.value, region=region, household=household,
                claimed_name=None if household else name, clue_date=TODAY - timedelta(days=120), due_date=due,
                deadline_kind="identification" if due else None, **more)
    db.session.add(made)
    return made, name


def fill(world, listed: Listed, *, late: int = 0, soon: int = 0, measures: int = 0,
         region: Region | None = None) -> Listed:
    """``late`` overdue cases (due dates shared by several, so the id decides), ``soon`` due within
    three days, and ``measures`` overdue measures handed to 民政 (the factory department)."""
    region = region or world.village_a
    verifier = world.users["grid_a1"].id
    start = len(listed.heads)
    made = []
    for i in range(late):
        state = CaseState.VERIFYING if i % 2 else CaseState.RECEIVED
        made.append(("late", TODAY - timedelta(days=1 + i % 37),
                     _case(region, TODAY - timedelta(days=1 + i % 37), state, start + i,
                           verifier_id=verifier if state is CaseState.VERIFYING else None)))
    for i in range(soon):
        made.append(("soon", TODAY + timedelta(days=i % 4),
                     _case(region, TODAY + timedelta(days=i % 4), CaseState.RECEIVED, start + late + i)))
    library = Measure(county_id=world.county.id, name=f"临时救助{region.code}-{start}", kind=HelpKind.SECURITY.value,
                      department="civil_affairs", risk_types=["illness"]) if measures else None
    for i in range(measures):
        due = TODAY - timedelta(days=1 + i % 23)
        case, name = _case(region, None, CaseState.HELPING, start + late + soon + i)
        db.session.add(PlanMeasure(case=case, measure=library, position=0, department="civil_affairs",
                                   status=MeasureStatus.PLANNED.value, planned_on=due - timedelta(days=30),
                                   due_on=due))
        made.append(("measures", due, (case, name)))
    db.session.flush()
    for section, due, (case, name) in made:
        listed.rows[section].append((due, case.id))
        listed.heads[case.id] = name
    db.session.commit()
    return listed


@pytest.fixture
def county_list(app, monkeypatch):
    monkeypatch.setattr("portal.office.overdue.today", lambda: TODAY)
    world = factories.build_world()
    db.session.commit()
    return world


def links(html: str, testid: str) -> list[int]:
    match = re.search(rf'data-testid="{testid}".*?</table>', html, re.S)
    return [int(n) for n in re.findall(r'href="/cases/(\d+)"', match.group(0))] if match else []


def test_each_section_is_paged_with_its_total(app, county_list):
    listed = fill(county_list, Listed(), late=112, soon=104, measures=103)
    client = signed_in(app, "county")
    first = text_of(client.get("/overdue"))
    assert (by_testid(first, "overdue-count"), by_testid(first, "soon-count"),
            by_testid(first, "measure-count")) == ("112", "104", "103")
    assert links(first, "overdue-list") == listed.late[:PAGE]
    assert links(first, "soon-list") == listed.soon[:PAGE]
    assert links(first, "measure-list") == listed.measures[:PAGE]
    assert "第 1 页，共 3 页" in first and 'href="/overdue?page=2"' in first and 'href="/overdue?page=3"' in first
    second = text_of(client.get("/overdue?page=2"))
    assert links(second, "overdue-list") == listed.late[PAGE:2 * PAGE]
    assert links(second, "soon-list") == listed.soon[PAGE:2 * PAGE]
    assert links(second, "measure-list") == listed.measures[PAGE:2 * PAGE]
    assert "第 51–100 条，共 112 条" in second and by_testid(second, "overdue-count") == "112"
    third = text_of(client.get("/overdue?page=3"))
    assert links(third, "overdue-list") == listed.late[2 * PAGE:]
    assert links(third, "measure-list") == listed.measures[2 * PAGE:]
    heads = re.findall(r'href="/cases/(\d+)">\d+</a></td><td>([^<]*)</td>', third)
    assert all(listed.heads[int(case_id)] == head for case_id, head in heads) and len(heads) == 12 + 4 + 3
    past = client.get("/overdue?page=40")  # past the last page: the last
    assert past.status_code == 200 and links(text_of(past), "overdue-list") == listed.late[2 * PAGE:]


def test_a_department_officer_pages_through_their_measures(app, county_list):
    listed = fill(county_list, Listed(), late=3, measures=55)
    html = text_of(signed_in(app, "dept").get("/overdue?page=2"))
    assert by_testid(html, "measure-count") == "55" and links(html, "measure-list") == listed.measures[PAGE:]
    assert 'data-testid="overdue-count"' not in html


def test_the_filters_are_kept_in_the_pager_links(app, county_list):
    world = county_list
    listed = fill(world, Listed(), late=60)
    fill(world, Listed(), late=5, region=world.village_b)
    client = signed_in(app, "township")
    url = f"/overdue?village={world.village_a.id}&kind=identification"
    html = text_of(client.get(url))
    assert by_testid(html, "overdue-count") == "60"
    assert f'href="/overdue?village={world.village_a.id}&amp;kind=identification&amp;page=2"' in html
    assert links(text_of(client.get(url + "&page=2")), "overdue-list") == listed.late[PAGE:]
    assert 'href="/overdue?page=2"' in text_of(client.get("/overdue"))  # 65 rows unfiltered


@pytest.mark.parametrize("page", ["-1", "0", "99999999999999999999", "²", "１", "1e3", "2.0", "abc", "\x00", " "])
def test_a_hostile_page_number_is_never_a_500(app, county_list, page):
    listed = fill(county_list, Listed(), late=60)
    answer = signed_in(app, "county").get("/overdue", query_string={"page": page})
    assert answer.status_code in (200, 400)
    if answer.status_code == 400 and "\x00" not in page:
        html = text_of(answer)
        assert "页码无效，已显示第1页" in html and links(html, "overdue-list") == listed.late[:PAGE]


def _page_statements(client, count_statements, url="/overdue"):
    with count_statements() as statements:
        answer = client.get(url)
    assert answer.status_code == 200
    return statements, text_of(answer)


def test_the_page_statements_are_pinned_and_do_not_grow_with_the_rows(app, county_list, count_statements):
    world = county_list
    listed = fill(world, Listed(), late=62, soon=3, measures=2)
    client = signed_in(app, "county")
    few, html = _page_statements(client, count_statements)
    assert len(links(html, "overdue-list")) == PAGE
    assert len(few) == OVERDUE_PAGE, f"GET /overdue: {len(few)} statements, pinned at {OVERDUE_PAGE}\n{few}"
    fill(world, listed, late=70, soon=60, measures=60, region=world.village_b)
    many, html = _page_statements(client, count_statements)
    assert by_testid(html, "overdue-count") == "132" and len(links(html, "measure-list")) == PAGE
    assert len(many) == len(few), f"67 rows:\n{few}\n\n257 rows:\n{many}"
    second, html = _page_statements(client, count_statements, "/overdue?page=2")
    assert len(links(html, "overdue-list")) == PAGE and len(second) == len(few)


def _export(client, data=None) -> tuple[str, list[list]]:
    started = client.post("/overdue/export", data=data or {})
    assert started.status_code == 303
    job_page = text_of(client.get(started.headers["Location"]))
    book = load_workbook(io.BytesIO(client.get(started.headers["Location"] + "/result").data))
    return job_page, [[c.value for c in row] for row in book["逾期清单"].iter_rows()]


def test_the_export_job_writes_every_row(app, county_list, monkeypatch):
    # Batches of 40 rows: each section is read in several, each after the last row of the one before.
    monkeypatch.setattr("services.reporting.overdue_export.BATCH", 40)
    world = county_list
    listed = fill(world, Listed(), late=112, soon=45, measures=81)
    job_page, table = _export(signed_in(app, "county"))
    assert "共 238 行" in job_page
    assert table[0] == ["区段", "案件编号", "户主", "村", "当前环节", "期限类型", "到期日",
                        "逾期天数（负数为尚余天数）", "责任人"]
    expected = ([("已逾期", i) for i in listed.late] + [("即将到期", i) for i in listed.soon]
                + [("措施逾期", i) for i in listed.measures])
    assert [(r[0], r[1]) for r in table[1:]] == expected
    assert all(r[2] == listed.heads[r[1]] and r[3] == "青山村" for r in table[1:])
    assert all(r[7] > 0 for r in table[1:] if r[0] != "即将到期")
    [entry] = audit_rows(action="export", object_type="overdue_list")
    assert entry.detail == "xlsx rows=238 filters=-" and entry.user_id == world.users["county"].id


def test_the_export_keeps_the_filters(app, county_list):
    world = county_list
    fill(world, Listed(), late=7, measures=2)
    elsewhere = fill(world, Listed(), late=4, soon=2, region=world.village_b)
    _, table = _export(signed_in(app, "township"), {"village": str(world.village_b.id)})
    assert [r[1] for r in table[1:]] == elsewhere.late + elsewhere.soon
    assert [r.detail for r in audit_rows(action="export", object_type="overdue_list")] == [
        "xlsx rows=6 filters=village"]


# --- above the county -------------------------------------------------------------------------

@pytest.fixture
def province(app, monkeypatch):
    monkeypatch.setattr("portal.office.overdue.today", lambda: TODAY)
    made = build_province_world()
    fill(made.world, Listed(), late=3, soon=2, measures=4)  # 示范县
    fill(made.world, Listed(), late=6, soon=1, measures=1, region=made.village_c)  # 霍邱县
    return made


def _by_county(html: str) -> list[list[str]]:
    table = re.search(r'data-testid="by-county".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]


@pytest.mark.parametrize("who", ["city", "province"])
def test_counts_per_county_above_the_county(app, province, who):
    html = text_of(signed_in(app, who).get("/overdue"))
    assert _by_county(html) == [["霍邱县", "6", "1", "1"], ["示范县", "3", "2", "4"]]
    assert (by_testid(html, "overdue-count"), by_testid(html, "soon-count"),
            by_testid(html, "measure-count")) == ("9", "3", "5")
    one = text_of(signed_in(app, who).get("/overdue", query_string={"county": str(province.world.county.id)}))
    assert _by_county(one) == [["示范县", "3", "2", "4"]] and by_testid(one, "overdue-count") == "3"


def test_the_rolled_up_page_costs_the_same_with_another_county(app, province, count_statements):
    client = signed_in(app, "city")
    with count_statements() as two_counties:
        assert client.get("/overdue").status_code == 200
    county = tree.create_region("341523000000", "舒城县", RegionLevel.COUNTY, province.city)
    township = tree.create_region("341523100000", "城关镇", RegionLevel.TOWNSHIP, county)
    fill(province.world, Listed(), late=2, measures=1,
         region=tree.create_region("341523100001", "桃溪村", RegionLevel.VILLAGE, township))
    with count_statements() as three_counties:
        html = text_of(client.get("/overdue"))
    assert _by_county(html) == [["霍邱县", "6", "1", "1"], ["舒城县", "2", "0", "1"], ["示范县", "3", "2", "4"]]
    assert len(three_counties) == len(two_counties), f"{two_counties}\n\n{three_counties}"
