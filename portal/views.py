"""Staff login, logout and the landing page. Handlers stay thin: form → service → template."""
from __future__ import annotations

import io
from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, send_file, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from core.clock import today
from core.extensions import db
from core.unit_of_work import keep_on_refusal
from portal import household_incomes, household_page, household_roster
from portal.forms import LoginForm
from portal.landing import landing_for
from services.accounts import users
from services.errors import ValidationFailed
from services.farmer import policy
from services.fieldwork import visits
from services.households import records

bp = Blueprint("portal", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/portal")


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths, so a crafted link cannot bounce a login elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("portal.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("portal.home"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = users.authenticate(form.login.data, form.password.data)
        keep_on_refusal()  # the audit entry of a failed attempt is kept too
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        error = "用户名或密码不正确"
    status = 400 if request.method == "POST" else 200
    locked = request.method == "GET" and session.pop("locked", False)
    return render_template("login.html", form=form, error=error, locked=locked), status


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        users.log_out(current_user)
    logout_user()
    return redirect(url_for("portal.login"))


@bp.route("/")
@login_required
def home():
    return render_template("home.html", landing=landing_for(current_user, today()))


@bp.route("/households/<int:household_id>")
@login_required
def household_detail(household_id: int):
    """农户档案: the full record (audited), every case in scope, visits, help and its readers."""
    household = records.read_household(current_user, household_id)
    page = household_page.build(current_user, household, today())
    roster = household_roster.build(current_user, household, request.args.get("done", ""))
    return render_template("household.html", page=page, roster=roster,
                           incomes=household_incomes.section(current_user, household))


def _photo_response(found):
    response = send_file(io.BytesIO(found.content), mimetype=found.content_type, conditional=True,
                         etag=found.etag, last_modified=found.modified)
    # Kept by the browser but checked with the server on every use: after logging out, or for
    # another account on a shared office computer, the scope check and audit run again.
    response.headers["Cache-Control"] = "no-store"  # a family's photo: personal data
    response.headers.pop("Expires", None)
    response.vary.add("Cookie")
    return response


@bp.route("/photos/<int:photo_id>")
@login_required
def photo(photo_id: int):
    """A visit photo of a household in scope (404 otherwise); every read audited."""
    found = visits.visit_photo_file(current_user, photo_id, thumbnail=False)
    return _photo_response(found)


@bp.route("/photos/<int:photo_id>/thumb")
@login_required
def photo_thumb(photo_id: int):
    found = visits.visit_photo_file(current_user, photo_id, thumbnail=True)
    return _photo_response(found)


@bp.route("/policy-texts/<region_code>", methods=["GET", "POST"])
@login_required
def policy_texts(region_code: str):
    """County staff write the 明白纸 text for the county, a township or a village."""
    region = policy.region_for_code(region_code)
    errors: dict[str, str] = {}
    saved = False
    if request.method == "POST":
        try:
            for section in policy.editable_sections(current_user, region):
                policy.save_text(current_user, region, section.key, request.form.get(section.key, ""))
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.fields
        else:
            saved = True
    sections = policy.editable_sections(current_user, region)
    typed = {s.key: request.form.get(s.key, s.own_text) for s in sections} if errors else None
    return render_template("policy_texts.html", region=region, sections=sections, errors=errors,
                           typed=typed, saved=saved), 400 if errors else 200
