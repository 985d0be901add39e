"""The county measure library: everyone in the county reads it; county staff keep it."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required

from core.extensions import db
from domain.enums import Department, HelpKind, RiskType
from portal.office.blueprint import bp
from services.errors import PermissionDenied, ValidationFailed
from services.help import measures
from services.help.measures import MeasureInput


@bp.route("/measures", endpoint="measures")
@login_required
def library_page():
    show_inactive = request.args.get("show") == "all"
    groups = measures.library(current_user, include_inactive=show_inactive or measures.may_edit(current_user))
    county = measures.county_of(current_user.region)
    return render_template("office/measures.html", groups=groups, county=county.name,
                           editable=measures.may_edit(current_user), saved=request.args.get("saved", ""))



def _form_input() -> MeasureInput:
    return MeasureInput(
        name=request.form.get("name", ""), kind=request.form.get("kind") or None,
        department=request.form.get("department") or None,
        risk_types=tuple(v for v in request.form.getlist("risk_types") if v),
        toilet_upgrade=request.form.get("toilet_upgrade") == "1",
        temporary_relief=request.form.get("temporary_relief") == "1")


def _choices() -> dict:
    return {"kinds": HelpKind.choices(), "departments": Department.choices(), "risks": RiskType.choices()}


def _typed(measure) -> dict:
    """The saved values, shaped like a posted form, for the edit page."""
    return {"name": measure.name, "kind": measure.kind, "department": measure.department or "",
            "risk_types": list(measure.risk_types), "toilet_upgrade": "1" if measure.toilet_upgrade else "",
            "temporary_relief": "1" if measure.is_temporary_relief else ""}


def _posted() -> dict:
    return {"name": request.form.get("name", ""), "kind": request.form.get("kind", ""),
            "department": request.form.get("department", ""),
            "risk_types": request.form.getlist("risk_types"),
            "toilet_upgrade": request.form.get("toilet_upgrade", ""),
            "temporary_relief": request.form.get("temporary_relief", "")}


@bp.route("/measures/new", methods=["GET", "POST"])
@login_required
def measure_new():
    if not measures.may_edit(current_user):
        raise PermissionDenied("只有县级工作人员可以维护帮扶措施库")
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            measure = measures.create(current_user, _form_input())
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.fields
        else:
            return redirect(url_for("office.measures", saved=measure.id))
    typed = _posted() if request.method == "POST" else {"risk_types": []}
    return render_template("office/measures_form.html", title="新增帮扶措施", typed=typed, errors=errors,
                           action=url_for("office.measure_new"), **_choices()), 400 if errors else 200


@bp.route("/measures/<int:measure_id>/edit", methods=["GET", "POST"])
@login_required
def measure_edit(measure_id: int):
    measure = measures.get(current_user, measure_id)  # 404 outside the county
    if not measures.may_edit(current_user):
        raise PermissionDenied("只有县级工作人员可以维护帮扶措施库")
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            measures.update(current_user, measure_id, _form_input())
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.fields
        else:
            return redirect(url_for("office.measures", saved=measure_id))
    typed = _posted() if request.method == "POST" else _typed(measure)
    return render_template("office/measures_form.html", title=f"修改帮扶措施：{measure.name}", typed=typed,
                           errors=errors, action=url_for("office.measure_edit", measure_id=measure_id),
                           measure_id=measure_id, **_choices()), 400 if errors else 200


@bp.route("/measures/<int:measure_id>/active", methods=["POST"])
@login_required
def measure_active(measure_id: int):
    """Deactivate (停用) or reactivate (启用) a measure; plans already made keep it."""
    measures.set_active(current_user, measure_id, request.form.get("active") == "1")
    return redirect(url_for("office.measures", saved=measure_id))
