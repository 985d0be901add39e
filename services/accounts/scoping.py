"""Region scoping, in one place.

Every query for households, members, cases and staff goes through these helpers, which
restrict it to the part of the region tree the user is bound to. Object lookups outside the
scope raise ``NotFound`` — the same answer as for an id that does not exist, so ids cannot be
probed.
"""
from __future__ import annotations

import functools
from enum import Enum
from typing import TypeVar

from sqlalchemy import ColumnElement, Insert, Select, Table, and_, bindparam, false, insert, not_, or_, select

from core.extensions import db
from domain.enums import RegionLevel, Role
from models import (Case, DepartmentList, DepartmentRow, DepartmentWarning, Household, Member, PlanMeasure, Region,
                    User)
from services.errors import NotFound

T = TypeVar("T")

LIKE_ESCAPE = "/"


def _path_prefix(user: User) -> str:
    """LIKE pattern of the user's subtree: their region's path, wildcards escaped, then ``%``."""
    path = user.region.path
    for char in (LIKE_ESCAPE, "%", "_"):
        path = path.replace(char, LIKE_ESCAPE + char)
    return path + "%"


def _subtree(prefix) -> ColumnElement[bool]:
    """SQL condition: a Region row's path starts with ``prefix`` (a LIKE pattern or its parameter)."""
    return Region.path.like(prefix, escape=LIKE_ESCAPE)


def _under(user: User):
    """SQL condition: a Region row lies in the user's subtree."""
    return _subtree(_path_prefix(user))


def region_condition(user: User):
    """For queries that join Region themselves (counts, sums): the user's subtree."""
    return _under(user)


class Reach(Enum):
    """How far a role sees households, their members and cases (least privilege):

    - AREA: everything in the region subtree, and cases assigned to them personally
      (village, township and county staff);
    - OWN_CASES: the households of their grid, but only the cases assigned to them or that
      they reported (grid workers);
    - PAIRED: only the households paired with them and the cases assigned to them (pair cadres);
    - DEPARTMENT: only the households and cases carrying a measure handed to their department,
      in their county (department officers), and never as full records (``FULL_RECORD``);
    - NOTHING: no household, member or case at all (admins administer accounts and regions;
      auditors read the audit log).
    City and province staff see their area (the counties below them) read-only: no step of the
    procedure names their roles.
    Regions and staff accounts are always the region subtree.
    """

    AREA = "area"
    OWN_CASES = "own_cases"
    PAIRED = "paired"
    DEPARTMENT = "department"
    NOTHING = "nothing"


_REACH = {Role.GRID_WORKER: Reach.OWN_CASES, Role.PAIR_CADRE: Reach.PAIRED, Role.DEPARTMENT: Reach.DEPARTMENT,
          Role.ADMIN: Reach.NOTHING, Role.AUDITOR: Reach.NOTHING}
# Who may read a household's or a case's full record (decrypted numbers, health, income).
FULL_RECORD = frozenset({Reach.AREA, Reach.OWN_CASES, Reach.PAIRED})


def reach(user: User) -> Reach:
    return _REACH.get(user.role_enum, Reach.AREA)


# Each query shape is written once, over a scope condition, the user's id and department, so
# the lookup of one object by id below can be built once with parameters instead of on every
# request.

def _assigned(user_id):
    """The cases a person holds themselves. Each column has its own index (with the state), so
    PostgreSQL answers the ORs by combining index scans of one table (a BitmapOr)."""
    return or_(Case.verifier_id == user_id, Case.original_verifier_id == user_id,
               Case.pair_cadre_id == user_id, Case.reported_by_id == user_id)


def _household_condition(under, user_id, reach_: Reach, department):
    if reach_ is Reach.NOTHING:
        return false()
    if reach_ is Reach.PAIRED:
        return Household.id.in_(select(Case.household_id).where(Case.pair_cadre_id == user_id,
                                                                 Case.household_id.is_not(None)))
    if reach_ is Reach.DEPARTMENT:
        carrying = (select(Case.household_id).join(PlanMeasure, PlanMeasure.case_id == Case.id)
                    .where(PlanMeasure.department == department, Case.household_id.is_not(None)))
        return and_(under, Household.id.in_(carrying))
    return under


def _regions(under, user_id, reach_: Reach, department) -> Select:
    return select(Region).where(under)


def _households(under, user_id, reach_: Reach, department) -> Select:
    return (select(Household).join(Region, Household.region_id == Region.id)
            .where(_household_condition(under, user_id, reach_, department)))


