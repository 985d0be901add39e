"""集中排查 campaigns (issue #15 point 1): county or township staff create one with its year,
monitoring line, income period, phases and area; overlapping campaigns in a shared area are
refused; who sees which campaign; the 应排查 households follow the register; the grid worker's
list follows the area; this year's count against campaigns_per_year."""
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.extensions import db
from domain.enums import RegionLevel
from factories import build_world, household
from models import AuditLog, Household, ScreeningRound, Visit
from services.accounts import users
from services.campaigns import campaigns
from services.campaigns.campaigns import CampaignForm
from services.errors import NotFound, PermissionDenied, ValidationFailed
from services.fieldwork import worklists
from services.regions import settings, tree

PHASES_2026 = [("全面工作部署", "2026-05-01", "2026-05-10"), ("开展集中排查", "2026-05-11", "2026-05-25"),
               ("信息采集录入", "2026-05-26", "2026-06-10")]


@pytest.fixture
def world(app):
    made = build_world()
    # A second township of the county, with one village and its own township staff and grid worker.
    made.east = tree.create_region("341599102000", "东河乡", RegionLevel.TOWNSHIP, made.county)
    made.east_village = tree.create_region("341599102001", "东河村", RegionLevel.VILLAGE, made.east)
    made.users["east"] = users.create_user("east", "EAST", "correct-horse-9", "township_staff", made.east.code)
    made.users["east_grid"] = users.create_user("east_grid", "EASTGRID", "correct-horse-9", "grid_worker",
                                                made.east_village.code)
    db.session.flush()
    return made


def _form(**kw) -> CampaignForm:
    base = dict(name="2026年防止返贫监测帮扶集中排查", year="2026", monitoring_line="7500",
                income_start="2025-05-01", income_end="2026-04-30", phases=list(PHASES_2026), area=[])
    base.update(kw)
    return CampaignForm(**base)


def _refused(actor, form) -> dict:
    with pytest.raises(ValidationFailed) as caught:
        campaigns.create(actor, form)
    db.session.rollback()
    return caught.value.fields


def test_county_staff_create_a_county_wide_campaign(world):
    made = campaigns.create(world.users["county"], _form())
    db.session.commit()
    row = db.session.get(ScreeningRound, made.id)
    assert (row.county_id, row.name, row.year) == (world.county.id, "2026年防止返贫监测帮扶集中排查", 2026)
    assert (row.starts_on, row.ends_on) == (date(2026, 5, 1), date(2026, 6, 10))
    assert Decimal(row.monitoring_line) == Decimal("7500.00")
    assert (row.income_start, row.income_end) == (date(2025, 5, 1), date(2026, 4, 30))
    assert [p["name"] for p in row.phases] == ["全面工作部署", "开展集中排查", "信息采集录入"]
    assert row.phases[1] == {"name": "开展集中排查", "starts_on": "2026-05-11", "ends_on": "2026-05-25"}
    assert row.area == [] and row.created_by_id == world.users["county"].id
    assert campaigns.area_text(row) == "全县"
    logged = db.session.execute(select(AuditLog).where(AuditLog.object_type == "screening_round")).scalars().all()
    assert [(a.action, a.object_id) for a in logged] == [("create", str(made.id))]


def test_the_form_defaults_are_seed_004s_timetable_and_the_line_of_the_year(world):
    filled = campaigns.defaults(world.users["county"], 2027)
    assert filled.phases == [("全面工作部署", "2027-05-01", "2027-05-10"), ("开展集中排查", "2027-05-11", "2027-05-25"),
                             ("信息采集录入", "2027-05-26", "2027-06-10")]
    assert (filled.income_start, filled.income_end) == ("2026-05-01", "2027-04-30")
    assert filled.monitoring_line == "7000"  # seed 004's line, the latest default by 2027
    # A blank line and income period take the defaults of the year.
    made = campaigns.create(world.users["county"], _form(monitoring_line="", income_start="", income_end=""))
    assert Decimal(made.monitoring_line) == Decimal("7000")
    assert (made.income_start, made.income_end) == (date(2025, 5, 1), date(2026, 4, 30))


def test_township_staff_create_for_their_own_township_whatever_is_sent(world):
    made = campaigns.create(world.users["township"], _form(area=[str(world.east.id)]))
    assert made.area == [world.township.id]
    assert campaigns.area_text(made) == "青山镇"


