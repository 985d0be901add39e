"""Bearer tokens for the mini program: issued at login, expiring after a working day."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload

from core.extensions import db
from models import ApiToken, User
from models.types import utcnow
from services.platform import audit


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue(user: User) -> tuple[str, datetime]:
    token = secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(hours=current_app.config["SHOUDI_SESSION_HOURS"])
    db.session.add(ApiToken(user_id=user.id, token_hash=_hash(token), expires_at=expires))
    audit.record(user, "token_issued", "user", user.id)
    return token, expires


# One statement for the token, its user and the user's region (every call scopes by it), built
# once: every API request runs it.
_TOKEN_WITH_USER = (select(ApiToken).where(ApiToken.token_hash == bindparam("token_hash"))
                    .options(joinedload(ApiToken.user).joinedload(User.region)))


def user_for(token: str | None) -> User | None:
    if not token:
        return None
    row = db.session.execute(_TOKEN_WITH_USER, {"token_hash": _hash(token)}).scalar_one_or_none()
    if row is None or row.revoked or row.expires_at <= utcnow() or not row.user.active:
        return None
    return row.user


def revoke(token: str) -> None:
    row = db.session.execute(select(ApiToken).where(ApiToken.token_hash == _hash(token))).scalar_one_or_none()
    if row is not None and not row.revoked:
        row.revoked = True
        audit.record(row.user, "token_revoked", "user", row.user_id)


def revoke_all(user: User, actor: User | None = None) -> int:
    """Every token of the account stops working (logout, a new password, deactivation).
    Returns how many were still valid."""
    revoked = db.session.execute(
        update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked.is_(False))
        .values(revoked=True)).rowcount
    if revoked:
        audit.record(actor, "token_revoked", "user", user.id, f"count={revoked}")
    return revoked
