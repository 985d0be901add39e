"""The yearly figures department warnings are graded by (``domain.warnings.Thresholds``), per
region: a region's own figure for a year holds for later years until one sets its own, and the
nearest region wins (as the monitoring line). Changes keep their history (``SettingChange``,
key ``warning:<name>``) and are audited, as every other setting.
"""
from __future__ import annotations

from sqlalchemy import select

from core.extensions import db
from domain.settings import InvalidSetting, parse_line_year
from domain.warnings import THRESHOLD_FIELDS, Thresholds, parse_threshold
from models import Region, User, WarningThreshold
from models.settings import SettingChange
from services.errors import ValidationFailed
from services.regions.settings import _editable, _reason, _write_own

KEY_PREFIX = "warning:"


def thresholds_for(region: Region, year: int) -> Thresholds:
    """The figures that apply in ``region`` for ``year``."""
    return thresholds_along(region.ancestor_ids, _rows(region.ancestor_ids), year)


def _rows(chain: list[int]) -> list[WarningThreshold]:
    return list(db.session.execute(
        select(WarningThreshold).where(WarningThreshold.region_id.in_(chain))).scalars())


def thresholds_along(chain: list[int], rows, year: int) -> Thresholds:
    """For each figure, the latest year up to ``year`` that sets it along the chain; in one year
    the nearest region's value wins."""
    depth = {rid: i for i, rid in enumerate(chain)}
    best: dict[str, tuple[int, int, str]] = {}
    for row in rows:
        if row.region_id not in depth or row.year > year or row.key not in THRESHOLD_FIELDS:
            continue
        rank = (row.year, depth[row.region_id])
        if row.key not in best or rank > best[row.key][:2]:
            best[row.key] = (*rank, row.value)
    return Thresholds().with_overrides({key: value for key, (_, _, value) in best.items()})


def own_thresholds(region: Region) -> list[WarningThreshold]:
    """The region's own figures, newest year first (for the settings page)."""
    return list(db.session.execute(
        select(WarningThreshold).where(WarningThreshold.region_id == region.id)
        .order_by(WarningThreshold.year.desc(), WarningThreshold.key)).scalars())


def history(region: Region, limit: int = 50) -> list[SettingChange]:
    return list(db.session.execute(
        select(SettingChange).where(SettingChange.region_id == region.id,
                                    SettingChange.key.startswith(KEY_PREFIX))
        .order_by(SettingChange.id.desc()).limit(limit)).scalars())


def _checked(key: str, year, value) -> tuple[str, int, str]:
    errors: dict[str, str] = {}
    name = (key or "").strip()
    if name not in THRESHOLD_FIELDS:
        errors["key"] = "请选择预警标准"
    try:
        year_number = parse_line_year(year)
    except InvalidSetting as exc:
        errors["year"] = str(exc)
        year_number = 0
    text = ""
    if value is not None and name in THRESHOLD_FIELDS:
        try:
            text = format(parse_threshold(name, value), "f")
        except InvalidSetting as exc:
            errors["value"] = str(exc)
    if errors:
        raise ValidationFailed(errors)
    return name, year_number, text


def change_threshold(actor: User, region: Region, key: str, year, value, reason) -> SettingChange:
    """Set the region's own figure of ``key`` from ``year`` on."""
    _editable(actor, region)
    name, year_number, text = _checked(key, year, value if value is not None else "")
    why = _reason(reason)
    change = _write(actor, region, name, year_number, text, why)
    if change is None:
        raise ValidationFailed({"value": "与现在的值相同，没有修改"})
    return change


def clear_threshold(actor: User, region: Region, key: str, year, reason) -> SettingChange:
    """Remove the region's own figure of ``key`` for ``year`` (the inherited one applies again)."""
    _editable(actor, region)
    name, year_number, _ = _checked(key, year, None)
    why = _reason(reason)
    change = _write(actor, region, name, year_number, None, why)
    if change is None:
        raise ValidationFailed({"year": "这一年没有本级设置的值"})
    return change


def set_threshold(actor: User | None, region: Region, key: str, year: int, value: str, reason: str) -> None:
    """For the demo and the CLI: set a figure without the page's checks of who may."""
    name, year_number, text = _checked(key, year, value)
    _write(actor, region, name, year_number, text, reason)


def _write(actor: User | None, region: Region, key: str, year: int, new: str | None, reason: str):
    row = db.session.execute(select(WarningThreshold).filter_by(
        region_id=region.id, year=year, key=key)).scalar_one_or_none()
    return _write_own(actor, region, row, row.value if row is not None else None, new, reason,
                      create=lambda: WarningThreshold(region_id=region.id, year=year, key=key, value=new),
                      assign=lambda found: setattr(found, "value", new),
                      key=KEY_PREFIX + key, year=year, object_type="warning_threshold",
                      subject=f"key={key} year={year}")
