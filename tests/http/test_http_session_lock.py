"""A phone left on a table: the session locks after the idle period; in use, it lasts the working
day and no longer (GB/T 22239-2019 身份鉴别 b): 当登录连接超时自动退出)."""
import time
from datetime import timedelta

import pytest

from core import clock
from farmer_support import world_committed
from http_support import login


@pytest.fixture
def app_config():
    return {"SHOUDI_IDLE_MINUTES": 30, "SHOUDI_SESSION_HOURS": 10}


def _age_session(client, seconds: int) -> None:
    with client.session_transaction() as session:
        session["last_seen"] = int(time.time()) - seconds


def test_idle_session_locks_and_says_so(client):
    world_committed()
    login(client, "village_a")
    assert client.get("/").status_code == 200
    _age_session(client, 31 * 60)
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "长时间未操作，已自动锁定" in page
    assert client.get("/").status_code == 302  # logged out, not just warned


def test_activity_keeps_the_session_open_for_the_working_day(client, app):
    world_committed()
    login(client, "village_a")
    _age_session(client, 29 * 60)
    assert client.get("/").status_code == 200
    assert app.permanent_session_lifetime.total_seconds() == 10 * 3600
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.expires is not None  # a lasting (permanent) cookie


@pytest.fixture
def moved_clock(monkeypatch):
    start = clock.now()
    now = {"at": start}
    monkeypatch.setattr(clock, "now", lambda: now["at"])

    def move(**delta):
        now["at"] = start + timedelta(**delta)
    return move


def test_a_busy_session_still_ends_after_the_working_day(client, moved_clock):
    world_committed()
    login(client, "village_a")
    for minutes in range(20, 600, 20):  # a request every 20 minutes: never idle
        moved_clock(minutes=minutes)
        assert client.get("/").status_code == 200, minutes

    moved_clock(hours=10)
    response = client.get("/")

    assert response.status_code == 302 and "/login" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "本次登录已满10小时，请重新登录" in page
    assert client.get("/").status_code == 302


def test_the_h5_api_answers_401_when_the_day_is_over(client, moved_clock):
    world_committed()
    login(client, "grid_a1")
    h5 = {"X-Shoudi-Client": "h5"}
    assert client.get("/api/v1/me", headers=h5).status_code == 200
    moved_clock(hours=10, minutes=1)
    answer = client.get("/api/v1/me", headers=h5)
    assert answer.status_code == 401 and answer.get_json()["error"]["code"] == "session_expired"


def test_a_session_cookie_without_its_start_is_ended(client):
    world_committed()
    login(client, "village_a")
    with client.session_transaction() as session:
        del session["began"]  # a cookie from before the rule
    assert client.get("/").status_code == 302
