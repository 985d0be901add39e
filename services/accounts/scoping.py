"""Region scoping, in one place.

Every query for households, members, cases and staff goes through these helpers, which
restrict it to the part of the region tree the user is bound to. Object lookups outside the
scope raise ``NotFound`` — the same answer as for an id that does not exist, so ids cannot be
probed.
"""
from __future__ import annotations

from typing import TypeVar

from sqlalchemy import Select, or_, select

from core.extensions import db
from domain.enums import Role
from models import Case, Household, Member, Region, User
from services.errors import NotFound

T = TypeVar("T")


def _under(user: User):
    """SQL condition: a Region row lies in the user's subtree."""
    return Region.path.startswith(user.region.path, autoescape=True)


def region_condition(user: User):
    """For queries that join Region themselves (counts, sums): the user's subtree."""
    return _under(user)


def regions(user: User) -> Select:
    return select(Region).where(_under(user))


def households(user: User) -> Select:
    return select(Household).join(Region, Household.region_id == Region.id).where(_under(user))


def members(user: User) -> Select:
    return (select(Member).join(Household, Member.household_id == Household.id)
            .join(Region, Household.region_id == Region.id).where(_under(user)))


def cases(user: User) -> Select:
    """Cases in the subtree, plus those assigned to or reported by the user personally: a clue
    reported for a whole village is verified by a grid worker bound to one of its grids.

    Grid workers see only their own: the cases assigned to them or that they reported.
    """
    assigned = or_(Case.verifier_id == user.id, Case.original_verifier_id == user.id,
                   Case.pair_cadre_id == user.id, Case.reported_by_id == user.id)
    if user.role == Role.GRID_WORKER.value:
        return select(Case).join(Region, Case.region_id == Region.id).where(assigned)
    return select(Case).join(Region, Case.region_id == Region.id).where(or_(_under(user), assigned))


def users(user: User) -> Select:
    return select(User).join(Region, User.region_id == Region.id).where(_under(user))


_SCOPED = {Household: households, Member: members, Case: cases, Region: regions, User: users}


def get(user: User, model: type[T], object_id: int) -> T:
    """Load one object of ``model`` by id if it lies in the user's scope; else NotFound."""
    query = _SCOPED[model](user).where(model.id == object_id)
    found = db.session.execute(query).scalars().first()
    if found is None:
        raise NotFound(f"{model.__name__} not found in scope")
    return found


def region_by_code(user: User, code: str) -> Region | None:
    """A region of the user's subtree by its code; None for an unknown or foreign code."""
    return db.session.execute(regions(user).where(Region.code == code)).scalars().first()


def in_scope(user: User, region: Region) -> bool:
    return user.region.contains(region)


def may_report_at(user: User, region: Region) -> bool:
    """A clue may be recorded for a region in the user's subtree, or for the village that
    contains the user's grid (a grid worker reporting for a family of their village)."""
    return user.region.contains(region) or region.contains(user.region)
