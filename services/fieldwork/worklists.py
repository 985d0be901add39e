"""A grid worker's day: cases to verify, households not yet visited this round, follow-ups, search."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from core.extensions import db
from domain.deadlines import days_left
from domain.masking import mask_id_number
from domain.workflow import CaseState
from domain import numbers
from models import Case, Household, Member, ScreeningRound, User, Visit
from models.personal import ID_NUMBER, PHONE, tail_index
from services.accounts import scoping
from services.campaigns import campaigns
from services.errors import NotFound
from services.households import records
from services.households.name_search import name_prefix

LIST_LIMIT = 200


def _households_query(actor: User):
    """Households in scope, with members and region loaded in two queries rather than N."""
    return scoping.households(actor).options(selectinload(Household.members),
                                             selectinload(Household.region))


@dataclass(frozen=True)
class CaseRow:
    id: int
    household_id: int | None
    name: str
    village: str
    state: str
    due: date | None
    days_left: int | None

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0


@dataclass(frozen=True)
class HouseholdRow:
    id: int
    head: str
    id_masked: str
    phone_masked: str
    address: str
    region: str
    last_visit: date | None


@dataclass(frozen=True)
class MyWork:
    round_name: str | None
    to_verify: list[CaseRow]
    not_visited: list[HouseholdRow]
    follow_ups: list[HouseholdRow]


def current_round(actor: User, today: date) -> ScreeningRound | None:
    """The campaign running today whose area holds the actor's township (none elsewhere)."""
    return campaigns.current(actor, today)


def my_work(actor: User, today: date) -> MyWork:
    screening = current_round(actor, today)
    return MyWork(screening.name if screening else None, cases_to_verify(actor, today),
                  not_visited(actor, screening) if screening else [], follow_ups(actor))


def cases_to_verify(actor: User, today: date) -> list[CaseRow]:
    rows = db.session.execute(
        scoping.cases(actor).where(Case.verifier_id == actor.id,
                                   Case.state == CaseState.VERIFYING.value)
        .order_by(Case.due_date, Case.id).limit(LIST_LIMIT)).scalars().all()
    return [CaseRow(c.id, c.household_id, _case_name(c), c.region.village.name, c.state_enum.label,
                    c.due_date, days_left(c.due_date, today) if c.due_date else None) for c in rows]


def not_visited(actor: User, screening: ScreeningRound) -> list[HouseholdRow]:
    """应排查 households in scope (the campaign's area, on the register now) with no visit inside
    the campaign's days, Beijing time (村不漏户)."""
    start, end = campaigns.window(screening)
    visited = exists().where(Visit.household_id == Household.id, Visit.visited_at >= start,
                             Visit.visited_at < end)
    return _household_rows(_first_of(campaigns.households_to_screen(actor, screening), ~visited))


def follow_ups(actor: User) -> list[HouseholdRow]:
    """Households whose latest visit said they should be monitored but have no open case.

    Each household of the scope is asked about its own latest visit (through the index on
    ``visit.household_id``), so the work follows the scope — a grid's few dozen households —
    not the visits of the whole province."""
    later = aliased(Visit)
    latest_at = (select(func.max(later.visited_at)).where(later.household_id == Household.id)
                 .correlate(Household).scalar_subquery())
    flagged = exists().where(Visit.household_id == Household.id, Visit.visited_at == latest_at,
                             Visit.should_monitor.is_(True))
    open_states = [s.value for s in CaseState if s.is_open]
    has_open = exists().where(Case.household_id == Household.id, Case.state.in_(open_states))
    return _household_rows(_first_of(scoping.households(actor), flagged, ~has_open))


