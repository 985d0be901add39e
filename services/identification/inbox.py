"""The triage inbox (线索受理): every open case in the user's scope, most pressing first.

Desk staff (village, township, county) see each open case with its source, risk types, urgency,
state and the days left on its clock; filter by village, source, risk type, state or overdue;
search by a member's name or the last four characters of a phone or ID number (through the
blind tail indexes, never the numbers themselves); and see likely duplicates
(``domain.duplicates``). Merging them and giving many cases to one verifier at once live in
``services.identification.inbox_actions``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Mapping

from sqlalchemy import (Date, Integer, String, and_, case as sql_case, cast, false, func, literal, null, or_, select,
                        union_all)
from sqlalchemy.orm import defer, load_only, selectinload

from core.extensions import db
from domain.deadlines import DUE_SOON_DAYS
from domain.duplicates import ClueFacts, DuplicateGroup, find_duplicates, group_of_each, may_merge
from domain.enums import CaseSource, RegionLevel, RiskType, Role
from domain.warnings import Grade
from domain.workflow import Action, CaseState, actions_for_role
from domain import numbers
from models import Case, Household, Member, Region, User
from models.personal import ID_NUMBER, PHONE, tail_index
from models.region import village_id_in
from services.accounts import scoping
from services.errors import PermissionDenied, ValidationFailed
from services.filter_args import FilterReader
from services.households.name_search import name_prefix
from services.platform import audit

DESK_ROLES = frozenset({Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF})
PAGE_SIZE = 50
OPEN_STATES = tuple(s for s in CaseState if s.is_open)
_ID_TAIL = re.compile(r"^\d{3}[0-9Xx]$")
_NUMBERISH = re.compile(r"^\d+[Xx]?$")
# States in which a case is given to a verifier (a new clue is accepted on the way).
ASSIGNABLE = (CaseState.REPORTED, CaseState.RECEIVED, CaseState.VERIFYING)


def require_desk(actor: User) -> None:
    if actor.role_enum not in DESK_ROLES:
        raise PermissionDenied("线索受理仅供村、乡镇、县级工作人员使用")


def may_assign(actor: User) -> bool:
    """Whether the actor's role assigns verifiers (the workflow says who)."""
    return Action.ASSIGN_VERIFIER in actions_for_role(CaseState.RECEIVED, actor.role_enum)


# --- filters (GET, non-personal) -------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    village: str = ""   # a village's region code, within scope
    source: str = ""    # CaseSource code
    risk: str = ""      # RiskType code
    state: str = ""     # an open CaseState code
    overdue: bool = False

    def args(self) -> dict[str, str]:
        """The filters as query or hidden form fields (only those set)."""
        values = {"village": self.village, "source": self.source, "risk": self.risk,
                  "state": self.state, "overdue": "1" if self.overdue else ""}
        return {k: v for k, v in values.items() if v}


def _villages(actor: User):
    return scoping.regions(actor).where(Region.level == RegionLevel.VILLAGE.value)


def _known_village(actor: User, code: str) -> set[str]:
    """``{code}`` when it names a village of the person's area, else nothing: one indexed look-up,
    not the list of a county's 1,500 villages."""
    code = code.strip()
    if not code or len(code) > 20:
        return set()
    query = _villages(actor).with_only_columns(Region.code).where(Region.code == code)
    return set(db.session.execute(query).scalars())


def read_filters(actor: User, args: Mapping[str, str]) -> tuple[Filters, dict[str, str]]:
    """Valid filters, and a Chinese message per filter that was not understood (then ignored)."""
    reader = FilterReader(args)
    village = reader.pick("village", _known_village(actor, args.get("village") or ""),
                          "所选的村不存在或不在您的管辖范围内，未按村筛选")
    source = reader.pick("source", CaseSource.codes(), "线索来源无效，未按来源筛选")
    risk = reader.pick("risk", RiskType.codes(), "风险类型无效，未按风险类型筛选")
    state = reader.pick("state", {s.value for s in OPEN_STATES}, "状态无效（只能选未办结的状态），未按状态筛选")
    overdue = reader.flag("overdue", "“只看逾期”的取值无效，未按逾期筛选")
    return Filters(village, source, risk, state, overdue), reader.errors


