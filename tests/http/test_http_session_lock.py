"""A phone left on a table: the session locks after the idle period; in use, it lasts the day."""
import time

import pytest

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
