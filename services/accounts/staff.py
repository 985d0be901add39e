"""Account administration (账号管理): the list of staff accounts, creating them one by one or
from a spreadsheet, changing them, switching them off and on, resetting passwords, unlocking.

Admins manage every account of their region, county staff the working accounts of their county
(``domain.staff_accounts``). An account outside that is not found (404), as any object outside a
person's scope. A password set here is a one-time password: shown once, on the answer to the
request that made it, and changed by its owner at the first login.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select

from core import clock
from core.extensions import db
from domain.enums import Department, Role
from domain.head_visits import HeadTitle
from domain.staff_accounts import grantable, manages_accounts, may_grant, own_account_problems
from models import Region, User
from services.accounts import lockout, scoping, users
from services.errors import NotFound, PermissionDenied, ValidationFailed
from services.platform import audit
from services.regions import tree

PAGE_SIZE = 50
STATES = {"active": "在用", "inactive": "已停用", "locked": "已锁定", "must_change": "待首次改密"}
NOT_A_MANAGER = "只有系统管理员和县级工作人员可以管理账号"


def require_manager(actor: User) -> None:
    if not (actor.active and manages_accounts(actor.role_enum)):
        raise PermissionDenied(NOT_A_MANAGER)


def role_choices(actor: User) -> list[tuple[str, str]]:
    return [(role.value, role.label) for role in grantable(actor.role_enum)]


def _managed(actor: User):
    """The accounts this person manages: their region's, of the roles they may grant."""
    allowed = [role.value for role in grantable(actor.role_enum)]
    return scoping.users(actor).where(User.role.in_(allowed))


def account(actor: User, user_id: int) -> User:
    """An account this person manages; NotFound for any other."""
    require_manager(actor)
    found = db.session.execute(_managed(actor).where(User.id == user_id)).scalar_one_or_none()
    if found is None:
        raise NotFound("account not managed by this person")
    return found


# --- the list ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class AccountFilters:
    role: str = ""
    region: str = ""   # a code, an old code, or names ("青山镇/青山村"): that node and below
    state: str = ""    # a key of STATES
    q: str = ""        # part of a name or a login name


@dataclass(frozen=True)
class AccountRow:
    id: int
    username: str
    full_name: str
    role: str
    region: str
    department: str
    phone: str
    state: str
    last_login: str


@dataclass(frozen=True)
class AccountPage:
    rows: list[AccountRow]
    total: int
    page: int
    pages: int
    errors: dict[str, str] = field(default_factory=dict)


def accounts(actor: User, filters: AccountFilters, page: int, now: datetime) -> AccountPage:
    require_manager(actor)
    query, errors = _filtered(actor, filters, now)
    total = db.session.execute(query.with_only_columns(func.count(User.id)).order_by(None)).scalar_one()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    found = db.session.execute(query.order_by(Region.path, User.role, User.username)
                               .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).scalars().all()
    names = _region_names(found)
    return AccountPage([_row(u, names, now) for u in found], total, page, pages, errors)


def _filtered(actor: User, filters: AccountFilters, now: datetime):
    query, errors = _managed(actor), {}
    if filters.role:
        if filters.role not in Role.codes():
            errors["role"] = "请选择列表中的角色"
        else:
            query = query.where(User.role == filters.role)
    if filters.region:
        node = region_for(actor, filters.region)
        if node is None:
            errors["region"] = "没有找到这个区划（可填代码，或“乡镇/村”名称）"
        else:
            query = query.where(Region.path.startswith(node.path, autoescape=True))
    state = filters.state
    if state == "active":
        query = query.where(User.active.is_(True))
    elif state == "inactive":
        query = query.where(User.active.is_(False))
    elif state == "locked":
        query = query.where(User.locked_until > now)
    elif state == "must_change":
        query = query.where(User.must_change_password.is_(True))
    elif state:
        errors["state"] = "请选择列表中的状态"
    text = filters.q.strip()
    if text:
        like = f"%{text[:64]}%"
        query = query.where(or_(User.full_name.like(like, escape="\\"), User.username.like(like, escape="\\")))
    return query, errors


def _region_names(found: list[User]) -> dict[int, str]:
    ids = {i for u in found for i in u.region.ancestor_ids}
    return dict(db.session.execute(select(Region.id, Region.name).where(Region.id.in_(ids))).all()) if ids else {}


def state_of(user: User, now: datetime) -> str:
    if not user.active:
        return STATES["inactive"]
    if user.locked_until is not None and user.locked_until > now:
        return STATES["locked"]
    if user.must_change_password:
        return STATES["must_change"]
    return STATES["active"]


def _row(user: User, names: dict[int, str], now: datetime) -> AccountRow:
    place = " / ".join(names[i] for i in user.region.ancestor_ids[-3:] if i in names)
    return AccountRow(user.id, user.username, user.full_name, user.role_enum.label, place,
                      Department(user.department).label if user.department else "",
                      user.phone_masked or "", state_of(user, now),
                      clock.local_text(user.last_login_at) if user.last_login_at else "从未登录")


# --- region by code or names -------------------------------------------------------------------

def region_for(actor: User, text: str) -> Region | None:
    """A region of this person's area named by its code (an old code too) or by its names from
    the top down, separated by "/" ("青山镇/青山村"); None when there is none, or more than one."""
    text = (text or "").strip().replace("／", "/")
    if not text or len(text) > 200:
        return None
    found = tree.resolve_code(text)
    if found is None and "/" not in text and not text.isascii():
        found = _by_names(actor, [text])
    elif found is None and "/" in text:
        found = _by_names(actor, [part.strip() for part in text.split("/") if part.strip()])
    return found if found is not None and scoping.in_scope(actor, found) else None


