"""A county with a case waiting at every desk, for the 我的待办 tests (service, page, API,
browser). Every case is driven through the real services on dates counted back from TODAY;
the neighbouring county's cases are put in their state directly (only "outside scope" matters).
Plain ids are kept, so tests never touch expired instances."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

import factories
from conftest import TODAY
from core.extensions import db
from domain.enums import CaseSource, RegionLevel
from domain.workflow import Action, CaseState
from models import AuditLog
from help_support import PLAN_MAKERS, choices, library, plan_day, visited_case
from office_support import drive, new_case
from services.accounts import users
from services.farmer import reviews
from services.help import plans
from services.regions import tree
from services.workflow import cases
from services.workflow.cases import StepInput

PHONE = "13812345678"


@dataclass(frozen=True)
class TodoScene:
    users: dict[str, int]
    reported: int          # village A, clue just in (due TODAY + 14)
    received: int          # village A, accepted, no verifier yet (due TODAY + 12)
    village_b_clue: int    # village B: not village A's
    notice_ended: int      # village A, notice started TODAY - 8: may be closed
    notice_running: int    # village A, notice started TODAY - 2: not yet
    verifying: int         # verifier grid_a1
    township_soon: int     # due TODAY + 3, created first
    township_late: int     # due TODAY - 5 (overdue)
    county: int            # waiting for the county
    paired: int            # cadre_a's first visit, due TODAY - 1
    helping: int           # cadre_a's, a measure of theirs due TODAY + 2
    other_cadre: int       # cadre_b's
    refused: int           # refused, with a farmer's open re-review request
    neighbour: int         # another county's case waiting for its township
    cadre_measure: int     # the measure cadre_a follows (no department)
    dept_measure: int      # the measure handed to civil affairs


def _refused(world) -> int:
    case = cases.open_case(None, world.village_a, CaseSource.SELF_REPORT, today=TODAY - timedelta(days=3),
                           claimed_name="王大山", claimed_id_number=factories.new_id(), claimed_phone=PHONE,
                           with_lookup_code=True)
    village, grid = world.users["village_a"], world.users["grid_a1"]
    day = TODAY - timedelta(days=3)
    cases.perform(village, case.id, Action.ACCEPT, StepInput(), today=day)
    cases.perform(village, case.id, Action.ASSIGN_VERIFIER, StepInput(assignee_id=grid.id), today=day)
    cases.perform(grid, case.id, Action.VERIFY, StepInput(), today=day)
    cases.perform(village, case.id, Action.VILLAGE_REVIEW_FAIL,
                  StepInput(review={"date": day.isoformat(), "participants": "村两委"}, reason="家庭收入高于监测范围"),
                  today=day)
    db.session.commit()
    assert reviews.ask(case.lookup_code, PHONE[-4:], "家里老人又住院了", TODAY) is not None
    db.session.commit()
    return case.id


def _driven(world, days_ago: int, until: CaseState) -> int:
    start = TODAY - timedelta(days=days_ago)
    return drive(world, new_case(world, start), until, start).id


def build_todo_scene() -> TodoScene:
    world = factories.with_a_neighbour(factories.build_world())
    world.users["cadre_b"] = users.create_user("cadre_b", "结对干部乙", factories.PASSWORD, "pair_cadre",
                                               world.village_a.code)
    db.session.commit()
    township_soon = _driven(world, 12, CaseState.TOWNSHIP_REVIEW)
    township_late = _driven(world, 20, CaseState.TOWNSHIP_REVIEW)
    county = _driven(world, 14, CaseState.COUNTY_REVIEW)
    notice_ended = _driven(world, 12, CaseState.PUBLICIZING)
    notice_running = _driven(world, 6, CaseState.PUBLICIZING)
    received = _driven(world, 3, CaseState.RECEIVED)
    reported = new_case(world, TODAY - timedelta(days=1)).id
    verifying = _driven(world, 2, CaseState.VERIFYING)
    paired = _driven(world, 20, CaseState.PAIRED)
    other = new_case(world, TODAY - timedelta(days=20))
    drive(world, other, CaseState.MONITORED, TODAY - timedelta(days=20))
    cases.perform(world.users["township"], other.id, Action.ASSIGN_PAIR_CADRE,
                  StepInput(assignee_id=world.users["cadre_b"].id), today=TODAY - timedelta(days=8))
    db.session.commit()

    lib = library(world)
    start = TODAY - timedelta(days=30)
    helping = visited_case(world, start, toilet=True)
    plans.save_plan(world.users["village_a"], helping.id, Action.MAKE_HELP_PLAN,
                    choices(lib, "乡村公益性岗位", "结对关爱走访", "农村低保兜底", due=TODAY + timedelta(days=2)),
                    today=plan_day(start), makers=PLAN_MAKERS, development_will=True, will_given=True)
    db.session.commit()
    measures = {pm.measure.name: pm.id for pm in plans.current(helping)}

    village_b_clue = cases.open_case(None, world.village_b, CaseSource.SELF_REPORT, today=TODAY,
                                     household=factories.household(world.village_b, TODAY)).id
    refused = _refused(world)
    town = tree.create_region("341598101000", "邻镇", RegionLevel.TOWNSHIP, tree.by_code("341598000000"))
    neighbour = _neighbour_case(tree.create_region("341598101001", "邻村", RegionLevel.VILLAGE, town))
    db.session.commit()
    return TodoScene(
        users={name: u.id for name, u in world.users.items()}, reported=reported, received=received,
        village_b_clue=village_b_clue, notice_ended=notice_ended, notice_running=notice_running,
        verifying=verifying, township_soon=township_soon, township_late=township_late, county=county,
        paired=paired, helping=helping.id, other_cadre=other.id, refused=refused, neighbour=neighbour,
        cadre_measure=measures["结对关爱走访"], dept_measure=measures["农村低保兜底"])


def _neighbour_case(region) -> int:
    case = cases.open_case(None, region, CaseSource.SELF_REPORT, today=TODAY - timedelta(days=12),
                           household=factories.household(region, TODAY))
    case.state = CaseState.TOWNSHIP_REVIEW.value  # seeding shortcut: only "outside scope" matters
    db.session.flush()
    return case.id


def signed_in(app, login_name: str):
    """A fresh client logged in as one of the scene's people (one client per person)."""
    client = app.test_client()
    answer = client.post("/login", data={"login": login_name, "password": factories.PASSWORD})
    assert answer.status_code == 302
    return client


def read_audits(user_id: int) -> list[tuple[str, str]]:
    """(object id, detail) of the full-record reads of cases a person made, as committed."""
    db.session.expire_all()
    query = (select(AuditLog).where(AuditLog.user_id == user_id, AuditLog.object_type == "case",
                                    AuditLog.action == "read").order_by(AuditLog.id))
    return [(a.object_id, a.detail) for a in db.session.execute(query).scalars()]
