"""Account lock-out after wrong passwords (the rule is domain/lockout.py), and unlocking.

An account's count and lock live on its row (``failed_logins``, ``locked_until``), so the web
login and the API login count together. A login name that matches no account locks the same
way, after the same number of tries, with the same words and ``Retry-After``: otherwise the
lock would tell a guesser which names (and which phone numbers) are accounts. Those phantom
counts are kept in the rate limiter's storage (Redis in production), under a keyed hash of the
name; they vanish a day after the last try.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from flask import current_app

from core.clock import WORK_TZ
from core.extensions import limiter
from core.ratelimit import login_name_digest
from domain.lockout import LockoutPolicy, LoginState, lock_message, seconds_left
from domain.staff_accounts import may_grant
from models import User
from services.accounts import scoping
from services.errors import PermissionDenied
from services.platform import audit

log = logging.getLogger(__name__)

_UNKNOWN_KEEP_SECONDS = 24 * 3600
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)  # the lock's end is kept as microseconds since


class AccountLocked(Exception):
    """Refused: too many wrong passwords. ``message`` says when to try again (Chinese)."""

    def __init__(self, until: datetime, now: datetime):
        self.until = until
        self.retry_after = seconds_left(until, now)
        self.message = lock_message(until.astimezone(WORK_TZ), now.astimezone(WORK_TZ))
        super().__init__(self.message)


def policy() -> LockoutPolicy:
    config = current_app.config
    return LockoutPolicy(max_failures=config["SHOUDI_LOGIN_MAX_FAILURES"],
                         lock_minutes=config["SHOUDI_LOGIN_LOCK_MINUTES"])


def state_of(user: User) -> LoginState:
    return LoginState(user.failed_logins or 0, user.locked_until)


def store(user: User, state: LoginState) -> None:
    if (user.failed_logins, user.locked_until) != (state.failures, state.locked_until):
        user.failed_logins, user.locked_until = state.failures, state.locked_until


# --- login names that are no account -----------------------------------------------------------

def _keys(login: object) -> tuple[str, str]:
    digest = login_name_digest(login)
    return f"shoudi/unknown-login/{digest}/failures", f"shoudi/unknown-login/{digest}/until"


def unknown_state(login: object) -> LoginState:
    failures_key, until_key = _keys(login)
    try:
        failures = limiter.storage.get(failures_key)
        until = limiter.storage.get(until_key)
    except Exception:  # the storage is down: nothing to mirror, and no reason to fail the login
        log.warning("lock-out storage unreachable; unknown login names are not counted")
        return LoginState()
    return LoginState(int(failures or 0), _EPOCH + timedelta(microseconds=int(until)) if until else None)


def save_unknown(login: object, state: LoginState) -> None:
    failures_key, until_key = _keys(login)
    try:
        storage = limiter.storage
        storage.clear(failures_key)
        storage.clear(until_key)
        # Both keys are written together with the same expiry, so they also vanish together.
        if state.failures:
            storage.incr(failures_key, _UNKNOWN_KEEP_SECONDS, amount=state.failures)
        if state.locked_until is not None:
            storage.incr(until_key, _UNKNOWN_KEEP_SECONDS,
                         amount=(state.locked_until - _EPOCH) // timedelta(microseconds=1))
    except Exception:
        log.warning("lock-out storage unreachable; unknown login names are not counted")


# --- unlocking ---------------------------------------------------------------------------------

def may_manage(actor: User, user: User) -> bool:
    """Admins manage the accounts of their region; county staff the working accounts of their
    county (``domain.staff_accounts``)."""
    if not actor.active or not may_grant(actor.role_enum, user.role_enum):
        return False
    return scoping.in_scope(actor, user.region)


def require_manager(actor: User | None, user: User) -> None:
    """``actor`` None is the server's operator at the command line."""
    if actor is not None and not may_manage(actor, user):
        raise PermissionDenied("只有系统管理员和本县的县级工作人员可以管理本辖区的账号")


def unlock(actor: User | None, user: User) -> None:
    """Lift a lock and start the count again."""
    require_manager(actor, user)
    store(user, LoginState())
    audit.record(actor, "unlock", "user", user.id)
