"""Who is calling: a bearer token (the mini program), or the staff session cookie from the H5 pages.

The API is exempt from CSRF, so a cookie alone is not enough: the H5 client also sends
``X-Shoudi-Client: h5``. A cross-site HTML form cannot set a header, and a cross-site script
cannot send one without a CORS preflight, which this app never grants.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask import g, request
from flask_login import current_user

from api.errors import unauthorized
from services.accounts import tokens

if TYPE_CHECKING:
    from models import User

CLIENT_HEADER = "X-Shoudi-Client"
CLIENT_H5 = "h5"


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer`` header; "" when the header is malformed."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def require_user() -> User:
    """The calling user, or a 401. A request with an Authorization header is judged on it alone."""
    token = bearer_token()
    if token is not None:
        user = tokens.user_for(token) if token else None
        if user is None:
            raise unauthorized()
        g.api_token = token
        return user
    if request.headers.get(CLIENT_HEADER) == CLIENT_H5 and current_user.is_authenticated:
        return current_user._get_current_object()
    raise unauthorized()


def used_token() -> str | None:
    """The bearer token this request was authenticated with (None for the cookie)."""
    return g.get("api_token")
