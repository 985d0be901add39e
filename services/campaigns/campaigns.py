"""集中排查 campaigns (seed 004): create one, list and read those in scope, the households it
expects to be screened (应排查), the current one of a place, and this year's count against the
``campaigns_per_year`` setting.

A campaign belongs to a county and covers the whole county (``area`` empty) or some of its
townships. County staff create one for the county or some townships; township staff for their
own township. Two campaigns of a county never overlap in time where their areas meet: a
household's screening is its latest visit inside the campaign's window (``window``), so a later
campaign starts fresh.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, or_, select

from core.clock import WORK_TZ
from core.extensions import db
from domain.campaigns import MAX_NAME, MAX_PHASES, Phase, check_phases, default_income_period, default_phases, overlaps
from domain.eligibility import NoMonitoringLine, format_yuan
from domain.enums import RegionLevel, Role
from domain.settings import InvalidSetting, parse_line_amount, parse_line_year
from domain import numbers
from models import Region, ScreeningRound, User
from models.types import utcnow
from services.accounts import scoping
from services.errors import NotFound, PermissionDenied, ValidationFailed
from services.platform import audit
from services.regions import settings

CREATORS = frozenset({Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF})
VIEWERS = frozenset({Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF, Role.CITY_STAFF,
                     Role.PROVINCE_STAFF, Role.GRID_WORKER})
MAX_PHASE_NAME = 30
FIRST_YEAR, LAST_YEAR = 2000, 2100
_LARGEST_ID = 2**31 - 1
_ABOVE_COUNTY = (RegionLevel.PROVINCE.value, RegionLevel.CITY.value)
_ABOVE_TOWNSHIP = _ABOVE_COUNTY + (RegionLevel.COUNTY.value,)


# --- who and where ------------------------------------------------------------------------------

def may_create(user: User) -> bool:
    return user.role_enum in CREATORS


def may_view(user: User) -> bool:
    return user.role_enum in VIEWERS


def require_viewer(user: User) -> None:
    if not may_view(user):
        raise PermissionDenied("您的角色不查看集中排查")


def township_id_of(region: Region) -> int | None:
    """The township a node lies in (itself for a township); None at the county and above."""
    if region.level in _ABOVE_TOWNSHIP:
        return None
    levels = list(RegionLevel)
    below = levels.index(RegionLevel(region.level)) - levels.index(RegionLevel.TOWNSHIP)
    ids = region.ancestor_ids
    return ids[-1 - below] if below < len(ids) else None


def covers(campaign: ScreeningRound, region: Region) -> bool:
    """Does the campaign's area hold this node (a county-level node: the county's campaign)?"""
    if region.county_id != campaign.county_id:
        return False
    township = township_id_of(region)
    return not campaign.area or township is None or township in campaign.area


def year_of(campaign: ScreeningRound) -> int:
    """The campaign's year (a round made before campaigns had one: the year it started)."""
    return campaign.year or campaign.starts_on.year


def window(campaign: ScreeningRound) -> tuple[datetime, datetime]:
    """The campaign's first moment and the moment after its last day, in Beijing time (visits
    are stored in UTC; a visit at 07:00 on the first day belongs to the campaign)."""
    start = datetime.combine(campaign.starts_on, time.min, tzinfo=WORK_TZ)
    end = datetime.combine(campaign.ends_on + timedelta(days=1), time.min, tzinfo=WORK_TZ)
    return start, end


def _visible(actor: User):
    """The campaigns of the counties the actor sees (their own county below it)."""
    region = actor.region
    if region.level in _ABOVE_TOWNSHIP:
        counties = (scoping.regions(actor).where(Region.level == RegionLevel.COUNTY.value)
                    .with_only_columns(Region.id))
        return select(ScreeningRound).where(ScreeningRound.county_id.in_(counties))
    return select(ScreeningRound).where(ScreeningRound.county_id == region.county_id)


def get(actor: User, campaign_id: int) -> ScreeningRound:
    """A campaign in the actor's scope (its county, and for staff below the county, an area
    holding their township); NotFound otherwise."""
    require_viewer(actor)
    if not 0 < campaign_id <= _LARGEST_ID:
        raise NotFound("campaign")
    found = db.session.execute(_visible(actor).where(ScreeningRound.id == campaign_id)).scalars().first()
    if found is None or (actor.region.level not in _ABOVE_COUNTY and not covers(found, actor.region)):
        raise NotFound("campaign")
    return found


