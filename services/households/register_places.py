"""Where the rows of a register file live: villages and grids of the importing user's scope,
found by name (乡镇 + 行政村, optionally 自然村/组 → grid) or by a 12-digit village code.

The whole scope's tree is read once per import (a county has a few hundred villages), so
resolving 100,000 rows sends no query per row.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from core.extensions import db
from domain.enums import RegionLevel
from domain.register_rows import Place
from models import Region, User
from services.accounts import scoping


@dataclass(frozen=True)
class Resolved:
    region: Region | None  # the grid, or the village
    problem: str = ""  # why the row cannot be placed (a row error)
    note: str = ""  # placed, but not where the file said (a warning)


class Places:
    def __init__(self, actor: User):
        found = list(db.session.execute(scoping.regions(actor)).scalars())
        names = {r.id: r.name for r in found}
        self._by_code = {r.code: r for r in found}
        self._counties = {r.name for r in [*found, *_ancestors(actor.region)]
                          if r.level == RegionLevel.COUNTY.value}
        self._villages: dict[str, list[Region]] = {}
        self._grids: dict[tuple[int, str], Region] = {}
        self._township_of: dict[int, str] = {}
        for region in found:
            if region.level == RegionLevel.VILLAGE.value:
                self._villages.setdefault(region.name, []).append(region)
                self._township_of[region.id] = names.get(region.parent_id, "")
            elif region.level == RegionLevel.GRID.value:
                self._grids[(region.parent_id, region.name)] = region

    def resolve(self, place: Place) -> Resolved:
        if place.county and place.county not in self._counties:
            return Resolved(None, f"县“{place.county[:20]}”不是您负责的县")
        village = self._village(place)
        if isinstance(village, str):
            return Resolved(None, village)
        if not place.group:
            return Resolved(village)
        grid = self._grids.get((village.id, place.group)) or self._grids.get((village.id, village.name + place.group))
        if grid is None:
            return Resolved(village, note=f"组“{place.group[:20]}”没有对应的网格，已登记在{village.name}")
        return Resolved(grid)

    def _village(self, place: Place) -> Region | str:
        if place.village_code:
            region = self._by_code.get(place.village_code)
            if region is None or region.level != RegionLevel.VILLAGE.value:
                return "村代码不在您负责的区域内，或不是村的代码"
            return region
        candidates = self._villages.get(place.village, [])
        if place.township:
            candidates = [v for v in candidates if self._township_of.get(v.id) == place.township]
        if not candidates:
            where = f"（{place.township[:20]}）" if place.township else ""
            return f"在您负责的区域内没有找到村“{place.village[:20]}”{where}"
        if len(candidates) > 1:
            return f"村名“{place.village[:20]}”在多个乡镇都有，请填写乡（镇）"
        return candidates[0]


def _ancestors(region: Region) -> list[Region]:
    ids = region.ancestor_ids
    return list(db.session.execute(select(Region).where(Region.id.in_(ids))).scalars())
