"""Bearer tokens from /auth/login; the session cookie only together with X-Shoudi-Client: h5."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

import factories
from api_support import API, assert_error, bearer, build_scene, token_for
from core.extensions import db
from models import ApiToken, AuditLog, User


@pytest.fixture
def scene(app):
    return build_scene()


def login(client, name, password=factories.PASSWORD):
    return client.post(f"{API}/auth/login", json={"login": name, "password": password})


def test_login_gives_a_token_that_opens_me_and_work(client, scene):
    answer = login(client, "grid_a1")
    assert answer.status_code == 200
    body = answer.get_json()
    assert set(body) == {"token", "expires_at", "user", "must_change_password"}
    assert body["must_change_password"] is False
    assert body["user"] == {"id": scene.users["grid_a1"], "name": "GRID_A1", "role": "grid_worker",
                            "role_label": "网格员", "region": {"code": "A1", "name": "青山村一组"}}
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(hours=9) < expires - datetime.now(timezone.utc) <= timedelta(hours=10)

    headers = bearer(body["token"])
    assert client.get(f"{API}/me", headers=headers).get_json() == body["user"]
    work = client.get(f"{API}/work", headers=headers)
    assert work.status_code == 200
    assert set(work.get_json()) == {"round", "to_verify", "not_visited", "follow_ups"}
    # only a hash of the token is stored
    stored = db.session.execute(select(ApiToken.token_hash)).scalars().all()
    assert body["token"] not in stored and len(stored) == 1


def test_login_by_phone(client, app):
    factories.build_world()
    from services.accounts import users
    users.create_user("li", "李娟", factories.PASSWORD, "grid_worker", "A1", phone="13912345678")
    db.session.commit()
    answer = login(client, "13912345678")
    assert answer.status_code == 200 and answer.get_json()["user"]["name"] == "李娟"


def test_wrong_password_is_401_and_audited(client, scene):
    error = assert_error(login(client, "grid_a1", "wrong-password"), 401, "bad_credentials")
    assert error["message"] == "用户名或密码不正确"
    assert_error(login(client, "nobody", "x"), 401, "bad_credentials")
    db.session.expire_all()
    actions = db.session.execute(select(AuditLog.action)).scalars().all()
    assert actions.count("login_failed") == 2


def test_login_body_is_checked(client, scene):
    assert_error(client.post(f"{API}/auth/login", json={"login": "grid_a1"}), 400, "invalid", {"password"})
    assert_error(client.post(f"{API}/auth/login", json={"login": "grid_a1", "password": "x", "otp": 1}),
                 400, "invalid", {"otp"})


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer"}, {"Authorization": "Bearer not-a-token"},
    {"Authorization": "Basic Z3JpZDpzaG91ZGk="}, {"X-Shoudi-Client": "h5"},
])
def test_missing_or_invalid_credentials_are_401(client, scene, headers):
    error = assert_error(client.get(f"{API}/me", headers=headers), 401, "unauthorized")
    assert error["message"] == "请先登录"


def test_expired_token_is_401(client, scene):
    token = token_for(scene.users["grid_a1"])
    assert client.get(f"{API}/me", headers=bearer(token)).status_code == 200
    db.session.execute(update(ApiToken).values(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1)))
    db.session.commit()
    assert_error(client.get(f"{API}/me", headers=bearer(token)), 401, "unauthorized")


def test_logout_ends_every_session_of_the_account(client, scene):
    phone, tablet = token_for(scene.users["grid_a1"]), token_for(scene.users["grid_a1"])
    web = client.application.test_client()
    web.post("/login", data={"login": "grid_a1", "password": factories.PASSWORD})
    other = token_for(scene.users["grid_b1"])

    answer = client.post(f"{API}/auth/logout", headers=bearer(phone))

    assert answer.status_code == 204 and answer.data == b""
    assert_error(client.get(f"{API}/me", headers=bearer(phone)), 401, "unauthorized")
    assert_error(client.post(f"{API}/auth/logout", headers=bearer(phone)), 401, "unauthorized")
    assert_error(client.get(f"{API}/me", headers=bearer(tablet)), 401, "unauthorized")
    assert web.get("/").status_code == 302  # the web session of the same account ended too
    assert client.get(f"{API}/me", headers=bearer(other)).status_code == 200  # a colleague's stays


def test_deactivated_account_token_is_401(client, scene):
    from services.accounts import users
    from api_support import user
    token = token_for(scene.users["grid_a1"])
    users.deactivate(user(scene.users["grid_a1"]))
    db.session.commit()
    assert_error(client.get(f"{API}/me", headers=bearer(token)), 401, "unauthorized")


def test_cookie_session_needs_the_client_header(client, scene):
    assert client.post("/login", data={"login": "grid_a1", "password": factories.PASSWORD}).status_code == 302
    assert_error(client.get(f"{API}/me"), 401, "unauthorized")  # a cross-site form could do this
    assert_error(client.get(f"{API}/me", headers={"X-Shoudi-Client": "other"}), 401, "unauthorized")
    answer = client.get(f"{API}/me", headers={"X-Shoudi-Client": "h5"})
    assert answer.status_code == 200 and answer.get_json()["id"] == scene.users["grid_a1"]


def test_a_bad_bearer_header_does_not_fall_back_to_the_cookie(client, scene):
    client.post("/login", data={"login": "grid_a1", "password": factories.PASSWORD})
    headers = {"X-Shoudi-Client": "h5", **bearer("stale-token")}
    assert_error(client.get(f"{API}/me", headers=headers), 401, "unauthorized")


def test_cookie_logout_ends_the_session(client, scene):
    client.post("/login", data={"login": "grid_a1", "password": factories.PASSWORD})
    h5 = {"X-Shoudi-Client": "h5"}
    assert client.post(f"{API}/auth/logout", headers=h5).status_code == 204
    assert_error(client.get(f"{API}/me", headers=h5), 401, "unauthorized")


# --- guessing: the lock-out, shared with the web login ---------------------------------------------

def test_five_wrong_passwords_lock_the_account(client, scene):
    for _ in range(4):
        assert_error(login(client, "grid_a1", "Wrong-password-1"), 401, "bad_credentials")

    locked = login(client, "grid_a1", "Wrong-password-1")

    error = assert_error(locked, 429, "account_locked")
    assert "账号已暂时锁定" in error["message"] and "以后再试" in error["message"]
    assert 1790 < int(locked.headers["Retry-After"]) <= 1800
    assert_error(login(client, "grid_a1"), 429, "account_locked")  # even the right password
    # A colleague behind the same address is not held up.
    assert login(client, "grid_b1").status_code == 200
    db.session.expire_all()
    actions = db.session.execute(select(AuditLog.action)).scalars().all()
    assert actions.count("login_locked") == 1


def test_an_unknown_name_is_locked_the_same_way(client, scene):
    answers = [(login(client, "grid_a1", "Wrong-password-1"), login(client, "13755556666", "Wrong-password-1"))
               for _ in range(5)]
    for real, phantom in answers:
        assert real.status_code == phantom.status_code
        assert real.get_json() == phantom.get_json()
    assert answers[-1][1].status_code == 429 and "Retry-After" in answers[-1][1].headers


@pytest.mark.parametrize("raw", [
    '{"login": "\\ud800", "password": "x"}',
    '{"login": "grid_a1", "password": "\\udfff\\ud800"}',
    '{"login": "grid_a1", "password": "' + "²" * 200 + '"}',
])
def test_odd_characters_are_a_wrong_password_not_an_error(client, scene, raw):
    answer = client.post(f"{API}/auth/login", data=raw, content_type="application/json")
    assert answer.status_code == 401


@pytest.mark.parametrize("body, field", [
    ({"login": "grid_a1", "password": "x" * 201}, "password"),
    ({"login": "x" * 65, "password": "x"}, "login"),
    ({"login": ["grid_a1"], "password": "x"}, "login"),
    ({"login": "grid_a1", "password": 12345678}, "password"),
])
def test_login_fields_are_checked_before_any_hash(client, scene, body, field):
    assert_error(client.post(f"{API}/auth/login", json=body), 400, "invalid", {field})


# --- a password someone else chose: change it first -----------------------------------------------

NEW = "Fresh-start-2027"


def _must_change(user_id: int) -> None:
    db.session.get(User, user_id).must_change_password = True
    db.session.commit()


def test_a_forced_change_comes_before_anything_else(client, scene):
    _must_change(scene.users["grid_a1"])
    body = login(client, "grid_a1").get_json()
    assert body["must_change_password"] is True
    headers = bearer(body["token"])

    for path in ("/work", "/households", "/cases"):
        error = assert_error(client.get(f"{API}{path}", headers=headers), 403, "password_change_required")
        assert "修改密码" in error["message"]
    assert client.get(f"{API}/me", headers=headers).status_code == 200

    changed = client.post(f"{API}/auth/password", headers=headers,
                          json={"old_password": factories.PASSWORD, "new_password": NEW})

    assert changed.status_code == 200
    result = changed.get_json()
    assert result["must_change_password"] is False and result["token"] != body["token"]
    assert_error(client.get(f"{API}/me", headers=headers), 401, "unauthorized")  # the old token is gone
    assert client.get(f"{API}/work", headers=bearer(result["token"])).status_code == 200
    assert login(client, "grid_a1", NEW).status_code == 200


@pytest.mark.parametrize("old, new, field, message", [
    ("Wrong-password-1", NEW, "old_password", "原密码不正确"),
    (factories.PASSWORD, "12345678", "new_password", "至少3类"),
    (factories.PASSWORD, "Grid_a1-2027", "new_password", "不能包含用户名"),
    (factories.PASSWORD, "P@ssw0rd", "new_password", "太常见"),
    (factories.PASSWORD, "Ab1-\ud800xyz", "new_password", "无法识别的字符"),
])
def test_password_change_refusals_name_the_field(client, scene, old, new, field, message):
    token = token_for(scene.users["grid_a1"])
    answer = client.post(f"{API}/auth/password", headers=bearer(token),
                         json={"old_password": old, "new_password": new})
    error = assert_error(answer, 400, "invalid", {field})
    assert message in error["fields"][field]
    assert client.get(f"{API}/me", headers=bearer(token)).status_code == 200  # nothing changed


def test_guessing_the_current_password_locks_and_revokes(client, scene):
    token = token_for(scene.users["grid_a1"])
    body = {"old_password": "Wrong-password-1", "new_password": NEW}
    for _ in range(4):
        assert_error(client.post(f"{API}/auth/password", headers=bearer(token), json=body), 400, "invalid")
    locked = client.post(f"{API}/auth/password", headers=bearer(token), json=body)
    assert_error(locked, 429, "account_locked")
    assert "Retry-After" in locked.headers
    assert_error(client.get(f"{API}/me", headers=bearer(token)), 401, "unauthorized")


def test_the_h5_session_changes_its_password_and_carries_on(client, scene):
    client.post("/login", data={"login": "grid_a1", "password": factories.PASSWORD})
    phone = token_for(scene.users["grid_a1"])
    h5 = {"X-Shoudi-Client": "h5"}
    answer = client.post(f"{API}/auth/password", headers=h5,
                         json={"old_password": factories.PASSWORD, "new_password": NEW})
    assert answer.status_code == 204
    assert client.get(f"{API}/me", headers=h5).status_code == 200
    assert_error(client.get(f"{API}/me", headers=bearer(phone)), 401, "unauthorized")


def test_the_password_change_is_documented(client):
    doc = client.get(f"{API}/openapi.json").get_json()
    op = doc["paths"][f"{API}/auth/password"]["post"]
    assert set(op["responses"]) >= {"200", "204", "400", "401", "429"} and "403" not in op["responses"]
    assert "403" in doc["paths"][f"{API}/work"]["get"]["responses"]
    assert "每个客户端地址和登录名" in doc["paths"][f"{API}/auth/login"]["post"]["x-rate-limit"]
