"""Visits and photos: 201 the first time, 200 with the same body for a resend, 409 for other
content under the same UUID; a visit verifies an assigned case; concurrent resends make one row."""
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from core import clock
from api_support import (API, assert_error, assign_verifier, bearer, build_scene, case_row, jpeg,
                         new_uuid, photos_with, post_json, serving, token_for, upload, user, visit_body,
                         visits_with)
from core.extensions import db
from domain.enums import CaseSource
from domain.workflow import Action
from models import CaseEvent, Household, Visit
from services.fieldwork import visits as visits_service
from services.workflow import cases


@pytest.fixture
def scene(app):
    return build_scene()


@pytest.fixture
def grid(scene):
    return bearer(token_for(scene.users["grid_a1"]))


def test_photo_upload_is_idempotent(client, grid):
    client_uuid, data = new_uuid(), jpeg("red", (900, 600))
    first = upload(client, grid, client_uuid, data)
    assert first.status_code == 201
    body = first.get_json()
    assert body == {"client_uuid": client_uuid, "width": 900, "height": 600,
                    "url": f"{API}/photos/{client_uuid}", "thumb_url": f"{API}/photos/{client_uuid}/thumb"}
    again = upload(client, grid, client_uuid, data)
    assert again.status_code == 200 and again.get_json() == body
    assert_error(upload(client, grid, client_uuid, jpeg("blue", (900, 600))), 409, "conflict")
    assert photos_with(client_uuid) == 1

    image = client.get(body["url"], headers=grid)
    assert image.status_code == 200 and image.mimetype == "image/jpeg" and image.data[:2] == b"\xff\xd8"
    assert image.headers["Cache-Control"] == "no-store"
    thumb = client.get(body["thumb_url"], headers=grid)
    assert thumb.status_code == 200 and len(thumb.data) < len(image.data)


def test_photo_problems_are_400_with_fields(client, grid):
    error = assert_error(upload(client, grid, new_uuid(), b"not an image at all"), 400, "invalid", {"file"})
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["fields"]["file"])  # said in Chinese
    assert_error(upload(client, grid, "not-a-uuid", jpeg()), 400, "invalid", {"client_uuid"})
    missing = client.post(f"{API}/photos", headers=grid, data={"client_uuid": new_uuid()})
    assert_error(missing, 400, "invalid", {"file"})
    assert_error(client.post(f"{API}/photos", headers=grid, data={}), 400, "invalid", {"client_uuid"})


def test_visit_is_idempotent(client, scene, grid):
    photo = new_uuid()
    assert upload(client, grid, photo, jpeg()).status_code == 201
    body = visit_body(scene.h_a1, photos=[photo])
    first = client.post(f"{API}/visits", json=body, headers=grid)
    assert first.status_code == 201, first.get_json()
    created = first.get_json()
    assert created["client_uuid"] == body["client_uuid"] and created["household_id"] == scene.h_a1
    assert created["photos"] == [photo] and created["case_id"] is None and created["case_state"] is None
    assert created["per_capita_income"] == "13000.25"  # (24000 + 3000.50 - 1000) / 2
    assert created["should_monitor"] is False and created["signed"] is False

    again = client.post(f"{API}/visits", json=body, headers=grid)
    assert again.status_code == 200 and again.get_json() == created
    assert client.get(f"{API}/visits/{body['client_uuid']}", headers=grid).get_json() == created

    changed = {**body, "notes": "补充：户主外出务工"}
    assert_error(client.post(f"{API}/visits", json=changed, headers=grid), 409, "conflict")
    assert visits_with(body["client_uuid"]) == 1