def _first_of(households, *conditions) -> list[Household]:
    """The first ``LIST_LIMIT`` households (by id) of ``households`` (a query over Household)
    that meet ``conditions``, with members and region loaded.

    The households of the query are found first, as a set of their own (MATERIALIZED on
    PostgreSQL), and only they are tested. Otherwise PostgreSQL may walk every household of the
    province in id order hoping to meet 200 that qualify, and a grid with fewer than that
    (the usual case) makes it read them all."""
    scope = (households.with_only_columns(Household.id).order_by(None).cte("scope")
             .prefix_with("MATERIALIZED", dialect="postgresql"))
    query = (select(Household).join(scope, scope.c.id == Household.id).where(*conditions)
             .order_by(scope.c.id).limit(LIST_LIMIT)
             .options(selectinload(Household.members), selectinload(Household.region)))
    return list(db.session.execute(query).scalars())


def search(actor: User, text: str) -> list[HouseholdRow]:
    """By a member's name, or the last 4 digits of a phone or ID number, within scope."""
    text = (text or "").strip()
    if not text:
        return []
    conditions = [name_prefix(Member.name, text)]
    if len(text) == 4 and numbers.is_digits(text[:3]) and (numbers.is_digits(text[3]) or text[3] in "xX"):
        conditions.append(Member.id_number_tail_index == tail_index(ID_NUMBER, text.upper()))
        if numbers.is_digits(text):
            conditions.append(Member.phone_tail_index == tail_index(PHONE, text))
    ids = select(Member.household_id).where(or_(*conditions))
    rows = db.session.execute(_households_query(actor).where(Household.id.in_(ids))
                              .order_by(Household.id).limit(LIST_LIMIT)).scalars().all()
    return _household_rows(rows)


def household_page(actor: User, q: str, page: int, per_page: int) -> tuple[list[HouseholdRow], int]:
    """(rows, total) for the API's household list: a search by name or number tail (at most
    ``LIST_LIMIT`` matches), or every household in scope by id."""
    start = (page - 1) * per_page
    if q.strip():
        rows = search(actor, q)
        return rows[start:start + per_page], len(rows)
    query = (scoping.households(actor).options(selectinload(Household.members), selectinload(Household.region))
             .order_by(Household.id).limit(per_page).offset(start))
    found = list(db.session.execute(query).scalars())
    return _household_rows(found), records.count_in_scope(actor)



# --- the visit form's headings -------------------------------------------------------------------

@dataclass(frozen=True)
class HouseholdHeader:
    id: int
    head: str
    id_masked: str
    address: str
    region: str
    size: int


@dataclass(frozen=True)
class CaseHeader:
    id: int
    state: str
    verifying: bool           # this visit completes the verification step
    row: CaseRow | None


@dataclass(frozen=True)
class VisitForm:
    household: HouseholdHeader
    case: CaseHeader | None   # when the visit is made for a case


def visit_form(actor: User, household_id: int, case_id: int | None, today: date) -> VisitForm:
    """What the visit form shows above its fields: the household (NotFound outside scope) and,
    for a visit made for a case, that case (NotFound outside scope or for another household)."""
    household = scoping.get(actor, Household, household_id)
    head = household.head
    header = HouseholdHeader(household.id, head.name if head else "", head.id_number_masked or "" if head else "",
                             household.address, household.region.name, household.size)
    if case_id is None:
        return VisitForm(header, None)
    case = scoping.get(actor, Case, case_id)
    if case.household_id not in (None, household.id):
        raise NotFound("case of another household")
    row = next((r for r in cases_to_verify(actor, today) if r.id == case.id), None)
    return VisitForm(header, CaseHeader(case.id, case.state_enum.label, row is not None, row))


def _household_rows(households: list[Household]) -> list[HouseholdRow]:
    if not households:
        return []
    last = dict(db.session.execute(
        select(Visit.household_id, func.max(Visit.visited_at))
        .where(Visit.household_id.in_([h.id for h in households])).group_by(Visit.household_id)).all())
    rows = []
    for h in households:
        head = h.head
        rows.append(HouseholdRow(
            h.id, head.name if head else "", mask_id_number(head.id_number) if head and head.id_number else "",
            head.phone_masked if head else "", h.address, h.region.name,
            last[h.id].date() if h.id in last and last[h.id] else None))
    return rows


def _case_name(case: Case) -> str:
    if case.household is not None and case.household.head is not None:
        return case.household.head.name
    return case.claimed_name or ""
