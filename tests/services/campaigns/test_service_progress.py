"""A campaign's progress (issue #15 point 2): to screen / screened (at home, remote), flagged,
new clues, this week against last week, per township → village → grid → grid worker, and who is
behind; the figures are written from the visits and cases the tests make."""
import uuid
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import event

from core.clock import WORK_TZ
from core.extensions import db
from domain.enums import CaseSource, RegionLevel
from factories import build_world, household
from models import Visit
from services.accounts import users
from services.campaigns import campaigns, progress
from services.campaigns.campaigns import CampaignForm
from services.errors import NotFound
from services.regions import tree
from services.workflow import cases

TODAY = date(2026, 5, 22)  # a Friday: 本周 is 16–22 May, 上周 9–15 May
PHASES = [("全面工作部署", "2026-05-01", "2026-05-10"), ("开展集中排查", "2026-05-11", "2026-05-25"),
          ("信息采集录入", "2026-05-26", "2026-06-10")]


def _beijing(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=WORK_TZ)


@pytest.fixture
def scene(app):
    world = build_world()
    world.east = tree.create_region("341599102000", "东河乡", RegionLevel.TOWNSHIP, world.county)
    tree.create_region("341599102001", "东河村", RegionLevel.VILLAGE, world.east)
    world.users["grid_a2"] = users.create_user("grid_a2", "GRID_A2", "correct-horse-9", "grid_worker",
                                               world.grid_a2.code)
    campaign = campaigns.create(world.users["county"], CampaignForm(
        name="2026年集中排查", year="2026", monitoring_line="7000", phases=list(PHASES)))
    start = date(2026, 4, 20)
    h = {name: household(region, start) for name, region in (
        ("a1x", world.grid_a1), ("a1y", world.grid_a1), ("a1z", world.grid_a1), ("a2x", world.grid_a2),
        ("va", world.village_a), ("b1x", world.grid_b1), ("b1y", world.grid_b1))}
    u = world.users

    def visit(name, worker, moment, method="home", flag=None):
        db.session.add(Visit(client_uuid=str(uuid.uuid4()), payload_sha256="0" * 64, household_id=h[name].id,
                             worker_id=u[worker].id, method=method, visited_at=moment, should_monitor=flag))

    visit("a1x", "grid_a1", _beijing(5, 12))                        # first screened last week
    visit("a1x", "grid_a1", _beijing(5, 20), "phone", True)         # its latest: remote, flagged
    visit("a1y", "grid_a1", _beijing(5, 18), flag=False)            # this week, at home
    visit("a2x", "village_a", _beijing(5, 2), "wechat")             # earlier, remote
    visit("va", "grid_a1", datetime(2026, 4, 25, 10, tzinfo=WORK_TZ))  # before the campaign
    visit("b1x", "grid_b1", _beijing(5, 21), flag=True)             # this week, at home, flagged
    visit("b1y", "grid_b1", datetime(2026, 6, 11, 0, 30, tzinfo=WORK_TZ))  # after it
    cases.open_case(u["grid_a1"], world.grid_a1, CaseSource.GRID_VISIT, today=date(2026, 5, 19), household=h["a1z"])
    cases.open_case(u["grid_a1"], world.grid_a1, CaseSource.GRID_VISIT, today=date(2026, 4, 20), household=h["a1y"])
    cases.open_case(None, world.grid_b1, CaseSource.SELF_REPORT, today=date(2026, 5, 19), household=h["b1y"])
    db.session.commit()
    return world, campaign


def _figures(row) -> tuple:
    return (row.name, row.to_screen, row.screened, row.home, row.remote, row.flagged, row.clues,
            row.this_week, row.last_week)


def test_the_county_sees_townships_and_the_totals(scene):
    world, campaign = scene
    seen = progress.progress(world.users["county"], campaign, None, TODAY)
    assert seen.child_label == "乡镇" and seen.week == TODAY
    assert [_figures(r) for r in seen.rows] == [("青山镇", 7, 4, 2, 2, 2, 1, 2, 1), ("东河乡", 0, 0, 0, 0, 0, 0, 0, 0)]
    assert _figures(seen.total) == ("示范县", 7, 4, 2, 2, 2, 1, 2, 1)
    assert seen.rows[0].share == 57 and seen.rows[1].share is None
    assert seen.rows[0].drill == "341599101000"
    assert [c.name for c in seen.crumbs] == ["示范县"]
    # Every grid worker but GRID_A2 recorded a visit this week.
    assert seen.idle_workers == ["GRID_A2"]


