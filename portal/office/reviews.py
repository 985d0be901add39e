"""复核申请: GET /reviews lists the open re-review requests of farmers' refused cases in the
person's area (township staff decide them on the case page; county staff watch their
townships), soonest deadline first, overdue ones marked. Other roles are refused (403)."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from core.clock import today
from portal.office.blueprint import bp
from services.farmer import reviews as service


@bp.route("/reviews")
@login_required
def reviews():
    rows = service.open_in_scope(current_user, today())
    return render_template("office/reviews.html", rows=rows, today=today())


@bp.app_template_global()
def open_review_count() -> int:
    """For the inbox's link to /reviews: open requests in the person's area (0 for other roles)."""
    if not current_user.is_authenticated:
        return 0
    return service.count_open(current_user)
