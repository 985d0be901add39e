"""Linking a clue to the registered household it concerns (关联农户).

A farmer who reports with an ID number that no registered member carries opens a case
without a household, and the county cannot confirm it until village or township staff link
it. This module finds the households the clue probably means, within the actor's scope:
a member with the clue's ID number or phone (compared through the blind indexes, never the
numbers), or a member with exactly the claimed name in the clue's village. Staff may also
search by name or by a full ID number. Candidates carry masked numbers only; every search is
audited without its terms. The link itself is ``services.workflow.cases.match_household``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from core.extensions import db
from domain.enums import Role
from domain.masking import mask_phone
from domain.validation import InvalidIdNumber, normalize_id_number, parse_id_number
from domain.workflow import CaseState
from domain import numbers
from models import Case, Household, Member, Region, User
from models.personal import ID_NUMBER, blind_index
from services.accounts import scoping
from services.errors import PermissionDenied, ValidationFailed
from services.households.name_search import name_prefix
from services.platform import audit
from services.workflow import cases

MATCH_ROLES = frozenset({Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF})
SUGGESTION_LIMIT = 10
SEARCH_LIMIT = 20

# Why a household is suggested, strongest first.
SAME_ID = "身份证号相同"
SAME_PHONE = "手机号相同"
SAME_NAME = "姓名相同"
_STRENGTH = {SAME_ID: 0, SAME_PHONE: 1, SAME_NAME: 2}


# --- who, and when -----------------------------------------------------------------------------

def may_match(actor: User) -> bool:
    return actor.role_enum in MATCH_ROLES


def require_matcher(actor: User) -> None:
    if not may_match(actor):
        raise PermissionDenied("关联农户由村级或乡镇工作人员办理")


def not_awaiting_reason(case: Case) -> str:
    """Why this case cannot be linked now ('' when it can): the service's own messages."""
    if not case.is_open:
        return "已办结的线索不能再关联农户"
    if case.household_id is not None:
        return "该线索已关联农户"
    return ""


def offered(actor: User, case: Case) -> bool:
    """Whether the case page offers the link panel to this person."""
    return may_match(actor) and not not_awaiting_reason(case)


def link(actor: User, case_id: int, household_id: int) -> Case:
    """Link the clue to the household (both in scope, else NotFound); the case service records
    the event and the audit entry. Services never commit."""
    require_matcher(actor)
    return cases.match_household(actor, case_id, household_id)


# --- the search form (POST only: the terms are personal data) ---------------------------------

@dataclass(frozen=True)
class Search:
    text: str     # a name, or the normalised ID number; never logged
    by_id: bool

    @property
    def kind(self) -> str:  # for the audit trail, never the term itself
        return "id_number" if self.by_id else "name"

    @property
    def label(self) -> str:
        return "身份证号" if self.by_id else "姓名"


def read_search(raw: str | None, today: date) -> Search:
    text = normalize_id_number(raw or "")  # drops spaces, folds full-width characters
    if not text:
        raise ValidationFailed({"q": "请输入姓名或完整的身份证号"})
    if numbers.count_digits(text):
        try:
            return Search(parse_id_number(text, today).value, by_id=True)
        except InvalidIdNumber as exc:
            raise ValidationFailed({"q": f"{exc}（按号码查找时请输入完整的18位身份证号）"}) from None
    name = "".join((raw or "").split())
    if len(name) > 20:
        raise ValidationFailed({"q": "姓名不超过20个字"})
    if len(name) < 2:
        raise ValidationFailed({"q": "请至少输入姓名中的两个字"})
    return Search(name, by_id=False)


# --- candidates --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Candidate:
    household_id: int
    head: str              # the head's name ("" when none is recorded)
    place: str             # "青山村 / 青山村一组"
    member: str            # the member found (may be the head)
    member_is_head: bool
    id_masked: str         # the found member's ID number, masked
    size: int
    reasons: tuple[str, ...]   # what the household shares with the clue
    open_case_id: int | None   # an open case the household already has (merge after linking)


@dataclass(frozen=True)
class MatchPanel:
    claimed_name: str
    claimed_id_masked: str
    claimed_phone_masked: str
    suggestions: tuple[Candidate, ...]
    searched: bool = False
    search_label: str = ""
    results: tuple[Candidate, ...] = ()
    more: bool = False     # the search found more households than are shown


def panel(actor: User, case: Case, search: Search | None = None) -> MatchPanel:
    """The panel's data: suggestions always, search results when a search was posted."""
    found: tuple[Candidate, ...] = ()
    more = False
    if search is not None:
        found, more = run_search(actor, case, search)
    return MatchPanel(
        claimed_name=case.claimed_name or "", claimed_id_masked=case.claimed_id_number_masked,
        claimed_phone_masked=mask_phone(case.claimed_phone), suggestions=suggestions(actor, case),
        searched=search is not None, search_label=search.label if search else "", results=found,
        more=more)


def suggestions(actor: User, case: Case) -> tuple[Candidate, ...]:
    """Households in scope sharing the clue's ID number, phone, or (in its village) name."""
    conditions = _clue_conditions(case)
    if not conditions:
        return ()
    members, _ = _find(actor, or_(*conditions), SUGGESTION_LIMIT)
    rows = _candidates(actor, case, members)
    return tuple(r for r in rows if r.reasons)


