"""The triage inbox (线索受理): GET /inbox lists, filters in the query string (non-personal);
POST /inbox searches (the terms are personal data, so they never travel in the URL);
POST /inbox/assign gives the ticked cases to one verifier; POST /inbox/merge merges a duplicate.

A refused or invalid action shows the inbox again with the reasons, the ticks and the picked
verifier kept. Bulk assignment is all or nothing: one transaction per request.
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required

from core.clock import today
from core.extensions import db
from core.unit_of_work import keep_on_refusal
from domain.workflow import Action, TransitionRefused
from domain import numbers
from portal.office.blueprint import bp
from services.errors import ValidationFailed
from services.identification import inbox as service, inbox_actions as actions

_DONE = {"assigned", "merged"}


def _inbox_url(filters: service.Filters, **extra) -> str:
    args = {**filters.args(), **{k: str(v) for k, v in extra.items()}}
    return url_for("office.inbox") + ("?" + urlencode(args) if args else "")


def _render(filters: service.Filters, filter_errors: dict, *, search: service.Search | None = None,
            search_text: str = "", search_error: str = "", page: int = 1, selected: tuple = (),
            assignee: str = "", assign_errors: dict | None = None, refusals: list | None = None,
            merge_refused: tuple = (), merge_case: str = "", status: int = 200):
    day = today()
    view = service.inbox(current_user, filters, day, search=search, page=page)
    pager = [(n, _inbox_url(filters, page=n) if n > 1 else _inbox_url(filters)) for n in view.page_numbers]
    html = render_template(
        "office/inbox.html", view=view, filters=filters, filter_args=filters.args(),
        filter_errors=filter_errors, choices=service.filter_choices(current_user),
        verifiers=actions.verifier_choices(current_user, filters),
        may_assign=service.may_assign(current_user), search_text=search_text,
        search_error=search_error, pager=pager, selected={str(s) for s in selected},
        assignee=assignee, assign_errors=assign_errors or {}, refusals=refusals or [],
        merge_refused=merge_refused, merge_case=merge_case, done=_done_message(), today=day)
    keep_on_refusal()  # the audit entry of a search stands even when the answer is a refusal
    return html, status


def _done_message() -> str:
    done = request.args.get("done", "")
    number = request.args.get("n", "")
    into = request.args.get("into", "")
    if done not in _DONE or not numbers.is_digits(number):
        return ""
    if done == "assigned":
        return f"已为 {number} 件案件指派核实人。"
    return f"案件 {number} 已合并到案件 {into}。" if numbers.is_digits(into) else ""


@bp.route("/inbox", methods=["GET", "POST"])
@login_required
def inbox():
    service.require_desk(current_user)
    source = request.form if request.method == "POST" else request.args
    filters, errors = service.read_filters(current_user, source)
    page, page_error = service.read_page(source.get("page"))
    if page_error:
        errors["page"] = page_error
    if request.method == "GET":
        return _render(filters, errors, page=page, status=400 if errors else 200)
    text = source.get("q", "")
    try:
        search = service.read_search(text)
    except ValidationFailed as exc:
        return _render(filters, errors, search_text=text, search_error=exc.fields["q"], page=page, status=400)
    return _render(filters, errors, search=search, search_text=text, page=page,
                   status=400 if errors else 200)


@bp.route("/inbox/assign", methods=["POST"])
@login_required
def inbox_assign():
    actions.ensure_turn(current_user, Action.ASSIGN_VERIFIER)  # 409 for another role, before any input
    filters, errors = service.read_filters(current_user, request.form)
    ticked = tuple(request.form.getlist("case_id"))
    assignee = request.form.get("assignee_id", "").strip()
    try:
        case_ids = actions.read_case_ids(list(ticked))
        assignee_id = numbers.whole(assignee, low=1)
        if assignee and assignee_id is None:
            raise ValidationFailed({"assignee_id": "所选核实人无效"})
        result = actions.assign_verifiers(current_user, case_ids, assignee_id, today=today())
    except ValidationFailed as exc:
        db.session.rollback()
        return _render(filters, errors, selected=ticked, assignee=assignee, assign_errors=exc.fields, status=400)
    except actions.BulkRefused as exc:
        db.session.rollback()
        return _render(filters, errors, selected=ticked, assignee=assignee, refusals=exc.refusals,
                       status=409 if exc.conflict else 400)
    return redirect(_inbox_url(filters, done="assigned", n=len(result.assigned) + len(result.unchanged)))


@bp.route("/inbox/merge", methods=["POST"])
@login_required
def inbox_merge():
    actions.ensure_turn(current_user, Action.MERGE)  # 409 for another role, before any input
    filters, errors = service.read_filters(current_user, request.form)
    case_id = request.form.get("case_id", "").strip()
    target = request.form.get("target_case_id", "").strip()
    if not numbers.is_digits(case_id):
        return _render(filters, errors, merge_refused=("请选择要合并的案件",), status=400)
    if not numbers.is_digits(target):
        return _render(filters, errors, merge_refused=("请选择要合并到的案件",), merge_case=case_id, status=400)
    try:
        actions.merge(current_user, int(case_id), int(target), today=today())
    except ValidationFailed as exc:
        db.session.rollback()
        return _render(filters, errors, merge_refused=tuple(exc.fields.values()), merge_case=case_id, status=400)
    except TransitionRefused as exc:
        db.session.rollback()
        return _render(filters, errors, merge_refused=exc.reasons, merge_case=case_id, status=409)
    return redirect(_inbox_url(filters, done="merged", n=case_id, into=target))
