"""Settings per region and year: policy overrides and monitoring lines, inherited down the tree.

A county sets its own values; a township (or, set programmatically, a village) may override them
for its subtree, and a province or city above may set values for the counties below it. The
nearest node wins. Defaults come from ``domain.settings`` (each quoting its seed).

Every change through this module keeps its history (``SettingChange``: who, when, the region's own
value before and after, None meaning "inherited", and a reason) and is audited. The settings page
(``services.regions.settings_page``, ``portal/admin/settings.py``) shows each value with its origin
and its history.

A change applies to deadlines computed from then on: each case stores the due date it works
towards (``Case.due_date``), computed when a step is taken (``services.workflow.cases``), so a
clock already running keeps its date until the case's next step.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import event, select

from core.extensions import db
from domain import dibao
from domain.eligibility import format_yuan, line_for_year
from domain.enums import RegionLevel, Role
from domain.settings import (
    DEFAULT_MONITORING_LINES,
    SETTING_FIELDS,
    InvalidSetting,
    PolicySettings,
    format_setting,
    parse_line_amount,
    parse_line_year,
    parse_setting,
)
from models import DibaoStandard, MonitoringLine, Region, RegionPolicy, SettingChange, User
from services.accounts import scoping
from services.errors import NotFound, PermissionDenied, ValidationFailed
from services.platform import audit

LINE_KEY = "monitoring_line"  # SettingChange.key of a yearly line
DIBAO_KEY = "dibao_standard"  # SettingChange.key of a yearly 低保标准 ("6000.00|575.00")
REASON_MAX = 255              # SettingChange.reason
# The levels whose settings the page shows and changes. Villages and grids follow their township
# (a village override set programmatically is still applied, nearest node first).
SETTINGS_LEVELS = (RegionLevel.PROVINCE.value, RegionLevel.CITY.value, RegionLevel.COUNTY.value,
                   RegionLevel.TOWNSHIP.value)
EDITORS = frozenset({Role.ADMIN, Role.COUNTY_STAFF})
VIEWERS = EDITORS | {Role.TOWNSHIP_STAFF}
NOT_A_VIEWER = "参数设置由县级工作人员和系统管理员维护，乡镇工作人员可以查看本乡镇的设置"
NOT_AN_EDITOR = "只有县级工作人员和系统管理员可以修改参数设置，乡镇工作人员只能查看"
LEVEL_SETTING = {RegionLevel.PROVINCE.value: "省级设置", RegionLevel.CITY.value: "市级设置",
                  RegionLevel.COUNTY.value: "县级设置", RegionLevel.TOWNSHIP.value: "乡镇设置",
                  RegionLevel.VILLAGE.value: "村级设置", RegionLevel.GRID.value: "网格设置"}


def _chain(region: Region) -> list[int]:
    """Ids from the top of the tree down to ``region`` itself."""
    return region.ancestor_ids


# A step asks for its region's settings several times (its deadline, its guards, the next
# deadline); they are read once per transaction. Writing a setting forgets what was read.
_CACHE = "shoudi_policy_settings"


@event.listens_for(db.session, "after_transaction_end")
def _forget_settings(session, transaction) -> None:
    if transaction.parent is None or transaction.nested:  # not the inner ones of each flush
        session.info.pop(_CACHE, None)


def policy_for(region: Region) -> PolicySettings:
    chain = _chain(region)
    cache = db.session.info.setdefault(_CACHE, {})
    key = tuple(chain)
    if key not in cache:
        cache[key] = _read_policy(chain)
    return cache[key]


def _read_policy(chain: list[int]) -> PolicySettings:
    rows = db.session.execute(select(RegionPolicy).where(RegionPolicy.region_id.in_(chain))).scalars().all()
    by_region: dict[int, dict[str, str]] = {}
    for row in rows:
        by_region.setdefault(row.region_id, {})[row.key] = row.value
    settings = PolicySettings()
    for region_id in chain:  # top first, so nearer nodes override
        if region_id in by_region:
            settings = settings.with_overrides(by_region[region_id])
    return settings


def monitoring_lines_for(region: Region) -> dict[int, Decimal]:
    chain = _chain(region)
    rows = db.session.execute(
        select(MonitoringLine).where(MonitoringLine.region_id.in_(chain))).scalars().all()
    return lines_along(chain, rows)


def _yearly_along(chain: list[int], rows, value_of) -> dict[int, object]:
    """Yearly rows set along a chain (top first), by year: the nearest node's row wins."""
    depth = {rid: i for i, rid in enumerate(chain)}
    return {row.year: value_of(row)
            for row in sorted((r for r in rows if r.region_id in depth), key=lambda r: depth[r.region_id])}


