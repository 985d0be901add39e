"""The grid workers' field app (外业): my work, search, the visit form and its service worker.

Pages only. Visits and photos are sent by field.js to /api/v1 (idempotent by client UUID), from
a queue kept on the phone, so a visit recorded without signal is sent later, exactly once.
The screening questions are rendered here on the server, so the form also opens from the
service worker's cache without any network. A grid worker may also keep their whole grid on the
phone for the day (field-grid.js, from GET /api/v1/grid): the form of a household never opened
before is then the generic shell (/field/visit-shell, kept by the service worker) filled in on the
phone from that bundle.
"""
from __future__ import annotations

import json
import os
from itertools import groupby

from flask import Blueprint, Response, render_template, request
from flask_login import current_user, login_required

from core import clock
from domain.fieldwork import AwayReason, VisitMethod
from domain.screening import INCOME_ITEMS, QUESTIONS
from domain import numbers
from portal.assets import STATIC_DIR, asset
from services.accounts import scoping
from services.fieldwork import call_numbers, worklists

bp = Blueprint("field", __name__, url_prefix="/field", template_folder="templates")

# Files the service worker keeps so the form opens without signal (by their hashed names).
SHELL_ASSETS = ("base.css", "field.css", "field-store.js", "field.js", "field-grid.js", "field-parts.js",
                "field-photos.js", "field-signature.js", "field-visit.js")
QUESTION_GROUPS = [(group, list(items)) for group, items in groupby(QUESTIONS, key=lambda q: q.group)]
METHODS = [(m.value, m.label, m.remote) for m in VisitMethod]
# Search by name or the last 4 digits only: whole ID or phone numbers stay out of addresses.
MAX_SEARCH_DIGITS = 4
REACHED_VIA_LABELS = {"phone": "电话号码", "wechat": "微信号", "qq": "QQ号", "video": "视频通话的号码或账号"}


# --- pages ---------------------------------------------------------------------------------------

def _keeps_grid() -> bool:
    """Whether the page offers 下载本网格: grid workers only (their scope is their grid)."""
    return scoping.reach(current_user) is scoping.Reach.OWN_CASES


@bp.get("/")
@login_required
def my_work():
    return render_template("field/work.html", work=worklists.my_work(current_user, clock.today()),
                           keeps_grid=_keeps_grid())


@bp.route("/search", methods=["GET", "POST"])
@login_required
def search():
    """The term is posted (names and number tails are personal data: a URL lands in access logs
    and browser history). A GET shows the empty box; a ``q`` in its query string is ignored."""
    if request.method == "GET":
        return render_template("field/search.html", q="", rows=[], refused=False)
    text = request.form.get("q", "").strip()[:30]
    if numbers.count_digits(text) > MAX_SEARCH_DIGITS:  # a full number: not searched, not echoed
        return render_template("field/search.html", q="", rows=[], refused=True), 400
    return render_template("field/search.html", q=text, rows=worklists.search(current_user, text),
                           refused=False)


@bp.get("/households/<int:household_id>/visit")
@login_required
def visit_form(household_id: int):
    case_id = request.args.get("case", type=int)
    form = worklists.visit_form(current_user, household_id, case_id, clock.today())
    return _visit_page(form.household, form.case, call_numbers.panel(current_user, household_id, case_id))


@bp.get("/visit-shell")
@login_required
def visit_shell():
    """The visit form without a household: the service worker keeps it, and answers it offline
    for a household of the kept grid whose own form was never opened on this phone; field-grid.js
    fills in the household from the bundle. Online it only says where to start."""
    return _visit_page(None, None, None)


def _visit_page(household, case, calls):
    return render_template(
        "field/visit.html", household=household, case=case, calls=calls, groups=QUESTION_GROUPS,
        income_items=INCOME_ITEMS, methods=METHODS, away_reasons=AwayReason.choices(),
        reached_via_labels=REACHED_VIA_LABELS)


@bp.get("/sw.js")
def service_worker():
    """The service worker, with the current hashed asset names written in. Its scope is /field/.

    No login needed: it holds no personal data, and a locked session must not stop an update.
    """
    with open(os.path.join(STATIC_DIR, "sw.js"), encoding="utf-8") as fh:
        source = fh.read()
    shell = json.dumps([asset(name) for name in SHELL_ASSETS])
    response = Response(source.replace("[/*SHELL_ASSETS*/]", shell), mimetype="application/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.after_request
def tag_user(response):
    """Pages carry their reader's account id, so the service worker serves cached pages offline
    only to the account that opened them (a shared phone changes hands)."""
    if response.mimetype == "text/html" and current_user.is_authenticated:
        response.headers["X-Shoudi-User"] = str(current_user.id)
    return response
