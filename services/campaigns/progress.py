"""A campaign's progress (集中排查进度), per township → village → grid → grid worker.

For the node being looked at, each row below it counts: households to screen (应排查: the area's
households on the register now), screened (已排查: a visit inside the campaign's window; its
latest visit says at home or remote — phone, WeChat, QQ, video), households that visit flagged
as should-be-monitored, new clues raised (cases of source 干部排查/网格反馈 with their clue date in
the window), and the households screened for the first time this week and the week before
(weeks close on Friday, ``domain.campaigns.week_ending``). Who is behind: the rows with the
lowest share screened first, and the grid workers who recorded no visit this week.

Counted with a handful of aggregate queries grouped by the households' (cases') region node,
then added up to the rows in Python over the region tree: never one query per household.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, exists, func, select

from core.clock import WORK_TZ
from core.extensions import db
from domain.campaigns import previous_week, week_ending
from domain.enums import CaseSource, RegionLevel, Role
from domain.fieldwork import VisitMethod
from models import Case, Household, Region, ScreeningRound, User, Visit
from services.accounts import scoping
from services.campaigns import campaigns
from services.errors import NotFound

CHILD_NAMES = {RegionLevel.COUNTY.value: "乡镇", RegionLevel.TOWNSHIP.value: "村（社区）",
               RegionLevel.VILLAGE.value: "网格", RegionLevel.GRID.value: "网格员"}
DIRECT = "村直属（未分网格）"
BEHIND_LIMIT = 5


@dataclass(frozen=True)
class Row:
    key: str
    name: str
    to_screen: int | None     # None for a grid worker: the grid's households are shared
    screened: int = 0
    home: int = 0
    remote: int = 0
    flagged: int = 0
    clues: int = 0
    this_week: int = 0
    last_week: int = 0
    drill: str | None = None  # the region code to look into

    @property
    def share(self) -> int | None:
        """Percent screened, rounded down (100 only when every household is screened)."""
        if not self.to_screen:
            return None
        return min(100, self.screened * 100 // self.to_screen)

    @property
    def share_text(self) -> str:
        return "—" if self.share is None else f"{self.share}%"

    @property
    def left(self) -> int | None:
        return None if self.to_screen is None else max(0, self.to_screen - self.screened)

    @property
    def trend(self) -> int:
        return self.this_week - self.last_week


@dataclass(frozen=True)
class Crumb:
    code: str
    name: str


@dataclass(frozen=True)
class Progress:
    region: Region
    crumbs: list[Crumb]      # from the top the person may look at down to the region
    child_label: str
    rows: list[Row]
    total: Row
    week: date               # the Friday closing the week counted as 本周
    behind: list[Row]
    idle_workers: list[str]  # grid workers with no visit this week

    @property
    def week_start(self) -> date:
        return self.week - timedelta(days=6)

    @property
    def last_week(self) -> date:
        return previous_week(self.week)


def _moment(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=WORK_TZ)


def reference_day(campaign: ScreeningRound, today: date) -> date:
    """The day whose week is 本周: today, kept inside the campaign's days."""
    return min(max(today, campaign.starts_on), campaign.ends_on)


def _top(actor: User, campaign: ScreeningRound) -> Region:
    """Where the person starts: the campaign's county, or their own node below it."""
    if actor.region.level in (RegionLevel.COUNTY.value, RegionLevel.CITY.value, RegionLevel.PROVINCE.value):
        return db.session.get(Region, campaign.county_id)
    return actor.region


def resolve(actor: User, campaign: ScreeningRound, code: str | None) -> tuple[Region, Region]:
    """(the top node, the node looked at). A code outside the person's scope, the campaign's
    county or its area is NotFound, as for a code that does not exist."""
    top = _top(actor, campaign)
    if not code:
        return top, top
    text = str(code)
    if len(text) > 20 or not text.isascii() or not text.replace("-", "").replace("_", "").isalnum():
        raise NotFound("region")
    region = scoping.region_by_code(actor, text)
    if region is None or not top.contains(region) or not campaigns.covers(campaign, region):
        raise NotFound("region")
    return top, region