def _members(under, user_id, reach_: Reach, department) -> Select:
    return (select(Member).join(Household, Member.household_id == Household.id)
            .join(Region, Household.region_id == Region.id)
            .where(_household_condition(under, user_id, reach_, department)))


def case_condition(prefix, user_id, reach_: Reach, department) -> ColumnElement[bool]:
    """Which cases a person sees, on ``case_file`` alone: the subtree is a prefix of the case's
    own copy of its region's path (``prefix``, a LIKE pattern), so no join to ``region`` and no
    OR across tables stands between the condition and its indexes. Cases in the subtree, plus
    those assigned to or reported by the user personally: a clue reported for a whole village
    is verified by a grid worker bound to one of its grids."""
    if reach_ is Reach.NOTHING:
        return false()
    if reach_ in (Reach.OWN_CASES, Reach.PAIRED):
        return _assigned(user_id)
    in_area = Case.region_path.like(prefix, escape=LIKE_ESCAPE)
    if reach_ is Reach.DEPARTMENT:
        carrying = select(PlanMeasure.case_id).where(PlanMeasure.department == department)
        return and_(in_area, Case.id.in_(carrying))
    return or_(in_area, _assigned(user_id))


_OWN_COLUMNS = (Case.verifier_id, Case.original_verifier_id, Case.pair_cadre_id, Case.reported_by_id)


def case_parts(user: User) -> list[ColumnElement[bool]]:
    """``case_condition`` as conditions that never overlap, for a list that reads each from its
    own index (``models.case``: the area's index and one per column naming a person's own
    cases, each holding what the inbox sorts and counts by) and puts them together with UNION
    ALL: the area by its path, then the person's own cases outside it, column by column (a case
    that names the person twice counts under the first)."""
    prefix, user_id, reach_, department = _case_args(user)
    if reach_ is not Reach.AREA:
        return [case_condition(prefix, user_id, reach_, department)]
    in_area = Case.region_path.like(prefix, escape=LIKE_ESCAPE)
    parts = [in_area]
    for i, column in enumerate(_OWN_COLUMNS):
        earlier = [c.is_distinct_from(user_id) for c in _OWN_COLUMNS[:i]]
        parts.append(and_(column == user_id, *earlier, not_(in_area)))
    return parts


def _cases(prefix, user_id, reach_: Reach, department) -> Select:
    """Cases in scope, from ``case_file`` alone: a query that needs the region joins it itself
    (``with_region``)."""
    return select(Case).where(case_condition(prefix, user_id, reach_, department))


def with_region(query: Select) -> Select:
    """A case query joined to each case's region (its name, level or path for grouping)."""
    return query.join(Region, Case.region_id == Region.id)


def _users(under, user_id, reach_: Reach, department) -> Select:
    return select(User).join(Region, User.region_id == Region.id).where(under)


def _args(user: User) -> tuple:
    return _under(user), user.id, reach(user), user.department


def _case_args(user: User) -> tuple:
    return _path_prefix(user), user.id, reach(user), user.department


def regions(user: User) -> Select:
    return _regions(*_args(user))


def households(user: User) -> Select:
    return _households(*_args(user))


def members(user: User) -> Select:
    return _members(*_args(user))


def cases(user: User) -> Select:
    return _cases(*_case_args(user))


def users(user: User) -> Select:
    return _users(*_args(user))


def counted_cases(user: User) -> Select:
    """The cases a user's statistics count: figures, never rows, so a department officer, a
    pair cadre and an admin count their whole area; a grid worker counts their own cases."""
    counted = Reach.OWN_CASES if reach(user) is Reach.OWN_CASES else Reach.AREA
    return _cases(_path_prefix(user), user.id, counted, user.department)


def department_warnings(user: User) -> Select:
    """The department warnings a user sees: a department officer those their department raised
    in their county; village, township, county (city, province) staff those of the households of
    their area; nobody else."""
    query = select(DepartmentWarning).join(Region, DepartmentWarning.region_id == Region.id)
    found = reach(user)
    if found is Reach.DEPARTMENT:
        return query.where(DepartmentWarning.county_id == user.region_id,
                           DepartmentWarning.department == user.department)
    return query.where(_under(user) if found is Reach.AREA else false())


_UNMATCHED_LEVELS = (RegionLevel.COUNTY.value, RegionLevel.CITY.value, RegionLevel.PROVINCE.value)


