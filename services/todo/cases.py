"""One to-do list of cases, a page at a time: what every list of the board is made of.

The scope is ``scoping.case_parts`` (the area by its path, then the person's own cases, each
read from its own index and put together with UNION ALL), plus the list's states. The totals
are counted in SQL; only the page's 50 cases are loaded, with their households and regions and
the names of their villages, in a fixed number of statements whatever the size of the area.
Names and ID numbers are masked (``domain.masking``): the list tells whose case it is, no more.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Callable

from sqlalchemy import ColumnElement, func, select, union_all
from sqlalchemy.orm import selectinload

from core.extensions import db
from domain.masking import mask_name
from models import Case, Household, Region, User
from services.accounts import scoping
from services.todo.ordering import Clock, clock
from services.todo.steps import task

PAGE_SIZE = 50


@dataclass(frozen=True)
class Row:
    case_id: int
    step: str                   # the step that waits, in words (``duty_for``)
    state: str
    name: str                   # the household head (or the name a clue gave), masked
    id_masked: str
    village: str
    due: str                    # the deadline this row is sorted by, or ""
    clock: Clock
    notes: tuple[str, ...] = ()  # what else decides the order of work (source, notice dates…)
    measure_id: int | None = None  # a measure to record on /tasks/<id>; otherwise the case page
    facts: bool = False         # the decision's facts may be opened beside the row


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    empty: str                  # said when nothing waits
    rows: list[Row]
    total: int
    overdue: int
    pages: int = 1


@dataclass(frozen=True)
class Found:
    cases: list[Case]
    total: int
    overdue: int
    pages: int
    due: dict[int, date | None] = field(default_factory=dict)  # the date each case is sorted by


def pages_of(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def find(actor: User, conditions: list, today: date, page: int, *,
         due: ColumnElement | None = None) -> Found:
    """Page ``page`` (past the last: none) of the cases in scope meeting ``conditions``, soonest
    ``due`` first (the case's own deadline unless a list has another), then the oldest clue."""
    due = Case.due_date if due is None else due
    parts = [select(Case.id.label("id"), due.label("due"), Case.clue_date.label("clue")).where(part, *conditions)
             for part in scoping.case_parts(actor)]
    ranked = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery("ranked")
    total, overdue = db.session.execute(
        select(func.count(), func.count().filter(ranked.c.due < today)).select_from(ranked)).one()
    if total <= (page - 1) * PAGE_SIZE:
        return Found([], total, overdue, pages_of(total))
    order = (ranked.c.due.is_(None), ranked.c.due, ranked.c.clue, ranked.c.id)
    chosen = (select(ranked.c.id, ranked.c.due).order_by(*order)
              .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE).subquery("chosen"))
    query = (select(Case, chosen.c.due).join(chosen, chosen.c.id == Case.id)
             .order_by(chosen.c.due.is_(None), chosen.c.due, Case.clue_date, Case.id)
             .options(selectinload(Case.household).selectinload(Household.members), selectinload(Case.region)))
    loaded = db.session.execute(query).all()
    return Found([c for c, _ in loaded], total, overdue, pages_of(total), {c.id: d for c, d in loaded})


def village_names(found: list[Case]) -> dict[int, str]:
    """The village of each case (a case may sit on a grid), read in one query for the page."""
    ids = {c.region.village_id for c in found} - {None}
    names = dict(db.session.execute(select(Region.id, Region.name).where(Region.id.in_(ids))).all()) if ids else {}
    return {c.id: names.get(c.region.village_id, c.region.name) for c in found}


def who(case: Case) -> tuple[str, str]:
    """(masked name, masked ID number) of the household head, or of what an unmatched clue gave."""
    head = case.household.head if case.household is not None else None
    if head is not None:
        return mask_name(head.name), head.id_number_masked
    return mask_name(case.claimed_name or ""), case.claimed_id_number_masked


Notes = Callable[[Case], tuple[str, ...]]


def rows(found: Found, today: date, *, notes: Notes | None = None, facts: bool = False) -> list[Row]:
    villages = village_names(found.cases)
    made = []
    for case in found.cases:
        name, id_masked = who(case)
        due = found.due.get(case.id, case.due_date)
        made.append(Row(case.id, task(case.state), case.state_enum.label, name, id_masked, villages[case.id],
                        due.isoformat() if due else "", clock(due, today),
                        notes(case) if notes else (), facts=facts))
    return made


def section(key: str, title: str, empty: str, found: Found, row_list: list[Row]) -> Section:
    return Section(key, title, empty, row_list, found.total, found.overdue, found.pages)
