"""A visit's proof through the use case: its time judged against its arrival (future, before its
clue, older than the region's setting), late arrivals recorded with both times, GPS checked, and
the drawn signature decoded before it is stored."""
from __future__ import annotations

import io
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image
from sqlalchemy import func, select

from core import clock
from core.extensions import db
from core.filestore import store
from domain import visit_proof
from domain.enums import CaseSource
from domain.workflow import Action
from factories import build_world, household
from files_support import data_url, signature_png
from models import Visit
from services.errors import NotFound, ValidationFailed
from services.fieldwork import visits
from services.fieldwork.visits import VisitInput
from services.regions import settings
from services.workflow import cases
from services.workflow.cases import StepInput

ARRIVED = datetime.now(timezone.utc).replace(microsecond=0)


@pytest.fixture
def world(app):
    return build_world()


def _visit(household_id, visited_at: datetime | str, **kw) -> VisitInput:
    at = visited_at if isinstance(visited_at, str) else visited_at.isoformat()
    return VisitInput(client_uuid=str(uuid.uuid4()), household_id=household_id, method="home", visited_at=at,
                      answers={"should_monitor": "no"}, household_size=2, **kw)


def _count() -> int:
    return db.session.execute(select(func.count(Visit.id))).scalar_one()


def _refused(worker, data, now=ARRIVED) -> dict:
    before = _count()
    with pytest.raises(ValidationFailed) as info:
        visits.record_visit(worker, data, now=now)
    assert _count() == before
    return info.value.fields


def test_a_visit_dated_2019_is_refused_with_a_clear_message(world, today):
    h = household(world.grid_a1, today)
    fields = _refused(world.users["grid_a1"], _visit(h.id, "2019-01-01T09:00:00+08:00"))
    assert fields == {"visited_at": "这次走访（2019-01-01）距今已超过14天，不能再补录；请重新走访后记录"}


def test_the_regions_setting_decides_how_late_a_visit_may_arrive(world, today):
    worker = world.users["grid_a1"]
    h = household(world.grid_a1, today)
    visit, created = visits.record_visit(worker, _visit(h.id, ARRIVED - timedelta(days=14)), now=ARRIVED)
    assert created and visit.created_at == ARRIVED
    assert "超过14天" in _refused(worker, _visit(h.id, ARRIVED - timedelta(days=14, minutes=1)))["visited_at"]
    settings.set_policy(world.users["county"], world.county, "visit_max_delay_days", "30")
    db.session.commit()
    visit, created = visits.record_visit(worker, _visit(h.id, ARRIVED - timedelta(days=20)), now=ARRIVED)
    assert created


def test_a_late_visit_is_recorded_with_both_times(world, today):
    h = household(world.grid_a1, today)
    made = ARRIVED - timedelta(days=3)
    visit, _ = visits.record_visit(world.users["grid_a1"], _visit(h.id, made), now=ARRIVED)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Visit, visit.id)
    assert stored.visited_at == made and stored.created_at == ARRIVED
    assert visit_proof.is_late(stored.visited_at, stored.created_at)


def test_a_time_in_the_future_beyond_the_margin_is_refused(world, today):
    worker = world.users["grid_a1"]
    h = household(world.grid_a1, today)
    visit, _ = visits.record_visit(worker, _visit(h.id, ARRIVED + timedelta(minutes=9)), now=ARRIVED)
    assert visit.visited_at == ARRIVED  # a clock running fast: the visit cannot be later than its arrival
    assert "晚于现在" in _refused_again(worker, _visit(h.id, ARRIVED + timedelta(minutes=11)))


def _refused_again(worker, data) -> str:
    with pytest.raises(ValidationFailed) as info:
        visits.record_visit(worker, data, now=ARRIVED)
    return info.value.fields["visited_at"]


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "1999-12-31T12:00:00+00:00",
                                  "2026-11-20", "2026-11-20T09:00", "yesterday", "", "2026-02-30T09:00:00+08:00"])
def test_times_that_are_no_time_are_refused_beside_the_field(world, today, text):
    h = household(world.grid_a1, today)
    fields = _refused(world.users["grid_a1"], _visit(h.id, text))
    assert set(fields) == {"visited_at"}


def test_a_visit_before_its_clue_was_found_is_refused(world, today):
    worker, village = world.users["grid_a1"], world.users["village_a"]
    h = household(world.grid_a1, today)
    found_on = clock.today()
    case = cases.open_case(None, h.region, CaseSource.SELF_REPORT, today=found_on, household=h)
    cases.perform(village, case.id, Action.ACCEPT, StepInput(), today=found_on)
    cases.perform(village, case.id, Action.ASSIGN_VERIFIER, StepInput(assignee_id=worker.id), today=found_on)
    db.session.commit()
    day_before = datetime.combine(found_on - timedelta(days=1), datetime.min.time(), tzinfo=clock.WORK_TZ).replace(hour=20)
    with pytest.raises(ValidationFailed) as info:
        visits.record_visit(worker, _visit(h.id, day_before, case_id=case.id))
    assert info.value.fields["visited_at"] == (f"走访日期（{found_on - timedelta(days=1)}）早于这条线索的发现日期"
                                               f"（{found_on}），请检查走访时间")
    assert case.state == "verifying"


