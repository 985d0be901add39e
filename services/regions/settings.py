"""Settings per region and year: policy overrides and monitoring lines, inherited down the tree.

A county sets its own values; a township or village may override them for its subtree. The
nearest node wins. Defaults come from ``domain.settings``.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from sqlalchemy import event, select

from core.extensions import db
from domain.eligibility import line_for_year
from domain.settings import DEFAULT_MONITORING_LINES, InvalidSetting, PolicySettings
from models import MonitoringLine, Region, RegionPolicy, User
from services.errors import ValidationFailed
from services.platform import audit


def _chain(region: Region) -> list[int]:
    """Ids from the county down to ``region`` itself."""
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
    for region_id in chain:  # county first, so nearer nodes override
        if region_id in by_region:
            settings = settings.with_overrides(by_region[region_id])
    return settings


def monitoring_lines_for(region: Region) -> dict[int, Decimal]:
    chain = _chain(region)
    rows = db.session.execute(
        select(MonitoringLine).where(MonitoringLine.region_id.in_(chain))).scalars().all()
    depth = {rid: i for i, rid in enumerate(chain)}
    lines = dict(DEFAULT_MONITORING_LINES)
    for row in sorted(rows, key=lambda r: depth[r.region_id]):
        lines[row.year] = Decimal(row.amount)
    return lines


def monitoring_line(region: Region, year: int) -> Decimal:
    return line_for_year(monitoring_lines_for(region), year)


def set_policy(actor: User, region: Region, key: str, value: str) -> RegionPolicy:
    try:
        PolicySettings().with_overrides({key: value})
    except InvalidSetting as exc:
        raise ValidationFailed({key: str(exc)}) from exc
    row = _upsert(RegionPolicy, {"region_id": region.id, "key": key}, {"value": value})
    db.session.info.pop(_CACHE, None)
    audit.record(actor, "update", "region_policy", row.id, f"region={region.code} key={key}")
    return row


def set_monitoring_line(actor: User, region: Region, year: int, amount: str | Decimal) -> MonitoringLine:
    try:
        value = Decimal(str(amount))
    except InvalidOperation as exc:
        raise ValidationFailed({"amount": "监测范围应为数字（元）"}) from exc
    if value <= 0 or value > Decimal("1000000"):
        raise ValidationFailed({"amount": "监测范围应大于0且不超过100万元"})
    if not 2015 <= year <= 2100:
        raise ValidationFailed({"year": "年份应在2015至2100之间"})
    row = _upsert(MonitoringLine, {"region_id": region.id, "year": year}, {"amount": value})
    audit.record(actor, "update", "monitoring_line", row.id, f"region={region.code} year={year}")
    return row


def _upsert(model, keys: dict, values: dict):
    """The one row of ``model`` matching ``keys``, created or updated with ``values``."""
    row = db.session.execute(select(model).filter_by(**keys)).scalar_one_or_none()
    if row is None:
        row = model(**keys, **values)
        db.session.add(row)
    else:
        for name, value in values.items():
            setattr(row, name, value)
    db.session.flush()
    return row
