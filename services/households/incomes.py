"""收入台账: one income record per household and year, and the household's cached figures.

The yearly records (``HouseholdIncome``) are the source of truth. The household's columns
``net_income``, ``rigid_spending``, ``income_period_start``/``_end`` (the latest year's record)
and ``last_year_income`` (the record of the year before it) are a cache for the pages and the
eligibility measurement, kept by ``_sync_household`` whenever a record changes — nowhere else.

- ``record_income`` writes a year's record: items typed by staff or confirmed from a visit
  (the domain computes the net), or a total alone (the national file). Amounts are checked
  with Chinese messages per field; the audit names the fields that changed, never amounts.
- ``confirm_visit_income``: village, township and county staff take a visit's income answers
  into the record of the visit's year, measured on the visit's day. A visit already taken in
  is not taken twice; a visit older than what the year's record already holds is not taken.
- ``income_rows`` and ``visit_incomes`` are what the household page shows.
- The household's 低保渐退期 (``dibao_phaseout_start``/``_end``, ``domain.dibao``) is also
  written by ``_sync_household``: whether the latest record's per-capita income is above the
  rural 低保标准 of its year and within 1.5 times it, for a household on 低保 that is lifted out
  (12 months) or marginal (the region's ``dibao_phaseout_months``). The standard and the
  setting are read when the income is recorded; a later change of them applies from the next
  record on, as a changed time limit applies from the next step on. ``phaseout_shown`` is what
  the household page shows; the daily reminder finds the ends by their index.

Services never commit; the request's unit of work does.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Mapping

from sqlalchemy import select

from core.clock import WORK_TZ
from core.extensions import db
from domain import dibao, income
from domain.eligibility import NoMonitoringLine, format_yuan, format_yuan_cents, line_for_year, per_capita_income
from domain.enums import IncomeSource, Role
from domain.income import IncomeYear
from models import Household, HouseholdIncome, Region, User, Visit
from services.accounts import scoping
from services.errors import NotFound, PermissionDenied, ValidationFailed
from services.platform import audit
from services.regions import settings

STAFF_ROLES = frozenset({Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF})
AMOUNTS = tuple(key for key, _ in income.ITEMS)
# What a record holds besides its amounts, in the order the audit names changes.
_OTHER_FIELDS = ("net_income", "measured_on", "period_start", "household_size", "source", "visit_id")
_LARGEST_ID = 2**31 - 1

# How a visit's income answers stand against the record of the visit's year.
PENDING, CONFIRMED, SUPERSEDED = "pending", "confirmed", "superseded"


def may_record(actor: User) -> bool:
    return actor.role_enum in STAFF_ROLES


def require_staff(actor: User) -> None:
    if not may_record(actor):
        raise PermissionDenied("收入台账由村、乡镇、县级工作人员核定；网格员请通过走访填写收入")


# --- writing a year's record -------------------------------------------------------------------

def record_income(actor: User | None, household: Household, *, year: int, measured_on: date | None,
                  source: IncomeSource | str, today: date, items: Mapping | None = None,
                  net_total=None, household_size: int | None = None,
                  visit: Visit | None = None) -> HouseholdIncome:
    """Create or replace the household's record of ``year`` and refresh the household's cache.

    Give ``items`` (amounts by key of ``domain.income.ITEMS``, as typed: blank is not given)
    or ``net_total`` (the family's net income alone, as the national file has it), not both.
    ``household_size`` defaults to the people present now. Raises ValidationFailed with a
    message per field: ``year``, ``measured_on``, ``household_size``, each item, ``net_total``.
    """
    source = IncomeSource(source)
    if (items is None) == (net_total is None):
        raise TypeError("record_income takes the items or the net total, not both or neither")
    if source is IncomeSource.VISIT and visit is None:
        raise TypeError("a record from a visit names the visit")
    errors = income.date_problems(year, measured_on, today)
    size = household.size if household_size is None else household_size
    problem = income.size_problem(size)
    if problem:
        errors["household_size"] = problem
    if items is not None:
        amounts, item_errors = income.read_items(items)
        errors.update(item_errors)
        if not item_errors and all(amounts[key] is None for key, _ in income.SOURCES + (income.COSTS,)):
            errors["wages"] = "请至少填写一项收入（没有的填0）"
        net = income.net_of(amounts)
    else:
        amounts = dict.fromkeys(AMOUNTS)
        net = None
        try:
            net = income.parse_amount(net_total, "家庭纯收入", negative=True)
        except income.BadAmount as exc:
            errors["net_total"] = str(exc)
        else:
            if net is None:
                errors["net_total"] = "请填写家庭纯收入"
    if visit is not None and visit.household_id != household.id:
        errors["visit"] = "这次走访不是这一户的"
    if errors:
        raise ValidationFailed(errors)

    records = _lock_and_load(household)
    wanted = {**amounts, "net_income": net, "measured_on": measured_on,
              "period_start": income.period_start(measured_on), "household_size": size,
              "source": source.value, "visit_id": visit.id if visit is not None else None}
    record = next((r for r in records if r.year == year), None)
    if record is None:
        record = HouseholdIncome(household=household, year=year, **wanted)
        db.session.add(record)
        records.append(record)
        changed = [k for k in AMOUNTS + _OTHER_FIELDS if wanted[k] is not None]
    else:
        changed = [k for k in AMOUNTS + _OTHER_FIELDS if getattr(record, k) != wanted[k]]
        for key in changed:
            setattr(record, key, wanted[key])
    if not changed:
        return record  # saved again as it was: nothing to write or audit
    record.recorded_by_id = actor.id if actor is not None else None
    db.session.flush()
    _sync_household(household, records)
    detail = f"year={year} fields={','.join(changed)}"
    if visit is not None:
        detail += f" visit={visit.id}"
    audit.record(actor, "update", "household_income", household.id, detail)
    return record


def take_national_total(household: Household, net_total: Decimal, *, household_size: int, today: date) -> None:
    """The national file's 家庭纯收入 as this year's record, measured on the day of the import
    (the file carries no date of its own), replacing what this year's record held.

    For the register import's batches: the household comes with its records loaded (or is new,
    with none); nothing is flushed, locked or audited here — the import audits the household
    with 家庭纯收入 among the fields that changed, and only calls this when the total changed."""
    wanted = {**dict.fromkeys(AMOUNTS), "net_income": net_total, "measured_on": today,
              "period_start": income.period_start(today), "household_size": max(1, household_size),
              "source": IncomeSource.IMPORT.value, "visit_id": None, "recorded_by_id": None}
    record = next((r for r in household.incomes if r.year == today.year), None)
    if record is None:
        household.incomes.append(HouseholdIncome(year=today.year, **wanted))
    else:
        for key, value in wanted.items():
            setattr(record, key, value)
    _sync_household(household, list(household.incomes))


def _lock_and_load(household: Household) -> list[HouseholdIncome]:
    """The household's records as committed now. On PostgreSQL the household's row is locked
    first, so two people saving its records at once are taken one after the other (the second
    then updates the year the first created, and the cache reflects both)."""
    db.session.execute(select(Household.id).where(Household.id == household.id).with_for_update())
    query = (select(HouseholdIncome).where(HouseholdIncome.household_id == household.id)
             .order_by(HouseholdIncome.year).execution_options(populate_existing=True))
    return list(db.session.execute(query).scalars())


def _sync_household(household: Household, records: list[HouseholdIncome]) -> None:
    """The one place that writes the household's income columns: the latest year's record, and
    the record of the year before it as 上年度纯收入."""
    if not records:
        return
    by_year = {r.year: r for r in records}
    latest = by_year[max(by_year)]
    previous = by_year.get(latest.year - 1)
    household.net_income = latest.net_income
    household.rigid_spending = income.rigid_spending_of({k: getattr(latest, k) for k in AMOUNTS})
    household.income_period_start = latest.period_start
    household.income_period_end = latest.measured_on
    household.last_year_income = previous.net_income if previous is not None else None
    found = _phaseout(household, records)
    household.dibao_phaseout_start = found.start if found is not None else None
    household.dibao_phaseout_end = found.end if found is not None else None


def _phaseout(household: Household, records: list[HouseholdIncome]) -> dibao.Phaseout | None:
    """The household's 低保渐退期 by its records, today's members, attribute and category, and
    its region's standards and setting. A household not yet written (a new one of the register
    import, whose members come after) has none yet; nothing is flushed here."""
    if household.id is None:
        return None
    with db.session.no_autoflush:
        flags = [m.minimum_living for m in household.members]
        if not dibao.on_dibao(flags) or dibao.group_of(household.attribute, household.monitoring_category) is None:
            return None
        region = household.region or db.session.get(Region, household.region_id)
        if region is None:
            return None
        standards = settings.rural_dibao_standards(region)
        months = settings.policy_for(region).dibao_phaseout_months
    measures = [dibao.IncomeMeasure(r.year, r.measured_on, per_capita_income(r.net_income, r.household_size))
                for r in records if r.household_size >= 1]
    return dibao.phaseout(on_low_income_support=True, attribute=household.attribute,
                          category=household.monitoring_category, records=measures, standards=standards,
                          marginal_months=months)


@dataclass(frozen=True)
class PhaseoutShown:
    """What the household page says of the household's 低保渐退期."""

    start: str
    end: str
    months: int
    group: str      # 脱贫户 / 边缘易致贫户
    ended: bool     # the end has passed: 低保 should have been reviewed
    quote: str = dibao.PHASEOUT_QUOTE


