"""逾期已升级 on the dashboard page and in its CSV, counted live and from the roll-ups alike."""
from __future__ import annotations

from datetime import date

import pytest

from core.extensions import db
from domain.workflow import CaseState
from factories import build_world
from http_support import by_testid, signed_in, text_of
from office_support import drive, new_case
from services.notifications import escalation
from services.reporting import rollups

TODAY = date(2026, 11, 20)


@pytest.fixture
def scene(app, monkeypatch):
    """Village A: one household whose pair cadre was due 15 November (escalated to the county on
    the 20th), one fresh clue; nothing in village B."""
    monkeypatch.setattr("portal.office.dashboard.today", lambda: TODAY)
    world = build_world()
    drive(world, new_case(world, date(2026, 11, 1)), CaseState.MONITORED, date(2026, 11, 1))
    new_case(world, date(2026, 11, 19))
    assert escalation.escalate_overdue(TODAY).cases == 1
    db.session.commit()
    return world


@pytest.mark.parametrize("rolled_up", [False, True])
def test_the_escalated_figure_sits_beside_the_overdue_one_on_the_page_and_in_the_csv(app, scene, rolled_up):
    if rolled_up:
        rollups.refresh(TODAY)
        db.session.commit()
    client = signed_in(app, "township")
    html = text_of(client.get("/dashboard"))
    assert (by_testid(html, "total-overdue"), by_testid(html, "total-escalated")) == ("1", "1")
    assert "逾期已升级" in html
    csv = client.get("/dashboard.csv").get_data().decode("utf-8-sig")
    assert "逾期已升级,1" in csv
    assert "村,在办案件,监测户,已逾期,逾期已升级" in csv
    assert "青山村,2,1,1,1" in csv and "石门村,0,0,0,0" in csv
    other = text_of(signed_in(app, "village_b").get("/dashboard"))
    assert by_testid(other, "total-escalated") == "0"
