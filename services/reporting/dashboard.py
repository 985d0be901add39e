"""The dashboard of a scope: cases by state, monitored households by category, risk type and
region, deadlines, and a twelve-month trend — each as a table (the page draws its chart).

The figures come from the roll-ups (``services.reporting.rollups``), refreshed every
``REFRESH_MINUTES`` minutes: the rows of the person's own node hold their area's figures, and
the rows of its children, summed by the database to one row each, the region table: a few dozen
rows whatever the number of cases (bench/bench_dashboard.py). Above a county, the rows of the
counties below are added up. The page says when the figures were counted, and says plainly when
that is longer ago than it should be (``STALE_AFTER``).

Two kinds of reader get figures counted live from the cases instead (the same groups, over
``scoping.counted_cases``), and are told so:
- a grid worker, whose figures are their own cases, not an area's: a handful, found through the
  indexes of each person's cases;
- an area whose roll-up was never built (a new installation before the queue's first run, a
  county added since the last one): right figures, only slower.
A roll-up counts an area, the cases in the subtree: a case assigned personally to someone
outside their area counts in the area where it lies, not also for that person.
Monitored households are the cases in a monitored state (one open case per household). Months
are calendar months in Beijing time. 逾期已升级 counts the open cases whose current step was told
to the desk above (``services.notifications.escalation.escalated_now``), beside 已逾期: in the
totals, per region and in the CSV.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased

from core import clock
from core.clock import WORK_TZ
from core.extensions import db
from domain.deadlines import DUE_SOON_DAYS
from domain.enums import MonitoringCategory, RegionLevel, RiskType
from domain.workflow import CaseState
from models import Case, Region, User
from models.rollup import DashboardRefresh, DashboardRisk, DashboardRollup, DashboardTrend
from services.accounts import scoping
from services.reporting import rollups, unresolved
from services.reporting.cells import csv_bytes
from services.reporting.rollups import MONITORED, REFRESH_MINUTES, month_starts

OPEN_STATES = tuple(s.value for s in CaseState if s.is_open)
TREND_MONTHS = rollups.TREND_MONTHS
TREND_SERIES = ((rollups.OPENED, "新增线索"), (rollups.INCLUDED, "纳入监测"), (rollups.ELIMINATED, "风险消除"))
# A refresh of a whole province takes minutes, and one run missed is not yet news: figures older
# than three runs are called out.
STALE_AFTER = timedelta(minutes=3 * REFRESH_MINUTES)
# Regions are listed by the level below the person's own node.
_CHILD_TITLE = {RegionLevel.PROVINCE: "地市", RegionLevel.CITY: "县", RegionLevel.COUNTY: "乡镇",
                RegionLevel.TOWNSHIP: "村", RegionLevel.VILLAGE: "网格/村民组",
                RegionLevel.GRID: "网格/村民组"}
_FIGURES = (DashboardRollup.cases, DashboardRollup.overdue, DashboardRollup.due_soon,
            DashboardRollup.long_unresolved, DashboardRollup.escalated)


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list]
    note: str = ""
    months: list[date] = field(default_factory=list)  # the trend's months (one per row), else empty


@dataclass
class Dashboard:
    scope: str
    today: str            # the day the figures are counted as of
    freshness: str = ""   # when they were counted, in words
    stale: bool = False   # older than they should be, or not from the roll-up as they should be
    totals: list[tuple[str, int, str]] = field(default_factory=list)  # label, number, testid
    tables: list[Table] = field(default_factory=list)


@dataclass(frozen=True)
class Group:
    """The scope's cases in one state and category, with their deadline figures."""
    state: str
    category: str
    cases: int
    overdue: int
    due_soon: int
    long_unresolved: int
    escalated: int  # open cases whose current step was escalated (逾期升级)


