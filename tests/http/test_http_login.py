"""Staff login over HTTP: the page, errors in Chinese, where a login lands, logout, the audit
trail, and CSRF protection with the token switched on."""
from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import pytest

import factories
from conftest import make_app
from core import clock
from core.extensions import db
from http_support import (EXPECTED_LANDING, audit_rows, build_scene, login,
                          by_testid, text_of)
from models import User
from services.accounts import users

WRONG_PASSWORD = "wrong-password-77"


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def scene(app):
    return build_scene()


def _set_active(user_id: int, active: bool) -> None:
    db.session.get(User, user_id).active = active
    db.session.commit()


# --- the login page ----------------------------------------------------------------------------

def test_login_page_is_chinese_and_never_cached(client):
    response = client.get("/login")

    assert response.status_code == 200
    html = text_of(response)
    assert '<html lang="zh-CN">' in html
    assert "工作人员登录" in html
    assert "用户名或手机号" in html and "密码" in html
    # A shared phone's WeChat browser must not keep a copy of the page.
    assert response.headers["Cache-Control"] == "no-store"


def test_wrong_password_is_refused_and_the_typed_name_stays(client, scene):
    response = login(client, "village_a", WRONG_PASSWORD)

    assert response.status_code == 400
    html = text_of(response)
    assert "用户名或密码不正确" in html
    assert re.search(r'<input[^>]*name="login"[^>]*value="village_a"', html)
    # The password is never sent back, not even into its own field.
    assert WRONG_PASSWORD not in html
    assert client.get("/").status_code == 302


def test_unknown_name_gets_the_same_answer_as_a_wrong_password(client, scene):
    """Otherwise the login form would tell strangers which accounts exist."""
    unknown = login(client, "no_such_user", WRONG_PASSWORD)
    wrong = login(client, "village_a", WRONG_PASSWORD)

    assert unknown.status_code == wrong.status_code == 400
    assert "用户名或密码不正确" in text_of(unknown)


def test_empty_fields_get_chinese_field_errors(client, scene):
    response = client.post("/login", data={"login": "", "password": ""})

    assert response.status_code == 400
    html = text_of(response)
    assert "请填写用户名或手机号" in html
    assert "请填写密码" in html
    assert html.count('class="field has-error"') == 2


def test_empty_password_keeps_the_typed_name(client, scene):
    response = client.post("/login", data={"login": "village_a", "password": ""})

    html = text_of(response)
    assert response.status_code == 400
    assert "请填写密码" in html and "请填写用户名或手机号" not in html
    assert re.search(r'<input[^>]*name="login"[^>]*value="village_a"', html)


# --- where a login lands -----------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(EXPECTED_LANDING))
def test_login_by_username_lands_on_home_with_the_scope(client, scene, name):
    region_chain, role_label, household_count, open_case_count = EXPECTED_LANDING[name]

    response = login(client, name)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    html = text_of(home)
    assert by_testid(html, "region") == region_chain
    assert role_label in html
    assert name.upper() in html  # factories name every user after their username
    assert by_testid(html, "households") == str(household_count)
    assert by_testid(html, "open-cases") == str(open_case_count)


def test_county_counts_are_the_sum_of_its_villages(app, scene):
    counts = {}
    for name in ("village_a", "village_b", "county"):
        client = app.test_client()
        login(client, name)
        html = text_of(client.get("/"))
        counts[name] = (int(by_testid(html, "households")), int(by_testid(html, "open-cases")))

    assert counts["village_a"] != counts["village_b"]
    assert counts["county"] == (counts["village_a"][0] + counts["village_b"][0],
                                counts["village_a"][1] + counts["village_b"][1])


@pytest.mark.parametrize("typed", ["13800138000", "138 0013 8000", "+86 138-0013-8000"])
def test_login_by_phone_number(client, scene, typed):
    # Numbers are copied from WeChat and contact cards with spaces, dashes and +86.
    users.create_user("phone_user", "手机号用户", factories.PASSWORD, "village_staff",
                      "341599101002", phone="13800138000")  # 石门村, village B
    db.session.commit()

    response = login(client, typed)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    html = text_of(client.get("/"))
    assert "手机号用户" in html
    assert by_testid(html, "region") == "示范县 / 青山镇 / 石门村"


def test_inactive_user_cannot_log_in(client, scene):
    _set_active(scene.user_ids["village_a"], False)

    response = login(client, "village_a")

    assert response.status_code == 400
    assert "用户名或密码不正确" in text_of(response)
    assert client.get("/").status_code == 302


def test_deactivating_an_account_ends_its_open_session(client, scene):
    assert login(client, "village_a").status_code == 302
    assert client.get("/").status_code == 200

    _set_active(scene.user_ids["village_a"], False)

    response = client.get("/")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"


