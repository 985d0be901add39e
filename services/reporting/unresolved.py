"""纳入2年以上未消除风险的监测对象: the households to analyse at the quarterly evaluation.

Seed 000 (帮扶效果评估): "重点对纳入2年以上未消除风险、不是整户无劳动能力的监测对象帮扶情况进行分析，
将达到风险消除标准而不作风险消除的情况纳入考核". The rule itself is ``domain.deadlines.
is_long_unresolved`` (the number of years is the region's setting ``unresolved_years``); this module
finds the cases it applies to within a person's scope.

The database narrows the cases to monitored ones included at least a year ago (the setting's
floor) whose household still has a member who can work; the rule then decides case by case with
its own region's setting, so a township that sets 3 years is read as 3 years.

Counting needs no case in Python: ``flagged_condition`` is the same rule as one SQL condition
(each region's number of years turned into the last day of inclusion it allows), which the
dashboard's figures sum in the database.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, Date, and_, case, exists, func, literal, select

from core.extensions import db
from domain.deadlines import add_years, is_long_unresolved, unresolved_flag_date
from domain.enums import LabourCapacity, MeasureStatus, MemberStatus, Role
from domain.settings import SETTING_FIELDS, PolicySettings, parse_setting
from domain.workflow import MONITORED_STATES
from models import Case, Household, Member, PlanMeasure, Region, RegionPolicy, User
from models.region import from_village_in
from services.accounts import scoping
from services.errors import PermissionDenied
from services.regions import settings

LIST_ROLES = frozenset({Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF})
_MONITORED = [s.value for s in MONITORED_STATES]
_WORKING = [c.value for c in LabourCapacity if c.can_work]
_PRESENT = MemberStatus.PRESENT.value
_UNFINISHED = [MeasureStatus.PLANNED.value, MeasureStatus.IN_PROGRESS.value]
_YEARS_KEY = "unresolved_years"
_FEWEST_YEARS = SETTING_FIELDS[_YEARS_KEY][1]


@dataclass(frozen=True)
class UnresolvedRow:
    case_id: int
    household_id: int
    head: str
    place: str
    identified_on: str
    flagged_on: str       # the day it reached the region's number of years
    years: int            # full years monitored
    state: str
    unfinished_measures: int


def _someone_can_work() -> ColumnElement[bool]:
    """Not 整户无劳动能力: a member still in the household can work."""
    return exists().where(Member.household_id == Case.household_id, Member.status == _PRESENT,
                          Member.labour_capacity.in_(_WORKING))


def _candidates(user: User, today: date):
    """Monitored cases included at least the setting's floor ago, whose household has someone
    who can work: (case, region path ids and level) in the order they were included."""
    query = (scoping.counted_cases(user)
             .where(Case.state.in_(_MONITORED), Case.identified_on.is_not(None),
                    Case.identified_on <= add_years(today, -_FEWEST_YEARS), _someone_can_work())
             .order_by(Case.identified_on, Case.id))
    return db.session.execute(query).scalars().all()


def _flagged(user: User, today: date) -> list[Case]:
    return [case for case in _candidates(user, today)
            if is_long_unresolved(case.identified_on, today, False, settings.policy_for(case.region))]


def latest_inclusion(today: date, years: int) -> date:
    """The last day of inclusion that the rule flags on ``today`` for ``years``: every earlier
    day is flagged too. Usually ``years`` before today; but ``add_years`` takes 29 February to
    28 February, so on 28 February the 29th of a leap year ``years`` back is flagged as well."""
    day = add_years(today, -years)
    while add_years(day + timedelta(days=1), years) <= today:
        day += timedelta(days=1)
    return day


def flagged_condition(today: date) -> ColumnElement[bool]:
    """The rule as one SQL condition on ``case_file``, for counting in the database: monitored,
    included no later than its region's number of years allows, someone in the household able
    to work. Reads the regions that set their own number (one query; they are few)."""
    overrides = db.session.execute(
        select(Region.path, RegionPolicy.value).join(Region, Region.id == RegionPolicy.region_id)
        .where(RegionPolicy.key == _YEARS_KEY)).all()
    latest = literal(latest_inclusion(today, PolicySettings().unresolved_years), Date)
    if overrides:
        # The nearest node's setting wins: the longest path that begins the case's own.
        nearest_first = sorted(overrides, key=lambda row: len(row.path), reverse=True)
        latest = case(*[(Case.region_path.startswith(path, autoescape=True),
                         literal(latest_inclusion(today, parse_setting(_YEARS_KEY, value)), Date))
                        for path, value in nearest_first], else_=latest)
    return and_(Case.state.in_(_MONITORED), Case.identified_on.is_not(None), Case.identified_on <= latest,
                _someone_can_work())


def long_unresolved(user: User, today: date) -> list[UnresolvedRow]:
    """The flagged cases with what an analysis starts from (village, township and county staff)."""
    if user.role_enum not in LIST_ROLES:
        raise PermissionDenied("两年以上未消除风险的分析名单由村、乡镇、县级工作人员查看")
    found = _flagged(user, today)
    if not found:
        return []
    ids = [c.id for c in found]
    unfinished = dict(db.session.execute(
        select(PlanMeasure.case_id, func.count(PlanMeasure.id))
        .where(PlanMeasure.case_id.in_(ids), PlanMeasure.status.in_(_UNFINISHED))
        .group_by(PlanMeasure.case_id)).all())
    heads = _heads([c.household_id for c in found])
    names = _place_names(found)
    return [UnresolvedRow(
        case_id=c.id, household_id=c.household_id, head=heads.get(c.household_id, ""),
        place=" / ".join(names[i] for i in from_village_in(c.region.ancestor_ids, c.region.level) if i in names),
        identified_on=c.identified_on.isoformat(),
        flagged_on=unresolved_flag_date(c.identified_on, settings.policy_for(c.region)).isoformat(),
        years=_full_years(c.identified_on, today), state=c.state_enum.label,
        unfinished_measures=unfinished.get(c.id, 0)) for c in found]


def _heads(household_ids: list[int]) -> dict[int, str]:
    households = db.session.execute(select(Household).where(Household.id.in_(household_ids))).scalars()
    return {h.id: (h.head.name if h.head else "") for h in households}


def _place_names(found: list[Case]) -> dict[int, str]:
    ids = {i for c in found for i in from_village_in(c.region.ancestor_ids, c.region.level)}
    return dict(db.session.execute(select(Region.id, Region.name).where(Region.id.in_(ids))).all()) if ids else {}


def _full_years(since: date, today: date) -> int:
    years = today.year - since.year
    return years - 1 if (today.month, today.day) < (since.month, since.day) else years
