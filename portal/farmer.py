"""Farmer pages: the QR address, the policy page, self-report, and progress lookup.

No account. Every page works without JavaScript; with it, photos shrink on the phone and
fields are checked as the farmer types.
"""
from __future__ import annotations

import hashlib
import hmac

from flask import (Blueprint, current_app, redirect, render_template, request, session, url_for)
from flask_login import current_user

from core import clock
from core.extensions import db, limiter
from core.unit_of_work import keep_on_refusal
from domain.lookup import format_lookup_code
from domain.consent import CONSENT_TEXT, CONSENT_VERSION, NOTICE, NOTICE_TITLE, PROXY_CONSENT_TEXT
from domain.enums import RegionLevel
from domain.selfreport import GREEN_CHANNEL_QUESTION, MAX_PHOTOS, ReportInput
from domain.tracking import REVIEW_REASON_MAX
from domain.validation import normalize_id_number
from services.errors import NotFound, ValidationFailed
from services.farmer import policy, reviews, selfreport, tracking

bp = Blueprint("farmer", __name__)
FORM_FIELDS = ("name", "id_number", "phone", "village_code", "description", "urgent",
               "household_size", "income")


def _report_limit() -> str:
    return current_app.config["SHOUDI_REPORT_RATE_LIMIT"]


def _track_limit() -> str:
    return current_app.config["SHOUDI_TRACK_RATE_LIMIT"]


def _proxy_user():
    """A logged-in grid worker (or village staff) fills the form for a farmer: 代申报."""
    if current_user.is_authenticated and current_user.role in selfreport.PROXY_ROLES:
        return current_user
    return None


def _proxy_village_code() -> str:
    """代申报 opens on the worker's own village (a grid worker's: the village of their grid)."""
    worker = _proxy_user()
    if worker is None:
        return ""
    village = worker.region.village
    return village.code if village.level == RegionLevel.VILLAGE.value else ""


@bp.get("/q/<code>")
def scan(code: str):
    """The address printed in the QR code. It never changes: old codes keep answering."""
    village = policy.village_for_code(code)
    policy.count_scan(village, clock.today())
    return render_template("farmer/policy.html", page=policy.policy_page(village, clock.today()))


def _form_page(raw: ReportInput, token: str, errors: dict | None = None, status: int = 200,
               county_code: str = ""):
    """The form, its village picker offering the villages of one county: the county of the
    village the QR code (or the form) names, else the county chosen first (step by step, so
    it works without JavaScript)."""
    picker = policy.picker(raw.village_code, county_code)
    return render_template(
        "farmer/report.html", raw=raw, token=token, errors=errors or {}, picker=picker,
        villages=picker.villages, selected=picker.village_code or raw.village_code,
        hardships=policy.hardship_choices(), consent_text=CONSENT_TEXT, proxy_consent_text=PROXY_CONSENT_TEXT,
        consent_version=CONSENT_VERSION, notice=NOTICE, green_question=GREEN_CHANNEL_QUESTION, max_photos=MAX_PHOTOS,
        kept_photos=selfreport.pending_photo_count(token), proxy=_proxy_user()), status


def _raw_from_form() -> ReportInput:
    values = {name: request.form.get(name, "") for name in FORM_FIELDS}
    return ReportInput(**values, hardships=request.form.getlist("hardships"),
                       consent=request.form.get("consent") == "yes",
                       consent_version=request.form.get("consent_version", "")[:32])


@bp.route("/report", methods=["GET", "POST"])
@limiter.limit(_report_limit, methods=["POST"])
def report():
    if request.method == "GET":
        raw = ReportInput(village_code=request.args.get("village", "")[:20] or _proxy_village_code())
        return _form_page(raw, selfreport.new_form_token(), county_code=request.args.get("county", "")[:20])
    raw = _raw_from_form()
    token = request.form.get("token", "")
    uploads = [f.read() for f in request.files.getlist("photos") if f and f.filename]
    try:
        selfreport.submit(raw, uploads, token, clock.today(), actor=_proxy_user())
    except (ValidationFailed, NotFound) as exc:
        # Any refusal shows the form again with what was typed, never the farmer's 404 page.
        db.session.rollback()
        fields = exc.fields if isinstance(exc, ValidationFailed) else {"village_code": "没有找到这个村，请重新选择"}
        token = token if selfreport.valid_token(token) else selfreport.new_form_token()
        return _form_page(raw, token, fields, status=400, county_code=request.form.get("county", "")[:20])
    session["report_token"] = token
    return redirect(url_for("farmer.done"))


@bp.get("/privacy")
def privacy():
    """个人信息保护说明: what is collected, why, who sees it, how long, and the farmer's rights."""
    return render_template("farmer/privacy.html", title=NOTICE_TITLE, notice=NOTICE, consent_text=CONSENT_TEXT,
                           consent_version=CONSENT_VERSION)


