"""The outbox: side effects happen after commit, and never for rolled-back work."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

import factories
from core.extensions import db
from models import Notification, OutboxItem
from models.types import utcnow
from domain.workflow import CaseState
from office_support import drive, new_case
from services.notifications.notify import NOTIFIERS_EXTENSION
from shoudi import consumer
from services.platform import outbox

START = date(2026, 11, 1)
DONE = []


@outbox.handler("test.record")
def _record(payload: dict) -> None:
    if payload.get("fail"):
        raise RuntimeError("handler failed")
    DONE.append(payload["n"])


class ListChannel:
    """A further channel registered the way the README says (an SMS or WeChat one would be)."""

    def __init__(self):
        self.received = []

    def deliver(self, message):
        self.received.append((message.recipient.id, message.dedupe_key))


@pytest.fixture
def channel(app):
    channel = ListChannel()
    app.extensions[NOTIFIERS_EXTENSION].append(channel)
    return channel


@pytest.fixture(autouse=True)
def _clear():
    DONE.clear()


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_side_effect_happens_after_commit_and_only_once(app):
    outbox.add("test.record", n=1)
    assert DONE == []  # written, not done
    db.session.commit()
    assert DONE == [1]
    item = db.session.execute(select(OutboxItem)).scalar_one()
    assert item.dispatched_at is not None and item.attempts == 1
    assert consumer.dispatch(item.id) is False  # delivered at least once, carried out once
    assert DONE == [1]


def test_a_released_savepoint_is_not_the_commit(app):
    outbox.add("test.record", n=5)
    with db.session.begin_nested():  # a savepoint, as a flush checked for duplicates uses
        outbox.add("test.record", n=6)
    assert DONE == []  # SQLAlchemy calls the release a commit; nothing is done before the real one
    db.session.commit()
    assert sorted(DONE) == [5, 6]


def test_rolled_back_work_has_no_side_effect(app):
    outbox.add("test.record", n=2)
    db.session.rollback()
    db.session.commit()
    assert DONE == [] and _count(OutboxItem) == 0


def test_a_failing_handler_is_tried_again_later(app):
    item_id = outbox.add("test.record", n=3, fail=True)
    db.session.commit()  # the queue's task raised; the request's commit stands
    item = db.session.get(OutboxItem, item_id)
    db.session.refresh(item)
    assert item.dispatched_at is None and item.claimed_at is None
    assert item.attempts == 1 and item.last_error == "RuntimeError"
    assert outbox.pending(utcnow()) == []  # not yet: it is young
    assert outbox.pending(utcnow() + outbox.LOST_AFTER + timedelta(seconds=1)) == [item_id]


def test_a_lost_hand_over_is_found_by_the_sweep(app):
    app.extensions[outbox.DISPATCH_EXTENSION] = lambda ids: (_ for _ in ()).throw(ConnectionError())
    item_id = outbox.add("test.record", n=4)
    db.session.commit()  # the queue was down: the commit still stands
    assert DONE == []
    later = utcnow() + outbox.LOST_AFTER + timedelta(seconds=1)
    assert outbox.pending(later) == [item_id]
    assert consumer.dispatch(item_id) is True and DONE == [4]
    assert outbox.pending(later) == []


def test_unknown_kinds_are_refused_at_once(app):
    with pytest.raises(ValueError):
        outbox.add("no.such.kind")


def test_a_refused_bulk_assignment_reaches_no_channel(app, channel):
    """The issue's case: one refused case rolls the whole assignment back, and nobody is told."""
    world = factories.build_world()
    ok, other = new_case(world, START), new_case(world, START)
    verified = drive(world, new_case(world, START), CaseState.VERIFIED, START)  # past assigning
    heard_before = list(channel.received)
    notified_before = _count(Notification)
    client = app.test_client()
    client.post("/login", data={"login": "village_a", "password": factories.PASSWORD})

    refused = client.post("/inbox/assign", data={"case_id": [ok.id, other.id, verified.id],
                                                 "assignee_id": world.users["grid_a1"].id})

    assert refused.status_code == 409
    assert channel.received == heard_before
    assert _count(Notification) == notified_before

    accepted = client.post("/inbox/assign", data={"case_id": [ok.id, other.id],
                                                  "assignee_id": world.users["grid_a1"].id})
    assert accepted.status_code == 302
    grid = world.users["grid_a1"].id
    told = [key for user, key in channel.received[len(heard_before):] if user == grid]
    assert len(told) == 2  # the verifier hears of each case once the assignment is committed
