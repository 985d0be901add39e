"""The region tree of ``flask seed-scale``: one county below 200,000 households, else a province
with cities and a county per 100,000 households; about 15 townships a county, 20 villages a
township (some 330 households each) and 3–5 grids a village.

Codes follow the statistical division codes the import accepts (``domain.regions``): 12 digits
down to the village, grids the village's code and ``-01``. The cities' codes (``3491``, ``3492``…)
belong to no real city of 安徽省, so no ID number made here is a real person's.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from domain.enums import RegionLevel
from models import Region
from services.demo.scale_common import Ids
from services.demo.scale_names import PlaceNames

HOUSEHOLDS_PER_COUNTY = 100_000
PROVINCE_FROM = 200_000          # from this many households: a province, cities, counties
COUNTIES_PER_CITY = 3
HOUSEHOLDS_PER_VILLAGE = 330
VILLAGES_PER_TOWNSHIP = 20
PROVINCE = ("340000000000", "安徽省")
FIRST_CITY_CODE = 91             # 3491, 3492, …: unused city codes of the province
GRID_COUNTS = (3, 4, 4, 4, 5)


@dataclass(eq=False)
class Grid:
    id: int
    code: str
    name: str
    path: str
    number: int
    village: "Village"
    worker_id: int = 0           # the grid worker (scale_staff)


@dataclass(eq=False)
class Village:
    id: int
    code: str
    name: str
    path: str
    number: int
    households: int
    township: "Township"
    grids: list[Grid] = field(default_factory=list)
    staff_id: int = 0            # village staff (scale_staff)
    cadre_ids: list[int] = field(default_factory=list)


@dataclass(eq=False)
class Township:
    id: int
    code: str
    name: str
    path: str
    number: int
    county: "County"
    villages: list[Village] = field(default_factory=list)
    staff_id: int = 0


@dataclass(eq=False)
class County:
    id: int
    code: str
    name: str
    path: str
    number: int
    households: int
    townships: list[Township] = field(default_factory=list)
    staff_id: int = 0
    department_id: int = 0
    measure_ids: dict[str, int] = field(default_factory=dict)  # the library's ids by name

    @property
    def villages(self) -> list[Village]:
        return [v for t in self.townships for v in t.villages]


@dataclass(frozen=True)
class Node:
    """A region above the county (the province, a city)."""
    id: int
    code: str
    name: str
    path: str
    level: RegionLevel


@dataclass
class Tree:
    counties: list[County]
    above: list[Node]            # the province and the cities; empty for a single county
    rows: list[dict]             # every region row, parents first

    @property
    def top_id(self) -> int:
        return self.above[0].id if self.above else self.counties[0].id

    @property
    def top_code(self) -> str:
        return self.above[0].code if self.above else self.counties[0].code


def spread(total: int, weights: list[float]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainders), at least one each when
    there is enough to go round."""
    floor = 1 if total >= len(weights) else 0
    rest = total - floor * len(weights)
    whole = sum(weights)
    shares = [rest * w / whole for w in weights]
    counts = [floor + int(s) for s in shares]
    by_remainder = sorted(range(len(weights)), key=lambda i: int(shares[i]) - shares[i])
    for i in by_remainder[:total - sum(counts)]:
        counts[i] += 1
    return counts


def county_count(households: int) -> int:
    if households < PROVINCE_FROM:
        return 1
    return max(2, round(households / HOUSEHOLDS_PER_COUNTY))


