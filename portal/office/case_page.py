"""The case page: the record, the deadline, the history, and the steps this person may take.

One POST per step: the step's form is read, the service takes the step, the request commits
once. A refused or invalid step shows the page again with the reasons next to the form and
everything typed kept.
"""
from __future__ import annotations

import io

from flask import abort, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from core.clock import today
from core.extensions import db
from core.unit_of_work import keep_on_refusal
from domain.workflow import Action, TransitionRefused
from portal.office import case_view
from portal.office.blueprint import bp
from portal.office.formdata import FormReader
from portal.office.steps import PANELS, STEP_FORMS
from services.errors import ValidationFailed, answer_for
from services.warnings import case_panel
from services.workflow import cases, evidence_files


def render_case_page(case_id: int, *, open_action: str = "", errors: dict | None = None, refused: tuple = (),
                     typed: MultiDict | None = None, done: str = "", status: int = 200,
                     feedback_for: int | None = None, feedback_errors: dict | None = None):
    """``feedback_for``: the warning whose answer (核实反馈) was refused, shown with
    ``feedback_errors`` beside its fields and what was typed (``typed``) kept."""
    case = cases.read_case(current_user, case_id)
    day = today()
    events = case_view.events(case)
    # Only a case whose history shows a department warning asks for its warnings.
    warnings = case_panel.warnings_of(current_user, case, day) if any(e.raised_warning for e in events) else []
    steps = case_view.steps(current_user, case, day, set(STEP_FORMS))
    forms = {s.action: STEP_FORMS[Action(s.action)] for s in steps}
    options = {s.action: forms[s.action].options(current_user, case, day) for s in steps if not s.blocked}
    panels = [p for provider in PANELS if (p := provider(current_user, case, day)) is not None]
    # A refused step this person is not offered (another role's step) is explained at the top.
    refused_top = refused if refused and open_action not in forms else ()
    html = render_template(
        "office/case.html", head=case_view.header(case, day), events=events,
        steps=steps, forms=forms, options=options, panels=panels, open_action=open_action,
        errors=errors or {}, refused=refused, refused_top=refused_top, typed=typed or MultiDict(),
        done=done, warnings=warnings, feedback_choices=case_panel.FEEDBACK_CHOICES,
        reason_needed=case_panel.REASON_NEEDED, feedback_for=feedback_for,
        feedback_errors=feedback_errors or {}, feedback_typed=(typed or MultiDict()) if feedback_for else MultiDict())
    keep_on_refusal()  # the audit entry of this read stands even when the answer is a refusal
    return html, status


@bp.route("/cases/<int:case_id>")
@login_required
def case(case_id: int):
    return render_case_page(case_id, done=request.args.get("done", ""))


@bp.route("/cases/<int:case_id>/steps/<action>", methods=["POST"])
@login_required
def take_step(case_id: int, action: str):
    try:
        step = Action(action)
    except ValueError:
        abort(404)
    form = STEP_FORMS.get(step)
    if form is None:
        abort(404)
    case = cases.read_case(current_user, case_id)  # 404 outside scope, before reading any input
    reader = FormReader(request.form, request.files)
    try:
        cases.ensure_turn(current_user, case, step)  # 409 for another role's step, before any input
        form.handle(current_user, case, reader, today())
    except ValidationFailed as exc:
        db.session.rollback()
        return render_case_page(case_id, open_action=action, errors=exc.fields, typed=request.form,
                                status=answer_for(exc).status)
    except TransitionRefused as exc:
        db.session.rollback()
        return render_case_page(case_id, open_action=action, refused=exc.reasons, typed=request.form,
                                status=answer_for(exc).status)
    return redirect(url_for("office.case", case_id=case_id, done=action) + "#top")


@bp.route("/evidence/<int:evidence_id>")
@login_required
def evidence(evidence_id: int):
    found = evidence_files.open_for(current_user, evidence_id)  # NotFound outside scope
    response = send_file(io.BytesIO(found.content), mimetype=found.content_type,
                         download_name=found.download_name, etag=found.etag,
                         last_modified=found.modified, as_attachment=found.content_type == "application/pdf")
    # Personal papers: checked with the server (scope, audit) on every use, never kept by the browser.
    response.headers["Cache-Control"] = "no-store"
    response.headers.pop("Expires", None)
    response.vary.add("Cookie")
    return response
