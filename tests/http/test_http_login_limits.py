"""Failed logins are limited per client address and login name, with a ceiling per address over
all names shared by the web and the API login (small limits here so the tests stay short; the
lock-out is raised out of the way). Answers over a limit carry Retry-After."""
import pytest

import factories
from farmer_support import world_committed
from http_support import login, text_of

API_LOGIN = "/api/v1/auth/login"


@pytest.fixture
def app_config():
    return {"SHOUDI_LOGIN_MAX_FAILURES": 100, "SHOUDI_LOGIN_RATE_LIMIT": "3 per minute",
            "SHOUDI_LOGIN_ADDRESS_LIMIT": "6 per minute"}


def _api(client, name, password="Wrong-password-1", address="127.0.0.1"):
    return client.post(API_LOGIN, json={"login": name, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_one_name_from_one_address_is_limited_with_retry_after(client):
    world_committed()
    assert [login(client, "village_a", "Wrong-password-1").status_code for _ in range(3)] == [400] * 3

    limited = login(client, "village_a", "Wrong-password-1")

    assert limited.status_code == 429
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    html = text_of(limited)
    assert "尝试次数太多，请1分钟后再试" in html
    assert 'value="village_a"' in html and "Wrong-password-1" not in html
    assert login(client, "village_a").status_code == 429  # until the minute is over


def test_a_colleague_behind_the_same_address_is_not_held_up(app):
    world_committed()
    for _ in range(4):
        _api(app.test_client(), "grid_a1")
    assert _api(app.test_client(), "grid_a1").status_code == 429
    assert _api(app.test_client(), "grid_b1", factories.PASSWORD).status_code == 200
    assert login(app.test_client(), "village_a").status_code == 302


def test_phone_spellings_count_as_one_name(client):
    world_committed()
    for typed in ("13800001111", "138 0000 1111", "+86 138-0000-1111"):
        assert _api(client, typed).status_code == 401
    assert _api(client, "138-0000-1111").status_code == 429


def test_successful_logins_do_not_count(app):
    world_committed()
    for _ in range(10):  # a county office logging in at 08:30
        assert _api(app.test_client(), "county", factories.PASSWORD).status_code == 200


def test_the_address_ceiling_covers_every_name_and_both_logins(app):
    world_committed()
    client = app.test_client()
    for name in ("a1", "a2", "a3"):
        assert login(client, name, "Wrong-password-1").status_code == 400
    for name in ("b1", "b2", "b3"):
        assert _api(client, name).status_code == 401

    over = _api(client, "grid_a1", factories.PASSWORD)
    assert over.status_code == 429 and over.get_json()["error"]["code"] == "rate_limited"
    assert "Retry-After" in over.headers
    assert login(app.test_client(), "village_a").status_code == 429
    # Another address is not affected.
    assert _api(app.test_client(), "grid_a1", factories.PASSWORD, address="10.1.2.3").status_code == 200


@pytest.mark.parametrize("body", [
    {"login": 12, "password": "x"}, {"login": None, "password": "x"}, {"password": "x"},
    {"login": "x" * 100_000, "password": "x"}, {"login": "\ud800", "password": "x"},
])
def test_the_limit_key_survives_odd_bodies(client, body):
    world_committed()
    assert client.post(API_LOGIN, json=body).status_code in (400, 401)


def test_odd_json_shapes_are_refused_cleanly(client):
    world_committed()
    for raw in ("[1, 2]", '"text"', "{bad json"):
        assert client.post(API_LOGIN, data=raw, content_type="application/json").status_code == 400


def test_the_password_page_shares_the_address_ceiling(client):
    world_committed()
    assert login(client, "village_a").status_code == 302
    answers = [client.post("/password", data={"old_password": "Wrong-password-1", "new_password": "Fresh-start-2027",
                                              "confirm": "Fresh-start-2027"}).status_code for _ in range(7)]
    assert answers == [400] * 6 + [429]
    over = client.post("/password", data={"old_password": factories.PASSWORD, "new_password": "Fresh-start-2027",
                                           "confirm": "Fresh-start-2027"})
    assert over.status_code == 429 and "Retry-After" in over.headers
    assert "尝试次数太多" in text_of(over) and "Fresh-start-2027" not in text_of(over)
