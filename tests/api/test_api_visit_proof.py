"""A visit's proof over the API: times refused with the reason beside visited_at, malformed
signatures and GPS refused with 400 (never a 500), and the answer showing when the record
arrived, whether it came late, where it was made and where its signature is."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from api_support import API, assert_error, bearer, build_scene, token_for, visit_body, visits_with
from core.extensions import db
from files_support import data_url, signature_png
from models import AuditLog


@pytest.fixture
def scene(app):
    return build_scene()


@pytest.fixture
def grid(scene):
    return bearer(token_for(scene.users["grid_a1"]))


def _post(client, grid, body):
    return client.post(f"{API}/visits", json=body, headers=grid)


@pytest.mark.parametrize("visited_at, words", [
    ("2019-01-01T09:00:00+08:00", "这次走访（2019-01-01）距今已超过14天，不能再补录；请重新走访后记录"),
    ((datetime.now(timezone.utc) + timedelta(hours=2)).isoformat(), "晚于现在"),
    ("2026-11-20T09:00:00", "走访时间缺少时区"),
    ("0001-01-01T00:00:00+14:00", "走访时间不对"),
], ids=["2019", "two-hours-ahead", "no-zone", "year-1"])
def test_a_visit_at_an_impossible_time_is_refused_beside_the_field(client, scene, grid, visited_at, words):
    body = visit_body(scene.h_a1, visited_at=visited_at)
    error = assert_error(_post(client, grid, body), 400, "invalid", {"visited_at"})
    assert words in error["fields"]["visited_at"]
    assert visits_with(body["client_uuid"]) == 0


@pytest.mark.parametrize("signature", [
    "data:image/png;base64,AAAA", data_url(b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>"),
    data_url(signature_png(blank=True)), data_url(signature_png((3000, 500))), "data:image/svg+xml;base64,PHN2Zy8+",
    data_url(b"\xff\xd8\xff"), "x" * 10_000,
], ids=["short-base64", "png-html", "blank", "too-wide", "svg", "jpeg-magic", "not-a-data-url"])
def test_a_malformed_signature_is_refused_beside_the_pad(client, scene, grid, signature):
    body = visit_body(scene.h_a1, signature_png=signature, signer_name="王大山")
    assert_error(_post(client, grid, body), 400, "invalid", {"signature_png"})
    assert visits_with(body["client_uuid"]) == 0


@pytest.mark.parametrize("gps", [
    '{"lat": NaN, "lng": 117.2, "accuracy": 12}', '{"lat": 30.5, "lng": Infinity}', '{"lat": 30.5, "lng": -Infinity}',
    '{"lat": 1e400, "lng": 117.2}', '{"lat": 95, "lng": 117.2}', '{"lat": "30.5x", "lng": 117.2}',
    '{"lat": 30.5, "lng": 117.2, "accuracy": -3}', '[30.5, 117.2]', '"30.5,117.2"',
], ids=["nan", "infinity", "minus-infinity", "overflow", "past-the-pole", "not-a-number", "negative-accuracy",
        "a-list", "a-string"])
def test_gps_that_is_no_position_is_a_400_never_a_500(client, scene, grid, gps):
    body = visit_body(scene.h_a1)
    body.pop("gps")
    raw = json.dumps(body)[:-1] + f', "gps": {gps}}}'
    response = client.post(f"{API}/visits", data=raw, content_type="application/json", headers=grid)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert visits_with(body["client_uuid"]) == 0


def test_the_answer_shows_arrival_position_and_signature(client, scene, grid):
    body = visit_body(scene.h_a1, signature_png=data_url(signature_png()), signer_name="王大山",
                      gps={"lat": 31.7, "lng": 116.5, "accuracy": 25})
    answer = _post(client, grid, body)
    assert answer.status_code == 201
    visit = answer.get_json()
    assert visit["late"] is False and visit["received_at"].endswith("+00:00")
    assert visit["gps"] == {"lat": 31.7, "lng": 116.5, "accuracy": 25,
                            "text": "北纬31.700000°，东经116.500000°，精度约25米"}
    assert visit["signature_url"] == f"{API}/visits/{body['client_uuid']}/signature"
    assert client.get(f"{API}/visits/{body['client_uuid']}", headers=grid).get_json() == visit

    image = client.get(visit["signature_url"], headers=grid)
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data.startswith(b"\x89PNG")
    assert image.headers["Cache-Control"] == "no-store"
    db.session.expire_all()
    reads = db.session.execute(select(AuditLog.action).where(AuditLog.object_type == "signature")).scalars().all()
    assert reads == ["read"]


def test_a_visit_without_signature_or_gps_says_so(client, scene, grid):
    body = visit_body(scene.h_a1, gps=None)
    visit = _post(client, grid, body).get_json()
    assert visit["gps"] is None and visit["signature_url"] is None and visit["signed"] is False
    assert_error(client.get(f"{API}/visits/{body['client_uuid']}/signature", headers=grid), 404, "not_found")


def test_a_visit_sent_days_later_is_recorded_as_late(client, scene, grid):
    made = datetime.now(timezone.utc) - timedelta(days=3)
    visit = _post(client, grid, visit_body(scene.h_a1, visited_at=made.isoformat())).get_json()
    assert visit["late"] is True
    assert datetime.fromisoformat(visit["received_at"]) - datetime.fromisoformat(visit["visited_at"]) > timedelta(days=2)