def test_an_old_visit_for_a_household_out_of_scope_is_not_found_not_explained(world, today):
    """Reading the region's setting must not tell an outsider anything a 404 would not."""
    other = household(world.grid_a2, today)
    with pytest.raises(NotFound):
        visits.record_visit(world.users["grid_a1"], _visit(other.id, ARRIVED - timedelta(days=5)), now=ARRIVED)
    with pytest.raises(NotFound):
        visits.record_visit(world.users["grid_a1"], _visit(other.id, "2019-01-01T09:00:00+08:00"), now=ARRIVED)


def test_a_resend_after_the_delay_has_passed_answers_the_stored_visit(world, today):
    """The phone lost the first answer and sends again weeks later: the visit is already recorded."""
    worker = world.users["grid_a1"]
    h = household(world.grid_a1, today)
    data = _visit(h.id, ARRIVED - timedelta(hours=1))
    first, _ = visits.record_visit(worker, data, now=ARRIVED)
    db.session.commit()
    again, created = visits.record_visit(worker, data, now=ARRIVED + timedelta(days=40))
    assert not created and again.id == first.id


@pytest.mark.parametrize("gps", [
    {"lat": float("nan"), "lng": 117.2, "accuracy": 10}, {"lat": 30.5, "lng": float("inf")},
    {"lat": 91, "lng": 0}, {"lat": "北纬30", "lng": 117}, {"lat": 30.5}, [30.5, 117.2], "30.5,117.2",
    {"lat": 30.5, "lng": 117.2, "accuracy": -5}, {"lat": 30.5, "lng": 117.2, "accuracy": float("nan")},
    {"lat": None, "lng": None},
])
def test_gps_that_is_no_position_is_refused_beside_the_field(world, today, gps):
    h = household(world.grid_a1, today)
    assert _refused(world.users["grid_a1"], _visit(h.id, ARRIVED, gps=gps)) == {"gps": "定位数据无效"}


def test_gps_is_kept_with_its_accuracy(world, today):
    h = household(world.grid_a1, today)
    visit, _ = visits.record_visit(world.users["grid_a1"], _visit(
        h.id, ARRIVED, gps={"lat": 31.7, "lng": 116.5, "accuracy": 24.6}), now=ARRIVED)
    db.session.commit()
    db.session.expire_all()
    position = visit_proof.stored_position(db.session.get(Visit, visit.id).gps)
    assert position.words() == "北纬31.700000°，东经116.500000°，精度约25米"


@pytest.mark.parametrize("value, message", [
    ("data:image/png;base64,AAAA", "签名图片格式不对，请清除后重新签字"),
    (data_url(b"\x89PNG\r\n\x1a\n<html></html>"), "签名图片格式不对，请清除后重新签字"),
    (data_url(signature_png(blank=True)), "签名是空白的，请让签字人在框内签字"),
    (data_url(signature_png((2400, 600))), "签名图片太大，请清除后重新签字"),
], ids=["short-base64", "png-html", "blank", "too-wide"])
def test_a_malformed_signature_is_refused_and_nothing_is_stored(world, today, value, message):
    h = household(world.grid_a1, today)
    fields = _refused(world.users["grid_a1"], _visit(h.id, ARRIVED, signature_png=value, signer_name="王大山"))
    assert fields == {"signature_png": message}
    assert list(store().list("signatures/")) == []


def test_the_signature_is_stored_decoded_and_redrawn(world, today):
    h = household(world.grid_a1, today)
    raw = signature_png((600, 240)) + b"<script>alert(1)</script>"
    visit, _ = visits.record_visit(world.users["grid_a1"], _visit(
        h.id, ARRIVED, signature_png=data_url(raw), signer_name="王大山"), now=ARRIVED)
    stored = store().get(visit.signature_file)
    assert b"script" not in stored
    img = Image.open(io.BytesIO(stored))
    assert (img.format, img.mode, img.size) == ("PNG", "L", (600, 240))


def test_the_signature_is_served_only_in_scope(world, today):
    h = household(world.grid_a1, today)
    visit, _ = visits.record_visit(world.users["grid_a1"], _visit(
        h.id, ARRIVED, signature_png=data_url(signature_png()), signer_name="王大山"), now=ARRIVED)
    plain, _ = visits.record_visit(world.users["grid_a1"], _visit(h.id, ARRIVED), now=ARRIVED)
    db.session.commit()
    served = visits.visit_signature_file(world.users["village_a"], visit.id)
    assert served.content_type == "image/png" and served.content.startswith(b"\x89PNG")
    assert visits.signature_file(world.users["grid_a1"], visit.client_uuid).content == served.content
    for who, visit_id in (("grid_b1", visit.id), ("village_b", visit.id), ("village_a", plain.id),
                          ("village_a", 999_999)):
        with pytest.raises(NotFound):
            visits.visit_signature_file(world.users[who], visit_id)
    with pytest.raises(NotFound):
        visits.signature_file(world.users["grid_a1"], plain.client_uuid)