def lines_along(chain: list[int], rows) -> dict[int, Decimal]:
    return {**DEFAULT_MONITORING_LINES, **_yearly_along(chain, rows, lambda row: Decimal(row.amount))}


def monitoring_line(region: Region, year: int) -> Decimal:
    return line_for_year(monitoring_lines_for(region), year)


@dataclass(frozen=True)
class DibaoFigures:
    rural_annual: Decimal   # 农村低保标准，元/人·年
    urban_monthly: Decimal  # 城市月低保标准，元/人·月


def dibao_standards_for(region: Region) -> dict[int, DibaoFigures]:
    """The 低保标准 of each year set along the region's chain (the nearest node wins). There is
    no default: the seeds give no figure. A year missing here uses the latest earlier one
    (``domain.dibao.standard_for_year``)."""
    chain = _chain(region)
    rows = db.session.execute(
        select(DibaoStandard).where(DibaoStandard.region_id.in_(chain))).scalars().all()
    return standards_along(chain, rows)


def standards_along(chain: list[int], rows) -> dict[int, DibaoFigures]:
    return _yearly_along(chain, rows,
                         lambda row: DibaoFigures(Decimal(row.rural_annual), Decimal(row.urban_monthly)))


def rural_dibao_standards(region: Region) -> dict[int, Decimal]:
    """The rural standards by year, as ``domain.dibao.phaseout`` reads them (read once per
    transaction and chain: the register import asks for every household)."""
    cache = db.session.info.setdefault(_CACHE, {})
    key = ("dibao", *_chain(region))
    if key not in cache:
        cache[key] = {year: figures.rural_annual for year, figures in dibao_standards_for(region).items()}
    return dict(cache[key])


# --- who may see and change what ---------------------------------------------------------------

def may_view(user: User) -> bool:
    return user.role_enum in VIEWERS


def may_change(user: User) -> bool:
    return user.role_enum in EDITORS


def regions_for(user: User) -> list[Region]:
    """The regions whose settings this person may open: county staff their county and its
    townships, township staff their township, admins every province, city, county and township
    of their subtree. 403 for other roles."""
    if not may_view(user):
        raise PermissionDenied(NOT_A_VIEWER)
    query = (scoping.regions(user).where(Region.level.in_(SETTINGS_LEVELS), Region.active.is_(True))
             .order_by(Region.path))
    return list(db.session.execute(query).scalars())


def region_for(user: User, region_id: int) -> Region:
    """A region whose settings this person may open: 403 for the wrong role, 404 outside their
    subtree or for a village or grid (their settings are their township's)."""
    if not may_view(user):
        raise PermissionDenied(NOT_A_VIEWER)
    region = scoping.get(user, Region, region_id)
    if region.level not in SETTINGS_LEVELS or not region.active:
        raise NotFound("no settings for this region")
    return region


def home_region(user: User) -> Region:
    """The region the page opens on: the person's own (their county, their township)."""
    if not may_view(user):
        raise PermissionDenied(NOT_A_VIEWER)
    if user.region.level in SETTINGS_LEVELS:
        return user.region
    found = regions_for(user)
    if not found:
        raise NotFound("no settings region in scope")
    return found[0]


def _editable(user: User, region: Region) -> None:
    if not may_change(user):
        raise PermissionDenied(NOT_AN_EDITOR)
    if not scoping.in_scope(user, region) or region.level not in SETTINGS_LEVELS or not region.active:
        raise NotFound("region outside scope")


# --- changes -------------------------------------------------------------------------------------

def _reason(raw) -> str:
    text = " ".join(("" if raw is None else str(raw)).split())
    if not text:
        raise ValidationFailed({"reason": "请填写修改原因（例如依据的文件和文号）"})
    if len(text) > REASON_MAX:
        raise ValidationFailed({"reason": f"修改原因不超过{REASON_MAX}个字"})
    return text


def _own_policy(region: Region, key: str) -> RegionPolicy | None:
    return db.session.execute(select(RegionPolicy).filter_by(region_id=region.id, key=key)).scalar_one_or_none()


def _own_line(region: Region, year: int) -> MonitoringLine | None:
    return db.session.execute(select(MonitoringLine).filter_by(region_id=region.id, year=year)).scalar_one_or_none()


def _history(actor: User | None, region: Region, key: str, year: int | None, old: str | None, new: str | None,
             reason: str) -> SettingChange:
    change = SettingChange(region_id=region.id, key=key, year=year, old_value=old, new_value=new, reason=reason,
                           user_id=actor.id if actor is not None else None)
    db.session.add(change)
    db.session.flush()
    return change


def _policy_value(key: str, value) -> str:
    try:
        return str(parse_setting(key, value))
    except InvalidSetting as exc:
        raise ValidationFailed({key: str(exc)}) from exc