def _stays_on_site(location: str) -> bool:
    # Resolve the Location value as a browser would (WHATWG URL parsing): tabs and newlines
    # vanish and backslashes count as slashes in http(s) URLs.
    cleaned = re.sub(r"[\t\n\r]", "", location).strip().replace("\\", "/")
    resolved = urlsplit(urljoin("http://localhost/login", cleaned))
    return resolved.scheme == "http" and resolved.netloc == "localhost"


@pytest.mark.parametrize("next_url", [
    "//evil.example/", "https://evil.example/", "/\\evil.example/", "\\\\evil.example/",
    "///evil.example/", "/\t/evil.example/", "https:/evil.example/", "http:evil.example",
    "javascript:alert(1)",
])
def test_next_never_redirects_off_site(client, scene, next_url):
    response = login(client, "village_a", next_url=next_url)

    assert response.status_code == 302
    location = response.headers["Location"]
    assert _stays_on_site(location), location


def test_next_within_the_site_is_followed(client, scene):
    """The positive case: without it the off-site tests would pass on an app ignoring next."""
    response = login(client, "village_a", next_url=f"/households/{scene.household_a}")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/households/{scene.household_a}"


def test_login_page_of_a_logged_in_user_goes_home(client, scene):
    login(client, "village_a")

    response = client.get("/login")

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


# --- logout and the login requirement ---------------------------------------------------------

def test_home_without_login_redirects_to_login(client, scene):
    response = client.get("/")

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"


def test_logout_is_post_only_and_ends_the_session(client, scene):
    login(client, "village_a")

    # A link or an image tag must not be able to log someone out.
    refused = client.get("/logout")
    assert refused.status_code == 405
    assert "不支持此操作" in text_of(refused)
    assert client.get("/").status_code == 200

    response = client.post("/logout")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"

    after = client.get("/")
    assert after.status_code == 302
    assert urlsplit(after.headers["Location"]).path == "/login"
    assert client.get(f"/households/{scene.household_a}").status_code == 302


def test_a_cookie_copied_before_logout_is_useless_after_it(client, scene):
    login(client, "village_a")
    copied = client.get_cookie("session").value
    client.post("/logout")

    client.set_cookie("session", copied)

    assert client.get("/").status_code == 302


# --- the audit trail ---------------------------------------------------------------------------

def test_failed_and_successful_logins_are_audited_without_the_password(client, scene):
    village_a = scene.user_ids["village_a"]

    login(client, "village_a", WRONG_PASSWORD)
    failed = audit_rows(action="login_failed")
    assert [(r.user_id, r.object_type, r.object_id) for r in failed] == [
        (village_a, "user", str(village_a))]
    assert failed[0].ip == "127.0.0.1"
    assert audit_rows(action="login") == []

    login(client, "village_a")
    succeeded = audit_rows(action="login")
    assert [(r.user_id, r.role, r.object_id) for r in succeeded] == [
        (village_a, "village_staff", str(village_a))]

    for row in audit_rows():
        values = " ".join(str(getattr(row, c.key)) for c in row.__table__.columns)
        assert WRONG_PASSWORD not in values
        assert factories.PASSWORD not in values


def test_failed_login_with_an_unknown_name_keeps_no_trace_of_what_was_typed(client, scene):
    # People type ID numbers and phone numbers into the login field; the log keeps no personal data.
    typed = "13912345678"

    login(client, typed, WRONG_PASSWORD)

    failed = audit_rows(action="login_failed")
    assert len(failed) == 1
    assert failed[0].user_id is None and failed[0].object_id is None
    for row in audit_rows():
        values = " ".join(str(getattr(row, c.key)) for c in row.__table__.columns)
        assert typed not in values and WRONG_PASSWORD not in values


# --- CSRF, with the protection switched on as in production --------------------------------------

