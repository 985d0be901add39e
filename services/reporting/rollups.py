"""The dashboard's roll-ups (``models.rollup``): its figures counted ahead of time, per region node,
by the database.

A refresh works one county at a time (every case lies in a county: clues are placed on a
township, village or grid, households on a village or grid). It deletes the county's rows and
writes them again with ``INSERT … SELECT … GROUP BY``, so no case is loaded into Python, and a
reader of the county sees either its old rows or its new ones, never half of each. The queue's
task (``shoudi.queue``, every ``REFRESH_MINUTES``) commits after each county, so one transaction
holds one county's rows however large the province; ``refresh`` does every county inside the
caller's unit of work.

How a county's rows are made: the cases are first grouped by their own region (``case_leaves``,
``risk_leaves``, ``trend_leaves``, the same groups the dashboard's live figures are read from),
then each group is counted for its region and for every ancestor of it up to the county
(``_ancestry``: one branch per step up the tree, joined on ``parent_id``), and summed per node.
"""
from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone
from typing import Callable, Iterator

from sqlalchemy import (ColumnElement, Date, Select, Subquery, Text, and_, case, cast, delete, func, insert,
                        literal, or_, select, text, union_all)
from sqlalchemy.orm import aliased

from core import clock
from core.clock import WORK_TZ
from core.extensions import db
from domain.deadlines import DUE_SOON_DAYS
from domain.enums import RegionLevel, RiskType
from domain.workflow import MONITORED_STATES, Action, CaseState
from models import Case, CaseEvent, Region
from models.rollup import DashboardRefresh, DashboardRisk, DashboardRollup, DashboardTrend
from services.notifications.escalation import escalated_now
from services.reporting import unresolved

REFRESH_MINUTES = 10
MONITORED = tuple(s.value for s in MONITORED_STATES)
NON_TERMINAL = tuple(s.value for s in CaseState if not s.is_terminal)
TREND_MONTHS = 12
# The trend's series: clues opened (the opening event has no action), households included,
# risks eliminated.
OPENED, INCLUDED, ELIMINATED = "opened", "included", "eliminated"
_TREND_ACTIONS = {Action.COUNTY_CONFIRM.value: INCLUDED, Action.ANNOUNCE.value: ELIMINATED}
_COUNTY = RegionLevel.COUNTY.value
_GRID = RegionLevel.GRID.value
# Below a county the levels are fixed: grid → village → township → county is three steps up.
_STEPS_TO_COUNTY = 3
_CASE_FIGURES = ["cases", "overdue", "due_soon", "long_unresolved", "escalated"]


def under(path_column, path: str) -> ColumnElement[bool]:
    """SQL: a region path column names ``path`` or a node below it."""
    return path_column.startswith(path, autoescape=True)


def _sum(condition) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


# --- the cases grouped by their own region: read by the refresh, and live by the dashboard --------

def case_leaves(cases: Select, place, today: date, flagged: ColumnElement[bool]) -> Select:
    """``cases`` (a query of cases) grouped by ``place`` (the case's region id or path), state and
    category ('' for none), with how many there are, how many are overdue and due within
    ``DUE_SOON_DAYS`` on ``today``, how many ``flagged`` (``unresolved.flagged_condition``), and
    how many open cases have their current step escalated (``escalation.escalated_now``)."""
    live = Case.state.in_(NON_TERMINAL) & Case.due_date.is_not(None)
    soon = today + timedelta(days=DUE_SOON_DAYS)
    return (cases.with_only_columns(
        place.label("place"), Case.state.label("state"), func.coalesce(Case.category, "").label("category"),
        func.count(Case.id).label("cases"), _sum(live & (Case.due_date < today)).label("overdue"),
        _sum(live & (Case.due_date >= today) & (Case.due_date <= soon)).label("due_soon"),
        _sum(flagged).label("long_unresolved"), _sum(live & escalated_now()).label("escalated"),
    ).order_by(None).group_by(place, Case.state, Case.category))


def _places(place) -> list:
    return [] if place is None else [place.label("place")]


