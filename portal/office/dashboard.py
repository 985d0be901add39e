"""The dashboard (统计): GET /dashboard shows the person's scope in figures, tables and inline
SVG charts (no script); GET /dashboard.csv downloads the same tables. Aggregates only: no
household or person appears on either."""
from __future__ import annotations

from flask import Response, render_template
from flask_login import current_user, login_required

from core.clock import today
from portal.office.blueprint import bp
from services.reporting import dashboard as service


@bp.route("/dashboard")
@login_required
def dashboard():
    return render_template("office/dashboard.html", board=service.build(current_user, today()))


@bp.route("/dashboard.csv")
@login_required
def dashboard_csv():
    day = today()
    return Response(service.export(current_user, day), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="dashboard-{day.isoformat()}.csv"'})