def read_page(value: str | None) -> tuple[int, str | None]:
    value = (value or "").strip()
    if not value:
        return 1, None
    page = numbers.whole(value, low=1, high=999_999)
    if page is None:
        return 1, "页码无效，已显示第1页"
    return page, None


def filter_choices(actor: User) -> dict[str, list[tuple[str, str]]]:
    return {
        "village": [(code, name) for code, name in db.session.execute(
            _villages(actor).with_only_columns(Region.code, Region.name).order_by(Region.code))],
        "source": CaseSource.choices(),
        "risk": RiskType.choices(),
        "state": [(s.value, s.label) for s in OPEN_STATES],
    }


# --- search (POST only: the terms are personal data) -----------------------------------------

@dataclass(frozen=True)
class Search:
    text: str
    by_tail: bool  # the last four characters of a phone or ID number

    @property
    def kind(self) -> str:  # for the audit trail, never the term itself
        return "tail" if self.by_tail else "name"


def read_search(raw: str | None) -> Search:
    text = "".join((raw or "").split())
    if not text:
        raise ValidationFailed({"q": "请输入要查找的姓名，或手机号、身份证号的后四位"})
    if len(text) > 20:
        raise ValidationFailed({"q": "姓名不超过20个字"})
    if _ID_TAIL.match(text):
        return Search(text.upper(), by_tail=True)
    if _NUMBERISH.match(text):
        raise ValidationFailed({"q": "按号码查找时，请只输入手机号或身份证号的后四位"})
    return Search(text, by_tail=False)


def member_condition(search: Search):
    """The registered members a search finds: by name, or by the tail of an ID number or phone
    (through the tail blind indexes, never the numbers)."""
    if search.by_tail:
        conditions = [Member.id_number_tail_index == tail_index(ID_NUMBER, search.text)]
        if numbers.is_digits(search.text):
            conditions.append(Member.phone_tail_index == tail_index(PHONE, search.text))
        return or_(*conditions)
    return name_prefix(Member.name, search.text)


def _search_condition(actor: User, search: Search):
    """The cases a search finds, as the ids of two small index-bound sets: the cases of the
    households of the person's area with such a member, and the clues not linked to a household
    that gave such a name. Members are looked for within the area (``scoping.members``), so a
    common surname in a village is answered from the village's households, not from every
    member of that name in the province."""
    members = scoping.members(actor).where(member_condition(search)).with_only_columns(Member.household_id)
    by_member = select(Case.id).where(Case.household_id.in_(members))
    if search.by_tail:
        found = by_member
    else:
        by_claim = select(Case.id).where(Case.household_id.is_(None), name_prefix(Case.claimed_name, search.text))
        found = union_all(by_member, by_claim)
    # One set for the whole statement: the list and its counts read the scope in several parts
    # (``scoping.case_parts``), and each part would otherwise look the members up again.
    found = found.cte("found").prefix_with("MATERIALIZED", dialect="postgresql")
    return Case.id.in_(select(found.c.id))


# --- the list --------------------------------------------------------------------------------

@dataclass(frozen=True)
class InboxRow:
    case_id: int
    village: str
    name: str                       # household head, or the name an unmatched clue gave
    id_masked: str
    matched: bool                   # linked to a registered household
    source: str
    risk_types: tuple[str, ...]
    urgent: bool                    # green channel asked (突发严重困难)
    green_channel: bool             # green channel started: help already under way
    state: str
    state_code: str
    due: str
    clock: str                      # "剩 3 天", "今天到期", "已逾期 2 天", or "" without a clock
    clock_class: str                # tag class: overdue / soon / ok
    verifier: str
    duplicate_of: tuple[int, ...]   # other open cases that look like the same household
    duplicate_reasons: str
    merge_targets: tuple[int, ...]  # those it may be merged into (same household or person)
    merge_hint: str                 # why a flagged case offers no merge
    selectable: bool                # may be given to a verifier here
    warning_grade: str = ""         # the most severe unanswered department warning (红色预警…)
    warning_code: str = ""          # its grade's code (red / orange / yellow), for the tag
    warning_due: str = ""           # the earliest day a warning's answer is due back
    warning_overdue: bool = False