def in_scope(actor: User) -> list[ScreeningRound]:
    """Every campaign the actor sees, newest first."""
    require_viewer(actor)
    rows = db.session.execute(_visible(actor).order_by(ScreeningRound.starts_on.desc(),
                                                       ScreeningRound.id.desc())).scalars().all()
    if actor.region.level in _ABOVE_COUNTY:
        return list(rows)
    return [c for c in rows if covers(c, actor.region)]


def current(actor: User, today: date) -> ScreeningRound | None:
    """The campaign running today where the actor works (its area holds their township)."""
    county_id = actor.region.county_id
    if county_id is None:
        return None
    found = db.session.execute(
        select(ScreeningRound).where(ScreeningRound.county_id == county_id, ScreeningRound.starts_on <= today,
                                     ScreeningRound.ends_on >= today)
        .order_by(ScreeningRound.starts_on.desc(), ScreeningRound.id.desc())).scalars().all()
    return next((c for c in found if covers(c, actor.region)), None)


def area_townships(campaign: ScreeningRound) -> list[Region]:
    """The townships the campaign covers (every township of the county for an empty area)."""
    query = select(Region).where(Region.parent_id == campaign.county_id,
                                 Region.level == RegionLevel.TOWNSHIP.value)
    if campaign.area:
        query = query.where(Region.id.in_([int(i) for i in campaign.area]))
    return list(db.session.execute(query.order_by(Region.code)).scalars())


def area_condition(campaign: ScreeningRound):
    """SQL condition on Region: the node lies in the campaign's area."""
    if not campaign.area:
        county = db.session.get(Region, campaign.county_id)
        return Region.path.like(county.path + "%")
    return or_(*[Region.path.like(t.path + "%") for t in area_townships(campaign)])


def households_to_screen(actor: User, campaign: ScreeningRound):
    """应排查: the households of the campaign's area on the register now, within the actor's
    scope (a query: the register, not a list kept when the campaign began)."""
    return scoping.households(actor).where(area_condition(campaign))


def area_text(campaign: ScreeningRound, townships: dict[int, str] | None = None) -> str:
    if not campaign.area:
        return "全县"
    names = townships if townships is not None else {t.id: t.name for t in area_townships(campaign)}
    return "、".join(names.get(int(i), "") for i in campaign.area)


def phases_of(campaign: ScreeningRound) -> list[Phase]:
    return [Phase.of(p) for p in campaign.phases or []]


def current_phase(campaign: ScreeningRound, today: date) -> Phase | None:
    return next((p for p in phases_of(campaign) if p.starts_on <= today <= p.ends_on), None)


def status_of(campaign: ScreeningRound, today: date) -> str:
    if today < campaign.starts_on:
        return "未开始"
    return "已结束" if today > campaign.ends_on else "进行中"


# --- this year's count --------------------------------------------------------------------------

@dataclass(frozen=True)
class YearCount:
    year: int
    held: int        # started by today (已开展)
    planned: int     # of this year, not started yet
    required: int    # campaigns_per_year where the person works

    @property
    def short(self) -> bool:
        """Fewer held and planned than required: the red warning."""
        return self.held + self.planned < self.required

    @property
    def message(self) -> str:
        text = f"今年已开展{self.held}次集中排查，要求每年不少于{self.required}次"
        return text + (f"（另有{self.planned}次已安排）" if self.planned else "")


def year_count(actor: User, today: date) -> YearCount | None:
    """This year's campaigns of the person's county (those covering their township, for staff
    below the county) against the setting where they work; None above the county."""
    region = actor.region
    if region.county_id is None or region.level in _ABOVE_COUNTY:
        return None
    found = db.session.execute(select(ScreeningRound).where(
        ScreeningRound.county_id == region.county_id,
        or_(ScreeningRound.year == today.year,  # a round without a year (older rows): by its start
            and_(ScreeningRound.year.is_(None), ScreeningRound.starts_on >= date(today.year, 1, 1),
                 ScreeningRound.starts_on <= date(today.year, 12, 31))))).scalars().all()
    mine = [c for c in found if covers(c, region)]
    held = sum(1 for c in mine if c.starts_on <= today)
    place = region if region.level == RegionLevel.COUNTY.value else db.session.get(Region, township_id_of(region))
    return YearCount(today.year, held, len(mine) - held, settings.policy_for(place).campaigns_per_year)