@pytest.fixture
def csrf_app(database_url, tmp_path):
    app = make_app(database_url, tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():  # the schema is in place; the database_url fixture empties it
        factories.build_world()
        db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


def _csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


@pytest.mark.needs_db
def test_login_without_csrf_token_is_refused_in_chinese(csrf_app):
    client = csrf_app.test_client()
    client.get("/login")  # a session exists, only the token is missing

    response = client.post("/login", data={"login": "village_a", "password": factories.PASSWORD})

    assert response.status_code == 400
    assert "页面已过期，请刷新后重新提交" in text_of(response)
    assert client.get("/").status_code == 302
    assert audit_rows(action="login") == []


@pytest.mark.needs_db
def test_login_with_a_forged_csrf_token_is_refused(csrf_app):
    client = csrf_app.test_client()
    client.get("/login")

    response = client.post("/login", data={"login": "village_a", "password": factories.PASSWORD,
                                           "csrf_token": "forged"})

    assert response.status_code == 400
    assert "页面已过期，请刷新后重新提交" in text_of(response)
    assert client.get("/").status_code == 302


@pytest.mark.needs_db
def test_login_and_logout_with_the_tokens_from_the_pages_succeed(csrf_app):
    client = csrf_app.test_client()
    token = _csrf_token(text_of(client.get("/login")))

    response = client.post("/login", data={"login": "village_a", "password": factories.PASSWORD,
                                           "csrf_token": token})

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200

    assert client.post("/logout").status_code == 400  # without the header form's token
    assert client.get("/").status_code == 200
    logout = client.post("/logout", data={"csrf_token": _csrf_token(text_of(home))})
    assert logout.status_code == 302
    assert client.get("/").status_code == 302


# --- guessing: the lock-out (等保 登录失败处理) ---------------------------------------------------

@pytest.fixture
def frozen(monkeypatch):
    """The app's clock, held still and moved by hand (no sleeping)."""
    start = clock.now().replace(second=0, microsecond=0)
    state = {"now": start}
    monkeypatch.setattr(clock, "now", lambda: state["now"])

    def move(**delta):
        state["now"] = start + timedelta(**delta)
    move.start = start
    return move


def _guess(client, name: str, times: int) -> list[int]:
    return [login(client, name, WRONG_PASSWORD).status_code for _ in range(times)]


def test_five_wrong_passwords_lock_the_account_and_say_until_when(client, scene, frozen):
    assert _guess(client, "village_a", 4) == [400] * 4

    locked = login(client, "village_a", WRONG_PASSWORD)

    assert locked.status_code == 429
    assert locked.headers["Retry-After"] == "1800"
    html = text_of(locked)
    unlock_at = (frozen.start + timedelta(minutes=30)).astimezone(clock.WORK_TZ).strftime("%H:%M")
    assert by_testid(html, "login-error") == f"密码错误次数过多，账号已暂时锁定，请在 {unlock_at} 以后再试，或请管理员解锁"
    assert re.search(r'<input[^>]*name="login"[^>]*value="village_a"', html)  # nothing typed lost
    assert WRONG_PASSWORD not in html

    # Now even the right password is refused, with the time left.
    frozen(minutes=10)
    right = login(client, "village_a")
    assert right.status_code == 429 and right.headers["Retry-After"] == "1200"
    assert client.get("/").status_code == 302
    assert [r.user_id for r in audit_rows(action="login_locked")] == [scene.user_ids["village_a"]]


def test_the_lock_ends_after_thirty_minutes(client, scene, frozen):
    _guess(client, "village_a", 5)
    frozen(minutes=30)
    assert login(client, "village_a").status_code == 302


def test_a_colleague_behind_the_same_address_still_logs_in(app, scene, frozen):
    _guess(app.test_client(), "village_a", 6)
    colleague = app.test_client()  # same 127.0.0.1
    assert login(colleague, "village_b").status_code == 302
    assert colleague.get("/").status_code == 200


def test_an_unknown_name_is_locked_in_the_same_words(app, scene, frozen):
    known, unknown = app.test_client(), app.test_client()
    answers = [(login(known, "village_a", WRONG_PASSWORD), login(unknown, "13711112222", WRONG_PASSWORD))
               for _ in range(5)]
    for real, phantom in answers:
        assert real.status_code == phantom.status_code
        assert real.headers.get("Retry-After") == phantom.headers.get("Retry-After")
        real_text = text_of(real).replace("village_a", "")
        assert real_text.replace('value=""', "") == text_of(phantom).replace("13711112222", "").replace('value=""', "")
    assert answers[-1][1].status_code == 429


def test_an_unknown_name_costs_one_password_hash_like_a_wrong_password(client, scene, monkeypatch):
    calls = []
    real_check = users.check_password_hash
    monkeypatch.setattr(users, "check_password_hash", lambda *a: calls.append(1) or real_check(*a))
    for name in ("no_such_user", "village_a"):
        calls.clear()
        login(client, name, WRONG_PASSWORD)
        assert len(calls) == 1, name


def test_web_and_api_count_together(client, scene):
    _guess(client, "village_a", 3)
    for _ in range(2):
        answer = client.post("/api/v1/auth/login", json={"login": "village_a", "password": WRONG_PASSWORD})
    assert answer.status_code == 429 and answer.get_json()["error"]["code"] == "account_locked"
    assert login(client, "village_a").status_code == 429


def test_an_admin_unlocks_and_the_user_logs_in(app, scene):
    client = app.test_client()
    _guess(client, "village_a", 5)
    users.unlock(db.session.get(User, scene.user_ids["admin"]), db.session.get(User, scene.user_ids["village_a"]))
    db.session.commit()
    assert login(client, "village_a").status_code == 302