def _write_policy(actor: User | None, region: Region, key: str, new: str | None, reason: str) -> SettingChange | None:
    """Set (``new``) or remove (None) the region's own value of ``key``; None when unchanged."""
    row = _own_policy(region, key)
    change = _write_own(actor, region, row, row.value if row is not None else None, new, reason,
                        create=lambda: RegionPolicy(region_id=region.id, key=key, value=new),
                        assign=lambda found: setattr(found, "value", new),
                        key=key, year=None, object_type="region_policy", subject=f"key={key}")
    db.session.info.pop(_CACHE, None)
    return change


def _write_line(actor: User | None, region: Region, year: int, new: Decimal | None,
                reason: str) -> SettingChange | None:
    row = _own_line(region, year)
    old = str(Decimal(row.amount).quantize(Decimal("0.01"))) if row is not None else None
    return _write_own(actor, region, row, old, str(new) if new is not None else None, reason,
                      create=lambda: MonitoringLine(region_id=region.id, year=year, amount=new),
                      assign=lambda found: setattr(found, "amount", new),
                      key=LINE_KEY, year=year, object_type="monitoring_line", subject=f"year={year}")


def _own_standard(region: Region, year: int) -> DibaoStandard | None:
    return db.session.execute(select(DibaoStandard).filter_by(region_id=region.id, year=year)).scalar_one_or_none()


def _write_standard(actor: User | None, region: Region, year: int, new: DibaoFigures | None,
                    reason: str) -> SettingChange | None:
    row = _own_standard(region, year)
    old = dibao.stored(row.rural_annual, row.urban_monthly) if row is not None else None
    value = dibao.stored(new.rural_annual, new.urban_monthly) if new is not None else None

    def assign(found: DibaoStandard) -> None:
        found.rural_annual, found.urban_monthly = new.rural_annual, new.urban_monthly

    db.session.info.pop(_CACHE, None)
    return _write_own(actor, region, row, old, value, reason,
                      create=lambda: DibaoStandard(region_id=region.id, year=year, rural_annual=new.rural_annual,
                                                   urban_monthly=new.urban_monthly),
                      assign=assign, key=DIBAO_KEY, year=year, object_type="dibao_standard",
                      subject=f"year={year}")


def _write_own(actor: User | None, region: Region, row, old: str | None, new: str | None, reason: str, *,
               create, assign, key: str, year: int | None, object_type: str, subject: str) -> SettingChange | None:
    """Create, change (``assign``) or remove (``new`` None) a region's own row, then keep the
    change in the history and the audit log; None when the value is what it was."""
    if old == new:
        return None
    row_id = row.id if row is not None else None
    if new is None:
        db.session.delete(row)
    elif row is None:
        row = create()
        db.session.add(row)
    else:
        assign(row)
    db.session.flush()
    change = _history(actor, region, key, year, old, new, reason)
    audit.record(actor, "delete" if new is None else "update", object_type, row_id if new is None else row.id,
                 f"region={region.code} {subject} {old or '-'}->{new or '-'} change={change.id}")
    return change


def change_policy(actor: User, region: Region, key: str, value, reason) -> SettingChange:
    """Set the region's own value of a policy setting (the settings page)."""
    _editable(actor, region)
    errors: dict[str, str] = {}
    try:
        new = _policy_value(key, value)
    except ValidationFailed as exc:
        errors.update(exc.fields)
        new = None
    try:
        why = _reason(reason)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationFailed(errors)
    row = _own_policy(region, key)
    if row is not None and row.value == new:
        raise ValidationFailed({key: f"本级已设置为{format_setting(key, parse_setting(key, new))}，无需修改"})
    return _write_policy(actor, region, key, new, why)


def clear_policy(actor: User, region: Region, key: str, reason) -> SettingChange:
    """Remove the region's own value: it inherits again (the settings page)."""
    _editable(actor, region)
    if key not in SETTING_FIELDS:
        raise ValidationFailed({key: f"未知的设置项：{key}"})
    why = _reason(reason)
    if _own_policy(region, key) is None:
        raise ValidationFailed({key: "本级没有单独设置这一项，已在沿用上级或默认值"})
    return _write_policy(actor, region, key, None, why)


