"""Who may manage which staff account, and what nobody may do to their own.

等保 2.0 (GB/T 22239-2019, 8.1.4.2 访问控制) asks that accounts be given "最小权限" and that
administrators' rights be separated; the issue's rule for this system: admins manage every
account of their region; county staff manage the working accounts of their county (not
administrators, auditors, or staff above the county); and nobody raises their own role, widens
their own region or switches off their own account.
"""
from __future__ import annotations

from domain.enums import Role

# The roles a county's staff hand out to the people working in the county.
COUNTY_GRANTS = frozenset({Role.GRID_WORKER, Role.PAIR_CADRE, Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF,
                           Role.COUNTY_STAFF, Role.DEPARTMENT})

GRANTS: dict[Role, frozenset[Role]] = {
    Role.ADMIN: frozenset(Role),
    Role.COUNTY_STAFF: COUNTY_GRANTS,
}

# Fields of an account its owner may not change themselves (the password has its own page).
GUARDED_OWN_FIELDS = {"role": "不能修改自己的角色", "region": "不能修改自己的所属区划",
                      "department": "不能修改自己的部门", "head_title": "不能修改自己的职务",
                      "active": "不能停用自己的账号"}


def manages_accounts(role: Role) -> bool:
    return role in GRANTS


def may_grant(manager: Role, role: Role) -> bool:
    """Whether a ``manager`` may create, change or look after an account with ``role``."""
    return role in GRANTS.get(manager, frozenset())


def grantable(manager: Role) -> list[Role]:
    """The roles a manager may choose from, in the enum's order."""
    allowed = GRANTS.get(manager, frozenset())
    return [role for role in Role if role in allowed]


def own_account_problems(changed: set[str]) -> dict[str, str]:
    """The refusals for changes a person tries on their own account, by field."""
    return {name: message for name, message in GUARDED_OWN_FIELDS.items() if name in changed}
