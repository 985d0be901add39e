"""Look-back (回头看, seed 004) on households whose risk was eliminated.

An eliminated case carries the look-back deadline (eliminated on + ``lookback_months``,
``domain.deadlines``). The list shows those due or overdue first and those not yet due apart;
the re-check ends in one of three outcomes, each a workflow step: stable (the deadline is
cleared), revert to helping (unstable), or identify again from 已受理 (a new risk).

Seed 004: "对风险消除不稳定和整户无劳动力的监测对象进行回退". An eliminated household whose
present members now all lack labour (``domain.members.whole_household_without_labour``) is
flagged for 回退 wherever it appears: on the due and later lists, and in a list of its own when
its look-back was already done (a member may have lost their labour since).

A county holds thousands of eliminated households, so the list is paged: one page number runs
through the three sections, the totals and the 回退 count are counted in the database, and only
the rows of the page are loaded.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import ColumnElement, Date, Integer, and_, cast, func, literal, null, or_, select, union_all
from sqlalchemy.orm import aliased, load_only, selectinload

from core.extensions import db
from domain.deadlines import LOOKBACK_SOON_DAYS, DeadlineKind
from domain.enums import RiskType
from domain.members import whole_household_without_labour
from domain.workflow import Action, CaseState
from models import Case, Household, Member, Region, User
from services.accounts import scoping
from services.elimination.procedure import DESK_ROLES, ensure_turn
from services.errors import PermissionDenied, ValidationFailed
from services.identification.inbox import page_window
from services.workflow import cases
from services.workflow.case_events import Evidence, StepInput

SOON_DAYS = LOOKBACK_SOON_DAYS  # the policy number lives in domain.deadlines
REVERT_RULE = "对风险消除不稳定和整户无劳动力的监测对象进行回退"
PAGE_SIZE = 50  # rows of each section on one page


@dataclass(frozen=True)
class LookbackRow:
    case_id: int
    village: str
    head: str
    id_number: str  # masked
    eliminated_on: str
    due: str
    days_left: int
    overdue: bool
    soon: bool
    without_labour: bool = False  # 整户无劳动力: to be reverted (seed 004)


@dataclass(frozen=True)
class LookbackLists:
    """One page of the look-back list. One page number runs through the three sections, each
    showing at most ``PAGE_SIZE`` rows of it; the totals and the 回退 count cover the whole scope
    (counted in the database, not by loading rows)."""
    due: list[LookbackRow]  # overdue or due within SOON_DAYS, most urgent first
    later: list[LookbackRow]  # not yet due
    soon_days: int
    # Look-back done (or no deadline), but the whole household now lacks labour: 回退.
    without_labour: list[LookbackRow] = field(default_factory=list)
    rule: str = REVERT_RULE
    due_total: int = 0
    later_total: int = 0
    without_labour_total: int = 0
    flagged: int = 0  # households of all three sections whose present members all lack labour
    page: int = 1
    pages: int = 1
    page_numbers: list[int] = field(default_factory=lambda: [1])

    @property
    def first(self) -> int:
        """1-based position, within each section, of the first row of this page."""
        return (self.page - 1) * PAGE_SIZE + 1


def _row(case: Case, today: date, horizon: date) -> LookbackRow:
    household = case.household
    head = household.head_member if household else None
    due = case.due_date
    return LookbackRow(
        case_id=case.id, village=case.region.village.name, head=head.name if head else "",
        id_number=head.id_number_masked if head else "",
        eliminated_on=case.eliminated_on.isoformat() if case.eliminated_on else "",
        due=due.isoformat() if due else "", days_left=(due - today).days if due else 0,
        overdue=bool(due and today > due), soon=bool(due and today <= due <= horizon),
        without_labour=bool(household and household.without_labour))


# --- the rules of the list in SQL (over the scope's eliminated cases) --------------------------

def _eliminated(actor: User):
    """The eliminated cases in scope with what the list sorts, counts and flags by, as a set of
    their own (MATERIALIZED on PostgreSQL) that each statement reads once. Each part of the scope
    comes from its own index (``scoping.case_parts``; the area's from ``ix_case_file_eliminated``,
    which holds these columns), and the household's 整户无劳动力 flag (``Household.without_labour``,
    kept true to its members by ``models.labour``) is joined once."""
    parts = [select(Case.id, Case.deadline_kind, Case.due_date, Case.eliminated_on, Case.household_id)
             .where(Case.state == CaseState.ELIMINATED.value, part) for part in scoping.case_parts(actor)]
    cases_ = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery("eliminated_cases")
    flagged = aliased(Household, name="flagged")
    return (select(cases_.c.id, cases_.c.deadline_kind, cases_.c.due_date, cases_.c.eliminated_on,
                   flagged.id.is_not(None).label("without_labour"))
            .select_from(cases_)
            .outerjoin(flagged, and_(flagged.id == cases_.c.household_id, flagged.without_labour))
            .cte("eliminated").prefix_with("MATERIALIZED", dialect="postgresql"))


def _waiting(e):
    """The look-back is still to do: the case's deadline is the look-back's."""
    return and_(e.c.deadline_kind == DeadlineKind.LOOKBACK.value, e.c.due_date.is_not(None))


def _behind(e):
    """The look-back is done (or the case has no look-back deadline): NULLs spelt out, since
    ``NOT`` of a comparison with NULL is NULL, not true."""
    return or_(e.c.deadline_kind.is_(None), e.c.deadline_kind != DeadlineKind.LOOKBACK.value, e.c.due_date.is_(None))


@dataclass(frozen=True)
class _Section:
    condition: ColumnElement[bool]
    order: tuple


def _sections(e, horizon: date) -> dict[str, _Section]:
    return {
        "due": _Section(and_(_waiting(e), e.c.due_date <= horizon), (e.c.due_date, e.c.id)),
        "later": _Section(and_(_waiting(e), e.c.due_date > horizon), (e.c.due_date, e.c.id)),
        "without_labour": _Section(and_(_behind(e), e.c.without_labour), (e.c.eliminated_on, e.c.id)),
    }


def _totals_and_page(e, sections: dict[str, _Section], offset: int):
    """One statement over the scope's eliminated cases: a row of totals (section ""), then the
    ids of each section's rows from ``offset``, with what they are sorted by."""
    no_count = cast(null(), Integer)
    totals = select(literal("").label("section"), no_count.label("id"), cast(null(), Date).label("key"),
                    *(func.count().filter(s.condition) for s in sections.values()),
                    func.count().filter(_waiting(e), e.c.without_labour))
    parts = [select(literal(name).label("section"), e.c.id, section.order[0].label("key"))
             .where(section.condition).order_by(*section.order).offset(offset).limit(PAGE_SIZE).subquery(name)
             for name, section in sections.items()]
    return union_all(totals, *(select(p.c.section, p.c.id, p.c.key, *([no_count] * 4)) for p in parts))


