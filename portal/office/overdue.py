"""The overdue list (逾期): GET /overdue shows, within the person's scope, open cases past their
deadline and those due within three days, and plan measures past their date; GET /overdue.csv
downloads the same rows for Excel. Filters (village, or county for city and province staff; deadline kind) travel in the query string:
they are not personal.
"""
from __future__ import annotations

from flask import Response, render_template, request
from flask_login import current_user, login_required

from core.clock import today
from portal.office.blueprint import bp
from services.errors import ValidationFailed
from services.reporting import overdue as service


def _filters() -> tuple[service.Filters, dict[str, str]]:
    try:
        return service.parse_filters(current_user, request.args), {}
    except ValidationFailed as exc:
        return service.Filters(), exc.fields


@bp.route("/overdue")
@login_required
def overdue():
    filters, errors = _filters()
    view = service.build(current_user, today(), filters)
    args = {k: request.args.get(k, "") for k in ("village", "county", "kind") if request.args.get(k)}
    html = render_template("office/overdue.html", view=view, args=args, errors=errors)
    return html, 400 if errors else 200


@bp.route("/overdue.csv")
@login_required
def overdue_csv():
    filters, errors = _filters()
    if errors:
        raise ValidationFailed(errors)
    day = today()
    body = service.export(current_user, day, filters)
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="overdue-{day.isoformat()}.csv"'})
