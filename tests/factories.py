"""Small builders for tests: a region tree with two villages and one user of each role."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import count

from sqlalchemy import select

from core.extensions import db
from domain.department_lists import ListKind, ListRow
from domain.enums import IncomeSource, LabourCapacity, RegionLevel, Relation
from domain.validation import make_id_number
from models import DepartmentList, DepartmentWarning, Household, Region, User
from services.accounts import users
from services.households import incomes, records
from services.households.records import MemberInput
from services.regions import tree
from services.warnings import compare

PASSWORD = "correct-horse-9"
_seq = count(1)


@dataclass
class World:
    county: Region
    township: Region
    village_a: Region
    village_b: Region
    grid_a1: Region
    grid_a2: Region
    grid_b1: Region
    users: dict[str, User]


def new_id(region6: str = "341599", birth: date = date(1970, 5, 17)) -> str:
    """A valid, never repeated ID number (the sequence part changes)."""
    n = next(_seq)
    return make_id_number(region6, date(birth.year, birth.month, 1 + n % 28), n % 1000)


def build_world() -> World:
    county = tree.create_region("341599000000", "示范县", RegionLevel.COUNTY, None)
    township = tree.create_region("341599101000", "青山镇", RegionLevel.TOWNSHIP, county)
    village_a = tree.create_region("341599101001", "青山村", RegionLevel.VILLAGE, township)
    village_b = tree.create_region("341599101002", "石门村", RegionLevel.VILLAGE, township)
    grid_a1 = tree.create_region("A1", "青山村一组", RegionLevel.GRID, village_a)
    grid_a2 = tree.create_region("A2", "青山村二组", RegionLevel.GRID, village_a)
    grid_b1 = tree.create_region("B1", "石门村一组", RegionLevel.GRID, village_b)
    specs = [
        ("county", "county_staff", county.code, None),
        ("admin", "admin", county.code, None),
        ("auditor", "auditor", county.code, None),
        ("dept", "department", county.code, "civil_affairs"),
        ("township", "township_staff", township.code, None),
        ("village_a", "village_staff", village_a.code, None),
        ("village_b", "village_staff", village_b.code, None),
        ("grid_a1", "grid_worker", grid_a1.code, None),
        ("grid_b1", "grid_worker", grid_b1.code, None),
        ("cadre_a", "pair_cadre", village_a.code, None),
    ]
    made = {name: users.create_user(name, name.upper(), PASSWORD, role, code, dept)
            for name, role, code, dept in specs}
    db.session.flush()
    return World(county, township, village_a, village_b, grid_a1, grid_a2, grid_b1, made)


def household(region: Region, today: date, *, size: int = 2, id_number: str | None = None,
              phone: str | None = None, net_income=None, labour: str = LabourCapacity.ORDINARY.value
              ) -> Household:
    members = [MemberInput(name="户主" + region.name, relation=Relation.HEAD.value,
                           labour_capacity=labour, id_number=id_number or new_id(), phone=phone)]
    for i in range(size - 1):
        members.append(MemberInput(name=f"成员{i}", relation=Relation.CHILD.value,
                                   labour_capacity=labour, id_number=new_id()))
    made = records.register_household(None, region, members, today=today)
    if net_income is not None:  # the year's income as staff record it (收入台账), measured today
        incomes.record_income(None, made, year=today.year, measured_on=today, net_total=net_income,
                              source=IncomeSource.STAFF, today=today)
    return made


def with_a_neighbour(world: World) -> World:
    """Adds 邻县, a county beside the world's, with its own county staff and auditor
    (``other_county``, ``other_auditor``): someone just outside every account's reach."""
    other = tree.create_region("341598000000", "邻县", RegionLevel.COUNTY, None)
    world.users["other_county"] = users.create_user("other_county", "邻县干部", PASSWORD, "county_staff", other.code)
    world.users["other_auditor"] = users.create_user("other_auditor", "邻县审计", PASSWORD, "auditor", other.code)
    return world


def medical_warnings(world: World, rows: list[tuple[Household, str]], today: date, *,
                     filename: str = "医保.xlsx") -> list:
    """A 医保 list sent by the county for ``rows`` (household, yuan out of pocket this year, for
    its head), compared as the job does; the warnings it raised, oldest first."""
    county = world.users["county"]
    dlist = DepartmentList(county_id=world.county.id, kind=ListKind.MEDICAL.value,
                           department=ListKind.MEDICAL.department.value, filename=filename, uploaded_by=county)
    db.session.add(dlist)
    db.session.flush()
    listed = [ListRow(line, made.head.name, made.head.id_number,
                      {"period_start": date(today.year, 1, 1), "period_end": today,
                       "out_of_pocket": Decimal(amount)})
              for line, (made, amount) in enumerate(rows, start=2)]
    compare.write(county, dlist, compare.plan(ListKind.MEDICAL, world.county, listed, today), today)
    return list(db.session.execute(select(DepartmentWarning).where(DepartmentWarning.list_id == dlist.id)
                                   .order_by(DepartmentWarning.id)).scalars())
