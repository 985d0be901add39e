"""The password page and the forced change: a password someone else chose is changed first,
the page's errors sit beside their fields, a change ends the account's other sessions and
tokens, and guessing the old password here counts towards the lock-out."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

import factories
from core.extensions import db
from http_support import build_scene, by_testid, login, text_of
from models import User
from services.accounts import tokens

WRONG_PASSWORD = "wrong-password-77"


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def scene(app):
    return build_scene()


NEW_PASSWORD = "Fresh-start-2027"


def _must_change(user_id: int) -> None:
    db.session.get(User, user_id).must_change_password = True
    db.session.commit()


def _change(client, old=factories.PASSWORD, new=NEW_PASSWORD, confirm=None, url="/password"):
    return client.post(url, data={"old_password": old, "new_password": new,
                                  "confirm": new if confirm is None else confirm})


def test_a_password_someone_else_chose_must_be_changed_first(client, scene):
    _must_change(scene.user_ids["village_a"])

    response = login(client, "village_a")
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/password"
    page = client.get("/password")
    assert page.status_code == 200 and "请先设置一个只有您自己知道的新密码" in text_of(page)
    for path in ("/", f"/households/{scene.household_a}", "/field/", "/inbox"):
        blocked = client.get(path)
        assert blocked.status_code == 302 and urlsplit(blocked.headers["Location"]).path == "/password", path

    changed = _change(client)
    assert changed.status_code == 302
    assert client.get("/").status_code == 200
    db.session.expire_all()
    assert not db.session.get(User, scene.user_ids["village_a"]).must_change_password


def test_the_forced_change_keeps_where_the_user_was_going(client, scene):
    _must_change(scene.user_ids["village_a"])
    target = f"/households/{scene.household_a}"
    response = login(client, "village_a", next_url=target)
    assert response.headers["Location"].startswith("/password?next=")
    changed = _change(client, url=response.headers["Location"])
    assert changed.status_code == 302 and changed.headers["Location"] == target


def test_logout_works_while_a_change_is_pending(client, scene):
    _must_change(scene.user_ids["village_a"])
    login(client, "village_a")
    assert client.post("/logout").status_code == 302
    assert urlsplit(client.get("/").headers["Location"]).path == "/login"


@pytest.mark.parametrize("old, new, confirm, field, message", [
    (WRONG_PASSWORD, NEW_PASSWORD, None, "old_password", "原密码不正确"),
    (factories.PASSWORD, "12345678", None, "new_password", "至少3类"),
    (factories.PASSWORD, "        ", None, "new_password", "至少3类"),
    (factories.PASSWORD, "Village_a-2027", None, "new_password", "不能包含用户名"),
    (factories.PASSWORD, "Admin@123", None, "new_password", "太常见"),
    (factories.PASSWORD, NEW_PASSWORD, "Fresh-start-2028", "confirm", "两次输入的新密码不一致"),
    ("", NEW_PASSWORD, None, "old_password", "请填写原密码"),
    (factories.PASSWORD, "x" * 500, None, "new_password", "不超过128个字符"),
])
def test_password_page_errors_sit_beside_their_field_and_nothing_is_echoed(client, scene, old, new,
                                                                          confirm, field, message):
    login(client, "village_a")

    response = _change(client, old, new, confirm)

    assert response.status_code == 400
    html = text_of(response)
    assert message in by_testid(html, f"error-{field}")
    for typed in {old, new, confirm} - {None, ""}:
        assert f'value="{typed}"' not in html and (typed.strip() == "" or typed not in html)


def test_changing_ones_password_ends_the_other_sessions_and_tokens(app, scene):
    here, there = app.test_client(), app.test_client()
    login(here, "grid_a1")
    login(there, "grid_a1")
    token, _ = tokens.issue(db.session.get(User, scene.user_ids["grid_a1"]))
    db.session.commit()

    changed = _change(here)

    assert changed.status_code == 302 and changed.headers["Location"] == "/password?done=1"
    assert "密码已修改" in text_of(here.get("/password?done=1"))
    assert here.get("/").status_code == 200          # this session carries on
    assert there.get("/").status_code == 302         # the other phone is logged out
    assert app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert login(app.test_client(), "grid_a1", NEW_PASSWORD).status_code == 302


def test_guessing_the_current_password_locks_and_logs_out(client, scene):
    login(client, "village_a")
    for _ in range(4):
        assert _change(client, old=WRONG_PASSWORD).status_code == 400
    locked = _change(client, old=WRONG_PASSWORD)
    assert locked.status_code == 429 and "Retry-After" in locked.headers
    assert "账号已暂时锁定" in text_of(locked)
    assert client.get("/").status_code == 302


def test_the_password_page_needs_a_login(client, scene):
    response = client.get("/password")
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"


# --- logout ends the mini program's tokens too --------------------------------------------------

def test_web_logout_revokes_the_api_tokens(client, scene):
    token, _ = tokens.issue(db.session.get(User, scene.user_ids["grid_a1"]))
    db.session.commit()
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=bearer).status_code == 200
    login(client, "grid_a1")

    client.post("/logout")

    assert client.get("/api/v1/me", headers=bearer).status_code == 401