def due_list(actor: User, today: date, page: int = 1) -> LookbackLists:
    """Page ``page`` of the eliminated cases in scope still waiting for their look-back (due or
    overdue first, most urgent first; then those not yet due), and of those whose look-back is
    behind them but whose whole household now lacks labour (回退). A page past the last shows
    the last. One statement over the scope gives the totals and the page's ids of all three
    sections (a second when the page asked for is past the last); then the page's rows."""
    if actor.role not in DESK_ROLES:
        raise PermissionDenied("回头看清单供村、乡镇、县级工作人员使用")
    horizon = today + timedelta(days=SOON_DAYS)
    eliminated = _eliminated(actor)
    sections = _sections(eliminated, horizon)
    page = max(page, 1)
    found = db.session.execute(_totals_and_page(eliminated, sections, (page - 1) * PAGE_SIZE)).all()
    *totals, flagged_waiting = next(r for r in found if r.section == "")[3:]
    totals = dict(zip(sections, totals))
    # The 回退 count is the third section's total plus the flagged among the cases still waiting
    # (the two are disjoint).
    flagged = flagged_waiting + totals["without_labour"]
    pages = max(1, *(-(-total // PAGE_SIZE) for total in totals.values()))
    if page > pages:
        page = pages
        found = db.session.execute(_totals_and_page(eliminated, sections, (page - 1) * PAGE_SIZE)).all()
    # Each section in its own order (nulls last, as PostgreSQL sorts them), whatever order the
    # database returned the union's rows in.
    ordered = sorted((r for r in found if r.section), key=lambda r: (r.key is None, r.key or date.min, r.id))
    ids: dict[str, list[int]] = {name: [r.id for r in ordered if r.section == name] for name in sections}
    loaded = _page_cases([i for found_ids in ids.values() for i in found_ids])
    rows = {name: [_row(loaded[i], today, horizon) for i in found_ids] for name, found_ids in ids.items()}
    return LookbackLists(
        rows["due"], rows["later"], SOON_DAYS, rows["without_labour"], due_total=totals["due"],
        later_total=totals["later"], without_labour_total=totals["without_labour"], flagged=flagged,
        page=page, pages=pages, page_numbers=page_window(page, pages))


def _page_cases(case_ids: list[int]) -> dict[int, Case]:
    """The cases of one page with what their rows show and no more: the case's dates, the
    household's flag, its head's name and ID number (the one value decrypted per row), the
    village. One query per relation whatever the number of rows."""
    if not case_ids:
        return {}
    query = (select(Case).where(Case.id.in_(case_ids))
             .options(load_only(Case.id, Case.region_id, Case.household_id, Case.eliminated_on, Case.due_date),
                      selectinload(Case.household).load_only(Household.id, Household.without_labour)
                      .selectinload(Household.head_member)
                      .load_only(Member.household_id, Member.name, Member.id_number_enc),
                      selectinload(Case.region).selectinload(Region.parent)))
    return {case.id: case for case in db.session.execute(query).scalars()}


def without_labour(case: Case) -> bool:
    """整户无劳动力 now: the household's present members all lack labour (seed 004: 回退)."""
    return case.household is not None and whole_household_without_labour(case.household.members)


def _load(actor: User, case_id: int, action: Action) -> Case:
    case = scoping.get(actor, Case, case_id)
    ensure_turn(actor, case, action)
    return case


def stable(actor: User, case_id: int, *, findings: str, confirmed: bool, evidence: list[Evidence] = (),
           today: date) -> Case:
    """The re-check found income stable and no new risk: the look-back is done. Not for a
    household whose present members all lack labour: seed 004 reverts it (``REVERT_RULE``)."""
    case = _load(actor, case_id, Action.LOOKBACK_STABLE)
    errors = {}
    if not findings.strip():
        errors["findings"] = "请填写回头看情况"
    if without_labour(case):
        errors["confirmed"] = f"该户现有成员均无劳动能力（整户无劳动力）。按“{REVERT_RULE}”，应回退，不能登记为稳定"
    elif not confirmed:
        errors["confirmed"] = "请确认收入稳定、未发现新的风险；否则请选择回退或重新识别"
    if errors:
        raise ValidationFailed(errors)
    step = StepInput(comment=f"回头看情况：{findings.strip()}", evidence=list(evidence),
                     data={"notes": ["回头看：收入稳定，未发现新的风险"]})
    return cases.perform(actor, case_id, Action.LOOKBACK_STABLE, step, today=today)


def revert(actor: User, case_id: int, *, reason: str, today: date) -> Case:
    """Unstable after elimination: back to helping (回退)."""
    _load(actor, case_id, Action.LOOKBACK_REVERT)
    if not reason.strip():
        raise ValidationFailed({"reason": "请填写回退理由"})
    return cases.perform(actor, case_id, Action.LOOKBACK_REVERT, StepInput(reason=reason), today=today)


def reidentify(actor: User, case_id: int, *, reason: str, risk_types: tuple[str, ...], today: date) -> Case:
    """A new risk: the case starts identification again at 已受理, with a new 15-day clock."""
    _load(actor, case_id, Action.REIDENTIFY)
    errors = {}
    if not reason.strip():
        errors["reason"] = "请填写新发现的风险情况"
    if not risk_types:
        errors["risk_types"] = "请至少选择一项新的风险类型"
    elif any(code not in RiskType.codes() for code in risk_types):
        errors["risk_types"] = "风险类型无效"
    if errors:
        raise ValidationFailed(errors)
    step = StepInput(reason=reason, risk_types=tuple(risk_types))
    return cases.perform(actor, case_id, Action.REIDENTIFY, step, today=today)
