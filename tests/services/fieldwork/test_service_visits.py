import base64
import io
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image
from sqlalchemy import func, select, text

from core import clock
from core.extensions import db
from core.filestore import store
from domain.enums import CaseSource
from domain.workflow import Action
from factories import build_world, household
from files_support import signature_png
from models import PhotoUpload, ScreeningRound, Visit
from services.errors import NotFound, ValidationFailed
from services.fieldwork import visits, worklists
from services.fieldwork.visits import Conflict, VisitInput
from services.workflow import cases
from services.workflow.cases import StepInput


def _jpeg(colour="red") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (800, 600), colour).save(buf, "JPEG")
    return buf.getvalue()


def _visit(household_id, **kw) -> VisitInput:
    base = dict(client_uuid=str(uuid.uuid4()), household_id=household_id, method="home",
                visited_at=datetime.now(timezone.utc).isoformat(),
                answers={"housing_safe": "yes", "should_monitor": "no"})
    base.update(kw)
    return VisitInput(**base)


@pytest.fixture
def world(app):
    return build_world()


def test_same_uuid_same_content_returns_the_stored_visit(world, today):
    h = household(world.grid_a1, today)
    data = _visit(h.id)
    first, created = visits.record_visit(world.users["grid_a1"], data)
    db.session.commit()  # the first request's unit of work
    again, created_again = visits.record_visit(world.users["grid_a1"], data)
    assert created and not created_again and again.id == first.id
    with pytest.raises(Conflict):
        visits.record_visit(world.users["grid_a1"], _visit(h.id, client_uuid=data.client_uuid, notes="改了"))
    assert db.session.execute(select(func.count(Visit.id))).scalar_one() == 1


def test_the_unique_constraint_is_what_stops_duplicates(world, today):
    h = household(world.grid_a1, today)
    data = _visit(h.id)
    visits.record_visit(world.users["grid_a1"], data)
    db.session.commit()
    with pytest.raises(Exception):  # a raw second insert with the same UUID is refused by the database
        db.session.execute(text("INSERT INTO visit (client_uuid, payload_sha256, household_id, worker_id, "
                                "method, visited_at, created_at) VALUES (:u, 'x', :h, :w, 'home', :t, :t)"),
                           {"u": data.client_uuid, "h": h.id, "w": world.users["grid_a1"].id,
                            "t": datetime.now(timezone.utc)})
    db.session.rollback()


def test_visit_outside_the_workers_grids_is_not_found(world, today):
    other = household(world.grid_a2, today)
    with pytest.raises(NotFound):
        visits.record_visit(world.users["grid_a1"], _visit(other.id))
    assert db.session.execute(select(func.count(Visit.id))).scalar_one() == 0


def test_remote_visit_needs_who_and_how(world, today):
    h = household(world.grid_a1, today)
    with pytest.raises(ValidationFailed) as info:
        visits.record_visit(world.users["grid_a1"], _visit(h.id, method="qq"))
    assert {"reached_person", "reached_via", "away_reason"} <= set(info.value.fields)


def test_remote_details_are_encrypted_and_income_computed(world, today):
    h = household(world.grid_a1, today, size=3)
    visit, _ = visits.record_visit(world.users["grid_a1"], _visit(
        h.id, method="wechat", reached_person="儿子王小明", reached_via="wxid_wangxm88",
        away_reason="work", income={"wages": "24000", "business_costs": "0"},
        gps={"lat": 31.7, "lng": 116.5, "accuracy": 25}, notes="在上海打工"))
    db.session.commit()
    assert visit.per_capita_income == 8000 and visit.household_size == 3
    raw = " ".join(str(v) for v in db.session.execute(text("SELECT * FROM visit")).one())
    for secret in ("王小明", "wxid_wangxm88", "31.7", "上海", "24000"):
        assert secret not in raw


def test_a_verifying_visit_completes_the_verification_step(world, today):
    h = household(world.grid_a1, today)
    case = cases.open_case(None, h.region, CaseSource.SELF_REPORT, today=clock.today(), household=h)
    v = world.users["village_a"]
    cases.perform(v, case.id, Action.ACCEPT, StepInput(), today=clock.today())
    cases.perform(v, case.id, Action.ASSIGN_VERIFIER, StepInput(assignee_id=world.users["grid_a1"].id),
                  today=clock.today())
    png = "data:image/png;base64," + base64.b64encode(_png()).decode()
    visits.record_visit(world.users["grid_a1"], _visit(h.id, case_id=case.id, signature_png=png,
                                                       signer_name="王大山"))
    assert case.state == "verified" and case.original_verifier_id == world.users["grid_a1"].id
    assert case.events[-1].action == "verify" and case.events[-1].signed