@bp.errorhandler(429)
def too_many(exc):
    """Over the limit: say so, but give the farmer their typed form back."""
    if request.endpoint == "farmer.report" and request.method == "POST":
        return _form_page(_raw_from_form(), request.form.get("token", ""),
                          {"": "提交太频繁了，请过一会儿再点提交，填好的内容都还在"}, status=429,
                          county_code=request.form.get("county", "")[:20])
    if request.endpoint == "farmer.recover":
        typed = {"id_number": request.form.get("id_number", "")[:40], "phone": request.form.get("phone", "")[:40]}
        return render_template("farmer/recover.html", typed=typed, found=None,
                               errors={"": "查询太频繁了，请过一段时间再试，或联系村干部"}), 429
    if request.endpoint == "farmer.ask_review":
        return _track_page(request.form.get("code", "")[:40], request.form.get("phone_tail", "")[:10], None,
                           errors={"": "操作太频繁了，请过一会儿再试"},
                           reason=request.form.get("reason", "")[:REVIEW_REASON_MAX * 2], status=429)
    return render_template("farmer/message.html", title="操作太频繁",
                           message="请过一会儿再试。"), 429


@bp.errorhandler(NotFound)
def not_found(exc):
    return render_template("farmer/message.html", title="没有找到这个页面",
                           message="二维码或链接可能有误。请联系村干部、网格员，或拨打12317咨询。"), 404


@bp.get("/report/done")
def done():
    result = selfreport.result_for_token(session.get("report_token", ""))
    if result is None:
        return redirect(url_for("farmer.report"))
    code = format_lookup_code(result.lookup_code) if result.lookup_code else None
    return render_template("farmer/done.html", result=result, code=code)


# Looking up progress, asking for a re-review and recovering a lost code share one limit per
# address: together they are what someone guessing codes or numbers would use.
LOOKUP_SCOPE = "farmer-lookup"
# Recovering a code is also limited per ID number typed (a keyed hash in the limiter's storage),
# so one family's code cannot be found by trying phone numbers from many addresses.
def _recover_id_limit() -> str:
    return current_app.config["SHOUDI_RECOVER_ID_RATE_LIMIT"]


def _typed_id_number() -> str:
    """The limiter's key for the ID number typed on /track/recover: a keyed digest, never the number."""
    text = normalize_id_number(request.form.get("id_number", "")[:40])
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, b"recover-id\x00" + text.encode("utf-8", "surrogatepass"), hashlib.sha256)
    return "recover-id:" + digest.hexdigest()[:32]


def _track_page(code: str, tail: str, view, *, failed: bool = False, errors: dict | None = None,
                reason: str = "", asked: bool = False, status: int = 200):
    html = render_template("farmer/track.html", code=code, tail=tail, view=view, failed=failed,
                           errors=errors or {}, reason=reason, asked=asked, reason_max=REVIEW_REASON_MAX)
    return html, status


@bp.route("/track", methods=["GET", "POST"])
@limiter.shared_limit(_track_limit, scope=LOOKUP_SCOPE, methods=["POST"])
def track():
    if request.method == "GET":
        return _track_page(request.args.get("code", "")[:20], "", None)
    code, tail = request.form.get("code", "")[:40], request.form.get("phone_tail", "")[:10]
    view = tracking.track(code, tail)
    keep_on_refusal()  # the audit entry of the lookup
    return _track_page(code, tail, view, failed=view is None, status=200 if view else 404)


@bp.post("/track/review")
@limiter.shared_limit(_track_limit, scope=LOOKUP_SCOPE)
def ask_review():
    """申请复核: the code and phone digits travel again with the form (no session), checked as a lookup."""
    code, tail = request.form.get("code", "")[:40], request.form.get("phone_tail", "")[:10]
    reason = request.form.get("reason", "")[:REVIEW_REASON_MAX * 2]
    try:
        asked = reviews.ask(code, tail, reason, clock.today())
    except ValidationFailed as exc:
        db.session.rollback()
        view = tracking.track(code, tail)
        keep_on_refusal()  # the audit entry of the lookup that shows the page again
        return _track_page(code, tail, view, errors=exc.fields, reason=reason, status=400)
    if asked is None:
        return _track_page(code, tail, None, failed=True, status=404)
    return _track_page(code, tail, tracking.track(code, tail), asked=True)


@bp.route("/track/recover", methods=["GET", "POST"])
@limiter.shared_limit(_track_limit, scope=LOOKUP_SCOPE, methods=["POST"])
@limiter.limit(_recover_id_limit, key_func=_typed_id_number, methods=["POST"])
def recover():
    """找回查询码: the ID number and the phone given with the report; the codes on the answer
    page only (a POST answer, never in a URL). No match reads as a plain "not found"."""
    if request.method == "GET":
        return render_template("farmer/recover.html", typed={}, errors={}, found=None)
    typed = {"id_number": request.form.get("id_number", "")[:40], "phone": request.form.get("phone", "")[:40]}
    try:
        found = tracking.recover(typed["id_number"], typed["phone"], clock.today())
    except ValidationFailed as exc:
        db.session.rollback()
        return render_template("farmer/recover.html", typed=typed, errors=exc.fields, found=None), 400
    keep_on_refusal()  # the audit entry of the attempt, found or not
    return render_template("farmer/recover.html", typed={}, errors={}, found=found), 200 if found else 404
