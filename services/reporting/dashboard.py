"""The dashboard of a scope: cases by state, monitored households by category, risk type and
region, deadlines, and a twelve-month trend — each as a table (the page draws its chart).

Every figure is an aggregate query (GROUP BY or conditional sums) over ``scoping.counted_cases(user)``,
so the database counts and Python only arranges the groups (states, regions with cases,
distinct lists of risk types), whatever the number of cases (bench/bench_dashboard.py). Monitored households are the cases in a monitored state (one open case per
household). Months are calendar months in Beijing time.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import Text, and_, case, cast, func, or_, select

from core.clock import WORK_TZ
from core.extensions import db
from domain.deadlines import DUE_SOON_DAYS
from domain.enums import MonitoringCategory, RegionLevel, RiskType
from domain.workflow import Action, CaseState
from models import Case, CaseEvent, Region, User
from services.accounts import scoping
from services.notifications.reminders import MONITORED, NON_TERMINAL
from services.reporting import unresolved
from services.reporting.overdue import csv_bytes

OPEN_STATES = tuple(s.value for s in CaseState if s.is_open)
TREND_MONTHS = 12
# (series code, label): clues opened, households included, risks eliminated.
TREND_SERIES = (("opened", "新增线索"), ("included", "纳入监测"), ("eliminated", "风险消除"))
_TREND_ACTIONS = {Action.COUNTY_CONFIRM.value: "included", Action.ANNOUNCE.value: "eliminated"}
# Regions are listed by the level below the person's own node.
_CHILD_TITLE = {RegionLevel.PROVINCE: "地市", RegionLevel.CITY: "县", RegionLevel.COUNTY: "乡镇",
                RegionLevel.TOWNSHIP: "村", RegionLevel.VILLAGE: "网格/村民组",
                RegionLevel.GRID: "网格/村民组"}


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
    today: str
    totals: list[tuple[str, int, str]] = field(default_factory=list)  # label, number, testid
    tables: list[Table] = field(default_factory=list)


def build(user: User, today: date) -> Dashboard:
    """Five queries: states and categories, regions (which also give the totals), risk types,
    the trend, and the cases monitored long enough for the two-year analysis
    (``services.reporting.unresolved``)."""
    board = Dashboard(scope=user.region.name, today=today.isoformat())
    by_state, by_category = _states_and_categories(user)
    by_region, totals = _regions(user, today)
    board.totals = [("在办案件", totals[0], "open"), ("监测户", totals[1], "monitored"),
                    ("已逾期", totals[2], "overdue"), (f"{DUE_SOON_DAYS}天内到期", totals[3], "due-soon"),
                    ("纳入2年以上未消除", unresolved.count(user, today), "long-unresolved")]
    board.tables = [by_state, by_category, _by_risk(user), by_region, _trend(user, today)]
    return board


def _scoped(user: User, *columns):
    """``scoping.counted_cases`` with other columns: the same joins and scope condition."""
    return scoping.counted_cases(user).with_only_columns(*columns).order_by(None)


def _sum(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _table(key: str, title: str, columns: list[str], rows: list[list], note: str = "") -> Table:
    return Table(key, title, columns, rows, note)


def _states_and_categories(user: User) -> tuple[Table, Table]:
    grouped = db.session.execute(
        _scoped(user, Case.state, Case.category, func.count(Case.id)).group_by(Case.state, Case.category)).all()
    states: dict[str, int] = {}
    categories: dict[str | None, int] = {}
    for state, category, n in grouped:
        states[state] = states.get(state, 0) + n
        if state in MONITORED:  # monitored households: one open case each
            categories[category] = categories.get(category, 0) + n
    by_state = _table("state", "案件按环节", ["环节", "案件数"],
                      [[s.label, states[s.value]] for s in CaseState if states.get(s.value)],
                      "含已办结（未纳入、已合并、风险已消除）的案件。")
    by_category = _table("category", "监测户按类别", ["监测对象类别", "户数"],
                         [[c.label, categories.get(c.value, 0)] for c in MonitoringCategory])
    return by_state, by_category


def _by_risk(user: User) -> Table:
    # risk_types is a JSON list: the database groups the households by their list of types (as
    # text, which both SQLite and PostgreSQL can group), and the few distinct lists are split
    # here. A household with two risks counts under both.
    text = cast(Case.risk_types, Text)
    grouped = db.session.execute(
        _scoped(user, text, func.count(Case.id)).where(Case.state.in_(MONITORED)).group_by(text)).all()
    counts: dict[str, int] = {}
    for codes, n in grouped:
        for code in set(json.loads(codes or "[]")):
            counts[code] = counts.get(code, 0) + n
    rows = [[r.label, counts[r.value]] for r in RiskType if counts.get(r.value)]
    return _table("risk", "监测户按风险类型", ["风险类型", "户数"], rows, "一户有多种风险的，分别计入。")


def _regions(user: User, today: date) -> tuple[Table, list[int]]:
    """Per region with cases: open, monitored, overdue and due soon; rolled up here into the
    level below the person's node (townships for a county, villages for a township...)."""
    live = Case.state.in_(NON_TERMINAL) & Case.due_date.is_not(None)
    grouped = db.session.execute(_scoped(
        user, Region.path, _sum(Case.state.in_(OPEN_STATES)), _sum(Case.state.in_(MONITORED)),
        _sum(live & (Case.due_date < today)),
        _sum(live & (Case.due_date >= today) & (Case.due_date <= today + timedelta(days=DUE_SOON_DAYS))),
    ).group_by(Region.path)).all()
    children = list(db.session.execute(
        select(Region).where(Region.parent_id == user.region_id).order_by(Region.code)).scalars())
    buckets: dict[str, list] = {c.path: [c.name, 0, 0, 0] for c in children}
    own = [f"{user.region.name}（本级）", 0, 0, 0]
    other = ["其他（本人负责的案件）", 0, 0, 0]
    totals = [0, 0, 0, 0]
    for path, *numbers in grouped:
        target = next((b for p, b in buckets.items() if path.startswith(p)), None)
        if target is None:
            target = own if path.startswith(user.region.path) else other
        for i, n in enumerate(numbers):
            totals[i] += int(n or 0)
            if i < 3:
                target[i + 1] += int(n or 0)
    rows = list(buckets.values()) + [r for r in (own, other) if any(r[1:])]
    level = _CHILD_TITLE[user.region.level_enum]
    table = _table("region", f"按{level}统计", [level, "在办案件", "监测户", "已逾期"], rows, "图中为在办案件数。")
    return table, totals


