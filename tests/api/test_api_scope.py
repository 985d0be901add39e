"""Scope over every endpoint that takes an id: grid worker A1 sees and writes only grid A1's
households and only the cases assigned to it; everything else answers 404, as if it did not exist."""
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from api_support import (API, assert_error, assign_verifier, bearer, build_scene, jpeg, new_uuid,
                         photos_with, token_for, upload, user, visit_body, visits_with)
from core.extensions import db
from files_support import data_url, signature_png
from models import AuditLog
from services.fieldwork import visits
from services.fieldwork.visits import VisitInput


@dataclass(frozen=True)
class Others:
    """Visits and photos made by other staff, in and out of grid A1."""

    visit_in_a1: str    # by village A's staff, about a household of grid A1
    visit_in_a2: str    # by village A's staff, grid A2
    visit_in_b: str     # by the township, village B
    photo_in_a1: str    # attached to visit_in_a1
    photo_in_a2: str    # attached to visit_in_a2
    photo_loose: str    # village A staff's upload, not attached to any visit


def _visit_by(user_id: int, household_id: int, photos=()) -> str:
    body = visit_body(household_id, photos=list(photos), signature_png=data_url(signature_png()),
                      signer_name="户主")
    del body["income"]  # plain JSON numbers are the API's business; services take text
    visits.record_visit(user(user_id), VisitInput(**body))
    return body["client_uuid"]


def _photo_by(user_id: int, colour: str) -> str:
    client_uuid = new_uuid()
    visits.upload_photo(user(user_id), client_uuid, jpeg(colour))
    return client_uuid


@pytest.fixture
def scene(app):
    return build_scene()


@pytest.fixture
def others(scene):
    staff, township = scene.users["village_a"], scene.users["township"]
    p_a1, p_a2, loose = (_photo_by(staff, c) for c in ("red", "green", "blue"))
    others = Others(_visit_by(staff, scene.h_a1, [p_a1]), _visit_by(staff, scene.h_a2, [p_a2]),
                    _visit_by(township, scene.h_b), p_a1, p_a2, loose)
    db.session.commit()
    return others


@pytest.fixture
def grid(scene):
    return bearer(token_for(scene.users["grid_a1"]))


def test_households_by_id(client, scene, grid):
    answer = client.get(f"{API}/households/{scene.h_a1}", headers=grid)
    assert answer.status_code == 200 and answer.get_json()["id"] == scene.h_a1
    for other in (scene.h_a2, scene.h_a, scene.h_b, 999999):
        assert_error(client.get(f"{API}/households/{other}", headers=grid), 404, "not_found")


def test_household_phones_by_id(client, scene, grid):
    answer = client.get(f"{API}/households/{scene.h_a1}/phones", headers=grid)
    assert answer.status_code == 200 and [n["phone"] for n in answer.get_json()["items"]] == ["13800001111"]
    for other in (scene.h_a2, scene.h_a, scene.h_b, 999999):
        assert_error(client.get(f"{API}/households/{other}/phones", headers=grid), 404, "not_found")


def test_household_lists_hold_only_the_grid(client, scene, grid):
    page = client.get(f"{API}/households", headers=grid).get_json()
    assert page["total"] == 1 and [row["id"] for row in page["items"]] == [scene.h_a1]
    found = client.get(f"{API}/households", headers=grid, query_string={"q": "户主"}).get_json()
    assert [row["id"] for row in found["items"]] == [scene.h_a1]  # every head is called 户主…


def test_cases_only_when_assigned(client, scene, grid):
    for case_id in (scene.case_a1, scene.case_a2, scene.case_b):
        assert_error(client.get(f"{API}/cases/{case_id}", headers=grid), 404, "not_found")
    assert client.get(f"{API}/cases", headers=grid).get_json()["total"] == 0

    assign_verifier(scene, scene.case_a1)
    answer = client.get(f"{API}/cases/{scene.case_a1}", headers=grid)
    assert answer.status_code == 200 and answer.get_json()["state"] == "verifying"
    listed = client.get(f"{API}/cases", headers=grid).get_json()
    assert [c["id"] for c in listed["items"]] == [scene.case_a1]
    work = client.get(f"{API}/work", headers=grid).get_json()
    assert [c["id"] for c in work["to_verify"]] == [scene.case_a1]
    for case_id in (scene.case_a2, scene.case_b):
        assert_error(client.get(f"{API}/cases/{case_id}", headers=grid), 404, "not_found")


def test_visits_by_uuid(client, others, grid):
    answer = client.get(f"{API}/visits/{others.visit_in_a1}", headers=grid)
    assert answer.status_code == 200 and answer.get_json()["photos"] == [others.photo_in_a1]
    for other in (others.visit_in_a2, others.visit_in_b, new_uuid()):
        assert_error(client.get(f"{API}/visits/{other}", headers=grid), 404, "not_found")


