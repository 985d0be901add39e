"""The settings page (参数设置) of a region: every value with where it comes from and its history,
the yearly monitoring lines, 低保 standards and 部门筛查预警标准 (for a chosen year), and the years a
county has not set its own line (flagged on its landing page). Reading and changing the values is
``services.regions.settings`` (the warning figures: ``services.regions.warning_thresholds``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from core.clock import WORK_TZ
from core.extensions import db
from domain import dibao
from domain.eligibility import format_yuan
from domain.enums import RegionLevel, Role
from domain.settings import (
    LINE_SOURCES,
    SETTING_FIELDS,
    SETTING_SOURCES,
    InvalidSetting,
    LineYear,
    carried_line,
    format_setting,
    line_years,
    parse_setting,
    range_text,
)
from domain.warnings import THRESHOLD_FIELDS, THRESHOLD_NOTES, Thresholds
from models import DibaoStandard, MonitoringLine, Region, RegionPolicy, SettingChange, User
from services.accounts import scoping
from services.regions import warning_thresholds
from services.regions.settings import (
    DIBAO_KEY,
    LINE_KEY,
    LEVEL_SETTING,
    lines_along,
    may_change,
    policy_for,
    region_for,
    regions_for,
    standards_along,
)

# --- the settings page ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Origin:
    """Where a value comes from: the default (with its seed) or a region's own setting."""

    text: str                 # 默认值（依据：…） / 县级设置（示范县）
    quote: str = ""           # the seed's words, for a default
    note: str = ""
    region_id: int | None = None  # the region whose setting it is
    here: bool = False        # set on the region shown


@dataclass(frozen=True)
class HistoryRow:
    at: str
    who: str
    old: str
    new: str
    reason: str
    year: int | None = None   # the year a yearly value was set for
    change_id: int = 0        # orders the changes of several years in one list


@dataclass(frozen=True)
class SettingRow:
    key: str
    label: str
    value: str         # the effective value, as shown
    raw: str           # the effective value, as typed back into the form
    range: str
    origin: Origin
    own: str | None    # this region's own value, None when inherited
    history: list[HistoryRow] = field(default_factory=list)


@dataclass(frozen=True)
class LineRow:
    year: int
    amount: str | None      # "7,000", None before the first line
    raw: str                # for the form
    from_year: int | None
    origin: Origin | None   # of the line that applies (its own year's or the carried one)
    own_here: bool          # this region set this year itself
    history: list[HistoryRow] = field(default_factory=list)

    @property
    def carried(self) -> bool:
        return self.from_year is not None and self.from_year != self.year


@dataclass(frozen=True)
class PickerItem:
    id: int
    label: str


@dataclass(frozen=True)
class SettingsPage:
    region_id: int
    region_name: str
    region_level: str
    chain: str
    editable: bool
    rows: list[SettingRow]
    lines: list[LineRow]
    year: int
    gap: LineRow | None        # this year has no line of its own: the carried one
    picker: list[PickerItem]
    removed_line_years: list[LineRow]  # years whose line this region set and removed (history only)
    dibao: list["DibaoRow"] = field(default_factory=list)
    dibao_gap: "DibaoRow | None" = None     # this year has no 低保标准 of its own
    removed_dibao_years: list["DibaoRow"] = field(default_factory=list)
    dibao_phaseout_months: int = 12         # the effective setting, for the page's explanation
    warnings: "WarningSection | None" = None


@dataclass(frozen=True)
class WarningRow:
    """One figure of 部门筛查预警标准 for the year shown."""

    key: str
    label: str
    value: str               # "10,000元"
    raw: str                 # for the form: "10000"
    range: str
    origin: Origin
    from_year: int | None    # the year whose setting applies; None for the default
    year: int                # the year shown
    history: list[HistoryRow] = field(default_factory=list)

    @property
    def carried(self) -> bool:
        return self.from_year is not None and self.from_year != self.year


@dataclass(frozen=True)
class OwnWarning:
    """A figure this region set itself for a year (each can be removed)."""

    key: str
    label: str
    year: int
    value: str