def change_line(actor: User, region: Region, year, amount, reason) -> SettingChange:
    """Set the region's own monitoring line for a year (the settings page)."""
    _editable(actor, region)
    errors: dict[str, str] = {}
    parsed_year = parsed_amount = None
    try:
        parsed_year = parse_line_year(year)
    except InvalidSetting as exc:
        errors[exc.field] = exc.message
    try:
        parsed_amount = parse_line_amount(amount)
    except InvalidSetting as exc:
        errors[exc.field] = exc.message
    try:
        why = _reason(reason)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationFailed(errors)
    row = _own_line(region, parsed_year)
    if row is not None and Decimal(row.amount) == parsed_amount:
        raise ValidationFailed({"amount": f"本级{parsed_year}年已设置为{format_yuan(parsed_amount)}元，无需修改"})
    return _write_line(actor, region, parsed_year, parsed_amount, why)


def clear_line(actor: User, region: Region, year, reason) -> SettingChange:
    """Remove the region's own line for a year: the year inherits again."""
    _editable(actor, region)
    errors: dict[str, str] = {}
    parsed_year = None
    try:
        parsed_year = parse_line_year(year)
    except InvalidSetting as exc:
        errors[exc.field] = exc.message
    try:
        why = _reason(reason)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationFailed(errors)
    if _own_line(region, parsed_year) is None:
        raise ValidationFailed({"year": f"本级没有单独设置{parsed_year}年的监测范围"})
    return _write_line(actor, region, parsed_year, None, why)


def _standard_fields(year, rural, urban, reason, *, figures: bool = True) -> tuple[int, DibaoFigures | None, str]:
    """Every field of a 低保标准 form read at once; ValidationFailed names each one wrong."""
    errors: dict[str, str] = {}
    parsed: dict[str, object] = {}
    readers = [("year", lambda: dibao.parse_year(year))]
    if figures:
        readers += [("rural", lambda: dibao.parse_amount(rural, "rural")),
                    ("urban", lambda: dibao.parse_amount(urban, "urban"))]
    for name, read in readers:
        try:
            parsed[name] = read()
        except dibao.BadStandard as exc:
            errors[exc.field] = exc.message
    why = ""
    if reason is not None:
        try:
            why = _reason(reason)
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationFailed(errors)
    new = DibaoFigures(parsed["rural"], parsed["urban"]) if figures else None
    return parsed["year"], new, why


def change_dibao_standard(actor: User, region: Region, year, rural, urban, reason) -> SettingChange:
    """Set the region's own 低保标准 for a year (the settings page)."""
    _editable(actor, region)
    parsed_year, new, why = _standard_fields(year, rural, urban, reason)
    row = _own_standard(region, parsed_year)
    value = dibao.stored(new.rural_annual, new.urban_monthly)
    if row is not None and dibao.stored(row.rural_annual, row.urban_monthly) == value:
        raise ValidationFailed({"rural": f"本级{parsed_year}年已设置为{dibao.words(value)}，无需修改"})
    return _write_standard(actor, region, parsed_year, new, why)


def clear_dibao_standard(actor: User, region: Region, year, reason) -> SettingChange:
    """Remove the region's own 低保标准 for a year: the year inherits again."""
    _editable(actor, region)
    parsed_year, _, why = _standard_fields(year, None, None, reason, figures=False)
    if _own_standard(region, parsed_year) is None:
        raise ValidationFailed({"year": f"本级没有单独设置{parsed_year}年的低保标准"})
    return _write_standard(actor, region, parsed_year, None, why)


# Programmatic settings (demo data, tests, scripts): no role check, and a reason is optional.
PROGRAM_REASON = "（程序设置，未填写原因）"


def set_policy(actor: User | None, region: Region, key: str, value: str, reason: str | None = None
               ) -> RegionPolicy | None:
    new = _policy_value(key, value)
    _write_policy(actor, region, key, new, _reason(reason) if reason is not None else PROGRAM_REASON)
    return _own_policy(region, key)


def set_monitoring_line(actor: User | None, region: Region, year: int, amount: str | Decimal,
                        reason: str | None = None) -> MonitoringLine:
    errors: dict[str, str] = {}
    parsed_year = parsed_amount = None
    for parse, raw in ((parse_line_year, year), (parse_line_amount, amount)):
        try:
            value = parse(raw)
        except InvalidSetting as exc:
            errors[exc.field] = exc.message
        else:
            if parse is parse_line_year:
                parsed_year = value
            else:
                parsed_amount = value
    if errors:
        raise ValidationFailed(errors)
    _write_line(actor, region, parsed_year, parsed_amount,
                _reason(reason) if reason is not None else PROGRAM_REASON)
    return _own_line(region, parsed_year)


def set_dibao_standard(actor: User | None, region: Region, year: int, rural, urban,
                       reason: str | None = None) -> DibaoStandard:
    parsed_year, new, _ = _standard_fields(year, rural, urban, None)
    _write_standard(actor, region, parsed_year, new, _reason(reason) if reason is not None else PROGRAM_REASON)
    return _own_standard(region, parsed_year)
