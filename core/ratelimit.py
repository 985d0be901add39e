"""Rate-limit keys for the login routes, and ``Retry-After`` on every 429.

A county office, a township's staff or a whole village may reach the server through one
address (carrier NAT), so the login limits count failed logins per address *and login name*:
one person's typing mistakes never hold up a colleague. A ceiling per address over all names
(shared by the web and the API login) still stops one address from trying many accounts.

The login name is kept in the limiter's storage (Redis in production) only as a keyed hash:
people type phone numbers there.
"""
from __future__ import annotations

import hashlib
import hmac
import time

from flask import current_app, request
from flask_limiter.util import get_remote_address

from core.extensions import limiter
from domain.validation import InvalidPhone, normalize_mobile

LOGIN_ADDRESS_SCOPE = "login-address"


def login_name_digest(login: object) -> str:
    """A stable, keyed digest of what was typed as the login name (a phone in any of its usual
    spellings gives one digest; letters are compared without regard to case)."""
    text = login.strip() if isinstance(login, str) else ""
    try:
        text = "phone:" + normalize_mobile(text)
    except (InvalidPhone, ValueError, TypeError):
        text = "name:" + text.lower()
    key = str(current_app.config["SECRET_KEY"]).encode()
    raw = text.encode("utf-8", "surrogatepass")
    return hmac.new(key, b"login-name\x00" + raw, hashlib.sha256).hexdigest()[:32]


def _typed_login() -> object:
    if request.is_json:
        body = request.get_json(silent=True)
        return body.get("login") if isinstance(body, dict) else None
    return request.form.get("login")


def address() -> str:
    return get_remote_address() or "unknown"


def address_and_login() -> str:
    """The key of the per-person limit: client address and the login name typed."""
    return f"{address()}|{login_name_digest(_typed_login())}"


def failed(response) -> bool:
    """Only refused logins count against the login limits."""
    return response.status_code >= 400


def login_rate_limit() -> str:
    return current_app.config["SHOUDI_LOGIN_RATE_LIMIT"]


def login_address_limit() -> str:
    return current_app.config["SHOUDI_LOGIN_ADDRESS_LIMIT"]


def retry_after_seconds() -> int | None:
    """Seconds until the limit this request broke lets a request through again."""
    breached = limiter.current_limit
    if breached is None:
        return None
    try:
        reset_at = breached.reset_at
    except Exception:  # the storage went away: say something sensible rather than fail
        return 60
    return max(1, int(reset_at - time.time()))


def add_retry_after(response):
    """After each request: a 429 without ``Retry-After`` gets one from the broken limit."""
    if response.status_code == 429 and "Retry-After" not in response.headers:
        seconds = retry_after_seconds()
        response.headers["Retry-After"] = str(seconds if seconds is not None else 60)
    return response