@dataclass(frozen=True)
class WarningSection:
    year: int
    rows: list[WarningRow]
    own: list[OwnWarning]


@dataclass(frozen=True)
class DibaoRow:
    year: int
    rural: str | None          # "6,000" (元/人·年); None when no standard applies
    urban: str | None          # "575" (元/人·月)
    raw_rural: str             # for the form
    raw_urban: str
    from_year: int | None      # the year whose standard applies
    origin: Origin | None
    own_here: bool
    township_relief: str = ""  # 临时救助: 3 × the urban standard
    emergency_relief: str = ""  # 急难型, 2 people or more: at least 8 ×
    history: list[HistoryRow] = field(default_factory=list)

    @property
    def carried(self) -> bool:
        return self.from_year is not None and self.from_year != self.year


def _origin_of_region(region: Region, shown: Region) -> Origin:
    prefix = LEVEL_SETTING.get(region.level, "设置")
    return Origin(f"{prefix}（{region.name}）", region_id=region.id, here=region.id == shown.id)


def _default_origin(key: str) -> Origin:
    source = SETTING_SOURCES[key]
    return Origin(source.label, quote=source.quote, note=source.note)


def _format_own(key: str, value: str | None) -> str:
    if value is None:
        return "（沿用上级或默认值）"
    if key == LINE_KEY:
        return f"{format_yuan(Decimal(value))}元"
    if key == DIBAO_KEY:
        return dibao.words(value)
    if key.startswith(warning_thresholds.KEY_PREFIX):
        return warning_thresholds.format_threshold(key.removeprefix(warning_thresholds.KEY_PREFIX), value)
    try:
        return format_setting(key, parse_setting(key, value))
    except InvalidSetting:
        return value


def _history_rows(region: Region) -> dict[tuple[str, int | None], list[HistoryRow]]:
    query = (select(SettingChange, User.full_name, User.role).outerjoin(User, SettingChange.user_id == User.id)
             .where(SettingChange.region_id == region.id)
             .order_by(SettingChange.at.desc(), SettingChange.id.desc()))
    found: dict[tuple[str, int | None], list[HistoryRow]] = {}
    for change, name, role in db.session.execute(query):
        who = f"{name}（{Role(role).label}）" if name else "系统"
        found.setdefault((change.key, change.year), []).append(HistoryRow(
            at=change.at.astimezone(WORK_TZ).strftime("%Y-%m-%d %H:%M"), who=who,
            old=_format_own(change.key, change.old_value), new=_format_own(change.key, change.new_value),
            reason=change.reason, year=change.year, change_id=change.id))
    return found


