"""The printed 明白纸 as use cases: which villages and townships a user may print.

The drawing itself is in ``services.sheet_drawing``.
"""
from __future__ import annotations

from dataclasses import dataclass

from core.extensions import db
from domain.enums import RegionLevel
from models import Region, User
from services import policy, regions, scoping
from services.errors import NotFound


def village_in_scope(user: User, code: str) -> Region:
    """The village a (possibly old) code stands for, if it lies in the user's scope."""
    village = policy.village_for_code(code)
    if not scoping.in_scope(user, village):
        raise NotFound("village outside scope")
    return village


def township_in_scope(user: User, code: str) -> Region:
    township = regions.resolve_code(code or "")
    if (township is None or township.level != RegionLevel.TOWNSHIP.value
            or not scoping.in_scope(user, township)):
        raise NotFound("no such township in scope")
    return township


def villages_of(user: User, township: Region) -> list[Region]:
    """The township's villages in the user's scope, ordered by code (NotFound when none)."""
    query = (scoping.regions(user)
             .where(Region.level == RegionLevel.VILLAGE.value, Region.parent_id == township.id,
                    Region.active.is_(True))
             .order_by(Region.code))
    villages = list(db.session.execute(query).scalars())
    if not villages:
        raise NotFound("no villages to print")
    return villages


@dataclass(frozen=True)
class TownshipEntry:
    code: str
    name: str
    printable: bool                               # the whole township lies in scope: offer its PDF
    villages: list[tuple[str, str]]               # (code, name)


def sheet_index(user: User) -> list[TownshipEntry]:
    """The villages in the user's scope grouped by township (townships in scope get a PDF)."""
    rows = db.session.execute(
        scoping.regions(user)
        .where(Region.level.in_([RegionLevel.TOWNSHIP.value, RegionLevel.VILLAGE.value]),
               Region.active.is_(True))
        .order_by(Region.code)).scalars().all()
    townships = {r.id: r for r in rows if r.level == RegionLevel.TOWNSHIP.value}
    grouped: dict[int, list[tuple[str, str]]] = {tid: [] for tid in townships}
    for village in (r for r in rows if r.level == RegionLevel.VILLAGE.value):
        grouped.setdefault(village.parent_id, []).append((village.code, village.name))
    entries = []
    for parent_id, villages in grouped.items():
        township = townships.get(parent_id) or db.session.get(Region, parent_id)
        entries.append(TownshipEntry(township.code, township.name, parent_id in townships, villages))
    return sorted(entries, key=lambda e: e.code)
