"""Region scoping, in one place.

Every query for households, members, cases and staff goes through these helpers, which
restrict it to the part of the region tree the user is bound to. Object lookups outside the
scope raise ``NotFound`` — the same answer as for an id that does not exist, so ids cannot be
probed.
"""
from __future__ import annotations

import functools
from typing import TypeVar

from sqlalchemy import ColumnElement, Insert, Select, Table, bindparam, insert, or_, select

from core.extensions import db
from domain.enums import Role
from models import Case, Household, Member, Region, User
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


# Each query shape is written once, over a scope condition and the user's id, so the lookup of
# one object by id below can be built once with parameters instead of on every request.

def _regions(under, user_id, grid_worker: bool) -> Select:
    return select(Region).where(under)


def _households(under, user_id, grid_worker: bool) -> Select:
    return select(Household).join(Region, Household.region_id == Region.id).where(under)


def _members(under, user_id, grid_worker: bool) -> Select:
    return (select(Member).join(Household, Member.household_id == Household.id)
            .join(Region, Household.region_id == Region.id).where(under))


def _cases(under, user_id, grid_worker: bool) -> Select:
    """Cases in the subtree, plus those assigned to or reported by the user personally: a clue
    reported for a whole village is verified by a grid worker bound to one of its grids.

    Grid workers see only their own: the cases assigned to them or that they reported.
    """
    assigned = or_(Case.verifier_id == user_id, Case.original_verifier_id == user_id,
                   Case.pair_cadre_id == user_id, Case.reported_by_id == user_id)
    query = select(Case).join(Region, Case.region_id == Region.id)
    return query.where(assigned) if grid_worker else query.where(or_(under, assigned))


def _users(under, user_id, grid_worker: bool) -> Select:
    return select(User).join(Region, User.region_id == Region.id).where(under)


def _grid_worker(user: User) -> bool:
    return user.role == Role.GRID_WORKER.value


def regions(user: User) -> Select:
    return _regions(_under(user), user.id, _grid_worker(user))


def households(user: User) -> Select:
    return _households(_under(user), user.id, _grid_worker(user))


def members(user: User) -> Select:
    return _members(_under(user), user.id, _grid_worker(user))


def cases(user: User) -> Select:
    return _cases(_under(user), user.id, _grid_worker(user))


def users(user: User) -> Select:
    return _users(_under(user), user.id, _grid_worker(user))


_SHAPES = {Household: _households, Member: _members, Case: _cases, Region: _regions, User: _users}


@functools.cache
def _by_id(model: type, grid_worker: bool) -> Select:
    """The scoped lookup of one ``model`` by id, with its values as parameters: built once, its
    SQL compiled once (building it anew cost about half of each lookup's time)."""
    query = _SHAPES[model](_subtree(bindparam("scope_prefix")), bindparam("scope_user_id"), grid_worker)
    return query.where(model.id == bindparam("object_id"))


@functools.cache
def _id_by_id(model: type, grid_worker: bool) -> Select:
    return _by_id(model, grid_worker).with_only_columns(model.id)


# Ids are 32-bit integers in the database; PostgreSQL refuses a larger one as a parameter.
_LARGEST_ID = 2**31 - 1


def _by_id_params(user: User, object_id: int) -> dict:
    return {"scope_prefix": _path_prefix(user), "scope_user_id": user.id, "object_id": object_id}


def get(user: User, model: type[T], object_id: int) -> T:
    """Load one object of ``model`` by id if it lies in the user's scope; else NotFound."""
    if not 0 < object_id <= _LARGEST_ID:
        raise NotFound(f"{model.__name__} not found in scope")
    found = db.session.execute(_by_id(model, _grid_worker(user)), _by_id_params(user, object_id)).scalars().first()
    if found is None:
        raise NotFound(f"{model.__name__} not found in scope")
    return found


def require(user: User, model: type, object_id: int) -> None:
    """NotFound unless an object of ``model`` with this id lies in the user's scope. Loads
    nothing: for a use case that only refers to the object (a visit names its household)."""
    if not 0 < object_id <= _LARGEST_ID:
        raise NotFound(f"{model.__name__} not found in scope")
    found = db.session.execute(_id_by_id(model, _grid_worker(user)), _by_id_params(user, object_id)).first()
    if found is None:
        raise NotFound(f"{model.__name__} not found in scope")


@functools.cache
def _insert_for_household(table: Table) -> Insert:
    columns = [c for c in table.c if not c.primary_key]
    values = [Household.id if c.key == "household_id" else bindparam(c.key, type_=c.type) for c in columns]
    households_in_scope = (_households(_subtree(bindparam("scope_prefix")), None, False)
                           .with_only_columns(*values).where(Household.id == bindparam("household_id")))
    return insert(table).from_select([c.key for c in columns], households_in_scope).returning(table.c.id)


def insert_for_household(user: User, table: Table, values: dict) -> int | None:
    """Insert a row of ``table`` (every column but its id, from ``values``) that belongs to the
    household ``values["household_id"]``, only if that household lies in the user's scope: one
    statement checks and writes. The new row's id, or None when nothing was written."""
    if not 0 < values["household_id"] <= _LARGEST_ID:
        return None
    return db.session.execute(_insert_for_household(table),
                              {**values, "scope_prefix": _path_prefix(user)}).scalar_one_or_none()


def region_by_code(user: User, code: str) -> Region | None:
    """A region of the user's subtree by its code; None for an unknown or foreign code."""
    return db.session.execute(regions(user).where(Region.code == code)).scalars().first()


def in_scope(user: User, region: Region) -> bool:
    return user.region.contains(region)


def may_report_at(user: User, region: Region) -> bool:
    """A clue may be recorded for a region in the user's subtree, or for the village that
    contains the user's grid (a grid worker reporting for a family of their village)."""
    return user.region.contains(region) or region.contains(user.region)