def month_starts(today: date, months: int = TREND_MONTHS) -> list[date]:
    """First days of the last ``months`` calendar months, the current one last."""
    index = today.year * 12 + today.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - months + 1, index + 1)]


def _utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=WORK_TZ).astimezone(timezone.utc)


def _trend(user: User, today: date) -> Table:
    starts = month_starts(today)
    ends = starts[1:] + [date(starts[-1].year + starts[-1].month // 12, starts[-1].month % 12 + 1, 1)]
    opened = CaseEvent.action.is_(None) & CaseEvent.from_state.is_(None)
    sums = [_sum(and_(CaseEvent.at >= _utc(lo), CaseEvent.at < _utc(hi))).label(f"m{i}")
            for i, (lo, hi) in enumerate(zip(starts, ends))]
    query = (_scoped(user, CaseEvent.action, *sums).join(CaseEvent, CaseEvent.case_id == Case.id)
             .where(CaseEvent.at >= _utc(starts[0]), CaseEvent.at < _utc(ends[-1]),
                    or_(opened, CaseEvent.action.in_(list(_TREND_ACTIONS))))
             .group_by(CaseEvent.action))
    values = {code: [0] * len(starts) for code, _ in TREND_SERIES}
    for row in db.session.execute(query):
        code = _TREND_ACTIONS.get(row.action, "opened")
        values[code] = [a + int(b or 0) for a, b in zip(values[code], row[1:])]
    labels = [f"{d.year}年{d.month}月" for d in starts]
    rows = [[labels[i]] + [values[code][i] for code, _ in TREND_SERIES] for i in range(len(starts))]
    return Table("trend", "近12个月趋势", ["月份"] + [name for _, name in TREND_SERIES], rows,
                 "新增线索按提交日计，纳入监测按县级确定日计，风险消除按公告日计。", months=starts)


def export(user: User, today: date) -> bytes:
    """Every table of the dashboard, one after another, in one CSV (no personal data)."""
    board = build(user, today)
    lines: list[list] = [["范围", board.scope], ["日期", board.today]]
    lines += [[label, n] for label, n, _ in board.totals]
    for table in board.tables:
        lines += [[], [table.title], table.columns, *table.rows]
    return csv_bytes(["守底 统计"], lines)