@dataclass
class Figures:
    """What the dashboard is drawn from, from the roll-ups or live."""
    as_of: date
    freshness: str
    stale: bool
    groups: list[Group]
    regions: list[list]                 # [name, open, monitored, overdue, escalated]: each child, then the rest
    risks: dict[str, int]
    trend: dict[tuple[date, str], int]  # (month, series) -> number


def build(user: User, today: date, *, live: bool = False) -> Dashboard:
    """The person's dashboard; ``live``: counted from the cases now, whatever the roll-ups hold
    (the tests and the benchmark compare the two)."""
    return _arrange(user, _live(user, today, "实时统计。", stale=False) if live else figures(user, today))


def figures(user: User, today: date) -> Figures:
    """From the roll-ups, or live (module docstring); at most five statements either way."""
    node = user.region
    if scoping.reach(user) is scoping.Reach.OWN_CASES:
        return _live(user, today, "本人负责的案件，实时统计。", stale=False)
    if node.level == RegionLevel.GRID.value:  # the roll-ups hold no grid's risks nor trend
        return _live(user, today, "实时统计。", stale=False)
    counties, built, refreshed_at, as_of = _last_refresh(node)
    if not counties or built < counties:
        return _live(user, today, f"统计汇总还没有生成（每{REFRESH_MINUTES}分钟生成一次），以下是刚刚实时统计的数据。",
                     stale=True)
    text = f"数据更新于 {_moment(refreshed_at)}（每{REFRESH_MINUTES}分钟更新）"
    stale = clock.now() - refreshed_at > STALE_AFTER
    if stale:
        text += (f"。统计已超过{STALE_AFTER.seconds // 60}分钟没有更新，以下是当时的数据；"
                 "如一直不更新，请联系系统管理员")
    read = _above_county if node.level_enum.above_county else _in_county
    return read(node, as_of, text + "。", stale)


def _moment(moment) -> str:
    local = moment.astimezone(WORK_TZ)
    year = f"{local.year}年" if local.year != clock.now().astimezone(WORK_TZ).year else ""
    return f"{year}{local.month}月{local.day}日 {local:%H:%M}"


def _counties_of(node: Region):
    """The counties whose roll-ups make a node's figures: its own county, or those below it."""
    if node.level_enum.above_county:
        return and_(Region.level == RegionLevel.COUNTY.value, rollups.under(Region.path, node.path))
    return Region.id == node.county_id


def _last_refresh(node: Region) -> tuple:
    """(counties, counties refreshed, the oldest refresh's time and day)."""
    return tuple(db.session.execute(
        select(func.count(Region.id), func.count(DashboardRefresh.id), func.min(DashboardRefresh.refreshed_at),
               func.min(DashboardRefresh.as_of))
        .select_from(Region).outerjoin(DashboardRefresh, DashboardRefresh.region_id == Region.id)
        .where(_counties_of(node))).one())


def _by_child() -> list:
    """A child's open cases, monitored households, overdue and escalated cases, from roll-up rows."""
    state, cases = DashboardRollup.state, DashboardRollup.cases
    return [func.coalesce(func.sum(case((state.in_(OPEN_STATES), cases), else_=0)), 0),
            func.coalesce(func.sum(case((state.in_(MONITORED), cases), else_=0)), 0),
            func.coalesce(func.sum(DashboardRollup.overdue), 0), func.coalesce(func.sum(DashboardRollup.escalated), 0)]


def _with_own(node: Region, children: list[list], groups: list[Group]) -> list[list]:
    """The children's rows, then what lies on the node itself (its count less theirs), if any."""
    own = _four(groups)
    for row in children:
        own = [a - b for a, b in zip(own, row[1:])]
    return children + ([[f"{node.name}（本级）", *own]] if any(own) else [])


def _four(groups: list[Group]) -> list[int]:
    """Open cases, monitored households, overdue cases, escalated cases."""
    return [sum(g.cases for g in groups if g.state in OPEN_STATES),
            sum(g.cases for g in groups if g.state in MONITORED), sum(g.overdue for g in groups),
            sum(g.escalated for g in groups)]


