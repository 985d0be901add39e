"""纳入2年以上未消除风险的分析名单 (seed 000): the cases the quarterly evaluation must analyse."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from core.clock import today
from portal.office.blueprint import bp
from services.regions import settings
from services.reporting import unresolved


@bp.route("/unresolved")
@login_required
def unresolved_list():
    day = today()
    rows = unresolved.long_unresolved(current_user, day)
    years = settings.policy_for(current_user.region).unresolved_years
    return render_template("office/unresolved.html", rows=rows, years=years, today=day.isoformat())
