"""Staff accounts: creation with role/region checks, and login by username or phone."""
from __future__ import annotations

from functools import lru_cache

from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from core.extensions import db
from domain.enums import ROLE_REGION_LEVELS, Department, Role
from domain.validation import InvalidPhone, normalize_mobile
from models import User
from models.personal import PHONE, blind_index
from models.types import utcnow
from services.errors import ValidationFailed
from services.platform import audit
from services.regions import tree

MIN_PASSWORD_LENGTH = 8


def _hash(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["SHOUDI_PASSWORD_HASH"])


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    """Checked against when the login name is unknown, so that path costs one hash too."""
    return generate_password_hash("not-a-real-password", method=method)


def create_user(username: str, full_name: str, password: str, role: str, region_code: str,
                department: str | None = None, phone: str | None = None,
                actor: User | None = None) -> User:
    errors: dict[str, str] = {}
    username = (username or "").strip()
    if not username or len(username) > 64:
        errors["username"] = "用户名不能为空，且不超过64个字符"
    elif db.session.execute(select(User.id).where(User.username == username)).first():
        errors["username"] = "该用户名已被使用"
    if not (full_name or "").strip():
        errors["full_name"] = "姓名不能为空"
    if len(password or "") < MIN_PASSWORD_LENGTH:
        errors["password"] = f"密码至少{MIN_PASSWORD_LENGTH}位"
    try:
        role_enum = Role(role)
    except ValueError:
        role_enum = None
        errors["role"] = "角色无效，可选：" + "、".join(f"{r.value}（{r.label}）" for r in Role)
    region = tree.resolve_code(region_code or "")
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
            if db.session.execute(select(User.id).where(
                    User.phone_index == blind_index(PHONE, normalized_phone))).first():
                errors["phone"] = "该手机号已绑定其他账号"
    if errors:
        raise ValidationFailed(errors)
    user = User(username=username, full_name=full_name.strip(), role=role_enum.value,
                region=region, department=department or None,
                password_hash=_hash(password))
    user.phone = normalized_phone
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "create", "user", user.id, f"role={user.role}")
    return user


def find_by_login(login: str) -> User | None:
    """A login name is a username or a mobile number."""
    login = (login or "").strip()
    if not login:
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


def authenticate(login: str, password: str) -> User | None:
    user = find_by_login(login)
    if user is None:
        check_password_hash(_dummy_hash(current_app.config["SHOUDI_PASSWORD_HASH"]), password or "")
        audit.record(None, "login_failed", "user", None)
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        audit.record(user, "login_failed", "user", user.id)
        return None
    user.last_login_at = utcnow()
    audit.record(user, "login", "user", user.id)
    return user


def set_password(user: User, password: str, actor: User | None = None) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationFailed({"password": f"密码至少{MIN_PASSWORD_LENGTH}位"})
    user.password_hash = _hash(password)
    user.end_sessions()
    audit.record(actor, "update", "user", user.id, "fields=password")


def deactivate(user: User, actor: User | None = None) -> None:
    user.active = False
    user.end_sessions()
    audit.record(actor, "update", "user", user.id, "fields=active")


def log_out(user: User) -> None:
    """End every session of the account (all devices), not just drop this cookie's id."""
    user.end_sessions()
    audit.record(user, "logout", "user", user.id)
