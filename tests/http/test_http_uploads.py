"""Uploads over HTTP: evidence refused beside its field when it is not what it claims to be (a
PNG header followed by HTML, three bytes of JPEG magic, a PDF carrying a script, a broken PDF);
images re-encoded before they are stored; the household's signature shown on the elimination
step and the drawn signature, GPS and a late arrival shown on the household page's visit, to
staff in scope only, every read audited and never cached."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image
from sqlalchemy import select

import factories
from conftest import TODAY
from core.extensions import db
from core.filestore import store
from domain.workflow import CaseState
from elimination_support import helping_case, run_steps
from files_support import PDF, data_url, image, pdf, signature_png
from http_support import audit_rows, signed_in, text_of
from models import Case, EventEvidence
from office_support import drive, new_case
from services.fieldwork import visits
from services.fieldwork.visits import VisitInput

DAY = TODAY - timedelta(days=40)
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"
SCRIPTED_PDF = pdf(catalog="/OpenAction << /S /JavaScript /JS (app.alert(1)) >>")


@pytest.fixture
def world(app):
    world = factories.build_world()
    db.session.commit()
    return world


@pytest.fixture
def on_day(monkeypatch):
    def set_day(day):
        monkeypatch.setattr("portal.office.case_page.today", lambda: day)
    return set_day


def _verify_form(signature) -> dict:
    return {"findings": "收入稳定", "companions": "乡镇干部王某、结对干部", "household_signed": "1", "signed": "1",
            "household_signature": signature}


def _elim_case(world, on_day) -> int:
    case = run_steps(world, helping_case(world, DAY), DAY, 1)  # proposed: the household is to be verified
    db.session.commit()
    on_day(DAY + timedelta(days=1))
    return case.id


def _post(app, who, case_id, action, data):
    return signed_in(app, who).post(f"/cases/{case_id}/steps/{action}", data=data, content_type="multipart/form-data")


def _state(case_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Case, case_id).state


@pytest.mark.parametrize("content, name", [
    (b"\x89PNG\r\n\x1a\n" + HTML, "签字.png"),
    (b"\xff\xd8\xff", "签字.jpg"),
    (image("JPEG", (800, 600))[:2000], "签字.jpg"),
], ids=["png-html-polyglot", "jpeg-magic-only", "truncated-jpeg"])
def test_an_image_that_is_not_one_is_refused_beside_its_field(app, world, on_day, content, name):
    case_id = _elim_case(world, on_day)
    response = _post(app, "grid_a1", case_id, "elim_verify", _verify_form((io.BytesIO(content), name)))
    assert response.status_code == 400
    assert "农户签字认可书已损坏或不是有效的图片，请重新拍照或扫描后上传" in text_of(response)
    assert _state(case_id) == "elim_proposed" and list(store().list("evidence/")) == []


@pytest.mark.parametrize("content, words", [
    (SCRIPTED_PDF, "民主评议会议记录含有脚本、自动操作或嵌入的文件，不能上传"),
    (b"%PDF-1.4\n% not really\n%%EOF\n", "民主评议会议记录已损坏或不完整，无法打开"),
    (PDF[:300], "民主评议会议记录已损坏或不完整，无法打开"),
], ids=["script", "no-pages", "cut-short"])
def test_a_pdf_that_is_broken_or_scripted_is_refused_beside_its_field(app, world, content, words):
    from identification_support import review_form
    case = drive(world, new_case(world, DAY), CaseState.VERIFIED, DAY)
    db.session.commit()
    response = _post(app, "village_a", case.id, "village_review_pass",
                     review_form(review_minutes=(io.BytesIO(content), "评议记录.pdf"), signed="1"))
    assert response.status_code == 400 and words in text_of(response)
    assert _state(case.id) == "verified"


def test_the_households_signature_is_shown_on_the_elimination_step_in_scope(app, world, on_day):
    case_id = _elim_case(world, on_day)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    photo = image("JPEG", (1200, 500), exif=exif) + HTML  # a photo of the signed paper, with bytes after it
    response = _post(app, "grid_a1", case_id, "elim_verify", _verify_form((io.BytesIO(photo), "签字.jpg")))
    assert response.status_code == 302 and _state(case_id) == "elim_verified"
    [item] = db.session.execute(select(EventEvidence).where(EventEvidence.kind == "household_signature")).scalars()
    kept = store().get(item.stored_name)
    assert item.content_type == "image/jpeg" and b"PhoneMaker" not in kept and b"<html" not in kept

    page = text_of(signed_in(app, "village_a").get(f"/cases/{case_id}"))
    assert f'src="/evidence/{item.id}"' in page and 'data-testid="evidence-signature"' in page
    served = signed_in(app, "village_a").get(f"/evidence/{item.id}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg" and served.data == kept
    assert served.headers["Cache-Control"] == "no-store"
    assert audit_rows(object_type="evidence", action="read")
    for outsider in ("village_b", "grid_b1"):
        assert signed_in(app, outsider).get(f"/evidence/{item.id}").status_code == 404


def test_a_pdf_signature_is_listed_not_drawn(app, world, on_day):
    case_id = _elim_case(world, on_day)
    assert _post(app, "grid_a1", case_id, "elim_verify", _verify_form((io.BytesIO(PDF), "签字.pdf"))).status_code == 302
    page = text_of(signed_in(app, "village_a").get(f"/cases/{case_id}"))
    assert "农户签字认可书：签字.pdf" in page and 'data-testid="evidence-signature"' not in page


# --- the household page's visits --------------------------------------------------------------

@pytest.fixture
def visited(world):
    """A visit with GPS and a drawn signature sent at once, and one sent three days late."""
    h = factories.household(world.grid_a1, TODAY)
    worker = world.users["grid_a1"]
    made = datetime(2026, 11, 10, 2, 0, tzinfo=timezone.utc)  # 10:00 in Beijing
    signed, _ = visits.record_visit(worker, VisitInput(
        client_uuid="4f1b3c0e-8a7d-4c2b-9e61-0d5a7b3c2e10", household_id=h.id, method="home",
        visited_at=made.isoformat(), household_size=2, gps={"lat": 31.7, "lng": 116.5, "accuracy": 25},
        signature_png=data_url(signature_png()), signer_name="王大山"), now=made + timedelta(minutes=20))
    late, _ = visits.record_visit(worker, VisitInput(
        client_uuid="9a0c2d4e-6b8f-4a1c-8e3d-5f7a9b1c3d5e", household_id=h.id, method="home",
        visited_at=(made + timedelta(days=1)).isoformat(), household_size=2),
        now=made + timedelta(days=4, hours=6))
    db.session.commit()
    return h.id, signed.id, late.id


def _visit_item(html: str, visit_id: int) -> str:
    start = html.index(f'id="visit-{visit_id}"')
    return html[start:html.index("</li>", html.index("</dl>", start))]


def test_gps_signature_and_a_late_arrival_are_shown_on_the_visit(app, visited):
    household_id, signed_id, late_id = visited
    html = text_of(signed_in(app, "village_a").get(f"/households/{household_id}"))
    signed = _visit_item(html, signed_id)
    assert "北纬31.700000°，东经116.500000°，精度约25米" in signed
    assert f'src="/visits/{signed_id}/signature"' in signed and "补录" not in signed
    late = _visit_item(html, late_id)
    assert 'data-testid="late"' in late and "走访于 2026-11-11 10:00，上传于 2026-11-14 16:00" in late
    assert "北纬" not in late and "/signature" not in late


def test_the_drawn_signature_is_served_in_scope_audited_and_never_cached(app, visited):
    household_id, signed_id, late_id = visited
    served = signed_in(app, "village_a").get(f"/visits/{signed_id}/signature")
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert Image.open(io.BytesIO(served.data)).mode == "L"
    assert served.headers["Cache-Control"] == "no-store"
    [read] = audit_rows(object_type="signature", action="read")
    assert read.object_id == str(signed_id) or int(read.object_id) == signed_id
    for who, visit_id in (("village_b", signed_id), ("grid_b1", signed_id), ("village_a", late_id),
                          ("village_a", 999_999)):
        assert signed_in(app, who).get(f"/visits/{visit_id}/signature").status_code == 404
    assert signed_in(app, "grid_a1").get(f"/visits/{signed_id}/signature").status_code == 200
    assert app.test_client().get(f"/visits/{signed_id}/signature").status_code in (302, 401)
