"""The whole grid on the phone for one working day (本网格离线包).

A grid worker who goes up the mountain without signal must be able to open the visit form of any
household of their grid, not only those opened before. This is the one answer the phone keeps
for that: the households of the worker's own grid with their present members (names, relation,
ID and phone numbers masked — never in full), the open cases assigned to the worker with their
step, and nothing else: no incomes, no health, no addresses of other grids. The screening form
itself is added by the caller (it is the same for everyone).

Only grid workers download it (their scope is their grid: ``scoping.households``); the read is
audited with counts only. Households are read in id order in batches (keyset, through the
household primary key and the region join the scope makes), up to ``MAX_HOUSEHOLDS``: a grid
holds some 100–400 households; past the cap the answer says it was cut short.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, selectinload

from core.extensions import db
from domain.deadlines import days_left
from domain.enums import Relation
from domain.workflow import CaseState
from models import Case, Household, Region, User, Visit
from services.accounts import scoping
from services.fieldwork.worklists import CaseRow
from services.errors import PermissionDenied
from services.platform import audit

MAX_HOUSEHOLDS = 500
BATCH = 200
OPEN_STATES = tuple(s.value for s in CaseState if s.is_open)
_RELATIONS = dict(Relation.choices())


@dataclass(frozen=True)
class MemberEntry:
    name: str
    relation: str           # its Chinese label (户主, 配偶 …)
    head: bool
    id_masked: str
    phone_masked: str


@dataclass(frozen=True)
class HouseholdEntry:
    id: int
    head: str
    address: str
    region: str
    size: int
    last_visit: date | None
    members: list[MemberEntry]


@dataclass(frozen=True)
class CaseEntry(CaseRow):
    """A case as 我的工作 lists it, and whether a visit for it now completes the verification."""

    verifying: bool


@dataclass(frozen=True)
class GridBundle:
    region: str
    day: date               # the working day it was made for (Beijing time)
    households: list[HouseholdEntry]
    cases: list[CaseEntry]
    truncated: bool         # the grid holds more than ``limit`` households
    limit: int              # MAX_HOUSEHOLDS

    @property
    def member_count(self) -> int:
        return sum(len(h.members) for h in self.households)


def ensure_grid_worker(actor: User) -> None:
    """Only a grid worker keeps a grid on the phone: everyone else's scope is an area, far more
    than one day of visits needs."""
    if scoping.reach(actor) is not scoping.Reach.OWN_CASES:
        raise PermissionDenied("只有网格员可以把本网格保存到手机上")


def grid_bundle(actor: User, today: date) -> GridBundle:
    ensure_grid_worker(actor)
    households = _households(actor)
    truncated = len(households) > MAX_HOUSEHOLDS
    households = households[:MAX_HOUSEHOLDS]
    entries = _household_entries(households)
    heads = {h.id: h.head for h in entries}
    found = _cases(actor, heads, today)
    bundle = GridBundle(actor.region.name, today, entries, found, truncated, MAX_HOUSEHOLDS)
    audit.record(actor, "download", "region", actor.region_id,
                 f"offline grid: households={len(entries)} members={bundle.member_count} cases={len(found)}")
    return bundle


def _households(actor: User) -> list[Household]:
    """Up to MAX_HOUSEHOLDS + 1 households of the scope, batch by batch after the last id."""
    found: list[Household] = []
    after = 0
    while len(found) <= MAX_HOUSEHOLDS:
        size = min(BATCH, MAX_HOUSEHOLDS + 1 - len(found))
        query = (scoping.households(actor).where(Household.id > after)
                 .options(contains_eager(Household.region), selectinload(Household.members))
                 .order_by(Household.id).limit(size))
        batch = list(db.session.execute(query).unique().scalars())
        found += batch
        if len(batch) < size:
            break
        after = batch[-1].id
    return found


def _household_entries(households: list[Household]) -> list[HouseholdEntry]:
    last = _last_visits([h.id for h in households])
    entries = []
    for h in households:
        head = h.head
        members = [MemberEntry(m.name, _RELATIONS.get(m.relation, ""), m.is_head, m.id_number_masked,
                               m.phone_masked) for m in h.members]
        entries.append(HouseholdEntry(h.id, head.name if head else "", h.address, h.region.name, h.size,
                                      last.get(h.id), members))
    return entries


def _last_visits(ids: list[int]) -> dict[int, date]:
    found: dict[int, date] = {}
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        rows = db.session.execute(select(Visit.household_id, func.max(Visit.visited_at))
                                  .where(Visit.household_id.in_(chunk)).group_by(Visit.household_id))
        found.update({household_id: at.date() for household_id, at in rows if at is not None})
    return found


def _cases(actor: User, heads: dict[int, str], today: date) -> list[CaseEntry]:
    """The open cases the worker verifies (the verifier's index, with the state), soonest due first,
    with their regions and those regions' parents (the village of a grid) in two statements."""
    query = (scoping.cases(actor).where(Case.verifier_id == actor.id, Case.state.in_(OPEN_STATES))
             .options(selectinload(Case.region).selectinload(Region.parent))
             .order_by(Case.due_date, Case.id).limit(MAX_HOUSEHOLDS))
    entries = []
    for c in db.session.execute(query).scalars():
        name = heads.get(c.household_id) if c.household_id is not None else None
        entries.append(CaseEntry(c.id, c.household_id, name or c.claimed_name or "", c.region.village.name,
                                 c.state_enum.label, c.due_date, days_left(c.due_date, today) if c.due_date else None,
                                 c.state == CaseState.VERIFYING.value))
    return entries
