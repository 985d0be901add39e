"""A staff session lasts a working day at most, and locks sooner after an idle period (phones
get lost). GB/T 22239-2019 身份鉴别 b): 结束会话 … 当登录连接超时自动退出.

- Absolute lifetime: the signed session cookie records when the login happened (``BEGAN``);
  after ``SHOUDI_SESSION_HOURS`` the session ends however busy it was.
- Idle lock: after ``SHOUDI_IDLE_MINUTES`` without a request the session ends.
- A password someone else chose (a new account, a reset, the demo's published one outside the
  demo) must be changed first: every page leads to 修改密码 until it is.
"""
from __future__ import annotations

from flask import current_app, jsonify, redirect, request, session, url_for
from flask_login import current_user, logout_user

from core import clock

LAST_SEEN = "last_seen"
BEGAN = "began"
# What the login page says after a session was ended here (the session keeps only this word).
ENDED = "locked"
IDLE, EXPIRED = "idle", "expired"

# Requests that are not the worker's activity: static files, the service worker's own fetch.
_PASSIVE = (None, "assets.serve", "field.service_worker")
# What a user who must change their password can still reach.
_DURING_PASSWORD_CHANGE = frozenset(_PASSIVE) | {"portal.change_password", "portal.logout"}


def _now() -> int:
    return int(clock.now().timestamp())


def begin_session() -> None:
    """At login: the moment the working day's session starts."""
    now = _now()
    session.permanent = True
    session[BEGAN] = now
    session[LAST_SEEN] = now


def expired_message() -> str:
    return f"本次登录已满{current_app.config['SHOUDI_SESSION_HOURS']}小时，请重新登录"


def _end(reason: str):
    logout_user()
    session.clear()
    session[ENDED] = reason
    if request.path.startswith("/api/"):
        code, message = (("session_expired", expired_message()) if reason == EXPIRED
                         else ("locked", "长时间未操作，已锁定，请重新登录"))
        return jsonify({"error": {"code": code, "message": message, "fields": {}}}), 401
    return redirect(url_for("portal.login", next=request.full_path if request.method == "GET" else None))


def lock_idle_session():
    """Before each request: end a cookie session past its working day or idle too long."""
    # An empty session (the mini program's bearer-token calls, farmers) has nobody to lock, and
    # asking Flask-Login would cost every such request a user lookup's machinery.
    if request.endpoint in _PASSIVE or not session or not current_user.is_authenticated:
        return None
    now = _now()
    began = session.get(BEGAN)
    # A session without its start (made before this rule existed) is treated as expired.
    if not isinstance(began, int) or now - began >= current_app.config["SHOUDI_SESSION_HOURS"] * 3600:
        return _end(EXPIRED)
    last = session.get(LAST_SEEN)
    if isinstance(last, int) and now - last > current_app.config["SHOUDI_IDLE_MINUTES"] * 60:
        return _end(IDLE)
    session.permanent = True
    session[LAST_SEEN] = now
    return None


def require_password_change():
    """Before each page request: a password someone else chose is changed before anything else.
    (The API answers 403 ``password_change_required`` itself: api/registry.py.)"""
    if (request.endpoint in _DURING_PASSWORD_CHANGE or request.path.startswith("/api/")
            or not session or not current_user.is_authenticated
            or not current_user.must_change_password):
        return None
    return redirect(url_for("portal.change_password"))
