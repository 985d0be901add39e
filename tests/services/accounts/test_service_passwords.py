"""Changing and resetting passwords, the forced change, and what ends an account's sessions:
logout, a new password (own or reset) and deactivation end the web sessions and revoke every
API token."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from core import clock
from core.extensions import db
from factories import PASSWORD, build_world
from models import ApiToken, AuditLog, User
from services.accounts import tokens, users
from services.demo.data import DEMO_PASSWORD
from services.errors import PermissionDenied, ValidationFailed

NEW = "Fresh-start-2027"


@pytest.fixture
def world(app):
    made = build_world()
    db.session.commit()
    return made


def _account(name: str) -> User:
    return db.session.execute(select(User).where(User.username == name)).scalar_one()


def _live_tokens(user: User) -> int:
    return len(db.session.execute(select(ApiToken).where(ApiToken.user_id == user.id,
                                                         ApiToken.revoked.is_(False))).all())


def _with_two_tokens(user: User) -> tuple[str, str]:
    a, _ = tokens.issue(user)
    b, _ = tokens.issue(user)
    db.session.flush()
    return a, b


# --- changing one's own password --------------------------------------------------------------

def test_change_password(world):
    user = _account("village_a")
    before = clock.now()
    users.change_password(user, PASSWORD, NEW, NEW)
    assert users.authenticate("village_a", NEW) is not None
    assert users.authenticate("village_a", PASSWORD) is None
    assert user.password_changed_at >= before and not user.must_change_password


@pytest.mark.parametrize("old, new, confirm, field, message", [
    ("Not-the-old-1", NEW, NEW, "old_password", "原密码不正确"),
    (PASSWORD, "12345678", "12345678", "new_password", "至少3类"),
    (PASSWORD, "Village_a-2027", "Village_a-2027", "new_password", "不能包含用户名"),
    (PASSWORD, "P@ssw0rd", "P@ssw0rd", "new_password", "太常见"),
    (PASSWORD, PASSWORD, PASSWORD, "new_password", "不能与原密码相同"),
    (PASSWORD, DEMO_PASSWORD, DEMO_PASSWORD, "new_password", "演示密码"),
    (PASSWORD, NEW, NEW + "x", "confirm", "两次输入的新密码不一致"),
])
def test_refusals_name_the_field(world, old, new, confirm, field, message):
    user = _account("village_a")
    with pytest.raises(ValidationFailed) as info:
        users.change_password(user, old, new, confirm)
    assert message in info.value.fields[field]
    for text in info.value.fields.values():
        assert new not in text and old not in text  # nothing typed is repeated
    assert users.authenticate("village_a", PASSWORD) is not None


def test_wrong_current_passwords_count_towards_the_lock_and_end_every_session(world):
    user = _account("village_a")
    _with_two_tokens(user)
    session_token = user.session_token
    for _ in range(4):
        with pytest.raises(ValidationFailed):
            users.change_password(user, "Not-the-old-1", NEW, NEW)
    with pytest.raises(users.AccountLocked):
        users.change_password(user, "Not-the-old-1", NEW, NEW)
    assert user.session_token != session_token and _live_tokens(user) == 0
    with pytest.raises(users.AccountLocked):
        users.authenticate("village_a", PASSWORD)


def test_a_change_ends_other_sessions_and_revokes_tokens(world):
    user = _account("grid_a1")
    phone, tablet = _with_two_tokens(user)
    old_session = user.session_token
    users.change_password(user, PASSWORD, NEW, NEW)
    db.session.flush()
    assert user.session_token != old_session
    assert tokens.user_for(phone) is None and tokens.user_for(tablet) is None


# --- someone else's password ------------------------------------------------------------------

def test_reset_gives_a_one_time_password_to_change_at_first_login(world):
    user = _account("village_a")
    _with_two_tokens(user)
    for _ in range(4):
        users.authenticate("village_a", "Wrong-password-1")
    with pytest.raises(users.AccountLocked):
        users.authenticate("village_a", "Wrong-password-1")
    old_session = user.session_token

    one_time = users.reset_password(world.users["county"], user)

    assert len(one_time) == users.ONE_TIME_LENGTH
    assert user.session_token != old_session and _live_tokens(user) == 0
    signed_in = users.authenticate("village_a", one_time)  # the lock is lifted too
    assert signed_in is not None and signed_in.must_change_password
    users.change_password(signed_in, one_time, NEW, NEW)
    assert not signed_in.must_change_password
    audit = db.session.execute(select(AuditLog).where(AuditLog.action == "password_reset")).scalars().all()
    assert len(audit) == 1 and one_time not in (audit[0].detail or "")


def test_one_time_passwords_pass_the_rule_and_differ():
    from domain.passwords import password_problems
    made = {users.one_time_password("village_a") for _ in range(50)}
    assert len(made) == 50
    assert all(password_problems(p, "village_a") == [] for p in made)
    assert not any(c in p for p in made for c in "0O1lI")


def test_only_managers_reset(world):
    with pytest.raises(PermissionDenied):
        users.reset_password(world.users["township"], _account("village_a"))


def test_cli_reset_password(app, world):
    result = app.test_cli_runner().invoke(args=["reset-password", "village_a"])
    assert result.exit_code == 0, result.output
    one_time = result.output.splitlines()[1].strip()
    db.session.expire_all()
    user = users.authenticate("village_a", one_time)
    assert user is not None and user.must_change_password


def test_set_password_follows_the_rule(world):
    with pytest.raises(ValidationFailed) as info:
        users.set_password(_account("village_a"), "abcdefgh")
    assert "至少3类" in info.value.fields["password"]


# --- the demo's shared password ---------------------------------------------------------------

def test_the_demo_password_works_as_it_is_in_development(world):
    user = _account("village_a")
    user.password_hash = users._hash(DEMO_PASSWORD)
    assert users.authenticate("village_a", DEMO_PASSWORD).must_change_password is False


def test_the_demo_password_must_be_changed_outside_the_demo(app, world):
    user = _account("village_a")
    user.password_hash = users._hash(DEMO_PASSWORD)
    app.config["SHOUDI_ENV"] = "production"
    try:
        assert users.authenticate("village_a", DEMO_PASSWORD).must_change_password is True
    finally:
        app.config["SHOUDI_ENV"] = "testing"


def test_an_old_password_must_be_changed_when_a_maximum_age_is_set(app, world):
    user = _account("village_a")
    user.password_changed_at = clock.now() - timedelta(days=91)
    assert not users.authenticate("village_a", PASSWORD).must_change_password  # 0: no maximum
    app.config["SHOUDI_PASSWORD_MAX_DAYS"] = 90
    assert users.authenticate("village_a", PASSWORD).must_change_password


# --- what ends every session ------------------------------------------------------------------

@pytest.mark.parametrize("ending", ["log_out", "deactivate", "set_password"])
def test_logout_deactivation_and_a_new_password_revoke_every_token(world, ending):
    user = _account("grid_a1")
    phone, tablet = _with_two_tokens(user)
    old_session = user.session_token
    if ending == "set_password":
        users.set_password(user, NEW)
    else:
        getattr(users, ending)(user)
    db.session.flush()
    assert user.session_token != old_session
    assert tokens.user_for(phone) is None and tokens.user_for(tablet) is None


def test_other_accounts_keep_their_tokens(world):
    mine, theirs = _account("grid_a1"), _account("grid_b1")
    _with_two_tokens(mine)
    kept, _ = tokens.issue(theirs)
    users.log_out(mine)
    db.session.flush()
    assert tokens.user_for(kept) is not None
