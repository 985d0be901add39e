"""党政主职遍访 (``domain.head_visits``): the households a township's 党委书记 or 乡镇长 must visit this
year, the visits they record, and the coverage per township.

Township and county staff see the list and the coverage of their area; only a township account
marked as its head (``User.head_title``, set on the account's page) records a visit, and only in
its own township.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import extract, func, select

from core.extensions import db
from domain.enums import RegionLevel, Role
from domain.head_visits import Coverage, HeadTitle, visit_problems
from domain.workflow import MONITORED_STATES
from models import Case, HeadVisit, Household, Region, User
from services.accounts import scoping
from services.errors import NotFound, PermissionDenied, ValidationFailed
from services.platform import audit

VIEW_ROLES = frozenset({Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF})
_MONITORED = [s.value for s in MONITORED_STATES]
NOTE_MAX = 500


def require_view(actor: User) -> None:
    if actor.role_enum not in VIEW_ROLES:
        raise PermissionDenied("党政主职遍访由乡镇和县级工作人员查看")


def is_head(user: User) -> bool:
    return user.role == Role.TOWNSHIP_STAFF.value and user.head_title is not None


@dataclass(frozen=True)
class DueRow:
    household_id: int
    case_id: int
    head: str
    place: str
    visited_on: str      # this year's visit, or ""
    visitor: str


@dataclass(frozen=True)
class TownshipCoverage:
    township_id: int
    name: str
    heads: str           # the township's 党政主职 accounts, or ""
    coverage: Coverage


def _at_risk(actor: User):
    """(household id, case id, region) of the households still at risk in the actor's area."""
    return (scoping.cases(actor).where(Case.state.in_(_MONITORED), Case.household_id.is_not(None))
            .with_only_columns(Case.household_id, Case.id, Case.region_id).order_by(None))


def _visited_this_year(household_ids: list[int], today: date) -> dict[int, HeadVisit]:
    if not household_ids:
        return {}
    found = db.session.execute(
        select(HeadVisit).where(HeadVisit.household_id.in_(household_ids),
                                extract("year", HeadVisit.visited_on) == today.year,
                                HeadVisit.visited_on <= today)
        .order_by(HeadVisit.visited_on)).scalars()
    return {v.household_id: v for v in found}


def due_list(actor: User, today: date, township_id: int | None = None) -> list[DueRow]:
    """The households at risk in the actor's area (or one township of it), visited ones last."""
    require_view(actor)
    rows = db.session.execute(_at_risk(actor)).all()
    regions = {r.id: r for r in db.session.execute(
        select(Region).where(Region.id.in_({region_id for _, _, region_id in rows}))).scalars()} if rows else {}
    if township_id is not None:
        rows = [r for r in rows if township_id in regions[r[2]].ancestor_ids]
    visits = _visited_this_year([h for h, _, _ in rows], today)
    households = {h.id: h for h in db.session.execute(
        select(Household).where(Household.id.in_([h for h, _, _ in rows]))).scalars()} if rows else {}
    names = _names({i for _, _, region_id in rows for i in regions[region_id].from_village_ids})
    found = []
    for household_id, case_id, region_id in rows:
        visit = visits.get(household_id)
        head = households[household_id].head
        found.append(DueRow(household_id, case_id, head.name if head else "",
                            " / ".join(names[i] for i in regions[region_id].from_village_ids if i in names),
                            visit.visited_on.isoformat() if visit else "",
                            f"{HeadTitle(visit.visitor_title).label} {visit.visitor.full_name}" if visit else ""))
    return sorted(found, key=lambda r: (bool(r.visited_on), r.place, r.household_id))


def coverage(actor: User, today: date) -> list[TownshipCoverage]:
    """Per township of the actor's area: households to visit this year and those visited."""
    require_view(actor)
    townships = db.session.execute(scoping.regions(actor).where(Region.level == RegionLevel.TOWNSHIP.value)
                                   .order_by(Region.code)).scalars().all()
    rows = db.session.execute(_at_risk(actor)).all()
    paths = dict(db.session.execute(select(Region.id, Region.path).where(
        Region.id.in_({region_id for _, _, region_id in rows}))).all()) if rows else {}
    visits = _visited_this_year([h for h, _, _ in rows], today)
    heads = _heads([t.id for t in townships])
    result = []
    for township in townships:
        inside = {h for h, _, region_id in rows if paths[region_id].startswith(township.path)}
        result.append(TownshipCoverage(township.id, township.name, heads.get(township.id, ""),
                                       Coverage(len(inside), len(inside & set(visits)))))
    return result


def _heads(township_ids: list[int]) -> dict[int, str]:
    found: dict[int, list[str]] = {}
    for user in db.session.execute(select(User).where(User.region_id.in_(township_ids), User.active.is_(True),
                                                      User.head_title.is_not(None))
                                   .order_by(User.head_title.desc(), User.id)).scalars():
        found.setdefault(user.region_id, []).append(f"{HeadTitle(user.head_title).label} {user.full_name}")
    return {k: "、".join(v) for k, v in found.items()}


def _names(ids: set[int]) -> dict[int, str]:
    return dict(db.session.execute(select(Region.id, Region.name).where(Region.id.in_(ids))).all()) if ids else {}


def record(actor: User, household_id: int, visited_on: date | None, note: str, today: date) -> HeadVisit:
    """A head's visit to a household at risk in their township (one a year is what counts)."""
    if not is_head(actor):
        raise PermissionDenied("只有乡镇党委书记或乡镇长的账号可以登记遍访（请县里在账号管理中设置）")
    household = scoping.get(actor, Household, household_id)  # NotFound outside the township
    case_id = db.session.execute(_at_risk(actor).where(Case.household_id == household.id)
                                 .with_only_columns(Case.id)).scalars().first()
    if case_id is None:
        raise NotFound("no household at risk with this id in the township")
    problems = visit_problems(visited_on, today, note or "")
    if problems:
        raise ValidationFailed(problems)
    visit = HeadVisit(household_id=household.id, case_id=case_id, township_id=actor.region_id,
                      visitor_id=actor.id, visitor_title=actor.head_title, visited_on=visited_on,
                      note=(note or "").strip() or None)
    db.session.add(visit)
    db.session.flush()
    audit.record(actor, "create", "head_visit", visit.id, f"household={household.id}")
    return visit


def count_visits(actor: User, today: date) -> int:
    """This year's visits recorded by the actor (shown to a head beside their list)."""
    return db.session.execute(select(func.count(HeadVisit.id)).where(
        HeadVisit.visitor_id == actor.id, extract("year", HeadVisit.visited_on) == today.year)).scalar_one()