def test_a_resend_with_a_signature_stores_the_image_once(world, today):
    """The image is stored only once the visit's row is in: a resend (a bad network makes many)
    is refused by the unique UUID before anything reaches the file store."""
    worker = world.users["grid_a1"]
    h = household(world.grid_a1, today)
    png = "data:image/png;base64," + base64.b64encode(_png()).decode()
    data = _visit(h.id, signature_png=png, signer_name="王大山")
    first, _ = visits.record_visit(worker, data)
    db.session.commit()
    again, created = visits.record_visit(worker, data)
    assert not created and again.id == first.id
    assert [key for key, _ in store().list("signatures/")] == [first.signature_file]
    stored = Image.open(io.BytesIO(store().get(first.signature_file)))
    assert stored.format == "PNG" and stored.size == (300, 100)


def _png() -> bytes:
    return signature_png((300, 100))


def test_photos_upload_once_and_attach_to_the_visit(world, today):
    worker = world.users["grid_a1"]
    photo_id = str(uuid.uuid4())
    first, created = visits.upload_photo(worker, photo_id, _jpeg())
    again, created_again = visits.upload_photo(worker, photo_id, _jpeg())
    assert created and not created_again and again.id == first.id
    with pytest.raises(Conflict):
        visits.upload_photo(worker, photo_id, _jpeg("blue"))
    h = household(world.grid_a1, today)
    visit, _ = visits.record_visit(worker, _visit(h.id, photos=[photo_id]))
    assert [p.client_uuid for p in visit.photos] == [photo_id]
    with pytest.raises(ValidationFailed):  # a photo not uploaded yet
        visits.record_visit(worker, _visit(h.id, photos=[str(uuid.uuid4())]))
    assert db.session.execute(select(func.count(PhotoUpload.id))).scalar_one() == 1


def test_bad_photo_and_bad_uuid_are_refused(world):
    with pytest.raises(ValidationFailed) as info:
        visits.upload_photo(world.users["grid_a1"], str(uuid.uuid4()), b"not an image")
    assert "不是有效的照片" in info.value.fields["file"]
    with pytest.raises(ValidationFailed):
        visits.upload_photo(world.users["grid_a1"], "../../etc/passwd", _jpeg())


def test_my_work_lists_cases_unvisited_households_and_follow_ups(world, today):
    worker = world.users["grid_a1"]
    h1, h2 = household(world.grid_a1, today), household(world.grid_a1, today)
    household(world.grid_a2, today)  # another grid: never listed
    db.session.add(ScreeningRound(county_id=world.county.id, name="2026年集中排查",
                                  starts_on=clock.today() - timedelta(days=5), ends_on=clock.today() + timedelta(days=20)))
    case = cases.open_case(None, h2.region, CaseSource.SELF_REPORT, today=clock.today() - timedelta(days=20),
                           household=h2)
    v = world.users["village_a"]
    cases.perform(v, case.id, Action.ACCEPT, StepInput(), today=clock.today())
    cases.perform(v, case.id, Action.ASSIGN_VERIFIER, StepInput(assignee_id=worker.id), today=clock.today())
    visits.record_visit(worker, _visit(h1.id, answers={"should_monitor": "yes"}))
    work = worklists.my_work(worker, clock.today())
    assert work.round_name == "2026年集中排查"
    assert [(r.id, r.overdue) for r in work.to_verify] == [(case.id, True)]
    assert work.to_verify[0].days_left == -5
    assert [r.id for r in work.not_visited] == [h2.id]
    assert [r.id for r in work.follow_ups] == [h1.id]


def test_search_by_name_or_tails_within_scope(world, today):
    worker = world.users["grid_a1"]
    mine = household(world.grid_a1, today, phone="13711112222")
    household(world.grid_a2, today, phone="13722222222")
    assert [r.id for r in worklists.search(worker, "2222")] == [mine.id]
    id_tail = mine.head.id_number[-4:]
    assert mine.id in [r.id for r in worklists.search(worker, id_tail)]
    assert [r.id for r in worklists.search(worker, "户主青山村一组")] == [mine.id]
    rows = worklists.search(world.users["village_a"], "2222")
    assert len(rows) == 2 and all("****" in r.phone_masked for r in rows)
    assert worklists.search(worker, "") == [] and worklists.search(worker, "%") == []


def test_a_phone_clock_running_fast_is_not_an_error(world, today):
    """A few minutes ahead is a clock running fast: recorded as the time it arrived. Hours ahead
    is a wrong date (domain.visit_proof): refused."""
    h = household(world.grid_a1, today)
    ahead = (datetime.now(timezone.utc) + timedelta(minutes=5)).isoformat()
    visit, _ = visits.record_visit(world.users["grid_a1"], _visit(h.id, visited_at=ahead))
    assert visit.visited_at <= datetime.now(timezone.utc)
    with pytest.raises(ValidationFailed) as info:
        visits.record_visit(world.users["grid_a1"], _visit(
            h.id, visited_at=(datetime.now(timezone.utc) + timedelta(hours=3)).isoformat()))
    assert "晚于现在" in info.value.fields["visited_at"]
    with pytest.raises(ValidationFailed) as info:
        visits.record_visit(world.users["grid_a1"], _visit(h.id, visited_at="2026-11-20 09:00"))
    assert "时区" in info.value.fields["visited_at"]
