"""The file store's housekeeping: the sweep deletes only old files no row refers to, and a
file is deleted after the deletion commits, never when the unit of work rolls back."""
from __future__ import annotations

import io
import os
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image
from sqlalchemy import select

import factories
from files_support import data_url, signature_png
from core.extensions import db
from core.filestore import new_key, store
from domain.enums import CaseSource
from domain.selfreport import ReportInput
from models import AuditArchive, Case, Job, LedgerItem, OutboxItem, ScreeningRound
from s3_support import s3_config, s3_server  # noqa: F401
from services.errors import ValidationFailed
from services.farmer import selfreport
from services.fieldwork import visits
from services.fieldwork.visits import VisitInput
from shoudi import consumer
from services.platform import files, outbox
from services.workflow import cases
from services.workflow.cases import Evidence

NOW = datetime.now(timezone.utc)
DAY = timedelta(days=1)


def _jpeg(colour: str = "red") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buf, "JPEG")
    return buf.getvalue()


def _png_data_url() -> str:
    return data_url(signature_png((120, 48)))


def _age(app, *keys: str, by: timedelta = 2 * DAY) -> None:
    """Make files in the local store look older (the sweep reads their modification time)."""
    when = (NOW - by).timestamp()
    for key in keys:
        os.utime(os.path.join(app.config["SHOUDI_UPLOAD_FOLDER"], *key.split("/")), (when, when))


def _stored() -> set[str]:
    return {key for key, _ in store().list()}


def _run_outbox() -> None:
    """Carry out what the outbox still holds (the tests' queue may already have done it)."""
    for item_id in db.session.execute(select(OutboxItem.id).where(OutboxItem.dispatched_at.is_(None))).scalars():
        consumer.dispatch(item_id)


def _referring_rows(today) -> set[str]:
    """One row of every kind that refers to a file; returns the keys they refer to."""
    world = factories.build_world()
    grid = world.users["grid_a1"]
    household = factories.household(world.grid_a1, today)
    photo, _ = visits.upload_photo(grid, str(uuid.uuid4()), _jpeg())
    visit, _ = visits.record_visit(grid, VisitInput(
        client_uuid=str(uuid.uuid4()), household_id=household.id, method="home",
        visited_at=NOW.isoformat(), photos=[photo.client_uuid], signature_png=_png_data_url(),
        signer_name="户主"))
    case = cases.open_case(None, world.village_a, CaseSource.SELF_REPORT, today=today, household=household,
                           evidence=[Evidence("申报照片1", _jpeg("blue"), "image/jpeg")])
    result = new_key("exports", ".pdf")
    store().put(result, b"%PDF-1.4", "application/pdf")
    db.session.add(Job(kind="township_sheets", state="done", params={}, done=1, total=1, result_key=result,
                       result_name="乡镇明白纸.pdf", result_type="application/pdf"))
    archive = new_key("audit", ".gz")  # named by its archive run only, no job
    store().put(archive, b"\x1f\x8b", "application/gzip")
    db.session.add(AuditArchive(first_id=1, last_id=1, entries=1, cutoff=NOW, file_key=archive))
    proof = new_key("evidence", ".jpg")  # a rectification's evidence (附件4)
    store().put(proof, _jpeg("green"), "image/jpeg")
    campaign = ScreeningRound(county=world.county, name="集中排查", starts_on=today, ends_on=today)
    db.session.add(LedgerItem(round=campaign, region=world.village_a, unit="青山村", problem_type="other",
                              problem="村道破损", measure="修复", responsible_name="王磊", deadline=today,
                              state="fixed", fixed_on=today, evidence_key=proof, evidence_type="image/jpeg"))
    db.session.commit()
    [evidence] = case.events[0].evidence
    return {photo.stored_name, photo.thumb_name, visit.signature_file, evidence.stored_name, result, archive, proof}


# --- the sweep -----------------------------------------------------------------------------------

def test_sweep_keeps_referred_files_and_new_orphans_and_deletes_old_orphans(app, today):
    referred = _referring_rows(today)
    assert len(referred) == 7 and referred <= _stored()
    old_orphans = {new_key("photos", ".jpg"), new_key("evidence", ".pdf"), "pending/0f3c/0.jpg"}
    new_orphan = new_key("thumbs", ".jpg")
    for key in old_orphans | {new_orphan}:
        store().put(key, b"left over")
    stray = os.path.join(app.config["SHOUDI_UPLOAD_FOLDER"], "README.TXT")  # not a server-made key
    with open(stray, "wb") as fh:
        fh.write(b"an operator's note")
    _age(app, *referred, *old_orphans, "README.TXT")
    calls = []

    deleted = files.sweep_orphans(NOW, progress=lambda done, total: calls.append((done, total)))

    assert deleted == 3
    assert _stored() == referred | {new_orphan, "README.TXT"}
    assert calls[0] == (0, 10) and calls[-1] == (10, 10)
    assert not os.path.exists(os.path.join(app.config["SHOUDI_UPLOAD_FOLDER"], "pending"))
    # The referred files are still served.
    assert all(store().get(key) for key in referred)
    assert files.sweep_orphans(NOW) == 0


