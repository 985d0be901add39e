"""The notification centre (消息): GET /notifications lists the person's own notifications,
unread first; POST marks one read (and may open its case) or marks them all read.

Every logged-in staff member has one. Another person's notification is 404, like an id that
does not exist.
"""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required

from domain import numbers
from portal.office.blueprint import bp
from services.notifications import centre as service


def _page() -> int:
    raw = request.args.get("page", "1")
    return numbers.whole(raw, low=1, high=999_999) or 1


@bp.route("/notifications")
@login_required
def notifications():
    view = service.centre(current_user, _page())
    return render_template("office/notifications.html", view=view, done=request.args.get("done", ""))


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@login_required
def notification_read(notification_id: int):
    """Mark read; with ``open=1`` go on to the case the notification is about."""
    found = service.mark_read(current_user, notification_id)
    case_id = found.case_id
    if request.form.get("open") == "1" and case_id is not None:
        return redirect(url_for("office.case", case_id=case_id))
    return redirect(url_for("office.notifications", page=_page()))


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def notifications_read_all():
    service.mark_all_read(current_user)
    return redirect(url_for("office.notifications", done="all"))
