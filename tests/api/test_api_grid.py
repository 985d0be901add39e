"""GET /api/v1/grid (the whole grid on the phone for the day), GET /households/<id>/phones (the
numbers for a remote check) and time-ordered client UUIDs: who gets what, 401 for an account
that was deactivated, 404 outside scope, answers never cached, and the documented shapes."""
import os
import time
import uuid

import pytest

import factories
from api_support import (API, assert_error, assign_verifier, bearer, build_scene, conforms, response_schema,
                         token_for, user, visit_body, visits_with)
from core.extensions import db
from services.accounts import users

PHONE = "13800001111"  # h_a1's head (api_support.build_scene)


@pytest.fixture
def scene(app):
    return build_scene()


@pytest.fixture
def doc(client):
    return client.get(f"{API}/openapi.json").get_json()


def _uuid7() -> str:
    """As field.js makes them: 48 bits of Unix milliseconds, version 7, the variant, random bits."""
    raw = bytearray(os.urandom(16))
    raw[0:6] = int(time.time() * 1000).to_bytes(6, "big")
    raw[6] = (raw[6] & 0x0F) | 0x70
    raw[8] = (raw[8] & 0x3F) | 0x80
    return str(uuid.UUID(bytes=bytes(raw)))


def test_the_grid_worker_downloads_their_grid_masked_and_never_cached(client, scene, doc):
    assign_verifier(scene, scene.case_a1)
    answer = client.get(f"{API}/grid", headers=bearer(token_for(scene.users["grid_a1"])))
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    body = answer.get_json()
    assert conforms(doc, response_schema(doc, f"{API}/grid", "get", 200), body) == []
    assert [h["id"] for h in body["households"]] == [scene.h_a1]
    assert body["households"][0]["members"][0]["phone_masked"] == "138****1111"
    assert PHONE not in answer.get_data(as_text=True)
    assert [(c["id"], c["verifying"]) for c in body["cases"]] == [(scene.case_a1, True)]
    assert {q["key"] for q in body["form"]["questions"]} >= {"housing_safe", "should_monitor"}
    assert body["truncated"] is False and body["limit"] == 500


def test_only_grid_workers_download_a_grid(client, scene):
    answer = client.get(f"{API}/grid", headers=bearer(token_for(scene.users["village_a"])))
    assert_error(answer, 403, "forbidden")


def test_a_deactivated_account_gets_401_from_the_grid_and_the_numbers(client, scene):
    token = token_for(scene.users["grid_a1"])
    users.deactivate(user(scene.users["grid_a1"]), user(scene.users["admin"]))
    db.session.commit()
    assert_error(client.get(f"{API}/grid", headers=bearer(token)), 401, "unauthorized")
    assert_error(client.get(f"{API}/households/{scene.h_a1}/phones", headers=bearer(token)), 401, "unauthorized")


def test_the_h5_session_of_a_deactivated_account_gets_401(app, scene):
    phone = app.test_client()
    assert phone.post("/login", data={"login": "grid_a1", "password": factories.PASSWORD}).status_code == 302
    h5 = {"X-Shoudi-Client": "h5"}
    assert phone.get(f"{API}/grid", headers=h5).status_code == 200
    users.deactivate(user(scene.users["grid_a1"]), user(scene.users["admin"]))
    db.session.commit()
    assert_error(phone.get(f"{API}/grid", headers=h5), 401, "unauthorized")


def test_the_assigned_worker_gets_the_numbers_in_full_never_cached(client, scene, doc):
    answer = client.get(f"{API}/households/{scene.h_a1}/phones", headers=bearer(token_for(scene.users["grid_a1"])))
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    body = answer.get_json()
    assert conforms(doc, response_schema(doc, f"{API}/households/{{household_id}}/phones", "get", 200), body) == []
    assert [n["phone"] for n in body["items"]] == [PHONE]


def test_numbers_outside_scope_are_404_and_for_staff_not_assigned_403(client, scene):
    grid = bearer(token_for(scene.users["grid_a1"]))
    for household_id in (scene.h_a2, scene.h_b, scene.h_a, 2**31 - 1, 2**40):
        assert_error(client.get(f"{API}/households/{household_id}/phones", headers=grid), 404, "not_found")
    village = bearer(token_for(scene.users["village_a"]))
    assert_error(client.get(f"{API}/households/{scene.h_a1}/phones", headers=village), 403, "forbidden")


def test_the_case_named_must_be_of_that_household_and_a_valid_id(client, scene):
    assign_verifier(scene, scene.case_a1)
    grid = bearer(token_for(scene.users["grid_a1"]))
    url = f"{API}/households/{scene.h_a1}/phones"
    assert client.get(f"{url}?case_id={scene.case_a1}", headers=grid).status_code == 200
    assert_error(client.get(f"{url}?case_id={scene.case_a2}", headers=grid), 404, "not_found")
    for bad in ("0", "-1", str(2**40), "x", "NaN"):
        assert_error(client.get(f"{url}?case_id={bad}", headers=grid), 400, "invalid", {"case_id"})
    assert_error(client.get(f"{url}?case_id=1%00", headers=grid), 400, "bad_request")


def test_the_server_accepts_time_ordered_uuids(client, scene):
    grid = bearer(token_for(scene.users["grid_a1"]))
    made = _uuid7()
    assert uuid.UUID(made).version == 7
    answer = client.post(f"{API}/visits", json=visit_body(scene.h_a1, client_uuid=made), headers=grid)
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["client_uuid"] == made and visits_with(made) == 1