# --- creating -----------------------------------------------------------------------------------

@dataclass
class CampaignForm:
    """What the form sends, as typed."""

    name: str = ""
    year: str = ""
    monitoring_line: str = ""
    income_start: str = ""
    income_end: str = ""
    phases: list[tuple[str, str, str]] = field(default_factory=list)  # (name, start, end)
    area: list[str] = field(default_factory=list)                     # township ids


def require_creator(actor: User) -> None:
    if not may_create(actor):
        raise PermissionDenied("只有县级、乡镇工作人员可以新建集中排查")


def choosable_townships(actor: User) -> list[Region]:
    """Townships the creator may pick: the county's (in scope) for county staff, their own for
    township staff."""
    require_creator(actor)
    if actor.role_enum is Role.TOWNSHIP_STAFF:
        return [actor.region]
    return list(db.session.execute(scoping.regions(actor).where(
        Region.parent_id == actor.region_id, Region.level == RegionLevel.TOWNSHIP.value, Region.active.is_(True))
        .order_by(Region.code)).scalars())


def _county(actor: User) -> Region:
    return db.session.get(Region, actor.region.county_id)


def default_line(actor: User, year: int) -> str:
    try:
        return format(settings.monitoring_line(actor.region, year), "f")
    except NoMonitoringLine:
        return ""


def defaults(actor: User, year: int) -> CampaignForm:
    """The new form filled for ``year``: seed 004's timetable, its income period, the line."""
    require_creator(actor)
    start, end = default_income_period(year)
    return CampaignForm(name=f"{year}年防止返贫监测帮扶集中排查", year=str(year),
                        monitoring_line=default_line(actor, year),
                        income_start=start.isoformat(), income_end=end.isoformat(),
                        phases=[(p.name, p.starts_on.isoformat(), p.ends_on.isoformat()) for p in default_phases(year)],
                        area=[str(actor.region_id)] if actor.role_enum is Role.TOWNSHIP_STAFF else [])


def _clean(raw, limit: int) -> str:
    return ("" if raw is None else str(raw)).strip()[:limit * 4]


def _has_control(text: str) -> bool:
    return any(ord(c) < 32 or ord(c) == 127 for c in text)


def _day(raw: str) -> date | None:
    text = raw.strip()
    if len(text) != 10 or not all(c.isascii() for c in text):
        return None
    try:
        found = date.fromisoformat(text)
    except ValueError:
        return None
    return found if FIRST_YEAR <= found.year <= LAST_YEAR else None


def _name(raw, errors: dict) -> str:
    name = _clean(raw, MAX_NAME)
    if not name:
        errors["name"] = "请填写名称，例如“2026年防止返贫监测帮扶集中排查”"
    elif len(name) > MAX_NAME or _has_control(name):
        errors["name"] = f"名称不超过{MAX_NAME}个字，不含特殊字符"
    return name


def _phases(rows: list[tuple[str, str, str]], year: int | None, errors: dict) -> list[Phase]:
    kept: list[tuple[int, Phase]] = []
    for index, (name, start, end) in enumerate(rows[:MAX_PHASES + 4]):
        name, start, end = _clean(name, MAX_PHASE_NAME), _clean(start, 10), _clean(end, 10)
        if not (name or start or end):
            continue
        first, last = _day(start), _day(end)
        if not name or len(name) > MAX_PHASE_NAME or _has_control(name):
            errors[f"phase_{index}"] = f"请填写阶段名称（不超过{MAX_PHASE_NAME}个字）"
        elif first is None or last is None:
            errors[f"phase_{index}"] = "请填写阶段的开始和结束日期（年-月-日）"
        else:
            kept.append((index, Phase(name, first, last)))
    if any(k.startswith("phase_") for k in errors):
        return []
    phases = [p for _, p in kept]
    for key, message in check_phases(phases).items():
        errors[f"phase_{kept[int(key[6:])][0]}" if key.startswith("phase_") else key] = message
    if phases and year is not None and not errors.get("phases") and phases[0].starts_on.year != year:
        errors["phases"] = f"集中排查应在{year}年开始（第一个阶段的开始日期）"
    return phases


