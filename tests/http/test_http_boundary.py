"""The request boundary: ids out of the databases' range are 404, NUL is a 400 in Chinese, on
every route alike (SQLite and PostgreSQL)."""
import re

import pytest

from farmer_support import world_committed
from http_support import signed_in

NUL_TEXT = "提交的内容含有不允许的控制字符（NUL）"


@pytest.fixture
def world(app):
    return world_committed()


@pytest.fixture
def county(app, world):
    return signed_in(app, "county")


@pytest.mark.parametrize("path", [
    "/cases/2147483648", "/households/2147483648", "/households/99999999999999999999", "/jobs/0",
    "/cases/%C2%B2", "/households/%E2%91%A0", "/households/%D9%A3",  # ², ①, Arabic-Indic 3
])
def test_ids_that_no_row_can_have_are_not_found(county, path):
    answer = county.get(path)
    assert answer.status_code == 404 and "没有找到" in answer.get_data(as_text=True)


def test_the_largest_id_is_looked_up_and_simply_not_there(county):
    assert county.get("/cases/2147483647").status_code == 404


def test_nul_in_a_path_a_query_or_a_form_is_refused_in_chinese(app, world, county):
    anonymous = app.test_client()
    for answer in (anonymous.get(f"/q/{world.village_a.code}%00"), county.get("/households?page=%00"),
                   county.get("/households?village=1%002"),
                   anonymous.post("/login", data={"login": "county\x00", "password": "x"})):
        assert answer.status_code == 400 and NUL_TEXT in answer.get_data(as_text=True)


def test_nul_in_json_is_refused_with_a_json_error(app, world):
    answer = app.test_client().post("/api/v1/auth/login", json={"login": "county", "password": "a\u0000b"})
    assert answer.status_code == 400
    assert answer.get_json()["error"]["message"].startswith("提交的内容含有不允许的控制字符")


def test_every_route_with_an_id_answers_404_for_ids_no_row_can_have(app, county):
    """Each route of the app that takes an id, called with zero and ids past 32 bits."""
    tried = 0
    for rule in app.url_map.iter_rules():
        if "<int:" not in rule.rule:
            continue
        for value in ("0", "2147483648", "99999999999999999999"):
            path = re.sub(r"<int:\w+>", value, rule.rule)
            path = re.sub(r"<(?:\w+:)?\w+>", "x1", path)  # any other argument: a plain word
            for method in sorted(rule.methods & {"GET", "POST"}):
                answer = county.open(path, method=method)
                tried += 1
                assert answer.status_code in (400, 404, 405), (method, path, answer.status_code)
    assert tried > 50