def _by_names(actor: User, names: list[str]) -> Region | None:
    if not names:
        return None
    candidates = db.session.execute(scoping.regions(actor).where(Region.name == names[-1]).limit(50)).scalars().all()
    matching = []
    for candidate in candidates:
        chain_names = [r.name for r in tree.chain(candidate)]
        if _in_order(names, chain_names):
            matching.append(candidate)
    return matching[0] if len(matching) == 1 else None


def _in_order(wanted: list[str], chain_names: list[str]) -> bool:
    """The names appear in the chain in this order, the last one being the node itself."""
    if chain_names[-1] != wanted[-1]:
        return False
    position = 0
    for name in wanted[:-1]:
        try:
            position = chain_names.index(name, position) + 1
        except ValueError:
            return False
    return True


# --- creating and changing ---------------------------------------------------------------------

@dataclass(frozen=True)
class AccountInput:
    full_name: str = ""
    username: str = ""
    phone: str = ""
    role: str = ""
    region: str = ""
    department: str = ""
    head_title: str = ""  # 党政主职 of a township (seed 000 遍访): secretary | mayor | ""


def _head_title(data: AccountInput, errors: dict[str, str]) -> str | None:
    """The checked 党政主职 title; a refusal goes into ``errors``."""
    if not data.head_title:
        return None
    if data.head_title not in HeadTitle.codes():
        errors["head_title"] = "请选择列表中的职务"
        return None
    if data.role != Role.TOWNSHIP_STAFF.value:
        errors["head_title"] = "只有乡镇工作人员账号可以设为党政主职（乡镇党委书记或乡镇长）"
        return None
    return data.head_title


def _checked_grant(actor: User, data: AccountInput, errors: dict[str, str]) -> Region | None:
    """The region the new or changed account is bound to, if this person may grant the role
    there; the refusals go into ``errors``."""
    if data.role and data.role in Role.codes() and not may_grant(actor.role_enum, Role(data.role)):
        errors["role"] = f"您不能设置{Role(data.role).label}账号"
    region = region_for(actor, data.region)
    if region is None:
        errors["region"] = "没有找到这个区划，或不在您的管辖范围（可填代码，或“乡镇/村”名称）"
    return region


def create(actor: User, data: AccountInput) -> tuple[User, str]:
    """A new account and its one-time password (to be shown once)."""
    require_manager(actor)
    errors: dict[str, str] = {}
    region = _checked_grant(actor, data, errors)
    head_title = _head_title(data, errors)
    if errors:  # refused before anything is written; the other fields are checked too
        try:
            others: dict[str, str] = {}
            users.check_username(data.username, others)
            users.check_fields(data.full_name, data.role, region, data.department or None, data.phone or None,
                               others)
        except ValidationFailed as exc:
            raise ValidationFailed({**exc.fields, **errors}) from None
        raise ValidationFailed(errors)
    password = users.one_time_password(data.username.strip())
    made = users.create_user(data.username, data.full_name, password, data.role, region.code,
                             data.department or None, data.phone or None, actor=actor, must_change_password=True)
    made.head_title = head_title
    return made, password


def update(actor: User, user_id: int, data: AccountInput) -> User:
    """Name, phone (kept when left empty), role, region and department of an account."""
    user = account(actor, user_id) if user_id != actor.id else _own(actor)
    errors: dict[str, str] = {}
    region = _checked_grant(actor, data, errors)
    head_title = _head_title(data, errors)
    changed = _changes(user, data, region)
    if user.id == actor.id and own_account_problems(changed):
        raise ValidationFailed(own_account_problems(changed))
    fields = users.check_fields(data.full_name, data.role, region, data.department or None,
                                data.phone or None, errors, account_id=user.id)
    user.full_name, user.role, user.region = fields.full_name, fields.role.value, fields.region
    user.department = fields.department
    user.head_title = head_title
    if fields.phone:
        user.phone = fields.phone
    if changed:
        audit.record(actor, "update", "user", user.id, "fields=" + ",".join(sorted(changed)))
    if changed & {"role", "region", "department"}:
        users.end_sessions(user, actor)  # what they may see changed: they log in again
    return user


def _own(actor: User) -> User:
    require_manager(actor)
    return actor


def _changes(user: User, data: AccountInput, region: Region | None) -> set[str]:
    changed = set()
    if data.full_name.strip() != user.full_name:
        changed.add("full_name")
    if data.role != user.role:
        changed.add("role")
    if region is not None and region.id != user.region_id:
        changed.add("region")
    if (data.department or None) != user.department:
        changed.add("department")
    if data.phone.strip():
        changed.add("phone")
    if (data.head_title or None) != user.head_title:
        changed.add("head_title")
    return changed


def set_active(actor: User, user_id: int, active: bool) -> User:
    if user_id == actor.id:
        require_manager(actor)
        raise ValidationFailed(own_account_problems({"active"}))
    user = account(actor, user_id)
    if user.active == active:
        return user
    if active:
        user.active = True
        audit.record(actor, "update", "user", user.id, "fields=active")
    else:
        users.deactivate(user, actor)
    return user


def reset_password(actor: User, user_id: int) -> tuple[User, str]:
    user = account(actor, user_id)
    return user, users.reset_password(actor, user)


def unlock(actor: User, user_id: int) -> User:
    user = account(actor, user_id)
    lockout.unlock(actor, user)
    return user