def _area(actor: User, raw: list[str], errors: dict) -> list[int]:
    allowed = {t.id: t for t in choosable_townships(actor)}
    if actor.role_enum is Role.TOWNSHIP_STAFF:
        return [actor.region_id]
    chosen = []
    for value in raw[:500]:
        found = numbers.whole(str(value).strip(), 1)
        if found is None or found not in allowed:
            errors["area"] = "请从列表中选择乡镇"
            return []
        if found not in chosen:
            chosen.append(found)
    return [] if len(chosen) == len(allowed) else sorted(chosen, key=lambda i: allowed[i].code)


def _clash(county_id: int, phases: list[Phase], area: list[int]) -> ScreeningRound | None:
    start, end = phases[0].starts_on, phases[-1].ends_on
    others = db.session.execute(select(ScreeningRound).where(
        ScreeningRound.county_id == county_id, ScreeningRound.starts_on <= end,
        ScreeningRound.ends_on >= start)).scalars().all()
    for other in others:
        shared = not area or not other.area or set(area) & {int(i) for i in other.area}
        if shared and overlaps(start, end, other.starts_on, other.ends_on):
            return other
    return None


def create(actor: User, form: CampaignForm) -> ScreeningRound:
    """Create the campaign, or ValidationFailed with every problem under its field."""
    require_creator(actor)
    errors: dict[str, str] = {}
    name = _name(form.name, errors)
    year = None
    try:
        year = parse_line_year(_clean(form.year, 4))
    except InvalidSetting as exc:
        errors["year"] = exc.message
    line = None
    typed_line = _clean(form.monitoring_line, 20)
    if not typed_line and year is not None:
        typed_line = default_line(actor, year)
    try:
        line = parse_line_amount(typed_line)
    except InvalidSetting as exc:
        errors["monitoring_line"] = exc.message
    income_start, income_end = _clean(form.income_start, 10), _clean(form.income_end, 10)
    period = default_income_period(year) if year is not None else (None, None)
    first = _day(income_start) if income_start else period[0]
    last = _day(income_end) if income_end else period[1]
    if income_start and first is None:
        errors["income_start"] = "日期格式应为 年-月-日，例如 2025-05-01"
    if income_end and last is None:
        errors["income_end"] = "日期格式应为 年-月-日，例如 2026-04-30"
    if first and last and last <= first:
        errors["income_end"] = "收入时段的结束日期应晚于开始日期"
    elif first and last and (last - first).days > 366:
        errors["income_end"] = "收入时段不超过一年"
    phases = _phases(form.phases, year, errors)
    area = _area(actor, list(form.area), errors)
    if phases and "phases" not in errors and not any(k.startswith("phase_") for k in errors) and "area" not in errors:
        other = _clash(actor.region.county_id, phases, area)
        if other is not None:
            errors["phases"] = (f"与“{other.name}”（{other.starts_on.isoformat()}至{other.ends_on.isoformat()}）"
                                "在同一地区的时间重叠，请调整阶段日期或排查范围")
    if errors:
        raise ValidationFailed(errors)
    campaign = ScreeningRound(county_id=actor.region.county_id, name=name, year=year, monitoring_line=line,
                              income_start=first, income_end=last, phases=[p.as_dict() for p in phases],
                              area=area, starts_on=phases[0].starts_on, ends_on=phases[-1].ends_on,
                              created_by_id=actor.id, created_at=utcnow())
    db.session.add(campaign)
    db.session.flush()
    audit.record(actor, "create", "screening_round", campaign.id)
    return campaign


def line_text(campaign: ScreeningRound) -> str:
    return f"{format_yuan(campaign.monitoring_line)}元" if campaign.monitoring_line is not None else "未设置"


def region_households(actor: User, campaign: ScreeningRound, region: Region):
    """应排查 households of one node of the area."""
    return households_to_screen(actor, campaign).where(Region.path.like(region.path + "%"))