def phaseout_shown(household: Household, today: date) -> PhaseoutShown | None:
    """The stored 低保渐退期 while the household is still on 低保; None otherwise."""
    start, end = household.dibao_phaseout_start, household.dibao_phaseout_end
    if start is None or end is None or not dibao.on_dibao(m.minimum_living for m in household.members):
        return None
    group = dibao.group_of(household.attribute, household.monitoring_category)
    return PhaseoutShown(start=start.isoformat(), end=end.isoformat(), months=dibao.months_between(start, end),
                         group=dibao.GROUP_LABELS.get(group, ""), ended=end < today)


# --- visits --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Confirmation:
    record: HouseholdIncome
    already: bool  # the visit had been confirmed before: nothing changed


def visit_day(visit: Visit) -> date:
    return visit.visited_at.astimezone(WORK_TZ).date()


def _visit_status(day: date, visit_id: int, record: HouseholdIncome | None) -> str:
    if record is None:
        return PENDING
    if record.visit_id == visit_id:
        return CONFIRMED
    # The year's record was measured on or after the visit: the visit has nothing newer.
    return SUPERSEDED if record.measured_on >= day else PENDING


def confirm_visit_income(actor: User, visit_id: int, today: date, *,
                         household_id: int | None = None) -> Confirmation:
    """确认计入收入台账: the visit's income answers become the record of the visit's year,
    measured on the visit's day, with the household size the visit recorded. Rigid spending
    is not asked on a visit, so what the year's record already holds of it is kept.

    ``household_id``, when given, must be the visit's household (NotFound otherwise)."""
    require_staff(actor)
    if isinstance(visit_id, bool) or not isinstance(visit_id, int) or not 0 < visit_id <= _LARGEST_ID:
        raise NotFound("visit not found")
    visit = db.session.get(Visit, visit_id)
    if visit is None or household_id not in (None, visit.household_id):
        raise NotFound("visit not found")
    household = scoping.get(actor, Household, visit.household_id)
    if visit.income_items is None:
        raise ValidationFailed({"visit": "这次走访没有填写收入，无需确认"})
    day = visit_day(visit)
    record = next((r for r in household.incomes if r.year == day.year), None)
    status = _visit_status(day, visit.id, record)
    if status == CONFIRMED:
        return Confirmation(record, already=True)
    if status == SUPERSEDED:
        raise ValidationFailed({"visit": f"{day.year}年的收入台账已按{record.measured_on.isoformat()}的核定记录，"
                                         "这次走访不晚于该日期，不再计入"})
    typed = json.loads(visit.income_items)
    items = {key: typed.get(key) for key, _ in income.SOURCES + (income.COSTS,)}
    if record is not None:
        items.update({key: getattr(record, key) for key, _ in income.SPENDING})
    try:
        saved = record_income(actor, household, year=day.year, measured_on=day, source=IncomeSource.VISIT,
                              items=items, household_size=visit.household_size or None, visit=visit,
                              today=today)
    except ValidationFailed as exc:
        raise ValidationFailed({"visit": "这次走访的收入无法计入：" + "；".join(exc.fields.values())}) from None
    return Confirmation(saved, already=False)


