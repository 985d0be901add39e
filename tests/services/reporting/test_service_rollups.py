"""The dashboard's roll-ups: on generated cases in every state, the figures read from them equal
the figures counted live for every role; a change shows only after the next refresh; how fresh
the page says they are; the queue refreshes them every ten minutes, county by county; and the
county dashboard's statement count is pinned."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, func, select

import factories
from core import clock
from core.extensions import db
from core.queue import QUEUE_EXTENSION
from domain.deadlines import add_years, is_long_unresolved
from domain.enums import CaseSource, LabourCapacity, MonitoringCategory, RiskType
from domain.settings import PolicySettings
from domain.workflow import Action, CaseState
from models import Case, CaseEvent, RegionPolicy
from models.rollup import DashboardRefresh, DashboardRisk, DashboardRollup, DashboardTrend
from regions_support import build_province_world
from services.regions import settings, tree
from services.reporting import dashboard, rollups, unresolved
from services.workflow import cases

TODAY = date(2026, 11, 20)
S = CaseState
# The statements of GET /dashboard for county staff, once the roll-ups are built: the session's
# user and region, the roll-up's freshness, the county's rows, its townships' (one row each), its
# risks, its trend, and the navigation's unread count. Lower it when the page gets cheaper; never
# raise it to make a test pass.
COUNTY_DASHBOARD = 8


def _moment(rng: random.Random) -> datetime:
    """A moment in the last fourteen months, now and then a minute either side of a month's
    start in Beijing (16:00 UTC on the month's last day)."""
    if rng.random() < 0.2:
        first = date(2026, rng.randint(1, 11), 1)
        edge = datetime(first.year, first.month, first.day, tzinfo=timezone.utc) - timedelta(hours=8)
        return edge + timedelta(minutes=rng.choice([-1, 0, 1]))
    return datetime(2026, 11, 20, 3, tzinfo=timezone.utc) - timedelta(minutes=rng.randrange(60 * 24 * 420))


def _generate(made, n: int, seed: int = 7) -> None:
    """``n`` cases on the villages, grids and township of both counties, each in a random state
    with what that state carries (category, inclusion day, deadline, risk types), households
    where nobody can work, the trend's steps on random days, and people of the case's own
    village assigned (so nobody's own cases lie outside their area)."""
    rng = random.Random(seed)
    w = made.world
    places = [w.village_a, w.grid_a1, w.grid_a2, w.village_b, w.grid_b1, made.village_c, made.grid_c1, w.township]
    for _ in range(n):
        region = rng.choice(places)
        opened = TODAY - timedelta(days=rng.randrange(420))
        household = None
        if region is not w.township:
            labour = rng.choice([LabourCapacity.ORDINARY.value, LabourCapacity.NONE.value])
            household = factories.household(region, opened, size=1, labour=labour)
        case = cases.open_case(None, region, rng.choice(list(CaseSource)), today=opened, household=household,
                               risk_types=rng.sample(RiskType.codes(), rng.randint(0, 3)))
        state = rng.choice(list(CaseState))
        case.state = state.value  # seeding shortcut: the roll-up reads the columns a state leaves
        case.due_date = TODAY + timedelta(days=rng.randrange(-8, 8)) if rng.random() < 0.8 else None
        if state.is_monitored or state in (S.ELIMINATED, S.CLEARED):
            case.category = rng.choice(MonitoringCategory.codes())
            years_ago = rng.choice([1, 2, 3])
            case.identified_on = add_years(TODAY, -years_ago) + timedelta(days=rng.choice([-30, -1, 0, 1, 30]))
            db.session.add(CaseEvent(case=case, action=Action.COUNTY_CONFIRM.value, from_state=S.COUNTY_REVIEW.value,
                                     to_state=S.MONITORED.value, at=_moment(rng)))
        if state is S.ELIMINATED:
            db.session.add(CaseEvent(case=case, action=Action.ANNOUNCE.value, from_state=S.ELIM_APPROVED.value,
                                     to_state=S.ELIMINATED.value, at=_moment(rng)))
        db.session.flush()
        for event in case.events:
            if event.action is None:
                event.at = _moment(rng)
        if region.path.startswith(w.village_a.path) and rng.random() < 0.5:
            case.verifier_id = w.users["grid_a1"].id
            case.pair_cadre_id = w.users["cadre_a"].id if state.is_monitored else None
    db.session.flush()


@pytest.fixture
def made(app):
    made = build_province_world()
    # The township counts 3 years before analysing, and 石门村 (set programmatically) 1: the
    # nearest node's number wins.
    settings.change_policy(made.world.users["county"], made.world.township, "unresolved_years", "3", "试行三年")
    db.session.add(RegionPolicy(region=made.world.village_b, key="unresolved_years", value="1"))
    _generate(made, 90)
    db.session.commit()
    return made


def _drawn(board) -> tuple:
    return board.totals, [(t.key, t.title, t.columns, t.rows, t.months) for t in board.tables]


def totals(board) -> dict:
    return {testid: n for _, n, testid in board.totals}


def test_the_roll_up_equals_the_live_figures_for_every_role(made):
    rollups.refresh(TODAY)
    db.session.commit()
    for name, user in made.world.users.items():
        rolled = dashboard.build(user, TODAY)
        assert _drawn(rolled) == _drawn(dashboard.build(user, TODAY, live=True)), name
        if name.startswith("grid_"):  # their own cases, counted live
            assert rolled.freshness == "本人负责的案件，实时统计。" and not rolled.stale
        else:
            assert rolled.freshness.startswith("数据更新于 ") and not rolled.stale, name
    # Not equal by accident: the figures are there, and the county's agree with the cases.
    county = dashboard.build(made.world.users["county"], TODAY)
    in_county = db.session.execute(
        select(Case).where(Case.region_path.startswith(made.world.county.path))).scalars().all()
    live_states = [c for c in in_county if not c.state_enum.is_terminal]
    assert totals(county)["open"] == sum(1 for c in in_county if c.state_enum.is_open) > 10
    assert totals(county)["monitored"] == sum(1 for c in in_county if c.state_enum.is_monitored) > 5
    assert totals(county)["overdue"] == sum(1 for c in live_states if c.due_date and c.due_date < TODAY) > 0
    assert totals(county)["due-soon"] == sum(
        1 for c in live_states if c.due_date and TODAY <= c.due_date <= TODAY + timedelta(days=3)) > 0
    flagged = unresolved.long_unresolved(made.world.users["county"], TODAY)  # the rule in Python
    assert totals(county)["long-unresolved"] == len(flagged) > 0
    risks: dict[str, int] = {}
    for c in in_county:
        for code in set(c.risk_types) if c.state_enum.is_monitored else ():
            risks[RiskType(code).label] = risks.get(RiskType(code).label, 0) + 1
    assert {r[0]: r[1] for r in next(t for t in county.tables if t.key == "risk").rows} == risks
    # The trend, month by month in Beijing time, from the events themselves.
    trend = next(t for t in county.tables if t.key == "trend")
    series = {None: 0, Action.COUNTY_CONFIRM.value: 1, Action.ANNOUNCE.value: 2}
    expected = {d: [0, 0, 0] for d in trend.months}
    for c in in_county:
        for e in c.events:
            month = e.at.astimezone(clock.WORK_TZ).date().replace(day=1)
            if month in expected and (e.action in series) and (e.action or e.from_state is None):
                expected[month][series[e.action]] += 1
    assert [r[1:] for r in trend.rows] == [expected[d] for d in trend.months]
    assert sum(r[1] for r in trend.rows) > 30
    province = dashboard.build(made.world.users["province"], TODAY)
    assert totals(province)["open"] == sum(1 for c in db.session.execute(select(Case)).scalars() if c.is_open)


def test_what_a_roll_up_counts_for_someone_with_a_case_outside_their_area(made):
    """Live figures count a case assigned personally outside the area under 其他; the roll-up
    counts the area only."""
    outside = db.session.execute(select(Case).where(Case.region_path.startswith(made.village_c.path),
                                                    Case.state == S.VERIFYING.value)).scalars().first()
    outside = outside or db.session.execute(select(Case).where(
        Case.region_path.startswith(made.village_c.path))).scalars().first()
    outside.state, outside.verifier_id = S.VERIFYING.value, made.world.users["village_a"].id
    db.session.commit()
    rollups.refresh(TODAY)
    user = made.world.users["village_a"]
    live, rolled = dashboard.build(user, TODAY, live=True), dashboard.build(user, TODAY)
    assert totals(live)["open"] == totals(rolled)["open"] + 1
    region_rows = {r[0]: r[1:] for r in next(t for t in live.tables if t.key == "region").rows}
    assert region_rows["其他（本人负责的案件）"][0] == 1
    assert "其他（本人负责的案件）" not in {r[0] for r in next(t for t in rolled.tables if t.key == "region").rows}


def test_a_change_shows_after_the_next_refresh(made):
    county = made.world.users["county"]
    rollups.refresh(TODAY)
    db.session.commit()
    before = dashboard.build(county, TODAY)
    cases.open_case(None, made.world.village_b, CaseSource.GRID_VISIT, today=TODAY,
                    household=factories.household(made.world.village_b, TODAY), risk_types=["housing"])
    db.session.commit()
    assert _drawn(dashboard.build(county, TODAY)) == _drawn(before)
    assert totals(dashboard.build(county, TODAY, live=True))["open"] == totals(before)["open"] + 1

    rollups.refresh(TODAY)
    db.session.commit()
    after = dashboard.build(county, TODAY)
    assert totals(after)["open"] == totals(before)["open"] + 1
    assert _drawn(after) == _drawn(dashboard.build(county, TODAY, live=True))
    assert totals(dashboard.build(made.world.users["city"], TODAY))["open"] == totals(
        dashboard.build(made.world.users["city"], TODAY, live=True))["open"]


def test_the_page_says_how_fresh_the_figures_are(made, monkeypatch):
    county = made.world.users["county"]
    never = dashboard.build(county, TODAY)
    assert never.stale and never.freshness == "统计汇总还没有生成（每10分钟生成一次），以下是刚刚实时统计的数据。"
    assert _drawn(never) == _drawn(dashboard.build(county, TODAY, live=True))  # live, and right

    ran = datetime(2026, 12, 2, 2, 20, tzinfo=timezone.utc)  # 10:20 in Beijing
    monkeypatch.setattr(clock, "now", lambda: ran)
    rollups.refresh(date(2026, 12, 2))
    db.session.commit()
    monkeypatch.setattr(clock, "now", lambda: ran + timedelta(minutes=9))
    board = dashboard.build(county, date(2026, 12, 2))
    assert board.freshness == "数据更新于 12月2日 10:20（每10分钟更新）。" and not board.stale
    assert board.today == "2026-12-02"

    monkeypatch.setattr(clock, "now", lambda: ran + timedelta(minutes=31))
    late = dashboard.build(county, date(2026, 12, 2))
    assert late.stale and late.freshness.startswith("数据更新于 12月2日 10:20（每10分钟更新）。统计已超过30分钟没有更新")
    assert _drawn(late) == _drawn(board)  # still the figures it has

    monkeypatch.setattr(clock, "now", lambda: ran + timedelta(days=40))
    assert dashboard.build(county, date(2027, 1, 11)).freshness.startswith("数据更新于 2026年12月2日 10:20")


def test_a_county_without_a_roll_up_is_counted_live_above_it_too(made):
    rollups.refresh_county(made.county_b.id, made.county_b.path, TODAY)
    db.session.commit()
    # 霍邱县 is built, 示范县 is not: the city counts live until both are, and says so.
    assert not dashboard.build(made.world.users["county_b"], TODAY).stale
    assert dashboard.build(made.world.users["county"], TODAY).stale
    city = dashboard.build(made.world.users["city"], TODAY)
    assert city.stale and city.freshness.startswith("统计汇总还没有生成")
    assert _drawn(city) == _drawn(dashboard.build(made.world.users["city"], TODAY, live=True))
    # One county's refresh writes that county's nodes only.
    in_first = select(func.count()).select_from(DashboardRollup).where(
        DashboardRollup.region_id.in_([made.world.county.id, made.world.village_a.id]))
    assert db.session.execute(in_first).scalar_one() == 0
    assert db.session.execute(select(DashboardRefresh.region_id)).scalars().all() == [made.county_b.id]


def test_rows_go_with_their_region_when_it_is_merged(made):
    rollups.refresh(TODAY)
    db.session.commit()
    gone = made.world.village_b.id
    assert db.session.execute(select(func.count()).select_from(DashboardRollup)
                              .where(DashboardRollup.region_id == gone)).scalar_one() > 0
    # (A merge does not move a region's own settings: drop the one the fixture gave 石门村.)
    db.session.execute(delete(RegionPolicy).where(RegionPolicy.region_id == gone))
    tree.merge(None, made.world.village_b, made.world.village_a)
    db.session.commit()
    rollups.refresh(TODAY)
    db.session.commit()
    for model in (DashboardRollup, DashboardRisk, DashboardTrend):
        assert db.session.execute(select(func.count()).select_from(model).where(model.region_id == gone)).scalar_one() == 0
    for name in ("county", "township", "village_a", "city"):
        user = made.world.users[name]
        assert _drawn(dashboard.build(user, TODAY)) == _drawn(dashboard.build(user, TODAY, live=True)), name


def test_the_queue_refreshes_every_ten_minutes_county_by_county(app, made, monkeypatch):
    queue = app.extensions[QUEUE_EXTENSION]
    task = next(t for t in queue._registry.periodic_tasks if t.name == "dashboard.refresh")
    fires = [m for m in range(60) if task.validate_datetime(datetime(2026, 12, 2, 3, m))]
    assert fires == [0, 10, 20, 30, 40, 50]

    monkeypatch.setattr(clock, "today", lambda: TODAY)
    task.execute()  # what the consumer runs: in an application context of its own, committing
    db.session.expire_all()
    refreshed = db.session.execute(select(DashboardRefresh)).scalars().all()
    assert {r.region_id for r in refreshed} == {made.world.county.id, made.county_b.id}
    assert all(r.as_of == TODAY and r.duration_ms >= 0 for r in refreshed)
    user = made.world.users["township"]
    assert _drawn(dashboard.build(user, TODAY)) == _drawn(dashboard.build(user, TODAY, live=True))


def test_the_unresolved_years_on_the_last_day_of_february(made):
    """Included on 29 February 2024: two years are reached on 28 February 2026 (``add_years``),
    in the database as in the rule."""
    day = date(2026, 2, 28)
    case = db.session.execute(select(Case).where(Case.region_path.startswith(made.village_c.path),
                                                 Case.household_id.is_not(None))).scalars().first()
    case.state, case.identified_on = S.HELPING.value, date(2024, 2, 29)
    for member in case.household.members:
        member.labour_capacity = LabourCapacity.ORDINARY.value
    db.session.commit()
    rollups.refresh(day)
    user = made.world.users["village_c"]
    flagged = unresolved.long_unresolved(user, day)
    assert case.id in {row.case_id for row in flagged}
    assert totals(dashboard.build(user, day))["long-unresolved"] == len(flagged)


@pytest.mark.parametrize("years", [1, 2, 3, 10])
def test_latest_inclusion_is_the_rules_last_flagged_day(years):
    policy = PolicySettings(unresolved_years=years)
    for today in [date(2026, 2, 28), date(2028, 2, 29), date(2028, 2, 28), date(2027, 3, 1), date(2026, 11, 20),
                  date(2025, 12, 31), date(2026, 1, 1)]:
        last = unresolved.latest_inclusion(today, years)
        for offset in range(-3, 4):
            since = last + timedelta(days=offset)
            assert is_long_unresolved(since, today, False, policy) == (since <= last), (today, since)


# --- the page's cost -------------------------------------------------------------------------------

def _county_dashboard_statements(app, count_statements) -> list:
    client = app.test_client()
    assert client.post("/login", data={"login": "county", "password": factories.PASSWORD}).status_code == 302
    with count_statements() as statements:
        answer = client.get("/dashboard")
    assert answer.status_code == 200 and 'data-testid="freshness"' in answer.get_data(as_text=True)
    return list(statements)


def test_the_county_dashboard_statement_count_is_pinned(app, made, count_statements):
    rollups.refresh(clock.today())
    db.session.commit()
    statements = _county_dashboard_statements(app, count_statements)
    assert len(statements) == COUNTY_DASHBOARD, (
        f"{len(statements)} statements, pinned at {COUNTY_DASHBOARD}\n" + "\n".join(statements))
    # The same with three times the cases: the page reads rows per node, not per case.
    _generate(made, 180, seed=11)
    db.session.commit()
    rollups.refresh(clock.today())
    db.session.commit()
    assert len(_county_dashboard_statements(app, count_statements)) == COUNTY_DASHBOARD
