"""The yearly figures department warnings are graded by (``domain.warnings.Thresholds``), per
region: a region's own figure for a year holds for later years until one sets its own, and the
nearest region wins (as the monitoring line). Changes keep their history (``SettingChange``,
key ``warning:<name>``) and are audited, as every other setting.
"""
from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select

from core.extensions import db
from domain.eligibility import format_yuan
from domain.settings import InvalidSetting, ascii_digits, parse_line_year
from domain.warnings import THRESHOLD_FIELDS, Thresholds, parse_threshold
from models import Region, User, WarningThreshold
from models.settings import SettingChange
from services.errors import ValidationFailed
from services.regions.settings import PROGRAM_REASON, _editable, _reason, _write_own

KEY_PREFIX = "warning:"
# The unit each figure is typed and shown in; every other figure is in yuan.
UNITS = {"outage_days": "天", "severe_ratio": "倍"}
# What a figure may look like once full-width digits, separators and the unit are taken away:
# plain ASCII digits with at most two decimals (no exponent, NaN, "1_000", ² or Arabic-Indic digits,
# which ``Decimal`` would otherwise read).
_PLAIN_NUMBER = re.compile(r"-?[0-9]{1,12}(\.[0-9]{1,2})?")
_SEPARATORS = re.compile(r"[,\s\u3000]")


def thresholds_for(region: Region, year: int) -> Thresholds:
    """The figures that apply in ``region`` for ``year``."""
    return thresholds_along(region.ancestor_ids, _rows(region.ancestor_ids), year)


def _rows(chain: list[int]) -> list[WarningThreshold]:
    return list(db.session.execute(
        select(WarningThreshold).where(WarningThreshold.region_id.in_(chain))).scalars())


def thresholds_along(chain: list[int], rows, year: int) -> Thresholds:
    """For each figure, the latest year up to ``year`` that sets it along the chain; in one year
    the nearest region's value wins."""
    return Thresholds().with_overrides({key: row.value for key, row in applying_along(chain, rows, year).items()})


def applying_along(chain: list[int], rows, year: int) -> dict[str, WarningThreshold]:
    """The row each figure's value for ``year`` comes from (figures missing here are defaults)."""
    depth = {rid: i for i, rid in enumerate(chain)}
    best: dict[str, tuple[tuple[int, int], WarningThreshold]] = {}
    for row in rows:
        if row.region_id not in depth or row.year > year or row.key not in THRESHOLD_FIELDS:
            continue
        rank = (row.year, depth[row.region_id])
        if row.key not in best or rank > best[row.key][0]:
            best[row.key] = (rank, row)
    return {key: row for key, (_, row) in best.items()}


def applying_rows(region: Region, year: int) -> dict[str, WarningThreshold]:
    """For the settings page: where each figure that applies in ``region`` for ``year`` is set."""
    return applying_along(region.ancestor_ids, _rows(region.ancestor_ids), year)


def unit_of(key: str) -> str:
    return UNITS.get(key, "元")


def format_threshold(key: str, value: Decimal | str) -> str:
    """"10,000元", "7天", "2倍" (a stored text that no longer reads is shown as it is)."""
    try:
        number = Decimal(value) if isinstance(value, str) else value
        shown = format_yuan(number) if unit_of(key) == "元" else format(number.normalize(), "f")
    except (ArithmeticError, ValueError):
        return str(value)
    return f"{shown}{unit_of(key)}"


def range_of(key: str) -> str:
    _label, low, high = THRESHOLD_FIELDS[key]
    return f"{format_threshold(key, low)}至{format_threshold(key, high)}"


def own_thresholds(region: Region) -> list[WarningThreshold]:
    """The region's own figures, newest year first (for the settings page)."""
    return list(db.session.execute(
        select(WarningThreshold).where(WarningThreshold.region_id == region.id)
        .order_by(WarningThreshold.year.desc(), WarningThreshold.key)).scalars())


def own_value(region: Region, key: str, year: int) -> str | None:
    """The region's own stored figure of ``key`` for ``year``, None when it has none."""
    return db.session.execute(select(WarningThreshold.value).filter_by(
        region_id=region.id, year=year, key=key)).scalar_one_or_none()


def history(region: Region, limit: int = 50) -> list[SettingChange]:
    return list(db.session.execute(
        select(SettingChange).where(SettingChange.region_id == region.id,
                                    SettingChange.key.startswith(KEY_PREFIX))
        .order_by(SettingChange.id.desc()).limit(limit)).scalars())


def _figure_text(name: str, raw) -> str:
    """The figure as stored ("12000", "1.5"), or ``InvalidSetting`` with the field's message."""
    label = THRESHOLD_FIELDS[name][0]
    text = _SEPARATORS.sub("", ascii_digits("" if raw is None else str(raw)))
    text = text.removesuffix(unit_of(name)).removeprefix("+")
    if text and not _PLAIN_NUMBER.fullmatch(text):
        raise InvalidSetting(name, f"“{label}”应为数字，最多两位小数，例如{format(getattr(Thresholds(), name), 'f')}")
    return format(parse_threshold(name, text).normalize(), "f")


def _checked(key: str, year, value, reason) -> tuple[str, int, str, str]:
    """Every field of a form read at once: ``ValidationFailed`` names each one that is wrong
    (``key``, ``year``, ``value``, ``reason``). ``value`` None: a removal, no figure to read."""
    errors: dict[str, str] = {}
    name = (key or "").strip() if isinstance(key, str) else ""
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
            text = _figure_text(name, value)
        except InvalidSetting as exc:
            errors["value"] = str(exc)
    why = ""
    try:
        why = _reason(reason)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationFailed(errors)
    return name, year_number, text, why


def change_threshold(actor: User, region: Region, key: str, year, value, reason) -> SettingChange:
    """Set the region's own figure of ``key`` from ``year`` on."""
    _editable(actor, region)
    name, year_number, text, why = _checked(key, year, value if value is not None else "", reason)
    change = _write(actor, region, name, year_number, text, why)
    if change is None:
        raise ValidationFailed({"value": f"本级{year_number}年已设置为{format_threshold(name, text)}，无需修改"})
    return change


def clear_threshold(actor: User, region: Region, key: str, year, reason) -> SettingChange:
    """Remove the region's own figure of ``key`` for ``year`` (the inherited one applies again)."""
    _editable(actor, region)
    name, year_number, _, why = _checked(key, year, None, reason)
    change = _write(actor, region, name, year_number, None, why)
    if change is None:
        raise ValidationFailed({"year": f"本级没有单独设置{year_number}年的这项标准"})
    return change


def set_threshold(actor: User | None, region: Region, key: str, year: int, value: str,
                  reason: str | None = None) -> None:
    """For the demo and the CLI: set a figure without the page's checks of who may."""
    name, year_number, text, why = _checked(key, year, value, PROGRAM_REASON if reason is None else reason)
    _write(actor, region, name, year_number, text, why)


def _write(actor: User | None, region: Region, key: str, year: int, new: str | None, reason: str):
    row = db.session.execute(select(WarningThreshold).filter_by(
        region_id=region.id, year=year, key=key)).scalar_one_or_none()
    return _write_own(actor, region, row, row.value if row is not None else None, new, reason,
                      create=lambda: WarningThreshold(region_id=region.id, year=year, key=key, value=new),
                      assign=lambda found: setattr(found, "value", new),
                      key=KEY_PREFIX + key, year=year, object_type="warning_threshold",
                      subject=f"key={key} year={year}")
