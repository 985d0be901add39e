"""The dashboard (统计): GET /dashboard shows the person's scope in figures, tables and inline
SVG charts (no script); GET /dashboard.csv downloads the same tables. Aggregates only: no
household or person appears on either."""
from __future__ import annotations

from flask import Response, render_template
from flask_login import current_user, login_required
from markupsafe import Markup

from core.clock import today
from portal.office import charts
from portal.office.blueprint import bp
from services.reporting import dashboard as service
from services.reporting.dashboard import Table


def chart(table: Table) -> Markup:
    """A table's chart as inline SVG: one line per column for the trend, else bars of the first
    number column."""
    if table.months:
        # Month numbers on the axis and the year under January (twelve months hold exactly one).
        short = [f"{d.month}\n{d.year}年" if d.month == 1 else str(d.month) for d in table.months]
        series = [(name, [row[i] for row in table.rows]) for i, name in enumerate(table.columns[1:], start=1)]
        return Markup(charts.line_chart(table.title, short, series, full_names=[row[0] for row in table.rows]))
    return Markup(charts.bar_chart(table.title, [(row[0], row[1]) for row in table.rows]))


@bp.route("/dashboard")
@login_required
def dashboard():
    board = service.build(current_user, today())
    return render_template("office/dashboard.html", board=board, svg={t.key: chart(t) for t in board.tables})


@bp.route("/dashboard.csv")
@login_required
def dashboard_csv():
    day = today()
    return Response(service.export(current_user, day), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="dashboard-{day.isoformat()}.csv"'})