def department_rows(user: User) -> Select:
    """The rows of department lists a user sees (the unmatched ones are placed nowhere below the
    county): a department officer their department's rows in their county; county, city and
    province staff every row of their counties."""
    query = (select(DepartmentRow).join(DepartmentList, DepartmentRow.list_id == DepartmentList.id)
             .join(Region, DepartmentRow.county_id == Region.id))
    found = reach(user)
    if found is Reach.DEPARTMENT:
        return query.where(DepartmentRow.county_id == user.region_id, DepartmentList.department == user.department)
    if found is Reach.AREA and user.region.level in _UNMATCHED_LEVELS:
        return query.where(_under(user))
    return query.where(false())


_SHAPES = {Household: _households, Member: _members, Case: _cases, Region: _regions, User: _users}


@functools.cache
def _by_id(model: type, reach_: Reach) -> Select:
    """The scoped lookup of one ``model`` by id, with its values as parameters: built once, its
    SQL compiled once (building it anew cost about half of each lookup's time)."""
    prefix = bindparam("scope_prefix")
    condition = prefix if model is Case else _subtree(prefix)  # cases match their own copy of the path
    query = _SHAPES[model](condition, bindparam("scope_user_id"), reach_, bindparam("scope_department"))
    return query.where(model.id == bindparam("object_id"))


@functools.cache
def _id_by_id(model: type, reach_: Reach) -> Select:
    return _by_id(model, reach_).with_only_columns(model.id)


# Ids are 32-bit integers in the database; PostgreSQL refuses a larger one as a parameter.
_LARGEST_ID = 2**31 - 1


def _by_id_params(user: User, object_id: int) -> dict:
    return {"scope_prefix": _path_prefix(user), "scope_user_id": user.id, "scope_department": user.department,
            "object_id": object_id}


def get(user: User, model: type[T], object_id: int) -> T:
    """Load one object of ``model`` by id if it lies in the user's scope; else NotFound."""
    if not 0 < object_id <= _LARGEST_ID:
        raise NotFound(f"{model.__name__} not found in scope")
    found = db.session.execute(_by_id(model, reach(user)), _by_id_params(user, object_id)).scalars().first()
    if found is None:
        raise NotFound(f"{model.__name__} not found in scope")
    return found


def require(user: User, model: type, object_id: int) -> None:
    """NotFound unless an object of ``model`` with this id lies in the user's scope. Loads
    nothing: for a use case that only refers to the object (a visit names its household)."""
    if not 0 < object_id <= _LARGEST_ID:
        raise NotFound(f"{model.__name__} not found in scope")
    found = db.session.execute(_id_by_id(model, reach(user)), _by_id_params(user, object_id)).first()
    if found is None:
        raise NotFound(f"{model.__name__} not found in scope")


@functools.cache
def _insert_for_household(table: Table, reach_: Reach) -> Insert:
    columns = [c for c in table.c if not c.primary_key]
    values = [Household.id if c.key == "household_id" else bindparam(c.key, type_=c.type) for c in columns]
    households_in_scope = (_households(_subtree(bindparam("scope_prefix")), bindparam("scope_user_id"), reach_,
                                       bindparam("scope_department"))
                           .with_only_columns(*values).where(Household.id == bindparam("household_id")))
    return insert(table).from_select([c.key for c in columns], households_in_scope).returning(table.c.id)


def insert_for_household(user: User, table: Table, values: dict) -> int | None:
    """Insert a row of ``table`` (every column but its id, from ``values``) that belongs to the
    household ``values["household_id"]``, only if that household lies in the user's scope: one
    statement checks and writes. The new row's id, or None when nothing was written."""
    if not 0 < values["household_id"] <= _LARGEST_ID:
        return None
    scope = {"scope_prefix": _path_prefix(user), "scope_user_id": user.id, "scope_department": user.department}
    return db.session.execute(_insert_for_household(table, reach(user)), {**values, **scope}).scalar_one_or_none()


def region_by_code(user: User, code: str) -> Region | None:
    """A region of the user's subtree by its code; None for an unknown or foreign code."""
    return db.session.execute(regions(user).where(Region.code == code)).scalars().first()


def in_scope(user: User, region: Region) -> bool:
    return user.region.contains(region)


def may_report_at(user: User, region: Region) -> bool:
    """A clue may be recorded for a region in the user's subtree; a grid worker (bound to a grid)
    for any region of the grid's village: the village itself, their own grid or another grid's
    family (代申报, 干部排查). Never beyond that village, nor above it."""
    return user.region.village.contains(region)
