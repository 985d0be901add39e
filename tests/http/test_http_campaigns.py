"""集中排查 pages over HTTP (issue #15 points 1 and 2): the list with the yearly warning, the
new-campaign form (errors next to the fields, typed values kept), a campaign's page with its
phases and progress (chart and table, drill-down by region code), who may open what, and
broken input that must never end in a 500."""
import re
import uuid
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

import factories
from core import clock
from core.clock import WORK_TZ
from core.extensions import db
from domain.enums import RegionLevel
from http_support import by_testid, signed_in, text_of
from models import ScreeningRound, Visit
from services.accounts import users
from services.campaigns import campaigns
from services.campaigns.campaigns import CampaignForm
from services.regions import tree

TODAY = date(2026, 5, 22)
PHASE_FIELDS = {"phase_name_0": "全面工作部署", "phase_start_0": "2026-05-01", "phase_end_0": "2026-05-10",
                "phase_name_1": "开展集中排查", "phase_start_1": "2026-05-11", "phase_end_1": "2026-05-25",
                "phase_name_2": "信息采集录入", "phase_start_2": "2026-05-26", "phase_end_2": "2026-06-10"}


@pytest.fixture
def world(app, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    made = factories.build_world()
    made.east = tree.create_region("341599102000", "东河乡", RegionLevel.TOWNSHIP, made.county)
    tree.create_region("341599102001", "东河村", RegionLevel.VILLAGE, made.east)
    users.create_user("east", "EAST", factories.PASSWORD, "township_staff", made.east.code)
    db.session.commit()
    return made


def _campaign(world, **kw) -> int:
    base = dict(name="2026年防止返贫监测帮扶集中排查", year="2026", monitoring_line="7000",
                phases=[(PHASE_FIELDS[f"phase_name_{i}"], PHASE_FIELDS[f"phase_start_{i}"],
                         PHASE_FIELDS[f"phase_end_{i}"]) for i in range(3)])
    base.update(kw)
    made = campaigns.create(world.users["county"], CampaignForm(**base))
    db.session.commit()
    return made.id


def _visit(household_id: int, worker_id: int, moment: datetime, method: str = "home") -> None:
    db.session.add(Visit(client_uuid=str(uuid.uuid4()), payload_sha256="0" * 64, household_id=household_id,
                         worker_id=worker_id, method=method, visited_at=moment))
    db.session.commit()


def test_the_list_warns_when_the_county_is_short_of_campaigns(world, app):
    client = signed_in(app, "county")
    page = text_of(client.get("/campaigns"))
    assert by_testid(page, "year-count") == "今年已开展0次集中排查，要求每年不少于1次"
    assert 'class="alert camp-short"' in page and "新建集中排查" in page and "还没有集中排查" in page
    _campaign(world)
    page = text_of(client.get("/campaigns"))
    assert by_testid(page, "year-count") == "今年已开展1次集中排查，要求每年不少于1次"
    assert "camp-short" not in page
    assert "2026年防止返贫监测帮扶集中排查" in page and "开展集中排查" in page  # the current phase
    assert 'href="/campaigns"' in page  # the menu item 集中排查


def test_the_menu_and_pages_are_for_desk_staff(world, app):
    village = signed_in(app, "village_a")
    page = text_of(village.get("/campaigns"))
    assert "集中排查" in page and "新建集中排查" not in page
    assert village.get("/campaigns/new").status_code == 403
    assert village.post("/campaigns/new", data=PHASE_FIELDS).status_code == 403
    for name in ("dept", "admin", "cadre_a", "auditor"):
        client = signed_in(app, name)
        assert client.get("/campaigns").status_code == 403
        assert 'href="/campaigns"' not in text_of(client.get("/"))


def test_county_staff_create_a_campaign_in_the_form(world, app):
    client = signed_in(app, "county")
    form = text_of(client.get("/campaigns/new"))
    assert 'value="2026年防止返贫监测帮扶集中排查"' in form and 'value="7000"' in form  # the year's line
    assert 'value="2026-05-25"' in form and 'value="2025-05-01"' in form
    assert "青山镇" in form and "东河乡" in form
    assert 'value="2027-05-25"' in text_of(client.get("/campaigns/new?year=2027"))
    for odd in ("二〇二七", "20270", "²", "NaN"):
        assert client.get("/campaigns/new", query_string={"year": odd}).status_code == 200
    assert client.get("/campaigns/new", query_string={"year": "\x00"}).status_code == 400  # NUL: refused everywhere
    sent = {"name": "2026年集中排查", "year": "2026", "monitoring_line": "7500", "income_start": "2025-05-01",
            "income_end": "2026-04-30", "area": [str(world.east.id)], **PHASE_FIELDS}
    response = client.post("/campaigns/new", data=sent)
    assert response.status_code == 303
    made = db.session.execute(select(ScreeningRound)).scalar_one()
    assert response.headers["Location"] == f"/campaigns/{made.id}?created=1"
    assert made.area == [world.east.id] and (made.starts_on, made.ends_on) == (date(2026, 5, 1), date(2026, 6, 10))
    page = text_of(client.get(response.headers["Location"]))
    assert "已创建集中排查" in page and "东河乡" in page and "7,500元" in page
    current = re.search(r'<li class="current" aria-current="step"><strong>([^<]+)</strong>', page)
    assert current and current.group(1) == "开展集中排查"


def test_errors_stay_next_to_the_fields_with_what_was_typed(world, app):
    client = signed_in(app, "county")
    sent = {"name": "春季排查\x07", "year": "2026", "monitoring_line": "7000²", "income_start": "2026-13-40",
            "phase_name_0": "部署", "phase_start_0": "2026-05-10", "phase_end_0": "2026-05-01",
            "area": ["99999999999999999999"]}
    response = client.post("/campaigns/new", data=sent)
    assert response.status_code == 400
    page = text_of(response)
    assert "名称不超过100个字，不含特殊字符" in page
    assert "监测范围应为数字（元），最多两位小数，例如7000" in page
    assert "日期格式应为 年-月-日，例如 2025-05-01" in page
    assert "第1个阶段的结束日期早于开始日期" in page and "请从列表中选择乡镇" in page
    assert 'value="7000²"' in page and 'value="部署"' in page and 'value="2026-05-10"' in page
    assert db.session.execute(select(func.count(ScreeningRound.id))).scalar_one() == 0


def test_an_overlapping_campaign_is_refused_with_a_message(world, app):
    _campaign(world)
    client = signed_in(app, "township")
    response = client.post("/campaigns/new", data={"name": "补充排查", "year": "2026", "phase_name_0": "排查",
                                                   "phase_start_0": "2026-06-01", "phase_end_0": "2026-06-20"})
    assert response.status_code == 400
    assert "在同一地区的时间重叠，请调整阶段日期或排查范围" in text_of(response)
    assert 'value="补充排查"' in text_of(response)


def test_the_campaign_page_shows_progress_and_drills_down(world, app):
    campaign_id = _campaign(world)
    worker = world.users["grid_a1"]
    home = factories.household(world.grid_a1, date(2026, 5, 1))
    factories.household(world.grid_a1, date(2026, 5, 1))
    factories.household(world.grid_b1, date(2026, 5, 1))
    db.session.commit()
    _visit(home.id, worker.id, datetime(2026, 5, 20, 9, tzinfo=WORK_TZ))
    client = signed_in(app, "county")
    page = text_of(client.get(f"/campaigns/{campaign_id}"))
    assert by_testid(page, "total-to-screen") == "3" and by_testid(page, "total-screened") == "1"
    assert by_testid(page, "total-share") == "33%"
    assert '<svg class="chart"' in page and "各乡镇已排查比例（%）" in page
    assert f'href="/campaigns/{campaign_id}?region=341599101000"' in page
    village = text_of(client.get(f"/campaigns/{campaign_id}?region=341599101001"))
    assert by_testid(village, "total-screened") == "1" and "青山村一组" in village
    grid = text_of(client.get(f"/campaigns/{campaign_id}?region=A1"))
    assert "GRID_A1" in grid and "各网格员已排查户数" in grid
    if any(rule.rule == "/campaigns/<int:round_id>/problems" for rule in app.url_map.iter_rules()):
        assert f'href="/campaigns/{campaign_id}/problems"' in page  # 附件2, linked once it is built
    # Village B's staff start at their village and see nothing of village A.
    mine = text_of(signed_in(app, "village_b").get(f"/campaigns/{campaign_id}"))
    assert by_testid(mine, "total-to-screen") == "1" and by_testid(mine, "total-screened") == "0"
    assert signed_in(app, "village_b").get(f"/campaigns/{campaign_id}?region=A1").status_code == 404


def test_outside_the_scope_or_broken_addresses_answer_404(world, app):
    east_only = _campaign(world, area=[str(world.east.id)])
    client = signed_in(app, "village_a")
    assert client.get(f"/campaigns/{east_only}").status_code == 404
    county = signed_in(app, "county")
    for address in ("/campaigns/2147483648", "/campaigns/99999999999999999999999", "/campaigns/0",
                    f"/campaigns/{east_only}?region=341599101000",
                    f"/campaigns/{east_only}?region=%C2%B2", f"/campaigns/{east_only}?region=" + "9" * 500):
        assert county.get(address).status_code == 404, address
    assert county.get(f"/campaigns/{east_only}?region=").status_code == 200
    assert county.get(f"/campaigns/{east_only}?region=%00").status_code == 400


def test_the_page_costs_the_same_queries_for_more_households(world, app, count_statements):
    campaign_id = _campaign(world)
    client = signed_in(app, "county")
    with count_statements() as few:
        assert client.get(f"/campaigns/{campaign_id}?region=341599101000").status_code == 200
    for _ in range(12):
        made = factories.household(world.grid_b1, date(2026, 5, 1))
        db.session.commit()
        _visit(made.id, world.users["grid_b1"].id, datetime(2026, 5, 19, 9, tzinfo=WORK_TZ), "phone")
    with count_statements() as many:
        assert client.get(f"/campaigns/{campaign_id}?region=341599101000").status_code == 200
    assert len(many) == len(few), str(many)