def progress(actor: User, campaign: ScreeningRound, code: str | None, today: date) -> Progress:
    campaigns.require_viewer(actor)
    top, region = resolve(actor, campaign, code)
    week = week_ending(reference_day(campaign, today))
    view = _in_view(actor, campaign, region)
    nodes = _nodes(actor, view)
    children = [n for n in nodes.values() if n.parent_id == region.id]
    by_worker = not children and region.level in (RegionLevel.GRID.value, RegionLevel.VILLAGE.value)
    to_screen = _households(actor, view)
    screened = _screenings(actor, campaign, view, week, by_worker)
    clues = _clues(actor, campaign, view, by_worker)
    if by_worker:
        rows = _worker_rows(actor, region, screened, clues)
    else:
        rows = _region_rows(region, nodes, children, to_screen, screened, clues)
    # A worker's row has no households of its own: the node's count is the total's.
    total = _sum(Row(region.code, region.name, sum(to_screen.values())), rows)
    behind = sorted((r for r in rows if r.share is not None and r.share < 100),
                    key=lambda r: (r.share, -(r.left or 0), r.key))[:BEHIND_LIMIT]
    idle = _idle_workers(actor, view, week)
    label = CHILD_NAMES[RegionLevel.GRID.value] if by_worker else CHILD_NAMES.get(region.level, "")
    return Progress(region, _crumbs(top, region), label, rows, total, week, behind, idle)


def _crumbs(top: Region, region: Region) -> list[Crumb]:
    ids = region.ancestor_ids
    chain = ids[ids.index(top.id):] if top.id in ids else [region.id]
    names = dict(db.session.execute(select(Region.id, Region.name).where(Region.id.in_(chain))).all())
    codes = dict(db.session.execute(select(Region.id, Region.code).where(Region.id.in_(chain))).all())
    return [Crumb(codes[i], names[i]) for i in chain]


def _in_view(actor: User, campaign: ScreeningRound, region: Region):
    """SQL condition on Region: under the node, inside the person's scope and the area."""
    condition = and_(Region.path.like(region.path + "%"), scoping.region_condition(actor))
    if region.level == RegionLevel.COUNTY.value and campaign.area:
        condition = and_(condition, campaigns.area_condition(campaign))
    return condition


def _nodes(actor: User, view) -> dict[int, Region]:
    found = db.session.execute(scoping.regions(actor).where(view)).scalars()
    return {n.id: n for n in found}


def _households(actor: User, view) -> dict[int, int]:
    """应排查 per household node."""
    query = (scoping.households(actor).where(view)
             .with_only_columns(Household.region_id, func.count(Household.id)).group_by(Household.region_id))
    return dict(db.session.execute(query).all())


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _screenings(actor: User, campaign: ScreeningRound, view, week: date, by_worker: bool
                ) -> dict[int, tuple[int, ...]]:
    """Per household node (or per worker): (screened, home, flagged, this week, last week).

    The household's latest visit in the window is its screening (method, should-monitor); its
    first visit in the window dates when it was screened for the first time."""
    start, end = campaigns.window(campaign)
    ranked = (scoping.households(actor).join(Visit, Visit.household_id == Household.id)
              .where(view, Visit.visited_at >= start, Visit.visited_at < end)
              .with_only_columns(
                  Household.region_id.label("node"), Visit.worker_id.label("worker"), Visit.method.label("method"),
                  Visit.should_monitor.label("flag"), Visit.visited_at.label("at"),
                  func.row_number().over(partition_by=Visit.household_id,
                                         order_by=(Visit.visited_at.desc(), Visit.id.desc())).label("latest"),
                  func.row_number().over(partition_by=Visit.household_id,
                                         order_by=(Visit.visited_at, Visit.id)).label("earliest"))
              .subquery())
    this_start, this_end = _moment(week - timedelta(days=6)), _moment(week + timedelta(days=1))
    last_start = _moment(previous_week(week) - timedelta(days=6))
    latest, earliest = ranked.c.latest == 1, ranked.c.earliest == 1
    key = ranked.c.worker if by_worker else ranked.c.node
    query = (select(key, _count_if(latest), _count_if(and_(latest, ranked.c.method == VisitMethod.HOME.value)),
                    _count_if(and_(latest, ranked.c.flag.is_(True))),
                    _count_if(and_(earliest, ranked.c.at >= this_start, ranked.c.at < this_end)),
                    _count_if(and_(earliest, ranked.c.at >= last_start, ranked.c.at < this_start)))
             .where(latest | earliest).group_by(key))
    return {row[0]: tuple(int(v) for v in row[1:]) for row in db.session.execute(query)}


