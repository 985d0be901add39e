"""``flask seed-scale --households N``: a realistic county (or a province of counties) in an
empty database, through the project's own tables, encryption and blind indexes, for measuring
pages at the size they will run at.

The region tree and the staff come first (``scale_regions``, ``scale_staff``), with each county's
measure library and campaigns; then households in batches (``BATCH``): their members
(``scale_people``), cases with their events, plans and evaluations (``scale_cases``) and visits
(``scale_visits``), each table written by one multi-row INSERT per batch. ``seed_scale`` yields
after every batch and never commits: the command commits what it was given, so a batch is one
unit of work. One seed gives the same people, places and histories (ciphertexts differ: every
encryption draws a fresh nonce).
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from itertools import islice
from typing import Iterator

from sqlalchemy import func, select, text

from core import clock
from core.extensions import db
from domain.passwords import password_problems
from models import (Case, CaseEvent, Evaluation, Household, Measure, Member, PlanMeasure, Region, ScreeningRound,
                    User, Visit)
from services.demo import scale_help, scale_staff, scale_visits
from services.demo.scale_cases import CaseRows
from services.demo.scale_common import Ids, advance_sequences, write
from services.demo.scale_people import People, set_income
from services.demo.scale_regions import Grid, Tree, Village, build_tree, spread
from services.errors import ValidationFailed

BATCH = 5_000
DEFAULT_PASSWORD = "shoudi-scale-2026"
DEFAULT_SEED = 2026
UNMATCHED_CLUES = 0.005   # clues about someone not found in the register, per household
TABLES = tuple(m.__table__ for m in (Region, User, Measure, ScreeningRound, Household, Member, Case, CaseEvent,
                                     Evaluation, PlanMeasure, Visit))


@dataclass
class Progress:
    households: int      # written so far
    total: int           # asked for
    members: int
    cases: int
    events: int
    visits: int
    finished: bool = False  # sequences moved on and statistics gathered


def refusal() -> str | None:
    """Why the database cannot take a generated province (in Chinese), or None when it can."""
    households = db.session.execute(select(func.count(Household.id))).scalar_one()
    if households:
        return f"数据库中已有 {households:,} 户农户，不能再生成规模测试数据（只能在空数据库中生成）"
    regions = db.session.execute(select(func.count(Region.id))).scalar_one()
    if regions:
        return f"数据库中已有 {regions:,} 个区划，不能再生成规模测试数据（只能在空数据库中生成）"
    return None


def password_problem(password: str) -> str | None:
    """The shared password must pass the rule every account's password passes."""
    problems = password_problems(password, "s-county-1")
    return "；".join(problems) if problems else None


def _slots(tree: Tree, rng: random.Random) -> Iterator[tuple[Village, Grid, int]]:
    """Each household's place: its village, its grid, its number in the village."""
    for county in tree.counties:
        for village in county.villages:
            per_grid = spread(village.households, [rng.uniform(0.7, 1.3) for _ in village.grids])
            number = 0
            for grid, count in zip(village.grids, per_grid):
                for _ in range(count):
                    number += 1
                    yield village, grid, number


def seed_scale(households: int, seed: int = DEFAULT_SEED, password: str = DEFAULT_PASSWORD,
               today: date | None = None, batch: int = BATCH) -> Iterator[Progress]:
    """Generate ``households`` households with everything around them; yields after the tree and
    the staff, after each batch, and once more at the end. Raises ``ValidationFailed`` on a
    database that is not empty or a password the rules refuse."""
    problem = refusal() or (None if households >= 1 else "户数至少为1")
    if problem is None and password_problem(password):
        problem = f"密码不符合要求：{password_problem(password)}"
    if problem:
        raise ValidationFailed({"": problem})
    rng = random.Random(seed)
    today, now = today or clock.today(), clock.now()
    ids = Ids(TABLES)
    tree = build_tree(households, rng, ids, now)
    write(Region.__table__, tree.rows)
    write(User.__table__, scale_staff.build_staff(tree, rng, ids, scale_staff.hash_password(password), now))
    for county in tree.counties:
        write(Measure.__table__, scale_help.library_rows(county, ids))
        write(ScreeningRound.__table__, scale_visits.campaign_rows(county, ids, today, now))
    progress = Progress(0, households, 0, 0, 0, 0)
    yield progress

    people = People(rng, ids, today, now)
    cases = CaseRows(rng, ids, today, now, people)
    visits = scale_visits.VisitRows(rng, ids, today, now)
    slots = _slots(tree, rng)
    while progress.households < households:
        cases.start_batch()
        visits.start_batch()
        household_rows, member_rows = [], []
        for village, grid, number in islice(slots, batch):
            county = village.township.county
            family, members = people.household(grid, number, county.code[:6])
            cases.for_household(family, county)
            if rng.random() < UNMATCHED_CLUES:
                cases.unmatched(county, village)
            set_income(family, rng)
            visits.for_household(family)
            household_rows.append(family.row)
            member_rows += members
        if not household_rows:
            break  # (the tree holds exactly ``households`` places: never reached)
        for table, rows in ((Household, household_rows), (Member, member_rows), (Case, cases.cases),
                            (CaseEvent, cases.events), (Evaluation, cases.help.evaluations),
                            (PlanMeasure, cases.help.measures), (Visit, visits.rows)):
            write(table.__table__, rows)
        progress.households += len(household_rows)
        progress.members += len(member_rows)
        progress.cases += len(cases.cases)
        progress.events += len(cases.events)
        progress.visits += len(visits.rows)
        yield progress

    advance_sequences(TABLES)
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))  # the planner needs the new tables' statistics at once
    progress.finished = True
    yield progress
