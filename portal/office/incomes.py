"""收入台账 from the office: 录入或更正 a year's income record (its own page), and 确认计入收入台账
on a visit of the household page.

Village, township and county staff only (others 403); households and visits outside the scope
are not found (404). A refused form answers 400 with each message beside its field and what
was typed kept, and saves nothing. A save returns to the household page (303), whose address
says only which year was saved — never an amount.
"""
from __future__ import annotations

from flask import g, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from core.clock import today
from core.extensions import db
from core.unit_of_work import keep_on_refusal
from domain.enums import IncomeSource
from models import Household
from portal import household_incomes, views
from portal.office.blueprint import bp
from portal.office.formdata import FormReader
from services.accounts import scoping
from services.errors import ValidationFailed
from services.households import incomes
from services.platform import audit

LONGEST = 40  # characters kept of any typed field


def _household_page_refusing(household_id: int, visit_id: int, message: str):
    """The household page as it stands (an audited read), with the refusal beside the visit."""
    g.income_confirm_errors = {visit_id: message}
    response = make_response(views.household_detail(household_id))
    response.status_code = 409
    keep_on_refusal()  # the read's audit entry stands beside the refusal
    return response


def _year_arg(value: str | None) -> int | None:
    value = value or ""
    if value.isascii() and value.isdigit() and len(value) == 4 and 2015 <= int(value) <= today().year:
        return int(value)
    return None


def _number(reader: FormReader, name: str, digits: int, message: str) -> int | None:
    value = reader.form.get(name, "").strip()[:LONGEST]
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= digits):
        reader.fail(name, message)
        return None
    return int(value)


def _form_page(household: Household, status: int = 200, **kw):
    return render_template("office/household_income_form.html",
                           form=household_incomes.form(household, today(), **kw)), status


@bp.route("/households/<int:household_id>/incomes/edit", methods=["GET", "POST"])
@login_required
def income_edit(household_id: int):
    """录入或更正收入: the year's record (``?year=2025`` to correct one), in yuan."""
    incomes.require_staff(current_user)
    household = scoping.get(current_user, Household, household_id)
    if request.method == "GET":
        year = _year_arg(request.args.get("year"))
        if year is not None and any(r.year == year for r in household.incomes):
            audit.record(current_user, "read", "household_income", household.id, f"year={year}")
        return _form_page(household, year=year)

    reader = FormReader(request.form)
    typed = {name: request.form.get(name, "")[:LONGEST] for name in household_incomes.FORM_FIELDS}
    year = _number(reader, "year", 4, "年度应为四位数字，例如2026")
    size = _number(reader, "household_size", 2, "家庭人口应为整数")
    measured_on = reader.day("measured_on", "核定日期")
    items = {key: typed[key] for key in incomes.AMOUNTS}
    try:
        incomes.record_income(current_user, household, year=year, measured_on=measured_on,
                              source=IncomeSource.STAFF, today=today(), items=items,
                              household_size=size if size is not None else (0 if typed["household_size"] else None))
        reader.done()
    except ValidationFailed as exc:
        db.session.rollback()
        errors = {**exc.fields, **reader.errors}
        return _form_page(household, 400, typed=typed, errors=errors)
    except IntegrityError:  # someone saved the same year at the same moment (SQLite)
        db.session.rollback()
        return _form_page(household, 409, typed=typed,
                          errors={"year": "刚有其他人保存了这一年的收入，请返回农户档案核对后再修改"})
    return redirect(url_for("portal.household_detail", household_id=household_id, income_saved=year)
                    + "#incomes", code=303)


@bp.route("/households/<int:household_id>/visits/<int:visit_id>/confirm-income", methods=["POST"])
@login_required
def income_confirm_visit(household_id: int, visit_id: int):
    """确认计入收入台账: the visit's income answers become its year's record."""
    incomes.require_staff(current_user)
    try:
        done = incomes.confirm_visit_income(current_user, visit_id, today(), household_id=household_id)
    except ValidationFailed as exc:
        db.session.rollback()
        return _household_page_refusing(household_id, visit_id, "；".join(exc.fields.values()))
    return redirect(url_for("portal.household_detail", household_id=household_id,
                            income_confirmed="again" if done.already else "1") + f"#visit-{visit_id}", code=303)
