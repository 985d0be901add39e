"""Staff accounts: creation with role/region checks, login by username or phone with the
lock-out after wrong passwords, password changes and resets, logout and deactivation.

Ending an account's sessions always means both kinds: the web session token is rotated (every
cookie of the account stops working) and every API token is revoked.
"""
from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from core import clock
from core.extensions import db
from domain.enums import ROLE_REGION_LEVELS, Department, Role
from domain.lockout import LoginState, after_failure, is_locked, just_locked
from domain.passwords import password_expired, password_problems
from domain.validation import InvalidPhone, normalize_mobile
from models import Region, User
from models.personal import PHONE, blind_index
from services.accounts import lockout, tokens
from services.accounts.lockout import AccountLocked
from services.demo.data import DEMO_PASSWORD
from services.errors import ValidationFailed
from services.platform import audit
from services.regions import tree

__all__ = ["AccountLocked", "authenticate", "change_password", "create_user", "deactivate",
           "end_sessions", "find_by_login", "log_out", "reset_password", "set_password", "unlock"]

# A password that can never be typed: what a login's password is checked as when what was sent
# cannot even be encoded (a lone surrogate in JSON), so that path costs one hash too.
_UNTYPABLE = "\uffff-untypable-\uffff"
# Letters and digits that cannot be mistaken for each other when read aloud or copied by hand.
_ONE_TIME_ALPHABETS = ("abcdefghijkmnpqrstuvwxyz", "ABCDEFGHJKLMNPQRSTUVWXYZ", "23456789")
ONE_TIME_LENGTH = 12


def _hash(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["SHOUDI_PASSWORD_HASH"])


def _typed(value: object) -> str:
    """What was typed, as text the hash can take; never raises."""
    if not isinstance(value, str):
        return ""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return _UNTYPABLE
    return value


def _check_strength(password: str, username: str) -> None:
    problems = password_problems(password, username)
    if problems:
        raise ValidationFailed({"password": "；".join(problems)})


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    """Checked against when the login name is unknown, so that path costs one hash too."""
    return generate_password_hash("not-a-real-password", method=method)


def create_user(username: str, full_name: str, password: str, role: str, region_code: str,
                department: str | None = None, phone: str | None = None,
                actor: User | None = None, must_change_password: bool = False) -> User:
    """A new staff account. ``must_change_password``: the password was chosen by someone else
    (``flask create-user``, an administrator), so its owner changes it at the first login."""
    errors: dict[str, str] = {}
    username = check_username(username, errors)
    problems = password_problems(password or "", username)
    if problems:
        errors["password"] = "；".join(problems)
    fields = check_fields(full_name, role, tree.resolve_code(region_code or ""), department, phone, errors)
    user = User(username=username, full_name=fields.full_name, role=fields.role.value,
                region=fields.region, department=fields.department,
                password_hash=_hash(password), password_changed_at=clock.now(),
                must_change_password=must_change_password)
    user.phone = fields.phone
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "create", "user", user.id, f"role={user.role}")
    return user


def check_username(username: str, errors: dict[str, str]) -> str:
    """The login name, stripped; a refusal goes into ``errors``."""
    username = (username or "").strip()
    if not username or len(username) > 64:
        errors["username"] = "用户名不能为空，且不超过64个字符"
    elif db.session.execute(select(User.id).where(User.username == username)).first():
        errors["username"] = "该用户名已被使用"
    return username


@dataclass(frozen=True)
class AccountFields:
    full_name: str
    role: Role
    region: Region
    department: str | None
    phone: str | None  # normalised mobile number