def page(user: User, region: Region, year: int, warning_year: int | None = None) -> SettingsPage:
    """Every setting of ``region`` with its effective value, its origin and its history, the
    monitoring line of every year up to ``year``, and the warning figures of ``warning_year``
    (default ``year``)."""
    region = region_for(user, region.id)
    chain_regions = {r.id: r for r in db.session.execute(
        select(Region).where(Region.id.in_(region.ancestor_ids))).scalars()}
    chain = [rid for rid in region.ancestor_ids if rid in chain_regions]
    history = _history_rows(region)

    overrides = db.session.execute(select(RegionPolicy).where(RegionPolicy.region_id.in_(chain))).scalars().all()
    nearest: dict[str, RegionPolicy] = {}
    depth = {rid: i for i, rid in enumerate(chain)}
    for row in sorted(overrides, key=lambda r: depth[r.region_id]):
        nearest[row.key] = row
    effective = policy_for(region)
    rows = []
    for key, (label, _low, _high) in SETTING_FIELDS.items():
        value = getattr(effective, key)
        set_at = nearest.get(key)
        origin = _origin_of_region(chain_regions[set_at.region_id], region) if set_at else _default_origin(key)
        own = set_at.value if set_at is not None and set_at.region_id == region.id else None
        rows.append(SettingRow(key=key, label=label, value=format_setting(key, value), raw=str(value),
                               range=range_text(key), origin=origin, own=own, history=history.get((key, None), [])))

    line_rows = db.session.execute(select(MonitoringLine).where(MonitoringLine.region_id.in_(chain))).scalars().all()
    line_origin: dict[int, Origin] = {y: Origin(s.label, quote=s.quote, note=s.note) for y, s in LINE_SOURCES.items()}
    for row in sorted(line_rows, key=lambda r: depth[r.region_id]):
        line_origin[row.year] = _origin_of_region(chain_regions[row.region_id], region)
    own_years = {row.year for row in line_rows if row.region_id == region.id}
    lines = lines_along(chain, line_rows)
    shown = [_line_row(y, line_origin, own_years, history) for y in line_years(lines, year)]
    shown_years = {r.year for r in shown}
    removed = [_line_row(LineYear(y, None, None), line_origin, own_years, history)
               for (key, y) in history if key == LINE_KEY and y not in shown_years]
    gap_year = carried_line(lines, year)
    gap = None if gap_year.own else _line_row(gap_year, line_origin, own_years, history)
    picker = _picker(regions_for(user)) if may_change(user) else []
    dibao_rows, dibao_gap, dibao_removed = _dibao_rows(region, chain, chain_regions, history, year)
    return SettingsPage(region_id=region.id, region_name=region.name, region_level=region.level_enum.label,
                        chain=" / ".join(chain_regions[rid].name for rid in chain), editable=may_change(user),
                        rows=rows, lines=shown, year=year, gap=gap, picker=picker,
                        removed_line_years=sorted(removed, key=lambda r: -r.year),
                        dibao=dibao_rows, dibao_gap=dibao_gap, removed_dibao_years=dibao_removed,
                        dibao_phaseout_months=effective.dibao_phaseout_months,
                        warnings=_warning_section(region, chain_regions, history, warning_year or year))


def _warning_section(region: Region, chain_regions: dict[int, Region],
                     history: dict[tuple[str, int | None], list[HistoryRow]], year: int) -> WarningSection:
    applying = warning_thresholds.applying_rows(region, year)
    defaults = Thresholds()
    rows = []
    for key, (label, _low, _high) in THRESHOLD_FIELDS.items():
        found = applying.get(key)
        value = getattr(defaults, key) if found is None else found.value
        origin = (Origin("默认值", note=THRESHOLD_NOTES[key]) if found is None
                  else _origin_of_region(chain_regions[found.region_id], region))
        changes = sorted((h for (k, _y), rows_of in history.items() if k == warning_thresholds.KEY_PREFIX + key
                          for h in rows_of), key=lambda h: h.change_id, reverse=True)
        rows.append(WarningRow(key=key, label=label, value=warning_thresholds.format_threshold(key, value),
                               raw=format(Decimal(value).normalize(), "f"), range=warning_thresholds.range_of(key),
                               origin=origin, from_year=found.year if found is not None else None, year=year,
                               history=changes))
    own = [OwnWarning(key=row.key, label=THRESHOLD_FIELDS[row.key][0], year=row.year,
                      value=warning_thresholds.format_threshold(row.key, row.value))
           for row in warning_thresholds.own_thresholds(region) if row.key in THRESHOLD_FIELDS]
    return WarningSection(year=year, rows=rows, own=own)


