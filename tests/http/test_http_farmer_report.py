import io
import threading
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from core import clock
from core.extensions import db
from domain.consent import CONSENT_VERSION
from conftest import make_app
from farmer_support import ID_NUMBER, PHONE, form_token, jpeg, lookup_code, report_data, world_committed
from http_support import login
from models import Case, CaseEvent, EventEvidence, FormSubmission
from services.accounts import scoping
import factories


def _cases():
    return db.session.execute(select(Case)).scalars().all()


def test_a_report_lands_in_the_village_queue_with_its_clock(client):
    world = world_committed()
    token = form_token(client, world.village_a.code)
    response = client.post("/report", data=report_data(token, world.village_a.code, urgent="yes"))
    assert response.status_code == 302 and response.headers["Location"].endswith("/report/done")
    code = lookup_code(client)
    assert code and len(code) == 9 and code[4] == "-"
    [case] = _cases()
    assert (case.state, case.source, case.urgent) == ("reported", "self_report", True)
    assert case.risk_types == ["illness", "schooling"]
    assert case.due_date == clock.today() + timedelta(days=15) and case.deadline_kind == "identification"
    assert case.reported_by_id is None and case.lookup_code == code.replace("-", "")
    village_staff = world.users["village_a"]
    assert [c.id for c in db.session.execute(scoping.cases(village_staff)).scalars()] == [case.id]
    assert db.session.execute(scoping.cases(world.users["village_b"])).first() is None


def test_the_form_asks_at_most_six_required_things_and_works_without_javascript(client):
    world = world_committed()
    page = client.get(f"/report?village={world.village_a.code}").get_data(as_text=True)
    assert f'value="{world.village_a.code}" selected' in page  # pre-set from the QR
    assert "是否因灾、因病、因意外等突然出现严重困难？" in page and "敏感信息" in page
    assert 'enctype="multipart/form-data"' in page and 'type="submit"' in page


