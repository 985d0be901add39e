"""Bearer tokens from /auth/login; the session cookie only together with X-Shoudi-Client: h5."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

import factories
from api_support import API, assert_error, bearer, build_scene, token_for
from core.extensions import db
from models import ApiToken, AuditLog


@pytest.fixture
def scene(app):
    return build_scene()


def login(client, name, password=factories.PASSWORD):
    return client.post(f"{API}/auth/login", json={"login": name, "password": password})


def test_login_gives_a_token_that_opens_me_and_work(client, scene):
    answer = login(client, "grid_a1")
    assert answer.status_code == 200
    body = answer.get_json()
    assert set(body) == {"token", "expires_at", "user"}
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


def test_logout_revokes_only_that_token(client, scene):
    phone, tablet = token_for(scene.users["grid_a1"]), token_for(scene.users["grid_a1"])
    answer = client.post(f"{API}/auth/logout", headers=bearer(phone))
    assert answer.status_code == 204 and answer.data == b""
    assert_error(client.get(f"{API}/me", headers=bearer(phone)), 401, "unauthorized")
    assert_error(client.post(f"{API}/auth/logout", headers=bearer(phone)), 401, "unauthorized")
    assert client.get(f"{API}/me", headers=bearer(tablet)).status_code == 200


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


def test_login_is_rate_limited(app, client, scene):
    limit = int(app.config["SHOUDI_TRACK_RATE_LIMIT"].split()[0])
    answers = [login(client, "grid_a1", "wrong").status_code for _ in range(limit + 1)]
    assert answers == [401] * limit + [429]
    assert_error(login(client, "grid_a1"), 429, "rate_limited")
