"""收入台账 on the household page and its form, as plain data: the yearly records with the line
of each year, whether a visit's income answers are still to be confirmed, and the form's fields.

Only staff who keep the register (``incomes.may_record``) are offered the form and the confirm
button; everyone who may read the household page sees the records.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import g, request

from domain import income
from domain import numbers
from models import Household, User
from services.households import incomes
from services.households.incomes import IncomeRow, VisitIncome
from services.regions import settings

# The form's amount fields, in the order they are asked: income, then rigid spending.
INCOME_FIELDS = income.SOURCES + (income.COSTS,)
SPENDING_FIELDS = income.SPENDING
FORM_FIELDS = ("year", "measured_on", "household_size") + incomes.AMOUNTS


@dataclass(frozen=True)
class IncomeSection:
    household_id: int
    rows: tuple[IncomeRow, ...]
    may_edit: bool
    visits: dict[int, VisitIncome]    # by visit id: its income answers and whether they are in
    notice: str = ""
    confirm_errors: dict[int, str] = field(default_factory=dict)


def section(actor: User, household: Household) -> IncomeSection:
    """The section for the page being answered: a notice from its address after a save, and a
    refused confirmation the handler put in ``g.income_confirm_errors`` (visit id → message)."""
    rows = incomes.income_rows(household, settings.monitoring_lines_for(household.region)) if household.incomes else []
    return IncomeSection(
        household_id=household.id, rows=tuple(rows), may_edit=incomes.may_record(actor),
        visits=incomes.visit_incomes(household), notice=notice_from(request.args),
        confirm_errors=g.get("income_confirm_errors") or {})


def notice_from(args) -> str:
    """The line shown after a save, from the address (which says what was done, never amounts)."""
    year = args.get("income_saved", "")
    if year.isascii() and year.isdigit() and len(year) == 4:
        return f"{year}年收入已保存，家庭纯收入和人均纯收入已重新计算。"
    if args.get("income_confirmed") == "1":
        return "走访填写的收入已计入收入台账。"
    if args.get("income_confirmed") == "again":
        return "这次走访的收入此前已计入收入台账，没有再次计入。"
    return ""


@dataclass(frozen=True)
class IncomeForm:
    household_id: int
    head: str
    size: int
    editing: int | None               # the year whose record is being corrected
    years: tuple[int, ...]            # years already recorded
    values: dict[str, str]
    errors: dict[str, str]
    income_fields: tuple = INCOME_FIELDS
    spending_fields: tuple = SPENDING_FIELDS


def form(household: Household, today: date, *, year: int | None = None,
         typed: dict[str, str] | None = None, errors: dict[str, str] | None = None) -> IncomeForm:
    """The form: what was typed, or the year's record to correct, or a new record measured today."""
    by_year = {r.year: r for r in household.incomes}
    if typed is not None:
        values = typed
    elif year in by_year:
        values = next(row.values for row in incomes.income_rows(household, {}) if row.year == year)
    else:
        values = {"year": str(year or today.year), "household_size": str(household.size or ""),
                  "measured_on": (today if not year or year == today.year else date(year, 12, 31)).isoformat()}
    shown = values.get("year", "")
    editing = numbers.whole(shown, 1000, 9999) if numbers.whole(shown, 1000, 9999) in by_year else None
    head = household.head
    return IncomeForm(household_id=household.id, head=head.name if head else "", size=household.size,
                      editing=editing, years=tuple(sorted(by_year, reverse=True)), values=values,
                      errors=errors or {})
