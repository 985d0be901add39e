"""Household.without_labour (整户无劳动力, seed 004's 回退) stays true to the household's present
members whatever changes them, in the same flush."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event, select

from core.extensions import db
from domain.enums import LabourCapacity, MemberStatus, Relation
from factories import build_world, household, new_id
from models import Household, Member

NO_LABOUR = LabourCapacity.NONE.value


def _stored(h: Household) -> bool:
    """The flag as the database holds it (not the object's cached value)."""
    return db.session.execute(select(Household.without_labour).where(Household.id == h.id)).scalar_one()


def _able_member(h: Household) -> Member:
    member = Member(household=h, name="儿子", relation=Relation.CHILD.value, id_number=new_id(),
                    labour_capacity=LabourCapacity.ORDINARY.value)
    db.session.add(member)
    db.session.flush()
    return member


@contextmanager
def _household_updates():
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("UPDATE HOUSEHOLD"):
            seen.append(statement)
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_a_household_registered_without_labour_is_flagged_and_one_with_a_worker_is_not(app, today):
    world = build_world()
    old_couple = household(world.grid_a1, today, labour=NO_LABOUR)
    workers = household(world.grid_a1, today)
    db.session.flush()
    assert _stored(old_couple) is True and old_couple.without_labour is True
    assert _stored(workers) is False


def test_the_flag_follows_members_joining_leaving_and_losing_their_labour(app, today):
    world = build_world()
    h = household(world.grid_a1, today, labour=NO_LABOUR)
    db.session.flush()

    son = _able_member(h)                                   # someone who can work joins
    assert _stored(h) is False and h.without_labour is False

    son.status, son.left_on = MemberStatus.MOVED_OUT.value, today   # and moves out
    db.session.flush()
    assert _stored(h) is True and h.without_labour is True

    son.status, son.left_on = MemberStatus.PRESENT.value, None      # comes back
    db.session.flush()
    assert _stored(h) is False
    son.labour_capacity = LabourCapacity.LOST.value                 # loses his labour
    db.session.flush()
    assert _stored(h) is True


def test_a_member_moved_or_deleted_refreshes_both_households(app, today):
    world = build_world()
    left = household(world.grid_a1, today, size=1, labour=NO_LABOUR)
    right = household(world.grid_a1, today, size=1, labour=NO_LABOUR)
    db.session.flush()
    son = _able_member(left)
    assert (_stored(left), _stored(right)) == (False, True)

    son.household_id = right.id
    db.session.flush()
    assert (_stored(left), _stored(right)) == (True, False)

    db.session.delete(son)
    db.session.flush()
    assert _stored(right) is True


def test_a_change_that_cannot_turn_the_flag_costs_no_statement(app, today):
    world = build_world()
    h = household(world.grid_a1, today, labour=NO_LABOUR)
    db.session.flush()
    head = h.head
    with _household_updates() as updates:
        head.phone = "13800000000"
        head.health = "chronic"
        db.session.flush()
    assert updates == []
    with _household_updates() as updates:
        head.labour_capacity = LabourCapacity.WEAK.value
        db.session.flush()
    assert len(updates) == 1 and _stored(h) is False
