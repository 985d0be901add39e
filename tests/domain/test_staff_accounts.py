"""Who may manage which account, and what nobody may change on their own."""
from __future__ import annotations

from domain.enums import Role
from domain.staff_accounts import grantable, manages_accounts, may_grant, own_account_problems


def test_admins_grant_every_role_county_staff_only_the_county_working_roles():
    assert grantable(Role.ADMIN) == list(Role)
    assert set(grantable(Role.COUNTY_STAFF)) == {Role.GRID_WORKER, Role.PAIR_CADRE, Role.VILLAGE_STAFF,
                                                 Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF, Role.DEPARTMENT}
    for role in (Role.ADMIN, Role.AUDITOR, Role.CITY_STAFF, Role.PROVINCE_STAFF):
        assert not may_grant(Role.COUNTY_STAFF, role)


def test_nobody_else_manages_accounts():
    for role in set(Role) - {Role.ADMIN, Role.COUNTY_STAFF}:
        assert not manages_accounts(role) and grantable(role) == []
        assert not may_grant(role, Role.GRID_WORKER)


def test_own_role_region_department_and_switch_are_refused_name_and_phone_are_not():
    assert own_account_problems({"full_name", "phone"}) == {}
    assert set(own_account_problems({"role", "region", "department", "active", "phone"})) == {
        "role", "region", "department", "active"}