def test_a_visit_verifies_the_assigned_case(client, scene, grid):
    assign_verifier(scene, scene.case_a1)
    body = visit_body(scene.h_a1, case_id=scene.case_a1,
                      answers={"should_monitor": "yes", "sudden_hardship": "yes"})
    answer = client.post(f"{API}/visits", json=body, headers=grid)
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["case_state"] == "verified"

    case = case_row(scene.case_a1)
    assert case.state_enum.label == "已核实待评议"
    assert case.original_verifier_id == scene.users["grid_a1"]
    event = db.session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id)
                               .order_by(CaseEvent.id.desc())).scalars().first()
    assert event.action == Action.VERIFY.value and event.actor_id == scene.users["grid_a1"]
    detail = client.get(f"{API}/cases/{case.id}", headers=grid).get_json()
    assert detail["state_label"] == "已核实待评议" and detail["events"][-1]["action"] == "verify"
    assert client.post(f"{API}/visits", json=body, headers=grid).status_code == 200  # resend: no second step


def test_verifying_a_case_assigned_to_someone_else_is_refused_and_stores_nothing(client, scene, grid):
    """Grid worker A1 reported the clue (so sees it) but the cadre was sent to verify it: the step
    is refused, and neither the visit nor anything else of the request is kept."""
    worker = user(scene.users["grid_a1"])
    reported = cases.open_case(worker, worker.region, CaseSource.GRID_VISIT, today=clock.today(),
                               household=db.session.get(Household, scene.h_a1))
    db.session.commit()
    assign_verifier(scene, reported.id, who="cadre_a")
    body = visit_body(scene.h_a1, case_id=reported.id)
    assert_error(client.post(f"{API}/visits", json=body, headers=grid), 409, "refused")
    assert visits_with(body["client_uuid"]) == 0
    assert case_row(reported.id).state == "verifying"


def test_remote_visit_needs_reached_via(client, scene, grid):
    body = visit_body(scene.h_a1, method="phone", reached_person="户主本人", away_reason="work")
    error = assert_error(client.post(f"{API}/visits", json=body, headers=grid), 400, "invalid", {"reached_via"})
    assert "电话" in error["fields"]["reached_via"]
    assert visits_with(body["client_uuid"]) == 0
    body["reached_via"] = "13800001111"
    assert client.post(f"{API}/visits", json=body, headers=grid).status_code == 201


def test_visit_validation_names_each_field(client, scene, grid):
    body = visit_body(scene.h_a1, method="letter", visited_at="2020-01-01T08:00:00",
                      answers={"water_safe": "maybe", "no_such_question": "yes"}, household_size="two",
                      gps={"lat": 200, "lng": 1})
    first = assert_error(client.post(f"{API}/visits", json=body, headers=grid), 400, "invalid")
    assert set(first["fields"]) == {"household_size"}  # the schema answers first: types
    del body["household_size"]
    second = assert_error(client.post(f"{API}/visits", json=body, headers=grid), 400, "invalid")
    assert set(second["fields"]) == {"method", "visited_at", "answers.water_safe",
                                     "answers.no_such_question", "gps"}
    assert visits_with(body["client_uuid"]) == 0


def test_concurrent_resends_make_one_visit(app, scene, monkeypatch):
    """The phone's queue fires the same visit several times at once (flaky signal, two tabs).

    The checks are slowed down so every request passes them before any inserts: the unique
    constraint on the UUID must settle the race.
    """
    passed = []
    check = visits_service._check

    def slow_check(*args, **kwargs):
        result = check(*args, **kwargs)
        passed.append(True)
        time.sleep(0.3)
        return result

    monkeypatch.setattr(visits_service, "_check", slow_check)
    token = token_for(scene.users["grid_a1"])
    body = visit_body(scene.h_a1)
    n = 8
    barrier = threading.Barrier(n)
    with serving(app) as base:
        def send(_):
            barrier.wait()
            return post_json(f"{base}{API}/visits", body, bearer(token))
        with ThreadPoolExecutor(max_workers=n) as pool:
            answers = list(pool.map(send, range(n)))
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * (n - 1) + [201], answers
    assert len({answer["id"] for _, answer in answers}) == 1
    assert all(answer == answers[0][1] for _, answer in answers)
    assert len(passed) >= 2  # at least two requests really raced to the insert
    assert visits_with(body["client_uuid"]) == 1
    assert db.session.execute(select(Visit.worker_id)).scalars().all() == [scene.users["grid_a1"]]
