"""附件4 问题整改台账 pages: the ledger (overdue first, filters by village and status), a new
item (blank, or "列入整改台账" from a village problem, pre-filled), an item's page with its edit
form while it is being fixed and the 已整改 form (day, note, evidence file), the evidence file,
and the export (a job).

The household of an item is picked by a search posted with the form (its words never go in an
address); lists and pages show the head's name and a masked ID number, the full number only in
the export. Roles without the ledger get 403; a campaign, village or item outside the scope 404.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import abort, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from core import clock
from core.extensions import db
from domain import numbers
from domain.campaigns import ProblemType
from portal.campaigns import bp
from portal.campaigns.problems import head_of
from services.campaigns import form4, ledger, problems
from services.errors import NotFound, ValidationFailed
from services.identification.inbox import page_window
from services.platform.uploads import EVIDENCE_MAX_BYTES

DONE = {"added": "已列入整改台账。", "saved": "已保存修改。", "fixed": "已标记为已整改。"}


@dataclass(frozen=True)
class FormChoices:
    villages: list[tuple[str, str]]
    types: list[tuple[str, str]]
    responsibles: list[tuple[str, str]]


def _choices(found) -> FormChoices:
    return FormChoices([(v.code, v.name) for v in problems.villages(current_user, found)], ProblemType.choices(),
                       ledger.responsibles(current_user))


def _picked(typed) -> ledger.HouseholdChoice | None:
    """The household the form names, shown masked; none when it is not (or no longer) in scope."""
    household_id = ledger.read_id(typed.get("household_id"))
    if household_id is None:
        return None
    try:
        return ledger.household_choice(current_user, household_id)
    except NotFound:
        return None


def _search(found, typed):
    """A posted search for the household; None when the form was not a search."""
    if request.method != "POST" or request.form.get("action") != "search":
        return None
    return ledger.find_households(current_user, found, request.form.get("household_q", ""))


def _form_page(template: str, found, typed, *, errors=None, status=200, **extra):
    html = render_template(template, campaign=head_of(found), typed=typed, errors=errors or {},
                           choices=_choices(found), picked=_picked(typed), found_households=_search(found, typed),
                           household_q=request.form.get("household_q", "") if request.method == "POST" else "",
                           **extra)
    return html, status


# --- the list ----------------------------------------------------------------------------------

@bp.get("/<int:round_id>/ledger")
@login_required
def ledger_page(round_id: int):
    found = ledger.campaign(current_user, round_id)
    code = request.args.get("village", "").strip()[:20]
    chosen = problems.village(current_user, found, code) if code else None
    status = request.args.get("status", "")
    status = status if status in dict(ledger.STATUSES) else ""
    page = numbers.whole(request.args.get("page", "").strip(), low=1, high=999_999) or 1
    today = clock.today()
    view = ledger.listing(current_user, found, today, chosen=chosen, status=status, page=page)
    args = {k: v for k, v in (("village", code), ("status", status)) if v}

    def url(n: int) -> str:
        query = {**args, **({"page": n} if n > 1 else {})}
        return url_for("campaigns.ledger_page", round_id=round_id) + ("?" + urlencode(query) if query else "")
    return render_template("campaigns/ledger.html", campaign=head_of(found), view=view, filter_args=args,
                           villages=[(v.code, v.name) for v in problems.villages(current_user, found)],
                           statuses=list(ledger.STATUSES), pager=[(n, url(n)) for n in page_window(view.page, view.pages)],
                           export_code=code, today=today.isoformat())


@bp.post("/<int:round_id>/ledger/export")
@login_required
def ledger_export(round_id: int):
    found = ledger.campaign(current_user, round_id)
    job = form4.start_export(current_user, found, request.form.get("village", "").strip()[:20], clock.today())
    return redirect(url_for("jobs.page", job_id=job.id), code=303)


# --- a new item ----------------------------------------------------------------------------------

@bp.route("/<int:round_id>/ledger/new", methods=["GET", "POST"])
@login_required
def ledger_new(round_id: int):
    found = ledger.campaign(current_user, round_id)
    if request.method == "GET":
        source = request.args.get("problem", "").strip()
        if source and ledger.read_id(source) is None:
            abort(404)
        return _form_page("campaigns/ledger_new.html", found, ledger.blank(current_user, found, ledger.read_id(source)))
    typed = request.form
    if typed.get("action") == "search":
        return _form_page("campaigns/ledger_new.html", found, typed)
    try:
        row = ledger.add(current_user, found, typed, clock.today())
    except ValidationFailed as exc:
        db.session.rollback()
        return _form_page("campaigns/ledger_new.html", found, typed, errors=exc.fields, status=400)
    return redirect(url_for("campaigns.ledger_item", round_id=round_id, item_id=row.id, done="added"), code=303)


# --- one item ------------------------------------------------------------------------------------

def _item_page(found, row, *, typed=None, errors=None, fixed_errors=None, fixed_typed=None, status=200):
    today = clock.today()
    return _form_page("campaigns/ledger_item.html", found, typed or ledger.typed_of(row), errors=errors, status=status,
                      item=ledger.row_of(row, today), fixed_note=row.fixed_note or "",
                      has_evidence=bool(row.evidence_key), fixed_errors=fixed_errors or {},
                      fixed_typed=fixed_typed or {"fixed_on": today.isoformat()},
                      done=DONE.get(request.args.get("done", "")))


@bp.route("/<int:round_id>/ledger/<int:item_id>", methods=["GET", "POST"])
@login_required
def ledger_item(round_id: int, item_id: int):
    found = ledger.campaign(current_user, round_id)
    row = ledger.item(current_user, found, item_id)
    if request.method == "GET":
        return _item_page(found, row)
    if request.form.get("action") == "search":
        return _item_page(found, row, typed=request.form)
    try:
        ledger.edit(current_user, found, item_id, request.form, clock.today())
    except ValidationFailed as exc:
        db.session.rollback()
        row = ledger.item(current_user, found, item_id)
        return _item_page(found, row, typed=request.form, errors=exc.fields, status=400)
    return redirect(url_for("campaigns.ledger_item", round_id=round_id, item_id=item_id, done="saved"), code=303)


@bp.post("/<int:round_id>/ledger/<int:item_id>/fixed")
@login_required
def ledger_fixed(round_id: int, item_id: int):
    found = ledger.campaign(current_user, round_id)
    ledger.item(current_user, found, item_id)  # 404 before reading the file
    sent = request.files.get("evidence")
    data = sent.read(EVIDENCE_MAX_BYTES + 1) if sent and sent.filename else None
    try:
        ledger.mark_fixed(current_user, found, item_id, request.form, data, clock.today())
    except ValidationFailed as exc:
        db.session.rollback()
        row = ledger.item(current_user, found, item_id)
        return _item_page(found, row, fixed_errors=exc.fields, fixed_typed=request.form, status=400)
    return redirect(url_for("campaigns.ledger_item", round_id=round_id, item_id=item_id, done="fixed"), code=303)


@bp.get("/<int:round_id>/ledger/<int:item_id>/evidence")
@login_required
def ledger_evidence(round_id: int, item_id: int):
    found = ledger.campaign(current_user, round_id)
    served = ledger.evidence_file(current_user, found, item_id)
    response = send_file(io.BytesIO(served.content), mimetype=served.content_type, download_name=served.download_name,
                         etag=served.etag, as_attachment=served.content_type == "application/pdf")
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Cookie")
    return response
