"""党政主职遍访 page: coverage per township this year, the households still to visit, and the form
a township's 党委书记 or 乡镇长 records a visit with."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required

from core.clock import today
from domain.head_visits import SEED_QUOTE, SEED_SOURCE
from domain.numbers import whole
from portal.office.blueprint import bp
from portal.office.formdata import FormReader
from services.errors import ValidationFailed
from services.fieldwork import head_visits


def _page(errors: dict | None = None, typed: dict | None = None, failed: int | None = None, status: int = 200):
    day = today()
    head_visits.require_view(current_user)
    townships = head_visits.coverage(current_user, day)
    chosen = whole(request.args.get("township", "")) if request.args.get("township") else None
    if chosen not in {t.township_id for t in townships}:
        chosen = townships[0].township_id if townships else None
    rows = head_visits.due_list(current_user, day, chosen) if chosen else []
    return render_template(
        "office/head_visits.html", townships=townships, chosen=chosen, rows=rows, today=day.isoformat(),
        year=day.year, is_head=head_visits.is_head(current_user), quote=SEED_QUOTE, source=SEED_SOURCE,
        errors=errors or {}, typed=typed or {}, failed=failed,
        recorded=request.args.get("recorded", "")), status


@bp.get("/head-visits")
@login_required
def head_visits_page():
    return _page()


@bp.post("/head-visits/<int:household_id>")
@login_required
def head_visit_record(household_id: int):
    form = FormReader(request.form)
    visited_on = form.day("visited_on", "遍访日期")
    note = form.text("note", "情况说明", max_len=head_visits.NOTE_MAX)
    try:
        form.done()
        head_visits.record(current_user, household_id, visited_on, note or "", today())
    except ValidationFailed as exc:
        return _page(exc.fields, dict(request.form), household_id, 400)
    return redirect(url_for("office.head_visits_page", township=request.args.get("township", ""),
                            recorded=household_id), code=303)
