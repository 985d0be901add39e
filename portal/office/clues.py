"""登记线索 (GET/POST /clues/new): staff record a clue from any source, linked from the inbox.

One form: the household is found by a posted search (the terms are personal data, never in an
address) or, when not registered, described by name, ID number and phone. A refused form answers
400 with each message beside its field and everything typed kept; files cannot be kept by a
browser, so the page says to choose them again. A recorded clue returns to an empty form that
names the case (its id only), ready for the next clue.
"""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import FileStorage, MultiDict

from core.clock import today
from core.extensions import db
from domain.enums import CaseSource, RiskType
from portal.office.blueprint import bp
from portal.office.formdata import FormReader
from services.errors import ValidationFailed
from services.identification import clues as service

_TEXT_LIMIT = 2000  # what is kept of a field to show again (the service says what is too long)


def _typed(form: MultiDict) -> service.ClueInput:
    def text(name: str) -> str:
        return (form.get(name) or "")[:_TEXT_LIMIT]

    return service.ClueInput(
        source=text("source"), household_id=text("household_id"), region_code=text("region_code"),
        name=text("name"), id_number=text("id_number"), phone=text("phone"),
        risk_types=tuple(v[:40] for v in form.getlist("risk_types")), description=text("description"),
        urgent=form.get("urgent") == "1")


def _files_chosen() -> bool:
    return any(isinstance(f, FileStorage) and f.filename for f in request.files.getlist("evidence"))


def _render(values: MultiDict, *, errors: dict | None = None, results: list | None = None, more: bool = False,
            searched: str = "", search_error: str = "", files_lost: bool = False, recorded=None,
            joined: bool = False, status: int = 200):
    errors = errors or {}
    typed_id = values.get("household_id", "")[:_TEXT_LIMIT]
    candidates = list(results or ())
    if typed_id and not any(str(c.household_id) == typed_id for c in candidates):
        picked = service.chosen(current_user, typed_id)  # the household picked before this answer
        candidates = [picked, *candidates] if picked else candidates
    selected = typed_id if any(str(c.household_id) == typed_id for c in candidates) else ""
    html = render_template(
        "office/clue_new.html", val=values, errors=errors, sources=service.source_choices(current_user),
        places=service.places(current_user), risks=RiskType.choices(), results=results, more=more,
        searched=searched, search_error=search_error, candidates=candidates, selected=selected,
        files_lost=files_lost, recorded=recorded, joined=joined, max_files=service.MAX_FILES,
        recorded_source=CaseSource(recorded.source).label if recorded else "",
        desk=current_user.role_enum in service.DESK_ROLES,
        shown=("source", "household_id", "region_code", "name", "id_number", "phone", "risk_types", "description",
               "urgent", "evidence", "q"))
    return html, status


@bp.route("/clues/new", methods=["GET", "POST"])
@login_required
def clue_new():
    service.require_recorder(current_user)
    if request.method == "GET":
        recorded = service.recorded_case(current_user, request.args.get("recorded", ""))
        return _render(MultiDict(), recorded=recorded, joined=request.args.get("joined") == "1")
    form = request.form
    if form.get("do") == "search":
        try:
            found_by = service.read_search(form.get("q", "")[:_TEXT_LIMIT], today())
        except ValidationFailed as exc:
            return _render(form, search_error=exc.fields.get("q", ""), files_lost=_files_chosen(), status=400)
        results, more = service.search(current_user, found_by)
        return _render(form, results=results, more=more, searched=found_by.label, files_lost=_files_chosen())
    reader = FormReader(form, request.files)
    files = reader.evidence("evidence")
    if len(files) > service.MAX_FILES:
        reader.fail("evidence", f"每次最多上传{service.MAX_FILES}个文件")
    try:
        clean = service.check(current_user, _typed(form), today())
        errors = dict(reader.errors)
    except ValidationFailed as exc:
        errors = {**exc.fields, **reader.errors}
    if errors:
        db.session.rollback()
        return _render(form, errors=errors, files_lost=_files_chosen(), status=400)
    recorded = service.record(current_user, clean, files, today())
    args = {"recorded": recorded.case_id, **({"joined": 1} if recorded.joined else {})}
    return redirect(url_for("office.clue_new", **args), code=303)
