"""关联农户 on the case page: a clue whose reporter is not matched to a registered household is
linked to one by village or township staff, so the county can confirm it.

The panel lists the households the clue probably means; POST /cases/<id>/match/search finds
others by name or full ID number (POST: the terms are personal data and never go in a URL);
POST /cases/<id>/match links the clue to the chosen household and returns to the case page;
POST /cases/<id>/match/register registers the clue's household (登记农户并关联) and links it.
Other roles see no panel and are refused (403); cases and households outside the scope are
not found (404).
"""
from __future__ import annotations

from datetime import date

from flask import g, redirect, request, url_for
from flask_login import current_user, login_required

from core.clock import today
from core.extensions import db
from models import Case, User
from portal.office.blueprint import bp
from portal.office.case_page import render_case_page
from portal.office.steps import Panel, register
from services.accounts import scoping
from services.errors import ValidationFailed
from services.households import matching, register_from_clue as from_clue

DONE = "match"
TEMPLATE = "office/panel_match.html"


def _match_panel(actor: User, case: Case, today: date) -> Panel | None:
    if matching.offered(actor, case):
        return Panel(TEMPLATE, {
            "view": matching.panel(actor, case, g.get("match_search")),
            "errors": g.get("match_errors", {}), "typed": g.get("match_typed", ""),
            "search_url": url_for("office.match_search", case_id=case.id),
            "link_url": url_for("office.match_link", case_id=case.id),
            "register_url": url_for("office.match_register", case_id=case.id),
            "new": g.get("register_typed") or from_clue.form_for(case),
            "new_errors": g.get("register_errors", {}), "places": from_clue.places(actor, case),
            "labour_choices": from_clue.LABOUR_CHOICES, "health_choices": from_clue.HEALTH_CHOICES})
    if request.args.get("done") == DONE and case.household_id is not None and matching.may_match(actor):
        head, place = matching.linked_place(case)
        return Panel(TEMPLATE, {"linked": True, "head": head, "place": place})
    return None


def _load(case_id: int) -> Case:
    """The case, for a village or township officer in whose scope it lies (403, then 404)."""
    matching.require_matcher(current_user)
    return scoping.get(current_user, Case, case_id)


def _not_awaiting(case: Case):
    """The case page with the reason, when the case was closed or linked meanwhile."""
    reason = matching.not_awaiting_reason(case)
    return render_case_page(case.id, refused=(reason,), status=409) if reason else None


@bp.route("/cases/<int:case_id>/match/search", methods=["POST"])
@login_required
def match_search(case_id: int):
    case = _load(case_id)
    refused = _not_awaiting(case)
    if refused:
        return refused
    g.match_typed = request.form.get("q", "")[:40]
    try:
        g.match_search = matching.read_search(g.match_typed, today())
    except ValidationFailed as exc:
        g.match_errors = exc.fields
        return render_case_page(case_id, status=400)
    return render_case_page(case_id)  # commits the search's audit entry


@bp.route("/cases/<int:case_id>/match", methods=["POST"])
@login_required
def match_link(case_id: int):
    case = _load(case_id)
    refused = _not_awaiting(case)
    if refused:
        return refused
    raw = request.form.get("household_id", "").strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
        g.match_errors = {"household_id": "请选择要关联的农户"}
        return render_case_page(case_id, status=400)
    try:
        matching.link(current_user, case_id, int(raw))  # NotFound outside scope → 404
    except ValidationFailed as exc:
        db.session.rollback()
        g.match_errors = exc.fields
        return render_case_page(case_id, status=400)
    return redirect(url_for("office.case", case_id=case_id, done=DONE) + "#match")


@bp.route("/cases/<int:case_id>/match/register", methods=["POST"])
@login_required
def match_register(case_id: int):
    """登记农户并关联: register the clue's household and link it, in one step."""
    case = _load(case_id)
    refused = _not_awaiting(case)
    if refused:
        return refused
    form = request.form
    typed = from_clue.NewHousehold(
        region_code=form.get("region_code", "").strip(), name=form.get("name", "").strip()[:64],
        labour_capacity=form.get("labour_capacity", ""), health=form.get("health", "") or "healthy",
        use_claimed_id=form.get("use_claimed_id") == "1", id_number=form.get("id_number", "")[:40],
        use_claimed_phone=form.get("use_claimed_phone") == "1", phone=form.get("phone", "")[:40],
        address=form.get("address", "").strip()[:200])
    try:
        from_clue.register_and_link(current_user, case_id, typed, today())
    except ValidationFailed as exc:
        db.session.rollback()
        g.register_typed, g.register_errors = typed, exc.fields
        return render_case_page(case_id, status=400)
    return redirect(url_for("office.case", case_id=case_id, done=DONE) + "#match")


register({}, [_match_panel])