def test_signatures_by_uuid(client, others, grid):
    answer = client.get(f"{API}/visits/{others.visit_in_a1}/signature", headers=grid)
    assert answer.status_code == 200 and answer.mimetype == "image/png"
    assert answer.headers["Cache-Control"] == "no-store"
    for other in (others.visit_in_a2, others.visit_in_b, new_uuid(), "not-a-uuid"):
        assert_error(client.get(f"{API}/visits/{other}/signature", headers=grid), 404, "not_found")


@pytest.mark.parametrize("suffix", ["", "/thumb"])
def test_photos_by_uuid(client, others, grid, suffix):
    answer = client.get(f"{API}/photos/{others.photo_in_a1}{suffix}", headers=grid)
    assert answer.status_code == 200 and answer.mimetype == "image/jpeg"
    for other in (others.photo_in_a2, others.photo_loose, new_uuid(), "not-a-uuid"):
        assert_error(client.get(f"{API}/photos/{other}{suffix}", headers=grid), 404, "not_found")


@pytest.mark.parametrize("household", ["h_a2", "h_a", "h_b"])
def test_a_visit_outside_the_grid_is_404_and_stores_nothing(client, scene, grid, household):
    body = visit_body(getattr(scene, household))
    audits_before = db.session.execute(select(func.count(AuditLog.id))).scalar_one()
    assert_error(client.post(f"{API}/visits", json=body, headers=grid), 404, "not_found")
    assert visits_with(body["client_uuid"]) == 0
    assert db.session.execute(select(func.count(AuditLog.id))).scalar_one() == audits_before


def test_a_visit_naming_a_case_out_of_reach_is_404(client, scene, grid):
    body = visit_body(scene.h_a1, case_id=scene.case_b)
    assert_error(client.post(f"{API}/visits", json=body, headers=grid), 404, "not_found")
    assert visits_with(body["client_uuid"]) == 0


def test_uuids_of_other_users_cannot_be_reused(client, others, scene, grid):
    """Reusing another worker's UUID neither reveals nor overwrites their record."""
    body = visit_body(scene.h_a1, client_uuid=others.visit_in_a1)
    assert_error(client.post(f"{API}/visits", json=body, headers=grid), 404, "not_found")
    assert_error(upload(client, grid, others.photo_loose, jpeg("blue")), 404, "not_found")
    assert photos_with(others.photo_loose) == 1


def test_a_visit_cannot_carry_photos_of_another_user(client, others, scene, grid):
    body = visit_body(scene.h_a1, photos=[others.photo_loose])
    assert_error(client.post(f"{API}/visits", json=body, headers=grid), 400, "invalid", {"photos"})
    assert visits_with(body["client_uuid"]) == 0


def test_village_staff_see_the_whole_village(client, others, scene):
    staff = bearer(token_for(scene.users["village_a"]))
    for household in (scene.h_a1, scene.h_a2, scene.h_a):
        assert client.get(f"{API}/households/{household}", headers=staff).status_code == 200
    assert_error(client.get(f"{API}/households/{scene.h_b}", headers=staff), 404, "not_found")
    assert client.get(f"{API}/cases/{scene.case_a2}", headers=staff).status_code == 200
    assert_error(client.get(f"{API}/cases/{scene.case_b}", headers=staff), 404, "not_found")
    assert_error(client.get(f"{API}/visits/{others.visit_in_b}", headers=staff), 404, "not_found")
    assert client.get(f"{API}/households", headers=staff).get_json()["total"] == 3


def test_every_endpoint_taking_an_id_is_in_this_matrix():
    """A new endpoint with an id in its path must be added to the tests above."""
    from api.registry import api
    covered = {"/households/<int:household_id>", "/cases/<int:case_id>", "/visits/<client_uuid>",
               "/visits/<client_uuid>/signature", "/photos/<client_uuid>", "/photos/<client_uuid>/thumb"}
    covered |= {"/households/<int:household_id>/phones"}  # test_household_phones_by_id
    covered |= {"/todo/facts/<int:case_id>"}  # tests/api/test_api_todo.py: test_facts_are_audited_and_scoped
    assert {op.rule for op in api.ops if op.auth and "<" in op.rule} == covered
    # ids in bodies: POST /visits (household_id, case_id, photos) and POST /photos (client_uuid);
    # POST /auth/password carries none (only the caller's own passwords), nor POST /me/wechat
    # (a wx.login code, bound to the caller's own account)
    assert {op.rule for op in api.ops if op.auth and op.method == "POST" and (op.body or op.form)} == {
        "/visits", "/photos", "/auth/password", "/me/wechat"}