def test_county_staff_pick_townships_and_all_of_them_is_the_county(world):
    some = campaigns.create(world.users["county"], _form(area=[str(world.east.id)]))
    assert some.area == [world.east.id]
    both = campaigns.create(world.users["county"], _form(
        area=[str(world.township.id), str(world.east.id)],
        phases=[("开展集中排查", "2026-11-01", "2026-11-20")]))
    assert both.area == []


def test_errors_are_given_per_field(world):
    county = world.users["county"]
    errors = _refused(county, _form(name=" ", year="二〇二六", monitoring_line="NaN"))
    assert set(errors) >= {"name", "year", "monitoring_line"}
    assert _refused(county, _form(monitoring_line="5000²"))["monitoring_line"]
    assert _refused(county, _form(name="排查\x00"))["name"]
    errors = _refused(county, _form(income_start="2026-04-30", income_end="2025-05-01"))
    assert errors == {"income_end": "收入时段的结束日期应晚于开始日期"}
    errors = _refused(county, _form(phases=[("部署", "2026-05-10", "2026-05-01")]))
    assert errors == {"phase_0": "第1个阶段的结束日期早于开始日期"}
    errors = _refused(county, _form(phases=[("部署", "2026-05-01", "2026-05-10"), ("", "", ""),
                                            ("排查", "2026-05-09", "2026-05-20")]))
    assert list(errors) == ["phase_2"]  # the blank row is skipped, the error stays on its row
    assert _refused(county, _form(phases=[("部署", "2026-13-01", "2026-05-10")])) == {
        "phase_0": "请填写阶段的开始和结束日期（年-月-日）"}
    assert _refused(county, _form(phases=[]))["phases"] == "请至少填写一个阶段"
    assert _refused(county, _form(phases=[("排查", "2027-05-01", "2027-05-10")]))["phases"] == \
        "集中排查应在2026年开始（第一个阶段的开始日期）"
    assert _refused(county, _form(area=["99999999999"]))["area"] == "请从列表中选择乡镇"
    assert _refused(county, _form(area=[str(world.village_a.id)]))["area"] == "请从列表中选择乡镇"
    assert db.session.execute(select(func.count(ScreeningRound.id))).scalar_one() == 0


def test_an_overlap_in_a_shared_area_is_refused_elsewhere_it_is_not(world):
    campaigns.create(world.users["county"], _form(area=[str(world.township.id)]))
    db.session.commit()
    # The other township may hold its own campaign at the same time.
    campaigns.create(world.users["east"], _form(name="东河乡集中排查"))
    db.session.commit()
    errors = _refused(world.users["township"], _form(phases=[("补充排查", "2026-06-10", "2026-06-20")]))
    assert errors["phases"].startswith("与“2026年防止返贫监测帮扶集中排查”（2026-05-01至2026-06-10）在同一地区的时间重叠")
    # A county-wide one meets both.
    assert "phases" in _refused(world.users["county"], _form(phases=[("排查", "2026-06-01", "2026-06-30")]))
    campaigns.create(world.users["township"], _form(name="第二次", phases=[("补充排查", "2026-06-11", "2026-06-20")]))


def test_only_county_and_township_staff_create(world):
    for name in ("village_a", "grid_a1", "dept", "admin"):
        with pytest.raises(PermissionDenied):
            campaigns.create(world.users[name], _form())


def test_who_sees_which_campaign(world):
    mine = campaigns.create(world.users["east"], _form(name="东河乡集中排查"))
    whole = campaigns.create(world.users["county"], _form(name="秋季", phases=[("排查", "2026-09-01", "2026-09-30")]))
    db.session.commit()
    assert [c.name for c in campaigns.in_scope(world.users["county"])] == ["秋季", "东河乡集中排查"]
    assert [c.name for c in campaigns.in_scope(world.users["village_a"])] == ["秋季"]
    assert [c.name for c in campaigns.in_scope(world.users["east_grid"])] == ["秋季", "东河乡集中排查"]
    with pytest.raises(NotFound):
        campaigns.get(world.users["village_a"], mine.id)
    assert campaigns.get(world.users["east"], mine.id).id == mine.id
    for bad in (0, -1, 2**31, 2**40):
        with pytest.raises(NotFound):
            campaigns.get(world.users["county"], bad)
    other = tree.create_region("341598000000", "邻县", RegionLevel.COUNTY, None)
    stranger = users.create_user("other_county", "邻县干部", "correct-horse-9", "county_staff", other.code)
    assert campaigns.in_scope(stranger) == []
    with pytest.raises(NotFound):
        campaigns.get(stranger, whole.id)
    for role_name in ("dept", "cadre_a", "auditor"):
        with pytest.raises(PermissionDenied):
            campaigns.in_scope(world.users[role_name])


