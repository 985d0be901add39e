"""Every error under /api/v1 has one shape: {"error": {"code", "message", "fields"}}."""
import io

import pytest

from api_support import API, assert_error, bearer, build_scene, jpeg, new_uuid, token_for, visit_body

LIMIT = 2048


@pytest.fixture
def app_config():
    return {"MAX_CONTENT_LENGTH": LIMIT}


@pytest.fixture
def scene(app):
    return build_scene()


@pytest.fixture
def grid(scene):
    return bearer(token_for(scene.users["grid_a1"]))


@pytest.mark.parametrize("path", ["/nope", "/households/1/nope", "/households/abc", ""])
def test_unknown_paths_are_404_json(client, path):
    answer = client.get(f"{API}{path}")
    assert_error(answer, 404, "not_found")
    assert answer.headers["Cache-Control"] == "no-store"


def test_wrong_method_is_405_json(client, grid):
    assert_error(client.delete(f"{API}/visits", headers=grid), 405, "method_not_allowed")
    assert_error(client.get(f"{API}/auth/login"), 405, "method_not_allowed")
    assert_error(client.put(f"{API}/me", headers=grid), 405, "method_not_allowed")


@pytest.mark.parametrize("raw", [b"{bad", b"", b'{"a": 1,}', b"\xff\xfe{", b"[1, 2"])
def test_malformed_json_is_bad_json(client, grid, raw):
    answer = client.post(f"{API}/visits", data=raw, headers={**grid, "Content-Type": "application/json"})
    error = assert_error(answer, 400, "bad_json")
    assert error["message"] == "请求内容不是有效的JSON"


@pytest.mark.parametrize("raw", [b"[]", b'"text"', b"42", b"null", b"true"])
def test_json_that_is_not_an_object_is_bad_json(client, grid, raw):
    answer = client.post(f"{API}/visits", data=raw, headers={**grid, "Content-Type": "application/json"})
    assert_error(answer, 400, "bad_json")


def test_form_posts_to_json_endpoints_are_refused(client, grid):
    answer = client.post(f"{API}/visits", data={"client_uuid": new_uuid()}, headers=grid)
    assert_error(answer, 415, "unsupported_media_type")


def test_unknown_fields_are_refused_by_name(client, scene, grid):
    body = visit_body(scene.h_a1, worker_id=99, gps={"lat": 1.0, "lng": 2.0, "altitude": 3},
                      income={"wages": 1, "lottery": 5})
    error = assert_error(client.post(f"{API}/visits", json=body, headers=grid), 400, "invalid",
                         {"worker_id", "gps.altitude", "income.lottery"})
    assert error["fields"]["worker_id"] == "不认识的字段，请删去"


@pytest.mark.parametrize("change, field", [
    ({"household_id": "1"}, "household_id"), ({"household_id": True}, "household_id"),
    ({"household_id": 1.5}, "household_id"), ({"photos": "abc"}, "photos"), ({"photos": [1]}, "photos.0"),
    ({"answers": {"water_safe": 1}}, "answers.water_safe"), ({"answers": []}, "answers"),
    ({"gps": {"lat": "north", "lng": 1}}, "gps.lat"), ({"income": {"wages": True}}, "income.wages"),
    ({"method": None}, "method"),
])
def test_wrong_json_types_name_the_field(client, scene, grid, change, field):
    body = {**visit_body(scene.h_a1), **change}
    assert_error(client.post(f"{API}/visits", json=body, headers=grid), 400, "invalid", {field})


def test_missing_fields_are_named(client, grid):
    error = assert_error(client.post(f"{API}/visits", json={}, headers=grid), 400, "invalid",
                         {"client_uuid", "household_id", "method", "visited_at"})
    assert set(error["fields"].values()) == {"缺少此项"}


def test_authentication_comes_before_validation(client):
    assert_error(client.post(f"{API}/visits", data=b"{bad", content_type="application/json"), 401, "unauthorized")


def test_too_large_is_413_json(client, grid):
    big = io.BytesIO(jpeg() + b"\0" * (LIMIT * 2))
    answer = client.post(f"{API}/photos", headers=grid, content_type="multipart/form-data",
                         data={"client_uuid": new_uuid(), "file": (big, "big.jpg")})
    assert_error(answer, 413, "too_large")
    answer = client.post(f"{API}/visits", headers=grid, json={"notes": "长" * LIMIT})
    assert_error(answer, 413, "too_large")


def test_unknown_multipart_parts_are_refused(client, grid):
    answer = client.post(f"{API}/photos", headers=grid, content_type="multipart/form-data",
                         data={"client_uuid": new_uuid(), "file": (io.BytesIO(jpeg()), "a.jpg"),
                               "extra": (io.BytesIO(b"x"), "b.txt"), "caption": "门口"})
    assert_error(answer, 400, "invalid", {"extra", "caption"})
