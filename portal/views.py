"""Staff login, logout and the landing page. Handlers stay thin: form → service → template."""
from __future__ import annotations

import io
from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, send_file, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from core import ratelimit
from core.clock import today
from core.extensions import db, limiter
from core.unit_of_work import keep_on_refusal
from portal import household_incomes, household_page, household_roster
from portal.forms import LoginForm, PasswordForm
from portal.landing import landing_for
from portal.session import ENDED, EXPIRED, begin_session, expired_message
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


def _login_page(form: LoginForm, error: str | None, status: int, notice: str | None = None):
    return render_template("login.html", form=form, error=error, notice=notice), status


# Failed logins are limited per address and login name, and per address over all names (shared
# with the API login); only refusals count (core/ratelimit.py).
@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(ratelimit.login_rate_limit, key_func=ratelimit.address_and_login, methods=["POST"],
               deduct_when=ratelimit.failed)
@limiter.shared_limit(ratelimit.login_address_limit, scope=ratelimit.LOGIN_ADDRESS_SCOPE,
                      key_func=ratelimit.address, methods=["POST"], deduct_when=ratelimit.failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("portal.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = users.authenticate(form.login.data, form.password.data)
        except users.AccountLocked as locked:
            keep_on_refusal()  # the count, the lock and their audit entries are kept
            page, status = _login_page(form, locked.message, 429)
            return page, status, {"Retry-After": str(locked.retry_after)}
        keep_on_refusal()  # the audit entry of a failed attempt is kept too
        if user is not None:
            login_user(user)
            begin_session()
            if user.must_change_password:
                return redirect(url_for("portal.change_password", next=request.args.get("next")))
            return redirect(_safe_next(request.args.get("next")))
        return _login_page(form, "用户名或密码不正确", 400)
    if request.method == "POST":
        return _login_page(form, None, 400)
    ended = session.pop(ENDED, None)
    notice = None
    if ended == EXPIRED:
        notice = expired_message()
    elif ended:
        notice = "长时间未操作，已自动锁定，请重新登录"
    return _login_page(form, None, 200, notice)


@bp.errorhandler(429)
def too_many(exc):
    """Over a login limit: say so beside the form, keeping the typed login name."""
    seconds = ratelimit.retry_after_seconds() or 60
    minutes = max(1, -(-seconds // 60))
    if request.endpoint == "portal.login":
        return _login_page(LoginForm(), f"尝试次数太多，请{minutes}分钟后再试", 429)
    if request.endpoint == "portal.change_password":
        return render_template("password.html", form=PasswordForm(), forced=False, done=False,
                               errors={"": f"尝试次数太多，请{minutes}分钟后再试"}), 429
    return render_template("error.html", status=429, message="操作太频繁，请过一会儿再试"), 429


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        users.log_out(current_user)
    logout_user()
    return redirect(url_for("portal.login"))


@bp.route("/password", methods=["GET", "POST"])
@limiter.shared_limit(ratelimit.login_address_limit, scope=ratelimit.LOGIN_ADDRESS_SCOPE,
                      key_func=ratelimit.address, methods=["POST"], deduct_when=ratelimit.failed)
@login_required
def change_password():
    """修改密码: everyone's own, and the first thing after a password someone else chose."""
    form = PasswordForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            users.change_password(current_user, form.old_password.data, form.new_password.data,
                                  form.confirm.data)
        except users.AccountLocked as locked:
            keep_on_refusal()  # the lock, and the end of every session of the account
            logout_user()
            session.clear()
            page, status = _login_page(LoginForm(), locked.message, 429)
            return page, status, {"Retry-After": str(locked.retry_after)}
        except ValidationFailed as exc:
            keep_on_refusal()  # a wrong current password counts like a wrong login
            errors = exc.fields
        else:
            # Every session of the account ended; this one carries on with the new token.
            login_user(current_user._get_current_object())
            target = request.args.get("next")
            return redirect(_safe_next(target) if target else url_for("portal.change_password", done=1))
    elif request.method == "POST":
        errors = {name: field.errors[0] for name, field in form._fields.items() if field.errors}
    status = 400 if request.method == "POST" else 200
    return render_template("password.html", form=form, errors=errors,
                           forced=current_user.must_change_password,
                           done=request.method == "GET" and request.args.get("done") == "1"), status


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


@bp.route("/visits/<int:visit_id>/signature")
@login_required
def visit_signature(visit_id: int):
    """The signature drawn on a visit of a household in scope (404 otherwise); every read audited."""
    return _photo_response(visits.visit_signature_file(current_user, visit_id))


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
