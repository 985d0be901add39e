"""The overdue list (逾期): GET /overdue shows, within the person's scope, open cases past their
deadline and those due within three days, and plan measures past their date, 50 rows of each a
page (``?page=N``); POST /overdue/export has a job write the whole list as an .xlsx and sends
the person to the job's page. Filters (village, or county for city and province staff; deadline
kind) travel in the query string and in the pager's links: they are not personal.
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required

from core.clock import today
from portal.office.blueprint import bp
from services.errors import ValidationFailed
from services.reporting import overdue as service, overdue_export


def _filters(args, known: service.Places) -> tuple[service.Filters, dict[str, str]]:
    try:
        return service.parse_filters(current_user, args, known), {}
    except ValidationFailed as exc:
        return service.Filters(), exc.fields


def _url(filters: service.Filters, page: int) -> str:
    args = {**filters.args(), **({"page": str(page)} if page > 1 else {})}
    return url_for("office.overdue") + ("?" + urlencode(args) if args else "")


@bp.route("/overdue")
@login_required
def overdue():
    service.check_role(current_user)
    known = service.places(current_user)
    filters, errors = _filters(request.args, known)
    page, page_error = service.read_page(request.args.get("page"))
    if page_error:
        errors["page"] = page_error
    view = service.build(current_user, today(), filters, page, known)
    args = {k: request.args.get(k, "") for k in ("village", "county", "kind") if request.args.get(k)}
    pager = [(n, _url(filters, n)) for n in view.page_numbers]
    html = render_template("office/overdue.html", view=view, args=args, errors=errors, pager=pager,
                           filter_args=filters.args(), page_size=service.PAGE_SIZE)
    return html, 400 if errors else 200


@bp.route("/overdue/export", methods=["POST"])
@login_required
def overdue_export_start():
    """The whole list, with its filters, as an .xlsx: written by a job, watched on its page."""
    service.check_role(current_user)
    filters, errors = _filters(request.form, service.places(current_user))
    if errors:
        raise ValidationFailed(errors)
    job = overdue_export.start(current_user, today(), filters)
    return redirect(url_for("jobs.page", job_id=job.id), code=303)