@dataclass(frozen=True)
class InboxPage:
    rows: list[InboxRow]
    total: int
    urgent: int
    overdue: int
    duplicates: int                 # flagged cases among the rows of this page
    page: int
    pages: int
    first: int                      # 1-based position of the first row shown (0 when empty)
    last: int
    searched: bool = False
    page_numbers: list[int] = field(default_factory=list)


def _priority():
    return sql_case((or_(Case.urgent.is_(True), Case.green_channel_at.is_not(None)), 0), else_=1)


def _conditions(actor: User, filters: Filters, today: date, search: Search | None) -> list:
    """What the filters and the search ask, beside the scope."""
    conditions = [Case.state.in_([s.value for s in OPEN_STATES])]
    if filters.village:
        village = scoping.region_by_code(actor, filters.village)
        if village is None:  # a code outside the area matches nothing (read_filters refuses it first)
            return [false()]
        conditions.append(Case.region_path.startswith(village.path, autoescape=True))
    if filters.source:
        conditions.append(Case.source == filters.source)
    if filters.risk:
        conditions.append(cast(Case.risk_types, String).contains(f'"{filters.risk}"', autoescape=True))
    if filters.state:
        conditions.append(Case.state == filters.state)
    if filters.overdue:
        conditions.append(Case.due_date < today)
    if search is not None:
        conditions.append(_search_condition(actor, search))
    return conditions


def _ranked(actor: User, conditions: list):
    """The listed cases with only what they are sorted and counted by: each part of the scope
    (``scoping.case_parts``) read on its own, so the area's part comes from the index
    ``ix_case_file_open_inbox`` alone, then put together."""
    parts = [select(Case.id.label("id"), _priority().label("priority"), Case.due_date.label("due_date"),
                    Case.clue_date.label("clue_date")).where(part, *conditions)
             for part in scoping.case_parts(actor)]
    return (parts[0] if len(parts) == 1 else union_all(*parts)).subquery("ranked")


def _figures_and_page(ranked, today: date, offset: int):
    """One statement over the listed cases: a row of figures (all, urgent, overdue: ``kind`` 0),
    then the ids of the page's rows from ``offset`` with what they are sorted by (``kind`` 1)."""
    order = (ranked.c.priority, ranked.c.due_date.is_(None), ranked.c.due_date, ranked.c.clue_date, ranked.c.id)
    no_count = cast(null(), Integer)
    figures = select(literal(0).label("kind"), no_count.label("id"), no_count.label("priority"),
                     cast(null(), Date).label("due_date"), cast(null(), Date).label("clue_date"),
                     func.count().label("total"), func.count().filter(ranked.c.priority == 0).label("urgent"),
                     func.count().filter(ranked.c.due_date < today).label("overdue")).select_from(ranked)
    chosen = select(ranked).order_by(*order).offset(offset).limit(PAGE_SIZE).subquery("chosen")
    page = select(literal(1), chosen.c.id, chosen.c.priority, chosen.c.due_date, chosen.c.clue_date,
                  no_count, no_count, no_count)
    return union_all(figures, page)


def _in_order(rows) -> list[int]:
    """The page's ids in the inbox's order: green channel and urgent first, then by due day (none
    last), then the oldest clue."""
    return [r.id for r in sorted(rows, key=lambda r: (r.priority, r.due_date is None, r.due_date or date.min,
                                                      r.clue_date or date.min, r.id))]


