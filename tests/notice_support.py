"""Households on public notice, for the service and HTTP tests of the printed notices.

Every case reaches its state through ``services.workflow.cases.perform`` (office_support.drive for
village A; the same steps by village B's own staff there).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import factories
from core.extensions import db
from domain.enums import CaseSource, IncomeSource
from domain.workflow import Action, CaseState
from office_support import drive, put_on_elimination_list, review
from services.households import incomes
from services.workflow import cases
from services.workflow.cases import StepInput

START = date(2026, 11, 1)
PHONE_A1 = "13900001111"
STAFF_PHONE = "13700002222"


@dataclass(frozen=True)
class NoticeScene:
    user_ids: dict[str, int]
    village_a_code: str
    village_a_id: int
    on_notice: list[int]          # cases of village A on the identification notice
    ids_on_notice: list[str]      # their heads' full ID numbers (must never be printed)
    id_not_listed: str            # head of village A's verified case, not yet on notice
    id_village_b: str             # head of village B's case on notice
    eliminating: int              # village A case on the elimination notice
    monitored: int                # a case the county confirmed


def _open(world, region, day: date, *, id_number: str, phone: str | None = None):
    h = factories.household(region, day, id_number=id_number, phone=phone)
    return cases.open_case(None, h.region, CaseSource.SELF_REPORT, today=day, household=h,
                           risk_types=["illness"], words="家里老人住院")


def _village_b_on_notice(world, id_number: str):
    case = _open(world, world.grid_b1, START, id_number=id_number)
    v, g = world.users["village_b"], world.users["grid_b1"]
    for who, action, kw in [(v, Action.ACCEPT, {}), (v, Action.ASSIGN_VERIFIER, {"assignee_id": g.id}),
                            (g, Action.VERIFY, {}),
                            (v, Action.VILLAGE_REVIEW_PASS, {"review": review(START), "notice_start": START})]:
        cases.perform(who, case.id, action, StepInput(**kw), today=START)
    return case


def _on_elimination_notice(world):
    case = _open(world, world.grid_a1, START, id_number=factories.new_id())
    drive(world, case, CaseState.HELPING, START)
    db.session.commit()  # as between requests: relationships reload from the stored ids
    day = START + timedelta(days=30)
    put_on_elimination_list(world, case, day)
    # Natural vanishing waives the stable period, not the income above the line (seed 004).
    incomes.record_income(None, case.household, year=day.year, measured_on=day, net_total=Decimal("30000"),
                          source=IncomeSource.STAFF, today=day)
    village, grid = world.users["village_a"], world.users["grid_a1"]
    cases.perform(village, case.id, Action.PROPOSE_ELIMINATION,
                  StepInput(natural_elimination=True, guarantees_secure=True, rigid_spending_resolved=True),
                  today=day)
    cases.perform(grid, case.id, Action.ELIM_VERIFY, StepInput(household_signed=True, signed=True), today=day)
    cases.perform(village, case.id, Action.ELIM_VILLAGE_REVIEW,
                  StepInput(review=review(day), notice_start=day, signed=True), today=day)
    assert case.state_enum is CaseState.ELIM_PUBLICIZING
    return case


def build_notice_scene() -> NoticeScene:
    world = factories.build_world()
    world.users["village_a"].phone = STAFF_PHONE
    ids = [factories.new_id(), factories.new_id()]
    in_grid = _open(world, world.grid_a1, START, id_number=ids[0], phone=PHONE_A1)
    drive(world, in_grid, CaseState.PUBLICIZING, START)                     # notice from 11-05
    direct = _open(world, world.village_a, START, id_number=ids[1])
    drive(world, direct, CaseState.PUBLICIZING, START + timedelta(days=2))  # notice from 11-07
    not_listed = factories.new_id()
    drive(world, _open(world, world.grid_a1, START, id_number=not_listed), CaseState.VERIFIED, START)
    id_b = factories.new_id()
    _village_b_on_notice(world, id_b)
    eliminating = _on_elimination_notice(world)
    monitored = _open(world, world.grid_a1, START, id_number=factories.new_id())
    drive(world, monitored, CaseState.MONITORED, START)
    db.session.commit()
    return NoticeScene(
        user_ids={name: u.id for name, u in world.users.items()}, village_a_code=world.village_a.code,
        village_a_id=world.village_a.id, on_notice=[in_grid.id, direct.id], ids_on_notice=ids,
        id_not_listed=not_listed, id_village_b=id_b, eliminating=eliminating.id, monitored=monitored.id)
