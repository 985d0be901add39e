"""Lock-out after wrong passwords (domain/lockout.py), counted on the account's row, the same for
names that are no account, and lifted by an administrator, county staff or `flask unlock-user`."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from core import clock
from core.extensions import db
from factories import PASSWORD, build_world
from models import AuditLog, User
from services.accounts import users
from services.errors import PermissionDenied
from services.regions import tree
from domain.enums import RegionLevel

WRONG = "Wrong-password-1"


@pytest.fixture
def world(app):
    made = build_world()
    db.session.commit()
    return made


def _fail(login: str, times: int, now=None) -> None:
    for _ in range(times):
        assert users.authenticate(login, WRONG, now=now) is None


def _account(name: str) -> User:
    return db.session.execute(select(User).where(User.username == name)).scalar_one()


def _locked_after_five(login: str, now=None) -> users.AccountLocked:
    _fail(login, 4, now)
    with pytest.raises(users.AccountLocked) as info:
        users.authenticate(login, WRONG, now=now)
    return info.value


def test_five_wrong_passwords_lock_for_thirty_minutes(world):
    now = clock.now()
    locked = _locked_after_five("village_a", now)

    account = _account("village_a")
    assert account.failed_logins == 5
    assert account.locked_until == now + timedelta(minutes=30)
    assert locked.retry_after == 1800
    assert "锁定" in locked.message and "以后再试" in locked.message


def test_while_locked_even_the_right_password_is_refused(world):
    now = clock.now()
    _locked_after_five("village_a", now)
    with pytest.raises(users.AccountLocked) as info:
        users.authenticate("village_a", PASSWORD, now=now + timedelta(minutes=29))
    assert info.value.retry_after == 60
    assert _account("village_a").locked_until == now + timedelta(minutes=30)  # not lengthened


def test_after_the_lock_the_right_password_works_and_clears_the_count(world):
    now = clock.now()
    _locked_after_five("village_a", now)
    user = users.authenticate("village_a", PASSWORD, now=now + timedelta(minutes=30))
    assert user is not None
    assert (user.failed_logins, user.locked_until) == (0, None)


def test_a_success_starts_the_count_again(world):
    _fail("village_a", 4)
    assert users.authenticate("village_a", PASSWORD) is not None
    _fail("village_a", 4)
    assert users.authenticate("village_a", PASSWORD) is not None  # 8 failures, never 5 in a row


def test_the_phone_number_and_the_username_count_together(world):
    users.create_user("li", "李娟", PASSWORD, "grid_worker", "A1", phone="13912345678")
    _fail("li", 2)
    _fail("139 1234 5678", 2)
    with pytest.raises(users.AccountLocked):
        users.authenticate("+86 139-1234-5678", WRONG)


def test_an_unknown_name_locks_exactly_like_an_account(world):
    now = clock.now()
    real = _locked_after_five("village_a", now)
    phantom = _locked_after_five("nobody-here", now)
    assert (phantom.message, phantom.retry_after) == (real.message, real.retry_after)
    with pytest.raises(users.AccountLocked):
        users.authenticate("nobody-here", WRONG, now=now + timedelta(minutes=29))
    assert users.authenticate("nobody-here", WRONG, now=now + timedelta(minutes=30)) is None


def test_one_locked_account_leaves_the_others_alone(world):
    _locked_after_five("village_a")
    assert users.authenticate("village_b", PASSWORD) is not None


def test_an_inactive_account_counts_like_any_other(world):
    _account("village_a").active = False
    _fail("village_a", 4)
    with pytest.raises(users.AccountLocked):
        users.authenticate("village_a", PASSWORD)  # the right password of a closed account


def test_failures_and_locks_are_audited_without_what_was_typed(world):
    _locked_after_five("village_a")
    _locked_after_five("13700001234")
    db.session.flush()
    rows = db.session.execute(select(AuditLog).order_by(AuditLog.id)).scalars().all()
    actions = [(r.action, r.user_id is not None) for r in rows if r.action.startswith("login")]
    assert actions.count(("login_failed", True)) == 5 and actions.count(("login_locked", True)) == 1
    assert actions.count(("login_failed", False)) == 5 and actions.count(("login_locked", False)) == 1
    for row in rows:
        values = " ".join(str(getattr(row, c.key)) for c in row.__table__.columns)
        assert WRONG not in values and "13700001234" not in values


@pytest.mark.parametrize("login, password", [
    ("village_a", "\ud800bad"), ("\ud800", PASSWORD), ("x" * 100_000, PASSWORD), ("village_a", "²" * 300),
])
def test_odd_input_is_a_wrong_password_not_an_error(world, login, password):
    assert users.authenticate(login, password) is None


# --- unlocking -----------------------------------------------------------------------------------

def test_an_admin_unlocks(world):
    _locked_after_five("village_a")
    users.unlock(world.users["admin"], _account("village_a"))
    assert users.authenticate("village_a", PASSWORD) is not None
    assert db.session.execute(select(AuditLog.action).where(AuditLog.action == "unlock")).scalars().all()


def test_county_staff_unlock_accounts_of_their_county(world):
    _locked_after_five("grid_a1")
    users.unlock(world.users["county"], _account("grid_a1"))
    assert users.authenticate("grid_a1", PASSWORD) is not None


def test_county_staff_may_not_unlock_an_administrator(world):
    _locked_after_five("admin")
    with pytest.raises(PermissionDenied):
        users.unlock(world.users["county"], _account("admin"))


@pytest.mark.parametrize("actor", ["township", "village_a", "grid_a1", "dept", "cadre_a"])
def test_other_roles_may_not_unlock(world, actor):
    _locked_after_five("village_b")
    with pytest.raises(PermissionDenied):
        users.unlock(world.users[actor], _account("village_b"))


def test_another_county_may_not_unlock(world):
    other = tree.create_region("341598000000", "邻县", RegionLevel.COUNTY, None)
    neighbour = users.create_user("admin_b", "邻县管理员", PASSWORD, "admin", other.code)
    _locked_after_five("village_a")
    with pytest.raises(PermissionDenied):
        users.unlock(neighbour, _account("village_a"))


def test_cli_unlock_user(app, world):
    _locked_after_five("village_a")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["unlock-user", "village_a"])
    assert result.exit_code == 0, result.output
    assert "已解锁" in result.output
    db.session.expire_all()
    assert users.authenticate("village_a", PASSWORD) is not None
    missing = app.test_cli_runner().invoke(args=["unlock-user", "nobody"])
    assert missing.exit_code == 1