def test_drilling_down_to_villages_grids_and_workers(scene):
    world, campaign = scene
    county = world.users["county"]
    township = progress.progress(county, campaign, "341599101000", TODAY)
    assert [_figures(r) for r in township.rows] == [("青山村", 5, 3, 1, 2, 1, 1, 1, 1), ("石门村", 2, 1, 1, 0, 1, 0, 1, 0)]
    assert [r.name for r in township.behind] == ["石门村", "青山村"]  # 50 % before 60 %
    assert [c.name for c in township.crumbs] == ["示范县", "青山镇"]
    village = progress.progress(county, campaign, "341599101001", TODAY)
    assert village.child_label == "网格"
    assert [_figures(r) for r in village.rows] == [
        ("青山村一组", 3, 2, 1, 1, 1, 1, 1, 1), ("青山村二组", 1, 1, 0, 1, 0, 0, 0, 0),
        ("村直属（未分网格）", 1, 0, 0, 0, 0, 0, 0, 0)]
    assert village.rows[2].drill is None
    grid = progress.progress(county, campaign, "A1", TODAY)
    assert grid.child_label == "网格员"
    assert [_figures(r) for r in grid.rows] == [("GRID_A1", None, 2, 1, 1, 1, 1, 1, 1)]
    assert grid.total.to_screen == 3 and grid.total.screened == 2
    other = progress.progress(county, campaign, "A2", TODAY)
    assert [_figures(r) for r in other.rows] == [("GRID_A2", None, 0, 0, 0, 0, 0, 0, 0),
                                                 ("VILLAGE_A", None, 1, 0, 1, 0, 0, 0, 0)]
    assert other.idle_workers == ["GRID_A2"]


def test_staff_start_at_their_own_place_and_see_nothing_beyond(scene):
    world, campaign = scene
    mine = progress.progress(world.users["village_b"], campaign, None, TODAY)
    assert [_figures(r) for r in mine.rows] == [("石门村一组", 2, 1, 1, 0, 1, 0, 1, 0)]
    for code in ("341599101001", "A1", "341599101000", "341599000000", "nope", "A1\x00", "²", "x" * 300):
        with pytest.raises(NotFound):
            progress.progress(world.users["village_b"], campaign, code, TODAY)
    worker = progress.progress(world.users["grid_a1"], campaign, None, TODAY)
    assert worker.total.screened == 2 and worker.child_label == "网格员"


def test_a_township_outside_the_area_cannot_be_opened(scene):
    world, _ = scene
    east_only = campaigns.create(world.users["county"], CampaignForm(
        name="东河乡补充排查", year="2026", monitoring_line="7000", area=[str(world.east.id)],
        phases=[("排查", "2026-07-01", "2026-07-10")]))
    seen = progress.progress(world.users["county"], east_only, None, date(2026, 7, 5))
    assert [r.name for r in seen.rows] == ["东河乡"] and seen.total.to_screen == 0
    with pytest.raises(NotFound):
        progress.progress(world.users["county"], east_only, "341599101000", date(2026, 7, 5))


def test_the_weeks_stay_inside_the_campaign(scene):
    world, campaign = scene
    after = progress.progress(world.users["county"], campaign, None, date(2026, 8, 1))
    assert after.week == date(2026, 6, 12)  # the week holding its last day, 10 June
    assert (after.total.this_week, after.total.last_week) == (0, 0)
    before = progress.progress(world.users["county"], campaign, None, date(2026, 3, 1))
    assert before.week == date(2026, 5, 1)


def test_counting_takes_the_same_few_queries_for_more_households(scene):
    world, campaign = scene
    statements = []

    def record(*args):
        statements.append(args[2])

    def count() -> int:
        statements.clear()
        db.session.expire_all()
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            progress.progress(world.users["county"], campaign, "341599101000", TODAY)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return len(statements)

    few = count()
    for _ in range(15):
        household(world.grid_b1, date(2026, 5, 1))
    db.session.commit()
    assert count() == few
    assert few <= 12, few