class _Builder:
    def __init__(self, rng: random.Random, ids: Ids, now: datetime):
        self.rng, self.ids, self.now = rng, ids, now
        self.names = PlaceNames(rng)
        self.rows: list[dict] = []
        self.table = Region.__table__

    def add(self, code: str, name: str, level: RegionLevel, parent_id: int | None, parent_path: str) -> tuple[int, str]:
        region_id = self.ids.take(self.table)
        path = f"{parent_path}{region_id}/"
        self.rows.append({"id": region_id, "code": code, "name": name, "level": level.value, "parent_id": parent_id,
                          "path": path, "active": True, "created_at": self.now})
        return region_id, path

    def county(self, code: str, name: str, number: int, households: int, parent: Node | None) -> County:
        county_id, path = self.add(code, name, RegionLevel.COUNTY, parent.id if parent else None,
                                   parent.path if parent else "/")
        county = County(county_id, code, name, path, number, households)
        villages = max(2, round(households / HOUSEHOLDS_PER_VILLAGE)) if households >= 2 else 1
        townships = max(1, round(villages / VILLAGES_PER_TOWNSHIP))
        per_township = spread(villages, [self.rng.uniform(0.7, 1.3) for _ in range(townships)])
        per_village = spread(households, [self.rng.uniform(0.5, 1.5) for _ in range(villages)])
        names = self.names.children(townships, ("镇", "镇", "乡"))
        names[0] = names[0][:-1] + "街道"  # the county seat
        suffix_numbers = {"街道": 1, "镇": 101, "乡": 201}
        taken = iter(per_village)
        for t, (name, count) in enumerate(zip(names, per_township), start=1):
            kind = "街道" if name.endswith("街道") else name[-1]
            t_code = f"{code[:6]}{suffix_numbers[kind]:03d}000"
            suffix_numbers[kind] += 1
            t_id, t_path = self.add(t_code, name, RegionLevel.TOWNSHIP, county_id, path)
            township = Township(t_id, t_code, name, t_path, t, county)
            county.townships.append(township)
            self._villages(township, count, taken, community=kind == "街道")
        return county

    def _villages(self, township: Township, count: int, households, community: bool) -> None:
        first = 1 if community else 200  # 社区 (居委会) 001…, 村 (村委会) 200…
        for v, name in enumerate(self.names.children(count, "社区" if community else "村"), start=1):
            v_code = f"{township.code[:9]}{first + v - 1:03d}"
            v_id, v_path = self.add(v_code, name, RegionLevel.VILLAGE, township.id, township.path)
            village = Village(v_id, v_code, name, v_path, v, next(households), township)
            township.villages.append(village)
            for g in range(1, max(1, min(self.rng.choice(GRID_COUNTS), village.households)) + 1):
                g_code = f"{v_code}-{g:02d}"
                g_name = f"{name}第{g}网格"
                g_id, g_path = self.add(g_code, g_name, RegionLevel.GRID, v_id, v_path)
                village.grids.append(Grid(g_id, g_code, g_name, g_path, g, village))


def build_tree(households: int, rng: random.Random, ids: Ids, now: datetime) -> Tree:
    """The rows of the whole tree (not yet written) and the nodes the other parts hang on."""
    builder = _Builder(rng, ids, now)
    counties_total = county_count(households)
    sizes = spread(households, [1.0] * counties_total)
    if counties_total == 1:
        name = builder.names.children(1, "县")[0]
        county = builder.county(f"34{FIRST_CITY_CODE}01000000", name, 1, households, None)
        return Tree([county], [], builder.rows)
    p_id, p_path = builder.add(PROVINCE[0], PROVINCE[1], RegionLevel.PROVINCE, None, "/")
    province = Node(p_id, PROVINCE[0], PROVINCE[1], p_path, RegionLevel.PROVINCE)
    cities_total = -(-counties_total // COUNTIES_PER_CITY)
    per_city = spread(counties_total, [1.0] * cities_total)
    above, counties = [province], []
    sizes_left = iter(sizes)
    for c, (city_name, count) in enumerate(zip(builder.names.children(cities_total, "市"), per_city)):
        c_code = f"34{FIRST_CITY_CODE + c:02d}00000000"
        c_id, c_path = builder.add(c_code, city_name, RegionLevel.CITY, p_id, p_path)
        city = Node(c_id, c_code, city_name, c_path, RegionLevel.CITY)
        above.append(city)
        for k, name in enumerate(builder.names.children(count, "县"), start=1):
            counties.append(builder.county(f"{c_code[:4]}{k:02d}000000", name, len(counties) + 1,
                                           next(sizes_left), city))
    return Tree(counties, above, builder.rows)