def test_households_to_screen_follow_the_register_and_the_area(world):
    campaign = campaigns.create(world.users["county"], _form(area=[str(world.east.id)]))
    household(world.village_a, date(2026, 5, 2))  # outside the area
    first = household(world.east_village, date(2026, 5, 2))
    county = world.users["county"]
    assert db.session.execute(campaigns.households_to_screen(county, campaign)
                              .with_only_columns(Household.id)).scalars().all() == [first.id]
    later = household(world.east_village, date(2026, 5, 20))  # registered during the campaign
    found = db.session.execute(campaigns.households_to_screen(county, campaign).with_only_columns(Household.id)
                               .order_by(Household.id)).scalars().all()
    assert found == [first.id, later.id]


def _visit_at(household_id: int, worker_id: int, moment: datetime) -> None:
    db.session.add(Visit(client_uuid=str(uuid.uuid4()), payload_sha256="0" * 64, household_id=household_id,
                         worker_id=worker_id, method="home", visited_at=moment))


def test_the_grid_workers_list_follows_the_area_and_beijing_days(world):
    campaigns.create(world.users["county"], _form(area=[str(world.east.id)]))
    inside = world.users["east_grid"]
    early, late, quiet = (household(world.east_village, date(2026, 5, 2)) for _ in range(3))
    household(world.grid_a1, date(2026, 5, 2))
    # 07:00 on 1 May in Beijing is 23:00 on 30 April in UTC: inside the campaign.
    _visit_at(early.id, inside.id, datetime(2026, 4, 30, 23, 0, tzinfo=timezone.utc))
    # 00:30 on 11 June in Beijing (16:30 UTC on 10 June) is after it.
    _visit_at(late.id, inside.id, datetime(2026, 6, 10, 16, 30, tzinfo=timezone.utc))
    db.session.flush()
    day = date(2026, 5, 20)
    assert worklists.current_round(inside, day).area == [world.east.id]
    assert [h.id for h in worklists.my_work(inside, day).not_visited] == [late.id, quiet.id]
    outside = world.users["grid_a1"]
    assert worklists.current_round(outside, day) is None
    assert worklists.my_work(outside, day).not_visited == []
    assert worklists.current_round(inside, date(2026, 6, 11)) is None


def test_this_years_count_against_the_setting(world):
    today = date(2026, 3, 1)
    count = campaigns.year_count(world.users["county"], today)
    assert (count.held, count.planned, count.required, count.short) == (0, 0, 1, True)
    assert count.message == "今年已开展0次集中排查，要求每年不少于1次"
    campaigns.create(world.users["county"], _form(phases=[("排查", "2026-02-01", "2026-02-20")]))
    assert not campaigns.year_count(world.users["county"], today).short
    # Seed 000's town asks for two a year.
    settings.set_policy(None, world.township, "campaigns_per_year", "2")
    mine = campaigns.year_count(world.users["village_a"], today)
    assert (mine.held, mine.planned, mine.required, mine.short) == (1, 0, 2, True)
    assert mine.message == "今年已开展1次集中排查，要求每年不少于2次"
    campaigns.create(world.users["township"], _form(name="第二次", phases=[("排查", "2026-05-01", "2026-05-20")]))
    later = campaigns.year_count(world.users["village_a"], today)
    assert (later.held, later.planned, later.short) == (1, 1, False)
    assert later.message == "今年已开展1次集中排查，要求每年不少于2次（另有1次已安排）"
    # The other township neither had the second nor asks for it.
    east = campaigns.year_count(world.users["east"], today)
    assert (east.held, east.planned, east.required, east.short) == (1, 0, 1, False)
    assert campaigns.year_count(world.users["county"], date(2027, 1, 5)).held == 0


def test_a_round_without_a_year_counts_in_the_year_it_starts(world):
    db.session.add(ScreeningRound(county_id=world.county.id, name="旧的排查轮次", starts_on=date(2026, 2, 1),
                                  ends_on=date(2026, 2, 20)))
    db.session.flush()
    assert campaigns.year_count(world.users["county"], date(2026, 3, 1)).held == 1
    assert campaigns.year_count(world.users["county"], date(2027, 3, 1)).held == 0
    [old] = campaigns.in_scope(world.users["village_a"])
    assert campaigns.phases_of(old) == [] and campaigns.line_text(old) == "未设置"