def _in_county(node: Region, as_of: date, freshness: str, stale: bool) -> Figures:
    """The node's rows, and its children's added up by the database: one row per child."""
    groups = [Group(*row) for row in db.session.execute(
        select(DashboardRollup.state, DashboardRollup.category, *_FIGURES).where(DashboardRollup.region_id == node.id))]
    children = [list(row) for row in db.session.execute(
        select(Region.name, *_by_child()).select_from(Region)
        .outerjoin(DashboardRollup, DashboardRollup.region_id == Region.id).where(Region.parent_id == node.id)
        .group_by(Region.id, Region.name, Region.code).order_by(Region.code))]
    risks = dict(db.session.execute(
        select(DashboardRisk.risk_type, DashboardRisk.households).where(DashboardRisk.region_id == node.id)).all())
    trend = {(month, series): n for month, series, n in db.session.execute(
        select(DashboardTrend.month, DashboardTrend.series, DashboardTrend.number)
        .where(DashboardTrend.region_id == node.id))}
    return Figures(as_of, freshness, stale, groups, _with_own(node, children, groups), risks, trend)


def _above_county(node: Region, as_of: date, freshness: str, stale: bool) -> Figures:
    """The rows of the counties below, added up: for the whole area, and for each child (a city,
    or a county itself) over the counties in its subtree. The counties are found through their
    refresh records (one row each), not among every region of the province."""
    county = aliased(Region, name="county")
    counties = (select(county.id, county.path).join(DashboardRefresh, DashboardRefresh.region_id == county.id)
                .where(rollups.under(county.path, node.path)).subquery("refreshed_county"))

    def summed(model, *columns):
        return select(*columns).select_from(counties).join(model, model.region_id == counties.c.id)

    groups = [Group(*row) for row in db.session.execute(
        summed(DashboardRollup, DashboardRollup.state, DashboardRollup.category, *[func.sum(f) for f in _FIGURES])
        .group_by(DashboardRollup.state, DashboardRollup.category))]
    children = [list(row) for row in db.session.execute(
        select(Region.name, *_by_child()).select_from(Region)
        .outerjoin(counties, counties.c.path.startswith(Region.path))
        .outerjoin(DashboardRollup, DashboardRollup.region_id == counties.c.id).where(Region.parent_id == node.id)
        .group_by(Region.id, Region.name, Region.code).order_by(Region.code))]
    risks = dict(db.session.execute(
        summed(DashboardRisk, DashboardRisk.risk_type, func.sum(DashboardRisk.households))
        .group_by(DashboardRisk.risk_type)).all())
    trend = {(month, series): n for month, series, n in db.session.execute(
        summed(DashboardTrend, DashboardTrend.month, DashboardTrend.series, func.sum(DashboardTrend.number))
        .group_by(DashboardTrend.month, DashboardTrend.series))}
    return Figures(as_of, freshness, stale, groups, _with_own(node, children, groups), risks, trend)


def _live(user: User, today: date, freshness: str, stale: bool) -> Figures:
    """The same figures counted now over ``scoping.counted_cases(user)``: grouped by the cases'
    places, which are put under the person's children here (the live count also has cases
    outside the area, assigned to the person: 其他)."""
    node = user.region
    cases = scoping.counted_cases(user)
    children = {path: [name, 0, 0, 0, 0] for path, name in db.session.execute(
        select(Region.path, Region.name).where(Region.parent_id == node.id).order_by(Region.code))}
    own, other = [f"{node.name}（本级）", 0, 0, 0, 0], ["其他（本人负责的案件）", 0, 0, 0, 0]
    summed: dict[tuple[str, str], list[int]] = {}
    for place, state, category, *numbers in db.session.execute(
            rollups.case_leaves(cases, Case.region_path, today, unresolved.flagged_condition(today))):
        key = summed.setdefault((state, category), [0, 0, 0, 0, 0])
        for i, n in enumerate(numbers):
            key[i] += n
        bucket = children.get(_child_of(place, node.path)) or (own if place.startswith(node.path) else other)
        for i, n in enumerate(_four([Group(state, category, *numbers)]), start=1):
            bucket[i] += n
    groups = [Group(state, category, *numbers) for (state, category), numbers in summed.items()]
    risks = dict(db.session.execute(rollups.risk_leaves(cases)).all())
    trend = {(month, series): n for month, series, n in db.session.execute(rollups.trend_leaves(cases, None, today))}
    regions = list(children.values()) + [row for row in (own, other) if any(row[1:])]
    return Figures(today, freshness, stale, groups, regions, risks, trend)