def test_sweep_age_is_a_parameter(app):
    key = new_key("photos", ".jpg")
    store().put(key, b"left over")
    _age(app, key, by=timedelta(hours=3))
    assert files.sweep_orphans(NOW) == 0
    assert files.sweep_orphans(NOW, older_than=timedelta(hours=2)) == 1
    assert _stored() == set()


@pytest.fixture
def app_config(request):
    """The S3 variant runs this module's ``app`` on a bucket of the local S3 server."""
    if "s3" in request.node.name:
        return request.getfixturevalue("s3_config")
    return {}


def test_sweep_on_s3(app, today):
    referred = _referring_rows(today)
    orphan = new_key("photos", ".jpg")
    store().put(orphan, b"left over")
    assert files.sweep_orphans(NOW) == 0  # everything is younger than a day
    assert files.sweep_orphans(NOW + 2 * DAY) == 1  # two days on: only the orphan goes
    assert _stored() == referred


# --- deleting after commit -----------------------------------------------------------------------

def test_a_rolled_back_deletion_deletes_nothing(app):
    key = new_key("evidence", ".pdf")
    store().put(key, b"%PDF")
    files.delete_after_commit([key])
    assert store().exists(key)  # nothing happens before the commit
    db.session.rollback()
    _run_outbox()
    assert store().exists(key)
    assert db.session.execute(select(OutboxItem)).scalars().all() == []

    files.delete_after_commit([key])
    assert store().exists(key)
    db.session.commit()
    _run_outbox()
    assert not store().exists(key)


def test_a_deletion_keeps_a_file_a_row_still_refers_to(app, today):
    referred = _referring_rows(today)
    files.delete_after_commit(referred)
    db.session.commit()
    _run_outbox()
    assert referred <= _stored()


def test_deletion_refuses_keys_the_server_did_not_make(app):
    with pytest.raises(ValueError):
        files.delete_after_commit(["../instance/shoudi.env"])


def _report(village_code: str, **changes) -> ReportInput:
    values = dict(name="王大山", id_number="11010519491231002X", phone="13812345678",
                  village_code=village_code, hardships=["illness"], description="老伴住院花了五万多",
                  consent=True, urgent="no")
    values.update(changes)
    return ReportInput(**values)


def test_a_forms_kept_photos_go_only_when_the_report_commits(app, today):
    world = factories.build_world()
    db.session.commit()
    code = world.village_a.code
    token = selfreport.new_form_token()
    with pytest.raises(ValidationFailed):  # a mistake: the photo is kept with the form
        selfreport.submit(_report(code, consent=False), [_jpeg()], token, today)
    db.session.rollback()
    [kept] = [key for key in _stored() if key.startswith("pending/")]
    assert token not in kept and selfreport.pending_photo_count(token) == 1

    selfreport.submit(_report(code), [], token, today)  # accepted, then the request fails
    assert store().exists(kept)
    db.session.rollback()
    _run_outbox()
    assert store().exists(kept) and db.session.execute(select(Case)).scalars().all() == []

    selfreport.submit(_report(code), [], token, today)  # accepted and committed
    db.session.commit()
    _run_outbox()
    assert not store().exists(kept) and selfreport.pending_photo_count(token) == 0
    recorded = selfreport.result_for_token(token)  # recorded by the queue once committed
    [evidence] = db.session.get(Case, recorded.case_id).events[0].evidence
    assert store().get(evidence.stored_name).startswith(b"\xff\xd8")


def test_a_forms_kept_photos_go_with_the_report_over_http(client, app):
    world = factories.build_world()
    db.session.commit()
    page = client.get(f"/report?village={world.village_a.code}").get_data(as_text=True)
    token = page.split('name="token" value="', 1)[1].split('"', 1)[0]
    form = {"token": token, "name": "王大山", "id_number": "11010519491231002X", "phone": "13812345678",
            "village_code": world.village_a.code, "hardships": ["illness"], "description": "房子漏雨",
            "urgent": "no", "consent": ""}
    first = client.post("/report", data={**form, "photos": [(io.BytesIO(_jpeg()), "a.jpg")]},
                        content_type="multipart/form-data")
    assert first.status_code == 400 and any(k.startswith("pending/") for k in _stored())
    assert client.post("/report", data={**form, "consent": "yes"}).status_code == 302
    _run_outbox()
    assert not any(k.startswith("pending/") for k in _stored())
    assert any(k.startswith("evidence/") for k in _stored())