def run_search(actor: User, case: Case, search: Search) -> tuple[tuple[Candidate, ...], bool]:
    """Households in scope with a member of that ID number (blind index) or name; audited."""
    if search.by_id:
        condition = Member.id_number_index == blind_index(ID_NUMBER, search.text)
    else:
        condition = name_prefix(Member.name, search.text)
    members, more = _find(actor, condition, SEARCH_LIMIT)
    rows = _candidates(actor, case, members)
    audit.record(actor, "search", "case", case.id,
                 f"household match search by {search.kind}: {len(rows)} found")
    return rows, more


def linked_place(case: Case) -> tuple[str, str]:
    """The linked household's head and place, for the confirmation after linking."""
    household = case.household
    head = household.head
    return (head.name if head else ""), _places([household.region])[household.region_id]


# --- internals ---------------------------------------------------------------------------------

def _village(region: Region) -> Region | None:
    village_id = region.village_id
    if village_id is None:
        return None
    return region if village_id == region.id else db.session.get(Region, village_id)


def _clue_conditions(case: Case) -> list:
    conditions = []
    if case.claimed_id_number_index:
        conditions.append(Member.id_number_index == case.claimed_id_number_index)
    if case.claimed_phone_index:
        conditions.append(Member.phone_index == case.claimed_phone_index)
    name = (case.claimed_name or "").strip()
    village = _village(case.region)
    if name and village is not None:
        conditions.append(and_(Member.name == name, Region.path.startswith(village.path, autoescape=True)))
    return conditions


def _find(actor: User, condition, limit: int) -> tuple[list[Member], bool]:
    """Members matching ``condition`` in scope, from at most ``limit`` households."""
    ids_query = (scoping.members(actor).where(condition).with_only_columns(Member.household_id)
                 .distinct().order_by(Member.household_id).limit(limit + 1))
    ids = list(db.session.execute(ids_query).scalars())
    more, ids = len(ids) > limit, ids[:limit]
    if not ids:
        return [], False
    query = (scoping.members(actor).where(condition, Member.household_id.in_(ids))
             .options(joinedload(Member.household).joinedload(Household.region),
                      joinedload(Member.household).selectinload(Household.members))
             .order_by(Member.household_id, Member.id))
    return list(db.session.execute(query).unique().scalars()), more


def _reasons(case: Case, household: Household, village: Region | None) -> tuple[str, ...]:
    name = (case.claimed_name or "").strip()
    found = set()
    for m in household.members:
        if case.claimed_id_number_index and m.id_number_index == case.claimed_id_number_index:
            found.add(SAME_ID)
        if case.claimed_phone_index and m.phone_index == case.claimed_phone_index:
            found.add(SAME_PHONE)
        if name and m.name == name and village is not None and village.contains(household.region):
            found.add(SAME_NAME)
    return tuple(sorted(found, key=_STRENGTH.__getitem__))


def _member_strength(case: Case, m: Member) -> int:
    if case.claimed_id_number_index and m.id_number_index == case.claimed_id_number_index:
        return 0
    if case.claimed_phone_index and m.phone_index == case.claimed_phone_index:
        return 1
    return 2 if m.name == (case.claimed_name or "").strip() else 3


def _candidates(actor: User, case: Case, members: list[Member]) -> tuple[Candidate, ...]:
    village = _village(case.region)
    best: dict[int, Member] = {}
    for m in members:  # per household, the found member closest to the clue
        if m.household_id not in best or _member_strength(case, m) < _member_strength(case, best[m.household_id]):
            best[m.household_id] = m
    households = [m.household for m in best.values()]
    places = _places([h.region for h in households])
    open_cases = _open_cases(actor, [h.id for h in households])
    rows = []
    for household in households:
        member, head = best[household.id], household.head
        rows.append(Candidate(
            household_id=household.id, head=head.name if head else "", place=places[household.region_id],
            member=member.name, member_is_head=member.is_head, id_masked=member.id_number_masked,
            size=household.size, reasons=_reasons(case, household, village),
            open_case_id=open_cases.get(household.id)))
    rows.sort(key=lambda r: (_STRENGTH.get(r.reasons[0], 3) if r.reasons else 3, -len(r.reasons), r.household_id))
    return tuple(rows)


def _places(regions: list[Region]) -> dict[int, str]:
    """Each region's village and grid names ("青山村 / 青山村一组")."""
    ids = {i for r in regions for i in r.from_village_ids}
    names = dict(db.session.execute(select(Region.id, Region.name).where(Region.id.in_(ids))).all()) if ids else {}
    return {r.id: " / ".join(names[i] for i in r.from_village_ids if i in names) or r.name
            for r in regions}


def _open_cases(actor: User, household_ids: list[int]) -> dict[int, int]:
    if not household_ids:
        return {}
    open_states = [s.value for s in CaseState if s.is_open]
    query = (scoping.cases(actor).where(Case.household_id.in_(household_ids), Case.state.in_(open_states))
             .with_only_columns(Case.household_id, Case.id).order_by(Case.id))
    found: dict[int, int] = {}
    for household_id, case_id in db.session.execute(query):
        found.setdefault(household_id, case_id)
    return found