def _clues(actor: User, campaign: ScreeningRound, view, by_worker: bool) -> dict[int, int]:
    """New clues raised by the screening: cases of source 干部排查/网格反馈 dated in the window,
    per case node (or per reporter)."""
    key = Case.reported_by_id if by_worker else Case.region_id
    query = (scoping.with_region(scoping.counted_cases(actor))
             .where(view, Case.source == CaseSource.GRID_VISIT.value,
                    Case.clue_date >= campaign.starts_on, Case.clue_date <= campaign.ends_on)
             .with_only_columns(key, func.count(Case.id)).group_by(key))
    return {k: n for k, n in db.session.execute(query).all() if k is not None}


def _row(key: str, name: str, to_screen: int | None, figures: tuple[int, ...], clues: int,
         drill: str | None = None) -> Row:
    screened, home, flagged, this_week, last_week = figures or (0, 0, 0, 0, 0)
    return Row(key, name, to_screen, screened, home, screened - home, flagged, clues, this_week, last_week, drill)


def _sum(base: Row, rows: list[Row]) -> Row:
    return replace(base, screened=sum(r.screened for r in rows), home=sum(r.home for r in rows),
                   remote=sum(r.remote for r in rows), flagged=sum(r.flagged for r in rows),
                   clues=sum(r.clues for r in rows), this_week=sum(r.this_week for r in rows),
                   last_week=sum(r.last_week for r in rows))


def _region_rows(region: Region, nodes: dict[int, Region], children: list[Region], to_screen: dict[int, int],
                 screened: dict[int, tuple[int, ...]], clues: dict[int, int]) -> list[Row]:
    """One row per child node; a village's households placed on the village itself (not on a
    grid) make a row of their own."""
    depth = len(region.ancestor_ids)
    parts: dict[int, list] = defaultdict(lambda: [0, [0, 0, 0, 0, 0], 0])
    for source, slot in ((to_screen, 0), (screened, 1), (clues, 2)):
        for node_id, value in source.items():
            node = nodes.get(node_id)
            if node is None:
                continue
            ids = node.ancestor_ids
            child = ids[depth] if len(ids) > depth else region.id
            if slot == 1:
                parts[child][1] = [a + b for a, b in zip(parts[child][1], value)]
            else:
                parts[child][slot] += value
    rows = [_row(c.code, c.name, parts[c.id][0], tuple(parts[c.id][1]), parts[c.id][2], c.code)
            for c in sorted(children, key=lambda c: c.code)]
    if region.id in parts:
        own = parts[region.id]
        rows.append(_row(region.code + "-direct", DIRECT, own[0], tuple(own[1]), own[2]))
    return rows


def _worker_rows(actor: User, region: Region, screened: dict[int, tuple[int, ...]], clues: dict[int, int]
                 ) -> list[Row]:
    """One row per grid worker of the node, and per anyone else who screened there."""
    bound = db.session.execute(scoping.users(actor).where(
        User.region_id == region.id, User.role == Role.GRID_WORKER.value)).scalars().all()
    ids = {u.id for u in bound} | set(screened) | set(clues)
    names = dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all()) if ids else {}
    order = [u.id for u in sorted(bound, key=lambda u: u.full_name)]
    order += sorted((i for i in ids if i not in order), key=lambda i: names.get(i, ""))
    return [_row(f"worker-{i}", names.get(i, ""), None, screened.get(i, ()), clues.get(i, 0)) for i in order]


def _idle_workers(actor: User, view, week: date) -> list[str]:
    """Active grid workers of the node's area who recorded no visit in this week."""
    start, end = _moment(week - timedelta(days=6)), _moment(week + timedelta(days=1))
    visited = exists().where(Visit.worker_id == User.id, Visit.visited_at >= start, Visit.visited_at < end)
    found = db.session.execute(
        scoping.users(actor).where(view, User.role == Role.GRID_WORKER.value,
                                   User.active.is_(True), ~visited)
        .with_only_columns(User.full_name).order_by(User.full_name)).scalars()
    return list(found)