def _dibao_rows(region: Region, chain: list[int], chain_regions: dict[int, Region],
                history: dict[tuple[str, int | None], list[HistoryRow]], year: int):
    rows = db.session.execute(select(DibaoStandard).where(DibaoStandard.region_id.in_(chain))).scalars().all()
    depth = {rid: i for i, rid in enumerate(chain)}
    origins: dict[int, Origin] = {}
    for row in sorted(rows, key=lambda r: depth[r.region_id]):
        origins[row.year] = _origin_of_region(chain_regions[row.region_id], region)
    own_years = {row.year for row in rows if row.region_id == region.id}
    standards = standards_along(chain, rows)

    def made(shown: dibao.StandardYear) -> DibaoRow:
        figures = standards.get(shown.from_year) if shown.from_year is not None else None
        if figures is None:
            return DibaoRow(year=shown.year, rural=None, urban=None, raw_rural="", raw_urban="", from_year=None,
                            origin=None, own_here=shown.year in own_years,
                            history=history.get((DIBAO_KEY, shown.year), []))
        return DibaoRow(
            year=shown.year, rural=format_yuan(figures.rural_annual), urban=format_yuan(figures.urban_monthly),
            raw_rural=format(figures.rural_annual, "f"), raw_urban=format(figures.urban_monthly, "f"),
            from_year=shown.from_year, origin=origins.get(shown.from_year), own_here=shown.year in own_years,
            township_relief=format_yuan(dibao.township_relief_limit(figures.urban_monthly)),
            emergency_relief=format_yuan(dibao.emergency_relief_minimum(figures.urban_monthly,
                                                                        dibao.EMERGENCY_MIN_PEOPLE)),
            history=history.get((DIBAO_KEY, shown.year), []))

    shown = [made(y) for y in dibao.shown_years(standards, year)]
    shown_years = {r.year for r in shown}
    removed = [made(dibao.StandardYear(y, None)) for (key, y) in history if key == DIBAO_KEY and y not in shown_years]
    current = dibao.carried_year(standards, year)
    gap = None if current.own else made(current)
    return shown, gap, sorted(removed, key=lambda r: -r.year)


def _line_row(line: LineYear, origins: dict[int, Origin], own_years: set[int],
              history: dict[tuple[str, int | None], list[HistoryRow]]) -> LineRow:
    amount = format_yuan(line.amount) if line.amount is not None else None
    return LineRow(year=line.year, amount=amount, raw=format(line.amount, "f") if line.amount is not None else "",
                   from_year=line.from_year, origin=origins.get(line.from_year) if line.from_year else None,
                   own_here=line.year in own_years, history=history.get((LINE_KEY, line.year), []))


def _picker(regions: list[Region]) -> list[PickerItem]:
    """The regions in tree order, each indented under the one above it."""
    top = min((len(r.ancestor_ids) for r in regions), default=0)
    return [PickerItem(r.id, f"{'　' * (len(r.ancestor_ids) - top)}{r.name}（{r.level_enum.label}）")
            for r in regions]


# --- a year without its own line ---------------------------------------------------------------

@dataclass(frozen=True)
class LineGap:
    """A county whose line for ``year`` is carried over from ``from_year`` (or missing)."""

    region_id: int
    region_name: str
    year: int
    from_year: int | None
    amount: str | None  # "7,000"


GAP_ROLES = frozenset({Role.COUNTY_STAFF, Role.ADMIN})


def line_gaps(user: User, year: int) -> list[LineGap]:
    """The counties of this person (county staff: theirs; admins: every county of their subtree,
    or the county they are bound to) whose monitoring line for ``year`` is not set: the year
    uses the latest earlier line until someone sets it."""
    if user.role_enum not in GAP_ROLES:
        return []
    region = user.region
    if region.level_enum.above_county:
        counties = list(db.session.execute(
            scoping.regions(user).where(Region.level == RegionLevel.COUNTY.value, Region.active.is_(True))
            .order_by(Region.path)).scalars())
    else:
        county_id = region.county_id
        counties = [region] if county_id == region.id else [r for r in [db.session.get(Region, county_id)] if r]
    if not counties:
        return []
    ids = {rid for county in counties for rid in county.ancestor_ids}
    rows = db.session.execute(select(MonitoringLine).where(MonitoringLine.region_id.in_(ids),
                                                           MonitoringLine.year <= year)).scalars().all()
    gaps = []
    for county in counties:
        line = carried_line(lines_along(county.ancestor_ids, rows), year)
        if not line.own:
            gaps.append(LineGap(county.id, county.name, year, line.from_year,
                                format_yuan(line.amount) if line.amount is not None else None))
    return gaps