def check_fields(full_name: str, role: str, region: Region | None, department: str | None,
                 phone: str | None, errors: dict[str, str], *, account_id: int | None = None) -> AccountFields:
    """The checked fields of an account (``account_id``: the account being changed, whose own
    phone is no clash); raises ``ValidationFailed`` with ``errors`` and any found here."""
    full_name = (full_name or "").strip()
    if not full_name or len(full_name) > 64:
        errors["full_name"] = "姓名不能为空，且不超过64个字符"
    try:
        role_enum = Role(role)
    except ValueError:
        role_enum = None
        errors["role"] = "角色无效，可选：" + "、".join(f"{r.value}（{r.label}）" for r in Role)
    if region is None:
        errors["region"] = "所属区划不存在"
    elif role_enum is not None and region.level_enum not in ROLE_REGION_LEVELS[role_enum]:
        allowed = "或".join(lvl.label for lvl in ROLE_REGION_LEVELS[role_enum])
        errors["region"] = f"{role_enum.label}应绑定到{allowed}级区划"
    if role_enum is Role.DEPARTMENT:
        if department not in Department.codes():
            errors["department"] = "行业部门账号须指定部门：" + "、".join(d.value for d in Department)
    elif department:
        errors["department"] = "只有行业部门账号需要指定部门"
    normalized_phone = None
    if phone:
        try:
            normalized_phone = normalize_mobile(phone)
        except InvalidPhone as exc:
            errors["phone"] = str(exc)
        else:
            clash = select(User.id).where(User.phone_index == blind_index(PHONE, normalized_phone))
            if account_id is not None:
                clash = clash.where(User.id != account_id)
            if db.session.execute(clash).first():
                errors["phone"] = "该手机号已绑定其他账号"
    if errors:
        raise ValidationFailed(errors)
    return AccountFields(full_name, role_enum, region, department or None, normalized_phone)


def find_by_login(login: str) -> User | None:
    """A login name is a username or a mobile number."""
    login = _typed(login).strip()
    if not login or login == _UNTYPABLE or len(login) > 64:
        return None
    user = db.session.execute(select(User).where(User.username == login)).scalar_one_or_none()
    if user is None:
        try:
            phone = normalize_mobile(login)
        except InvalidPhone:
            return None
        user = db.session.execute(select(User).where(
            User.phone_index == blind_index(PHONE, phone))).scalar_one_or_none()
    return user


def authenticate(login: str, password: str, now: datetime | None = None) -> User | None:
    """The account, or None for a wrong login name or password (the same answer, at the same
    cost: one password hash either way). Raises ``AccountLocked`` after too many wrong
    passwords in a row, for unknown login names too. The web and the API both log in here."""
    now = now or clock.now()
    policy = lockout.policy()
    typed = _typed(password)
    user = find_by_login(login)
    if user is None:
        check_password_hash(_dummy_hash(current_app.config["SHOUDI_PASSWORD_HASH"]), typed)
        before = lockout.unknown_state(login)
        if is_locked(before, now):
            audit.record(None, "login_failed", "user", None, "locked")
            raise AccountLocked(before.locked_until, now)
        after = after_failure(before, now, policy)
        lockout.save_unknown(login, after)
        audit.record(None, "login_failed", "user", None)
        if just_locked(before, after):
            audit.record(None, "login_locked", "user", None)
            raise AccountLocked(after.locked_until, now)
        return None
    right = check_password_hash(user.password_hash, typed)
    if is_locked(lockout.state_of(user), now):
        audit.record(user, "login_failed", "user", user.id, "locked")
        raise AccountLocked(user.locked_until, now)
    if not right or not user.active:
        return _count_failure(user, now, policy)
    lockout.store(user, LoginState())
    user.last_login_at = now
    _require_change_if_needed(user, typed, now)
    audit.record(user, "login", "user", user.id)
    return user


def _count_failure(user: User, now: datetime, policy) -> None:
    # Read the count again under a row lock (PostgreSQL), so that tries racing each other all count.
    db.session.flush()  # (a refresh would drop changes not yet sent)
    db.session.refresh(user, attribute_names=["failed_logins", "locked_until"], with_for_update=True)
    before = lockout.state_of(user)
    if is_locked(before, now):
        audit.record(user, "login_failed", "user", user.id, "locked")
        raise AccountLocked(before.locked_until, now)
    after = after_failure(before, now, policy)
    lockout.store(user, after)
    audit.record(user, "login_failed", "user", user.id)
    if just_locked(before, after):
        audit.record(user, "login_locked", "user", user.id, f"failures={after.failures}")
        raise AccountLocked(after.locked_until, now)
    return None