@dataclass(frozen=True)
class VisitIncome:
    """A visit's income answers as the household page shows them beside the visit."""

    status: str                          # pending, confirmed or superseded
    items: tuple[tuple[str, str], ...]   # (label, "23,456 元") of the items answered
    net_income: str
    household_size: int | None


def visit_incomes(household: Household) -> dict[int, VisitIncome]:
    """For each visit of the household that recorded income: its answers, and where they stand
    against the record of the visit's year."""
    rows = db.session.execute(select(Visit.id, Visit.visited_at, Visit.income_items, Visit.net_income,
                                     Visit.household_size).where(
        Visit.household_id == household.id, Visit.income_items.is_not(None))).all()
    by_year = {r.year: r for r in household.incomes}
    found = {}
    for visit_id, visited_at, typed, net, size in rows:
        day = visited_at.astimezone(WORK_TZ).date()
        amounts, _ = income.read_items({key: value for key, value in json.loads(typed).items()
                                        if key in income.LABELS})
        found[visit_id] = VisitIncome(
            status=_visit_status(day, visit_id, by_year.get(day.year)),
            items=tuple((label, _money(amounts[key])) for key, label in income.SOURCES + (income.COSTS,)
                        if amounts.get(key) is not None),
            net_income=_money(net) if net is not None else "", household_size=size)
    return found