def test_errors_are_shown_beside_fields_and_nothing_typed_is_lost(client):
    world = world_committed()
    token = form_token(client, world.village_a.code)
    data = report_data(token, world.village_a.code, id_number="110105194912310021", consent="",
                       description="家里房子漏雨", income="约一万")
    data["photos"] = [(io.BytesIO(jpeg()), "bill.jpg")]
    response = client.post("/report", data=data, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="err-id_number" role="alert">身份证号校验位不正确' in page
    assert 'id="err-consent" role="alert">需要您同意后才能提交' in page
    assert 'id="err-income" role="alert">收入请填数字' in page
    for typed in ("王大山", "110105194912310021", PHONE, "家里房子漏雨", "约一万"):
        assert typed in page
    assert 'value="illness" checked' in page and 'value="no" checked' in page
    assert "已收到1张照片，不用再选" in page and f'value="{token}"' in page
    assert _cases() == []
    # corrected: the kept photo goes with the report
    client.post("/report", data=report_data(token, world.village_a.code))
    [case] = _cases()
    assert len(case.events[0].evidence) == 1


def test_double_tap_and_resend_make_one_case(client):
    world = world_committed()
    token = form_token(client, world.village_a.code)
    data = report_data(token, world.village_a.code)
    first = client.post("/report", data=data)
    code = lookup_code(client)
    second = client.post("/report", data=data)
    assert first.status_code == second.status_code == 302
    assert lookup_code(client) == code and len(_cases()) == 1


def test_simultaneous_posts_of_one_form_make_one_case(database_url, tmp_path):
    """Two threads post the same form at once; the unique token row decides."""
    app = make_app(database_url, tmp_path)
    with app.app_context():  # the schema is in place; the database_url fixture empties it
        world = factories.build_world()
        db.session.commit()
        village = world.village_a.code
    token = "t" * 32
    results = []
    barrier = threading.Barrier(4)

    def post():
        client = app.test_client()
        barrier.wait()
        results.append(client.post("/report", data=report_data(token, village)).status_code)

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with app.app_context():
        assert results == [302] * 4
        assert db.session.execute(select(func.count(Case.id))).scalar_one() == 1
        assert db.session.execute(select(func.count(FormSubmission.id))).scalar_one() == 1
        db.session.remove()
        db.engine.dispose()


def test_a_second_report_joins_the_open_case_and_keeps_a_code_of_its_own(client):
    world = world_committed()
    client.post("/report", data=report_data(form_token(client), world.village_a.code))
    code = lookup_code(client)
    again = report_data(form_token(client), world.village_a.code, hardships=["disaster"],
                        description="又遭了水灾", urgent="yes")
    client.post("/report", data=again)
    page = client.get("/report/done").get_data(as_text=True)
    second = lookup_code(client)
    assert "并到" not in page and second and second != code  # answered as any report is
    db.session.expire_all()
    case, kept = sorted(_cases(), key=lambda c: c.id)
    assert case.state == "reported" and case.urgent and set(case.risk_types) == {"illness", "schooling", "disaster"}
    joined = case.events[-1]
    assert joined.data["joined_report"] == "self_report" and joined.data["merged_case"] == kept.id
    assert joined.comment == "又遭了水灾" and joined.data["consent"]["channel"] == "self_report"
    # the second report, kept as a record of its own, merged into the open case from the start
    assert (kept.state, kept.merged_into_id, kept.due_date) == ("merged", case.id, None)
    assert kept.lookup_code == second.replace("-", "") and kept.reporter_words == "又遭了水灾"
    # the same phone: the family follows its case with either code
    for typed in (code, second):
        text = client.post("/track", data={"code": typed, "phone_tail": PHONE[-4:]}).get_data(as_text=True)
        assert '<li class="current">已受理</li>' in text


def test_report_for_a_registered_household_is_matched_to_it(client, today):
    world = world_committed()
    household = factories.household(world.grid_a1, today, id_number=ID_NUMBER)
    db.session.commit()
    client.post("/report", data=report_data(form_token(client), world.village_b.code))
    [case] = _cases()
    assert case.household_id == household.id and case.region_id == world.grid_a1.id


def test_grid_worker_reports_on_a_farmers_behalf(client):
    world = world_committed()
    login(client, "grid_a1")
    page = client.get(f"/report?village={world.village_a.code}").get_data(as_text=True)
    assert "代申报" in page
    client.post("/report", data=report_data(form_token(client), world.village_a.code))
    [case] = _cases()
    assert case.source == "proxy_report" and case.reported_by_id == world.users["grid_a1"].id
    assert case.events[0].actor_id == world.users["grid_a1"].id
    refused = client.post("/report", data=report_data(form_token(client), world.village_b.code,
                                                      id_number=factories.new_id()))
    assert refused.status_code == 400 and "只能为自己负责的村代申报" in refused.get_data(as_text=True)


@pytest.mark.parametrize("upload, message", [
    (b"<html>not a photo</html>", "不是有效的照片"),
    (b"", None),
])
def test_bad_uploads_are_refused_beside_the_field(client, upload, message):
    world = world_committed()
    data = report_data(form_token(client), world.village_a.code)
    data["photos"] = [(io.BytesIO(upload), "photo.jpg")]
    response = client.post("/report", data=data, content_type="multipart/form-data")
    if message is None:  # an empty file input is no photo at all
        assert response.status_code == 302
    else:
        assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_more_than_three_photos_are_refused(client):
    world = world_committed()
    data = report_data(form_token(client), world.village_a.code)
    data["photos"] = [(io.BytesIO(jpeg((50, 50))), f"{i}.jpg") for i in range(4)]
    response = client.post("/report", data=data, content_type="multipart/form-data")
    assert response.status_code == 400 and "最多上传3张照片" in response.get_data(as_text=True)


def test_photos_are_reencoded_without_exif_under_server_names(client, app):
    world = world_committed()
    exif = Image.Exif()
    exif[0x010F] = "SecretPhoneMaker"
    exif[0x8825] = {1: "N", 2: (31.0, 45.0, 0.0)}
    data = report_data(form_token(client), world.village_a.code)
    data["photos"] = [(io.BytesIO(jpeg(exif=exif.tobytes())), "王大山的医院发票.jpg")]
    client.post("/report", data=data, content_type="multipart/form-data")
    [stored] = db.session.execute(select(EventEvidence)).scalars().all()
    assert "王大山" not in stored.stored_name and stored.content_type == "image/jpeg"
    with open(f"{app.config['SHOUDI_UPLOAD_FOLDER']}/{stored.stored_name}", "rb") as fh:
        content = fh.read()
    assert b"SecretPhoneMaker" not in content and b"Exif" not in content
    assert max(Image.open(io.BytesIO(content)).size) == 1600


def test_done_page_without_a_report_goes_back_to_the_form(client):
    assert client.get("/report/done").status_code == 302


def test_events_record_no_actor_for_a_farmers_own_report(client):
    world = world_committed()
    client.post("/report", data=report_data(form_token(client), world.village_a.code))
    event = db.session.execute(select(CaseEvent)).scalar_one()
    assert event.actor_id is None and event.actor_role is None
    assert event.data == {"source": "self_report", "consent": {
        "at": event.data["consent"]["at"], "version": CONSENT_VERSION, "channel": "self_report"}}