def _require_change_if_needed(user: User, typed: str, now: datetime) -> None:
    """Outside the demo, the demo's published password must go at its first use; and a
    password older than SHOUDI_PASSWORD_MAX_DAYS must be changed (定期更换)."""
    config = current_app.config
    if config["SHOUDI_ENV"] == "production" and hmac.compare_digest(
            typed.encode("utf-8"), DEMO_PASSWORD.encode("utf-8")):
        user.must_change_password = True
    if password_expired(user.password_changed_at or user.created_at, now,
                        config["SHOUDI_PASSWORD_MAX_DAYS"]):
        user.must_change_password = True


def _replace_password(user: User, password: str, now: datetime, *, must_change: bool,
                      actor: User | None) -> None:
    user.password_hash = _hash(password)
    user.password_changed_at = now
    user.must_change_password = must_change
    lockout.store(user, LoginState())
    end_sessions(user, actor)


def change_password(user: User, old_password: str, new_password: str,
                    confirm: str | None = None, now: datetime | None = None) -> None:
    """The owner changes their password (on the page or from the mini program).

    A wrong current password counts as a wrong login: enough of them lock the account and end
    its sessions (someone holding an unlocked phone is guessing). Every other session and API
    token of the account ends; the caller signs the current one in again."""
    now = now or clock.now()
    old_typed, new_typed = _typed(old_password), _typed(new_password)
    if is_locked(lockout.state_of(user), now):
        end_sessions(user, None)
        raise AccountLocked(user.locked_until, now)
    if not old_typed or not check_password_hash(user.password_hash, old_typed):
        try:
            _count_failure(user, now, lockout.policy())
        except AccountLocked:
            end_sessions(user, None)
            raise
        raise ValidationFailed({"old_password": "原密码不正确"})
    errors: dict[str, str] = {}
    problems = password_problems(new_password or "", user.username)
    if problems:
        errors["new_password"] = "；".join(problems)
    elif hmac.compare_digest(new_typed.encode("utf-8"), old_typed.encode("utf-8")):
        errors["new_password"] = "新密码不能与原密码相同"
    elif hmac.compare_digest(new_typed.encode("utf-8"), DEMO_PASSWORD.encode("utf-8")):
        errors["new_password"] = "这是公开的演示密码，请换一个"
    if confirm is not None and not errors and not hmac.compare_digest(
            _typed(confirm).encode("utf-8"), new_typed.encode("utf-8")):
        errors["confirm"] = "两次输入的新密码不一致"
    if errors:
        raise ValidationFailed(errors)
    _replace_password(user, new_password, now, must_change=False, actor=user)
    audit.record(user, "update", "user", user.id, "fields=password")


def set_password(user: User, password: str, actor: User | None = None,
                 must_change: bool = False) -> None:
    """Someone else sets the password (``must_change``: its owner changes it at next login)."""
    _check_strength(password, user.username)
    _replace_password(user, password, clock.now(), must_change=must_change, actor=actor)
    audit.record(actor, "update", "user", user.id, "fields=password")


def one_time_password(username: str = "") -> str:
    """A random password that passes the rule: upper- and lower-case letters and digits."""
    alphabet = "".join(_ONE_TIME_ALPHABETS)
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(ONE_TIME_LENGTH))
        if all(any(c in group for c in candidate) for group in _ONE_TIME_ALPHABETS) \
                and not password_problems(candidate, username):
            return candidate


def reset_password(actor: User | None, user: User) -> str:
    """A forgotten password: a one-time password to hand over, to be changed at the first
    login. The lock is lifted, and every session and token of the account ends."""
    lockout.require_manager(actor, user)
    password = one_time_password(user.username)
    _replace_password(user, password, clock.now(), must_change=True, actor=actor)
    audit.record(actor, "password_reset", "user", user.id)
    return password


def unlock(actor: User | None, user: User) -> None:
    lockout.unlock(actor, user)


def end_sessions(user: User, actor: User | None) -> None:
    """Every web session (all devices, old cookies too) and every API token of the account."""
    user.end_sessions()
    tokens.revoke_all(user, actor)


def deactivate(user: User, actor: User | None = None) -> None:
    user.active = False
    end_sessions(user, actor)
    audit.record(actor, "update", "user", user.id, "fields=active")


def log_out(user: User) -> None:
    """End every session of the account (all devices, the mini program's tokens too), not just
    drop this cookie's id."""
    end_sessions(user, user)
    audit.record(user, "logout", "user", user.id)