def visit_statuses(household: Household) -> dict[int, str]:
    """For each visit of the household that recorded income: pending, confirmed or superseded."""
    return {visit_id: found.status for visit_id, found in visit_incomes(household).items()}


# --- reading -------------------------------------------------------------------------------------

def income_years(household: Household) -> tuple[IncomeYear, ...]:
    """The records as the domain's rules read them."""
    return tuple(IncomeYear(year=r.year, period_start=r.period_start, measured_on=r.measured_on,
                            household_size=r.household_size, net_income=r.net_income)
                 for r in household.incomes)


@dataclass(frozen=True)
class IncomeRow:
    year: int
    period: str                            # "2025-05-01 至 2026-04-30"
    measured_on: str
    household_size: int
    items: tuple[tuple[str, str], ...]     # (label, "12,000 元") of the items given
    spending: tuple[tuple[str, str], ...]  # the rigid spending given
    total_only: bool                       # the national file's total, without items
    net_income: str
    per_capita: str
    line: str                              # the line of the record's year; "" when none is set
    above: bool | None                     # per-capita above that line; None: no line
    source: str
    visit_id: int | None
    values: dict[str, str]                 # the record as a form fills in, to correct it


def _money(amount: Decimal) -> str:
    return f"{format_yuan(amount)} 元"


def _plain(amount: Decimal | None) -> str:
    if amount is None:
        return ""
    return str(int(amount)) if amount == amount.to_integral_value() else f"{amount:.2f}"


def income_rows(household: Household, lines: Mapping[int, Decimal]) -> list[IncomeRow]:
    """The household's records, newest year first, with the line of each record's year."""
    rows = []
    for r in sorted(household.incomes, key=lambda r: r.year, reverse=True):
        amounts = {key: getattr(r, key) for key in AMOUNTS}
        try:
            line = line_for_year(lines, r.year)
        except NoMonitoringLine:
            line = None
        per_capita = IncomeYear(r.year, r.period_start, r.measured_on, r.household_size, r.net_income).per_capita
        values = {key: _plain(amounts[key]) for key in AMOUNTS}
        values.update(year=str(r.year), measured_on=r.measured_on.isoformat(), household_size=str(r.household_size))
        rows.append(IncomeRow(
            year=r.year, period=f"{r.period_start.isoformat()} 至 {r.measured_on.isoformat()}",
            measured_on=r.measured_on.isoformat(), household_size=r.household_size,
            items=tuple((label, _money(amounts[key])) for key, label in income.SOURCES + (income.COSTS,)
                        if amounts[key] is not None),
            spending=tuple((label, _money(amounts[key])) for key, label in income.SPENDING
                           if amounts[key] is not None),
            total_only=all(amounts[key] is None for key, _ in income.SOURCES + (income.COSTS,)),
            net_income=_money(r.net_income), per_capita=f"{format_yuan_cents(per_capita)} 元",
            line=_money(line) if line is not None else "", above=None if line is None else per_capita > line,
            source=IncomeSource(r.source).label, visit_id=r.visit_id, values=values))
    return rows
