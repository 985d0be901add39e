"""A world above the county: 安徽省 → 六安市 → the factory county (示范县) and a second county
(霍邱县, one township, one village, one grid), with city, province and second-county staff."""
from __future__ import annotations

from dataclasses import dataclass

import factories
from core.extensions import db
from domain.enums import RegionLevel
from models import Region
from services.accounts import users
from services.regions import tree


@dataclass
class ProvinceWorld:
    world: factories.World
    province: Region
    city: Region
    county_b: Region
    township_b: Region
    village_c: Region
    grid_c1: Region


def build_province_world() -> ProvinceWorld:
    world = factories.build_world()
    province = tree.create_region("340000000000", "安徽省", RegionLevel.PROVINCE, None)
    city = tree.create_region("341500000000", "六安市", RegionLevel.CITY, province)
    tree._move(world.county, city)  # the factory county starts a tree of its own: hang it under the city
    county_b = tree.create_region("341522000000", "霍邱县", RegionLevel.COUNTY, city)
    township_b = tree.create_region("341522100000", "城关镇", RegionLevel.TOWNSHIP, county_b)
    village_c = tree.create_region("341522100001", "河口村", RegionLevel.VILLAGE, township_b)
    grid_c1 = tree.create_region("C1", "河口村一组", RegionLevel.GRID, village_c)
    for name, role, code in [("city", "city_staff", city.code), ("province", "province_staff", province.code),
                             ("admin_province", "admin", province.code), ("admin_city", "admin", city.code),
                             ("county_b", "county_staff", county_b.code),
                             ("township_c", "township_staff", township_b.code),
                             ("village_c", "village_staff", village_c.code)]:
        world.users[name] = users.create_user(name, name.upper(), factories.PASSWORD, role, code, None)
    db.session.flush()
    return ProvinceWorld(world, province, city, county_b, township_b, village_c, grid_c1)