def risk_leaves(cases: Select, place=None) -> Select:
    """Monitored households of ``cases`` per risk type (and ``place``, if given). ``risk_types``
    is a JSON list: its text holds each code in quotes, which both databases can match, so a
    household with two risks is counted under both, once each."""
    codes = union_all(*[select(literal(code).label("code")) for code in RiskType.codes()]).subquery("risk_code")
    listed = cast(Case.risk_types, Text).like(literal('%"') + codes.c.code + literal('"%'))
    keys = [*_places(place), codes.c.code.label("risk_type")]
    return (cases.with_only_columns(*keys, func.count(Case.id).label("households"), maintain_column_froms=True)
            .join(codes, listed).where(Case.state.in_(MONITORED)).order_by(None)
            .group_by(*([] if place is None else [place]), codes.c.code))


def month_starts(today: date, months: int = TREND_MONTHS) -> list[date]:
    """First days of the last ``months`` calendar months, the current one last."""
    index = today.year * 12 + today.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - months + 1, index + 1)]


def _utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=WORK_TZ).astimezone(timezone.utc)


def trend_leaves(cases: Select, place, as_of: date) -> Select:
    """The trend's steps of ``cases`` per calendar month in Beijing time (its first day) of the
    twelve up to ``as_of`` and series (and ``place``, if given). The month of each step is worked
    out in an inner query and grouped outside it: PostgreSQL does not see that a GROUP BY
    repeating an expression with parameters is the selected one."""
    starts = month_starts(as_of)
    after = date(as_of.year + as_of.month // 12, as_of.month % 12 + 1, 1)
    ends = starts[1:] + [after]
    month = case(*[(CaseEvent.at < _utc(end), literal(start, Date)) for start, end in zip(starts, ends)])
    series = case(*[(CaseEvent.action == action, literal(code)) for action, code in _TREND_ACTIONS.items()],
                  else_=literal(OPENED))
    opened = CaseEvent.action.is_(None) & CaseEvent.from_state.is_(None)
    steps = (cases.with_only_columns(*_places(place), month.label("month"), series.label("series"),
                                     maintain_column_froms=True).order_by(None).join(CaseEvent, CaseEvent.case_id == Case.id)
             .where(CaseEvent.at >= _utc(starts[0]), CaseEvent.at < _utc(after),
                    or_(opened, CaseEvent.action.in_(list(_TREND_ACTIONS)))).subquery("step"))
    keys = [steps.c[k] for k in (["month", "series"] if place is None else ["place", "month", "series"])]
    return select(*keys, func.count().label("number")).group_by(*keys)


# --- from a region's groups to every node above it -------------------------------------------------

def _ancestry(counted: Callable, counted_for: Callable, steps: int) -> Subquery:
    """(descendant_id, ancestor_id): each region that ``counted`` accepts, paired with itself and
    with each ancestor up to ``steps`` steps up that ``counted_for`` accepts."""
    below = aliased(Region, name="below")
    chain, branches = [below], []
    for step in range(steps + 1):
        if step:
            chain.append(aliased(Region, name=f"up{step}"))
        branch = select(below.id.label("descendant_id"), chain[-1].id.label("ancestor_id")).select_from(below)
        for lower, upper in zip(chain, chain[1:]):
            branch = branch.join(upper, upper.id == lower.parent_id)
        branches.append(branch.where(counted(below), counted_for(chain[-1])))
    return union_all(*branches).subquery("ancestry")


def _summed(leaves: Select, ancestry: Subquery, keys: list[str], figures: list[str]) -> Select:
    """The groups of ``leaves`` added up for every ancestor ``ancestry`` pairs their region with."""
    leaf = leaves.subquery("leaf")
    return (select(ancestry.c.ancestor_id, *[leaf.c[k] for k in keys], *[func.sum(leaf.c[f]) for f in figures])
            .select_from(leaf).join(ancestry, ancestry.c.descendant_id == leaf.c.place)
            .group_by(ancestry.c.ancestor_id, *[leaf.c[k] for k in keys]))


# --- the refresh ---------------------------------------------------------------------------------

def _on_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def counties() -> list[tuple[int, str]]:
    """(id, path) of every county, the units a refresh works in."""
    return [tuple(row) for row in db.session.execute(
        select(Region.id, Region.path).where(Region.level == _COUNTY).order_by(Region.id))]


def refresh_county(county_id: int, county_path: str, today: date,
                   flagged: ColumnElement[bool] | None = None) -> DashboardRefresh:
    """Replace the roll-up rows of one county's nodes with figures as of ``today``, and record
    it. ``flagged`` is ``unresolved.flagged_condition(today)``, read once for many counties."""
    started = time.perf_counter()
    if _on_postgresql():
        # Compiling these statements (JIT) took longer than a third of running them.
        db.session.execute(text("SET LOCAL jit = off"))
    # Two refreshes of a county wait for each other here (PostgreSQL; SQLite has one writer).
    record = db.session.execute(select(DashboardRefresh).where(DashboardRefresh.region_id == county_id)
                                .with_for_update()).scalar_one_or_none()
    nodes = select(Region.id).where(under(Region.path, county_path))
    for model in (DashboardRollup, DashboardRisk, DashboardTrend):
        db.session.execute(delete(model).where(model.region_id.in_(nodes)))

    cases = select(Case).where(under(Case.region_path, county_path))

    def in_county(region) -> ColumnElement[bool]:
        return under(region.path, county_path)

    def from_village_up(region) -> ColumnElement[bool]:
        return and_(in_county(region), region.level != _GRID)

    flagged = flagged if flagged is not None else unresolved.flagged_condition(today)
    db.session.execute(insert(DashboardRollup).from_select(
        ["region_id", "state", "category", *_CASE_FIGURES],
        _summed(case_leaves(cases, Case.region_id, today, flagged),
                _ancestry(in_county, in_county, _STEPS_TO_COUNTY), ["state", "category"], _CASE_FIGURES)))
    # Risks and the trend from the village up: a grid is read by its grid worker, who counts
    # their own cases live.
    db.session.execute(insert(DashboardRisk).from_select(
        ["region_id", "risk_type", "households"],
        _summed(risk_leaves(cases, Case.region_id), _ancestry(in_county, from_village_up, _STEPS_TO_COUNTY),
                ["risk_type"], ["households"])))
    db.session.execute(insert(DashboardTrend).from_select(
        ["region_id", "month", "series", "number"],
        _summed(trend_leaves(cases, Case.region_id, today), _ancestry(in_county, from_village_up, _STEPS_TO_COUNTY),
                ["month", "series"], ["number"])))

    if record is None:
        record = DashboardRefresh(region_id=county_id)
        db.session.add(record)
    record.as_of, record.refreshed_at = today, clock.now()
    record.duration_ms = round((time.perf_counter() - started) * 1000)
    db.session.flush()
    return record


def drop_rows_of_gone_regions() -> None:
    """Rows of regions that no longer exist (merged into another): the merge moved their cases,
    which the refresh of their new county counts."""
    for model in (DashboardRollup, DashboardRisk, DashboardTrend, DashboardRefresh):
        db.session.execute(delete(model).where(model.region_id.not_in(select(Region.id))))


def refresh_each(today: date) -> Iterator[int]:
    """Refresh every county, yielding each county's id when its rows are written, so that the
    caller may commit county by county; then drop the rows of regions that are gone."""
    flagged = unresolved.flagged_condition(today)
    for county_id, county_path in counties():
        refresh_county(county_id, county_path, today, flagged)
        yield county_id
    drop_rows_of_gone_regions()
    if _on_postgresql():
        # Every row was replaced: without fresh statistics the planner may read a whole roll-up
        # table for one node (it did, after the first build, at 100 times the cost).
        db.session.execute(text("ANALYZE dashboard_rollup, dashboard_risk, dashboard_trend, dashboard_refresh"))


def refresh(today: date) -> None:
    """Recompute every roll-up as of ``today`` in the caller's unit of work."""
    for _ in refresh_each(today):
        pass
