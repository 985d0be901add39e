"""整户无劳动力 kept on the household (``Household.without_labour``), whenever members change.

The rule is ``domain.members.whole_household_without_labour``: someone is present and nobody
present can work. ``without_labour_sql`` states it over the member table for the database, and
the session keeps the column true to it: after each flush that added, removed or changed a
member's household, presence or labour capacity, one UPDATE recomputes the flag of the
households concerned (and a household already loaded in the session reads it again). Rows
written past the ORM (the scale seed) set the flag themselves from the same rule.
"""
from __future__ import annotations

from itertools import chain

from sqlalchemy import and_, event, exists, inspect, update
from sqlalchemy.orm import Session

from core.extensions import db
from domain.enums import LabourCapacity, MemberStatus
from models.household import Household, Member

ABLE = tuple(c.value for c in LabourCapacity if c.can_work)
# A member change that can turn the flag: the others (names, phones…) cost no statement.
_DECIDING = ("household_id", "status", "labour_capacity")
_TOUCHED = "shoudi.households_labour_touched"


def without_labour_sql(household_id):
    """``whole_household_without_labour`` for the household whose id is ``household_id`` (a
    column). Most households have someone able to work, so that test comes first and decides
    alone where the database stops an AND at its first false term."""
    present = and_(Member.household_id == household_id, Member.status == MemberStatus.PRESENT.value)
    return and_(~exists().where(present, Member.labour_capacity.in_(ABLE)), exists().where(present))


def refresh(connection, household_ids) -> None:
    """Recompute the flag of these households from their members."""
    ids = sorted({i for i in household_ids if i is not None})
    if not ids:
        return
    table = Household.__table__
    # A derived flag, not an edit of the household: its updated_at stays as it was.
    connection.execute(update(table).where(table.c.id.in_(ids))
                       .values(without_labour=without_labour_sql(table.c.id), updated_at=table.c.updated_at))


def _households_of(member: Member, new_or_deleted: bool) -> set[int]:
    state = inspect(member)
    if not new_or_deleted and not any(state.attrs[name].history.has_changes() for name in _DECIDING):
        return set()
    return {member.household_id, *state.attrs.household_id.history.deleted}


@event.listens_for(db.session, "after_flush")
def _note_members_changed(session: Session, flush_context) -> None:
    # The attribute history is still there now, gone once the flush is over.
    touched = set()
    for member in chain(session.new, session.deleted):
        if isinstance(member, Member):
            touched |= _households_of(member, True)
    for member in session.dirty:
        if isinstance(member, Member):
            touched |= _households_of(member, False)
    if touched:
        session.info.setdefault(_TOUCHED, set()).update(touched)


@event.listens_for(db.session, "after_flush_postexec")
def _refresh_touched(session: Session, flush_context) -> None:
    touched = session.info.pop(_TOUCHED, None)
    if not touched:
        return
    refresh(session.connection(), touched)
    for household_id in touched:
        loaded = session.identity_map.get(session.identity_key(Household, household_id))
        if loaded is not None:
            session.expire(loaded, ["without_labour"])