# --- the tables ----------------------------------------------------------------------------------

def _child_of(place: str, node_path: str) -> str | None:
    """The path of the node's child that ``place`` lies in (None: the node itself, or elsewhere)."""
    if not place.startswith(node_path) or place == node_path:
        return None
    return node_path + place[len(node_path):].split("/", 1)[0] + "/"


def _arrange(user: User, f: Figures) -> Dashboard:
    node = user.region
    states: dict[str, int] = {}
    categories: dict[str, int] = {}
    for g in f.groups:
        states[g.state] = states.get(g.state, 0) + g.cases
        if g.state in MONITORED:  # monitored households: one open case each
            categories[g.category] = categories.get(g.category, 0) + g.cases
    opened, monitored, overdue, escalated = _four(f.groups)
    board = Dashboard(scope=node.name, today=f.as_of.isoformat(), freshness=f.freshness, stale=f.stale)
    board.totals = [("在办案件", opened, "open"), ("监测户", monitored, "monitored"), ("已逾期", overdue, "overdue"),
                    ("逾期已升级", escalated, "escalated"),
                    (f"{DUE_SOON_DAYS}天内到期", sum(g.due_soon for g in f.groups), "due-soon"),
                    ("纳入2年以上未消除", sum(g.long_unresolved for g in f.groups), "long-unresolved")]
    level = _CHILD_TITLE[node.level_enum]
    board.tables = [
        Table("state", "案件按环节", ["环节", "案件数"],
              [[s.label, states[s.value]] for s in CaseState if states.get(s.value)],
              "含已办结（未纳入、已合并、风险已消除）的案件。"),
        Table("category", "监测户按类别", ["监测对象类别", "户数"],
              [[c.label, categories.get(c.value, 0)] for c in MonitoringCategory]),
        Table("risk", "监测户按风险类型", ["风险类型", "户数"],
              [[r.label, f.risks[r.value]] for r in RiskType if f.risks.get(r.value)], "一户有多种风险的，分别计入。"),
        Table("region", f"按{level}统计", [level, "在办案件", "监测户", "已逾期", "逾期已升级"], f.regions,
              "图中为在办案件数。逾期已升级：环节逾期满设定天数、已告知上一级的在办案件。"),
        _trend(f),
    ]
    return board


def _trend(f: Figures) -> Table:
    starts = month_starts(f.as_of)
    rows = [[f"{d.year}年{d.month}月"] + [int(f.trend.get((d, code), 0)) for code, _ in TREND_SERIES] for d in starts]
    return Table("trend", "近12个月趋势", ["月份"] + [name for _, name in TREND_SERIES], rows,
                 "新增线索按提交日计，纳入监测按县级确定日计，风险消除按公告日计。", months=starts)


def export(user: User, today: date) -> bytes:
    """Every table of the dashboard, one after another, in one CSV (no personal data)."""
    board = build(user, today)
    lines: list[list] = [["范围", board.scope], ["日期", board.today], ["数据", board.freshness]]
    lines += [[label, n] for label, n, _ in board.totals]
    for table in board.tables:
        lines += [[], [table.title], table.columns, *table.rows]
    return csv_bytes(["守底 统计"], lines)