def inbox(actor: User, filters: Filters, today: date, *, search: Search | None = None,
          page: int = 1) -> InboxPage:
    """One page of the inbox: green channel and urgent first, then overdue, then the fewest
    days left, then the oldest clue. Two statements whatever the size of the area: the totals
    with the page's 50 ids (one more when the page asked for is past the last), then those
    cases read whole."""
    require_desk(actor)
    ranked = _ranked(actor, _conditions(actor, filters, today, search))
    page = max(page, 1)
    found = db.session.execute(_figures_and_page(ranked, today, (page - 1) * PAGE_SIZE)).all()
    figures = next(r for r in found if r.kind == 0)
    total, urgent, overdue = figures.total, figures.urgent, figures.overdue
    pages = max(1, -(-total // PAGE_SIZE))
    if page > pages:
        page = pages
        found = db.session.execute(_figures_and_page(ranked, today, (page - 1) * PAGE_SIZE)).all()
    ids = _in_order(r for r in found if r.kind == 1)
    position = {case_id: n for n, case_id in enumerate(ids)}
    rows_query = (select(Case).where(Case.id.in_(ids))
                  .options(defer(Case.reporter_words), defer(Case.reported_income),
                           # A row shows the head alone: not every member's numbers decrypted.
                           selectinload(Case.household).load_only(Household.id)
                           .selectinload(Household.head_member)
                           .load_only(Member.household_id, Member.name, Member.id_number_enc),
                           selectinload(Case.region), selectinload(Case.verifier)))
    found_cases = sorted(db.session.execute(rows_query).scalars(), key=lambda c: position[c.id]) if ids else []
    facts = clue_facts(actor, found_cases)
    groups = group_of_each(find_duplicates(facts.values()))
    village_names = _village_names(found_cases)
    rows = [_row(actor, c, today, village_names, groups.get(c.id), facts) for c in found_cases]
    if search is not None:
        audit.record(actor, "search", "case", None, f"inbox search by {search.kind}: {total} found")
    first = (page - 1) * PAGE_SIZE + 1 if rows else 0
    return InboxPage(
        rows=rows, total=total, urgent=urgent, overdue=overdue,
        duplicates=sum(1 for c in found_cases if c.id in groups),
        page=page, pages=pages, first=first, last=first + len(rows) - 1 if rows else 0,
        searched=search is not None, page_numbers=page_window(page, pages))


def page_window(page: int, pages: int) -> list[int]:
    """The first, the last and the pages around the current one."""
    return sorted({1, pages, *range(max(1, page - 3), min(pages, page + 3) + 1)})


def _village_names(found: list[Case]) -> dict[int, str]:
    ids = {v for c in found if (v := c.region.village_id) is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(Region.id, Region.name).where(Region.id.in_(ids))).all())


def _facts(case_id: int, path: str, level: str, household_id, id_index, phone_index, name) -> ClueFacts:
    village = village_id_in([int(p) for p in path.strip("/").split("/") if p], level)
    return ClueFacts(case_id, village, household_id, id_index, phone_index, name)


def _village_path(path: str, village_id: int) -> str:
    ids = path.strip("/").split("/")
    return "/" + "/".join(ids[:ids.index(str(village_id)) + 1]) + "/"


def _twin_keys(facts: dict[int, ClueFacts], paths: dict[int, str]) -> set[tuple[str, object]]:
    """What another clue must share to be a twin of one of these (``domain.duplicates``): the
    household, the claimed ID number or phone, or, for a clue not linked to a household, its
    village (names are compared by the rule, which ignores spaces)."""
    keys: set[tuple[str, object]] = set()
    for clue in facts.values():
        if clue.household_id is not None:
            keys.add(("household", clue.household_id))
        if clue.id_number_index:
            keys.add(("id", clue.id_number_index))
        if clue.phone_index:
            keys.add(("phone", clue.phone_index))
        if clue.household_id is None and clue.village_id is not None and clue.claimed_name:
            keys.add(("village", _village_path(paths[clue.case_id], clue.village_id)))
    return keys


def _sharing(keys: set[tuple[str, object]]):
    by_kind: dict[str, list] = {}
    for kind, value in keys:
        by_kind.setdefault(kind, []).append(value)
    conditions = []
    if by_kind.get("household"):
        conditions.append(Case.household_id.in_(by_kind["household"]))
    if by_kind.get("id"):
        conditions.append(Case.claimed_id_number_index.in_(by_kind["id"]))
    if by_kind.get("phone"):
        conditions.append(Case.claimed_phone_index.in_(by_kind["phone"]))
    if by_kind.get("village"):
        conditions.append(and_(Case.household_id.is_(None),
                               or_(*[Case.region_path.startswith(v) for v in by_kind["village"]])))
    return or_(*conditions)


def clue_facts(actor: User, shown: list[Case]) -> dict[int, ClueFacts]:
    """The facts the duplicate rule needs for the cases shown and every open case in scope that
    shares a key with them (and, in the rare chain, with those): found through the indexes on
    those keys, never by reading every open case of the scope. The rule (``domain.duplicates``)
    then groups them as it would over every open case."""
    facts = {c.id: _facts(c.id, c.region_path, c.region.level, c.household_id, c.claimed_id_number_index,
                          c.claimed_phone_index, c.claimed_name) for c in shown}
    paths = {c.id: c.region_path for c in shown}
    asked: set[tuple[str, object]] = set()
    keys = _twin_keys(facts, paths)
    open_cases = scoping.cases(actor).where(Case.state.in_([s.value for s in OPEN_STATES]))
    while keys - asked:
        new = keys - asked
        asked |= new
        query = (scoping.with_region(open_cases.where(_sharing(new)))
                 .with_only_columns(Case.id, Case.region_path, Region.level, Case.household_id,
                                    Case.claimed_id_number_index, Case.claimed_phone_index, Case.claimed_name)
                 .order_by(None))
        for row in db.session.execute(query):
            facts[row[0]] = _facts(*row)
            paths[row[0]] = row[1]
        keys = _twin_keys(facts, paths)
    return facts


_WEAK_MATCH = "仅姓名或手机号相同，不一定是同一户，请核对；同一农户或同一身份证号的线索才能合并"


def _clock(case: Case, today: date) -> tuple[str, str]:
    if case.due_date is None:
        return "", ""
    left = (case.due_date - today).days
    if left < 0:
        return f"已逾期 {-left} 天", "overdue"
    if left == 0:
        return "今天到期", "soon"
    return f"剩 {left} 天", "soon" if left <= DUE_SOON_DAYS else "ok"


def _row(actor: User, case: Case, today: date, village_names: dict[int, str],
         group: DuplicateGroup | None, facts: dict[int, ClueFacts]) -> InboxRow:
    head = case.household.head_member if case.household is not None else None
    state = case.state_enum
    others = group.others(case.id) if group else ()
    targets: tuple[int, ...] = ()
    hint = ""
    if others and Action.MERGE in actions_for_role(state, actor.role_enum):
        targets = tuple(t for t in others if may_merge(facts[case.id], facts[t]))
        hint = "" if targets else _WEAK_MATCH
    clock, clock_class = _clock(case, today)
    village = case.region.village_id
    return InboxRow(
        case_id=case.id, village=village_names.get(village, case.region.name) if village else case.region.name,
        name=head.name if head else (case.claimed_name or ""),
        id_masked=head.id_number_masked if head else case.claimed_id_number_masked,
        matched=case.household_id is not None, source=CaseSource(case.source).label,
        risk_types=tuple(RiskType(r).label for r in case.risk_types), urgent=case.urgent,
        green_channel=case.green_channel_at is not None, state=state.label, state_code=state.value,
        due=case.due_date.isoformat() if case.due_date else "", clock=clock, clock_class=clock_class,
        verifier=case.verifier.full_name if case.verifier else "", duplicate_of=others,
        duplicate_reasons=group.reason_text if group else "", merge_targets=targets, merge_hint=hint,
        selectable=may_assign(actor) and state in ASSIGNABLE,
        warning_grade=Grade(case.warning_grade).label if case.warning_grade else "",
        warning_code=case.warning_grade or "",
        warning_due=case.warning_due.isoformat() if case.warning_due else "",
        warning_overdue=bool(case.warning_due and case.warning_due < today))
