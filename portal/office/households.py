"""The household list (农户台账, /households): GET filters in the query string (non-personal);
POST searches by name or number tail (personal: never in the URL). Rows link to the household
page, where reading the full record is audited; the list shows masked numbers only."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required

from core.clock import today
from core.unit_of_work import keep_on_refusal
from portal.office.blueprint import bp
from services.errors import ValidationFailed
from services.households import register_export, register_jobs, register_list as service


def _url(filters: service.Filters, **extra) -> str:
    args = {**filters.args(), **{k: str(v) for k, v in extra.items()}}
    return url_for("office.households") + ("?" + urlencode(args) if args else "")


@bp.route("/households", methods=["GET", "POST"])
@login_required
def households():
    service.require_list(current_user)
    source = request.form if request.method == "POST" else request.args
    options = service.choices(current_user)
    filters, errors = service.read_filters(options, source)
    page, page_error = service.read_page(source.get("page"))
    if page_error:
        errors["page"] = page_error
    search, text, search_error = None, source.get("q", "") if request.method == "POST" else "", ""
    if request.method == "POST":
        try:
            search = service.read_search(text)
        except ValidationFailed as exc:
            search_error = exc.fields["q"]
    view = service.register_page(current_user, filters, today(), search=search, page=page)
    pager = [(n, _url(filters, page=n) if n > 1 else _url(filters)) for n in view.page_numbers]
    keep_on_refusal()  # a search's audit entry stands even when the page answers 400
    html = render_template("office/households.html", view=view, filters=filters, filter_args=filters.args(),
                           filter_errors=errors, choices=options, search_text=text,
                           search_error=search_error, pager=pager, may_import=register_jobs.may_import(current_user))
    return html, 400 if errors or search_error else 200


@bp.route("/households/export", methods=["POST"])
@login_required
def households_export():
    """The list, with its filters, as an .xlsx in the import's layout: written by a job."""
    filters, _ = service.read_filters(service.choices(current_user), request.form)
    job = register_export.start(current_user, filters, today(), monitored=request.form.get("list") == "monitored")
    return redirect(url_for("jobs.page", job_id=job.id), code=303)
