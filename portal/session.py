"""A staff session lasts a working day but locks after an idle period (phones get lost)."""
from __future__ import annotations

import time

from flask import current_app, jsonify, redirect, request, session, url_for
from flask_login import current_user, logout_user

LAST_SEEN = "last_seen"


def lock_idle_session():
    """Before each request: end a cookie session idle longer than SHOUDI_IDLE_MINUTES."""
    # Static files and the service worker's own background fetch are not the worker's activity.
    # An empty session (the mini program's bearer-token calls, farmers) has nobody to lock, and
    # asking Flask-Login would cost every such request a user lookup's machinery.
    if (request.endpoint in (None, "assets.serve", "field.service_worker") or not session
            or not current_user.is_authenticated):
        return None
    now = int(time.time())
    last = session.get(LAST_SEEN)
    if last is not None and now - int(last) > current_app.config["SHOUDI_IDLE_MINUTES"] * 60:
        logout_user()
        session.clear()
        session["locked"] = True
        if request.path.startswith("/api/"):
            return jsonify({"error": {"code": "locked", "message": "长时间未操作，已锁定，请重新登录",
                                      "fields": {}}}), 401
        return redirect(url_for("portal.login", next=request.full_path if request.method == "GET" else None))
    session.permanent = True
    session[LAST_SEEN] = now
    return None
