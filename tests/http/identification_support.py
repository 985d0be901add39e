"""Shared pieces of the identification step tests over HTTP (not a conftest: see
http_support.py). Test modules import the fixtures they use from here."""
from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select

import factories
import files_support
from core.extensions import db
from domain.workflow import CaseState
from models import Case, CaseEvent, EventEvidence
from office_support import drive, new_case

START = date(2026, 11, 1)
PDF = files_support.pdf("paper")  # a real one-page PDF: uploads are parsed


class Today:
    """The case page's date, changed by a test as the days of the procedure pass."""

    def __init__(self):
        self.day = START


@pytest.fixture
def today_is(monkeypatch):
    clock = Today()
    monkeypatch.setattr("portal.office.case_page.today", lambda: clock.day)
    return clock


@pytest.fixture
def world(app, today_is):
    world = factories.build_world()
    db.session.commit()
    return world


def make_case(world, state: CaseState, *, urgent: bool = False) -> int:
    case = new_case(world, START, urgent=urgent)
    drive(world, case, state, START)
    db.session.commit()
    return case.id


def fresh(case_id: int) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case_id)


def last_event(case_id: int) -> CaseEvent:
    db.session.expire_all()
    return db.session.execute(select(CaseEvent).where(CaseEvent.case_id == case_id)
                              .order_by(CaseEvent.id.desc()).limit(1)).scalar_one()


def kinds(event: CaseEvent) -> list[str]:
    return [e.kind for e in db.session.execute(
        select(EventEvidence).where(EventEvidence.event_id == event.id)).scalars()]


def post(client, case_id: int, action: str, data: dict):
    return client.post(f"/cases/{case_id}/steps/{action}", data=data, content_type="multipart/form-data")


def upload(name: str = "paper.pdf"):
    return (io.BytesIO(PDF), name)


def review_form(**changes) -> dict:
    data = {"review_date": "2026-11-05", "participants": "村两委、驻村工作队、村民代表共15人",
            "result": "应到15人，实到13人，同意12人", "review_minutes": upload("评议记录.pdf")}
    data.update(changes)
    return data
