from datetime import timedelta

import pytest
from sqlalchemy import select

from core import clock
from core.extensions import db
from domain.workflow import Action
from farmer_support import ID_NUMBER, PHONE, form_token, lookup_code, report_data, world_committed
from models import AuditLog, Case, ReviewRequest
import factories
from services.workflow import cases
from services.workflow.cases import StepInput


def _report(client, village_code, **changes):
    client.post("/report", data=report_data(form_token(client), village_code, **changes))
    return lookup_code(client)


def test_code_and_phone_tail_show_the_steps_in_plain_words(client):
    world = world_committed()
    code = _report(client, world.village_a.code)
    page = client.post("/track", data={"code": code.lower(), "phone_tail": PHONE[-4:]})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert '<li class="current">已受理</li>' in text and '<li class="todo">县级确定</li>' in text
    expected = (clock.today() + timedelta(days=15)).strftime("%m月%d日")
    assert f"预计{expected}前办完认定" in text and "tel:12317" in text
    assert "王*山" in text and "王大山" not in text
    assert "11010519491231002X" not in text and PHONE not in text.replace(f"tel:{PHONE}", "")
    entry = db.session.execute(select(AuditLog).where(AuditLog.action == "track")).scalar_one()
    assert entry.user_id is None and entry.object_type == "case"


def test_progress_follows_the_workflow(client, today):
    world = world_committed()
    code = _report(client, world.village_a.code)
    case = db.session.execute(select(Case)).scalar_one()
    village = world.users["village_a"]
    cases.perform(village, case.id, Action.ACCEPT, StepInput(), today=clock.today())
    cases.perform(village, case.id, Action.ASSIGN_VERIFIER,
                  StepInput(assignee_id=world.users["grid_a1"].id), today=clock.today())
    db.session.commit()
    text = client.post("/track", data={"code": code, "phone_tail": PHONE[-4:]}).get_data(as_text=True)
    day = clock.today().strftime("%Y年%m月%d日")
    assert f'<li class="done">已受理<span class="on" data-testid="step-date">{day}</span></li>' in text
    assert '<li class="current">入户核实</li>' in text


def test_a_rejection_shows_its_reason(client):
    world = world_committed()
    code = _report(client, world.village_a.code)
    case = db.session.execute(select(Case)).scalar_one()
    case.state = "county_review"
    db.session.commit()
    cases.perform(world.users["county"], case.id, Action.COUNTY_REJECT,
                  StepInput(reason="家庭人均纯收入高于监测范围"), today=clock.today())
    db.session.commit()
    text = client.post("/track", data={"code": code, "phone_tail": PHONE[-4:]}).get_data(as_text=True)
    assert "未纳入的原因：家庭人均纯收入高于监测范围" in text and "暂未纳入监测" in text
    assert '<li class="refused">县级确定：不予纳入' in text  # where the refusal came, not "未纳入" at the end


@pytest.mark.parametrize("code, tail", [("WRONGCOD", "5678"), (None, "0000"), (None, "56"), ("", "")])
def test_wrong_code_or_tail_gives_one_plain_answer(client, code, tail):
    world = world_committed()
    real = _report(client, world.village_a.code)
    page = client.post("/track", data={"code": code if code is not None else real, "phone_tail": tail})
    assert page.status_code == 404
    assert "查询码或手机号后四位不对" in page.get_data(as_text=True)


@pytest.mark.parametrize("phone, follows", [(PHONE, True), ("13900009999", False)])
def test_a_report_merged_by_staff_follows_the_case_only_for_a_phone_on_file(client, phone, follows):
    """Staff merge a duplicate into an open case: its code shows that case's progress only to a
    phone given for that case; another reporter sees only that their report was received."""
    world = world_committed()
    _report(client, world.village_a.code)
    duplicate = _report(client, world.village_b.code, id_number=factories.new_id(), phone=phone)
    first, second = db.session.execute(select(Case).order_by(Case.id)).scalars().all()
    staff = world.users["township"]
    cases.perform(staff, first.id, Action.ACCEPT, StepInput(), today=clock.today())
    second.claimed_id_number = first.claimed_id_number  # the same person after all
    db.session.commit()
    cases.perform(staff, second.id, Action.MERGE, StepInput(target_case_id=first.id), today=clock.today())
    db.session.commit()
    text = client.post("/track", data={"code": duplicate, "phone_tail": phone[-4:]}).get_data(as_text=True)
    if follows:
        assert '<li class="current">入户核实</li>' in text
    else:
        assert '<li class="current">已受理</li>' in text and "已收到您的申报，村里正在受理" in text


# --- a refusal: the steps taken, and the re-review (申请复核) -------------------------------------

REASON = "家里老人又住院了，开支很大"


def _refused_at_village(client, world):
    code = _report(client, world.village_a.code)
    case = db.session.execute(select(Case)).scalar_one()
    village, grid, day = world.users["village_a"], world.users["grid_a1"], clock.today()
    cases.perform(village, case.id, Action.ACCEPT, StepInput(), today=day)
    cases.perform(village, case.id, Action.ASSIGN_VERIFIER, StepInput(assignee_id=grid.id), today=day)
    cases.perform(grid, case.id, Action.VERIFY, StepInput(), today=day)
    cases.perform(village, case.id, Action.VILLAGE_REVIEW_FAIL, StepInput(
        review={"date": day.isoformat(), "participants": "村两委"}, reason="家庭收入高于监测范围"), today=day)
    db.session.commit()
    return code, case.id


def test_a_refused_case_shows_the_steps_taken_with_their_dates(client):
    world = world_committed()
    code, _ = _refused_at_village(client, world)
    text = client.post("/track", data={"code": code, "phone_tail": PHONE[-4:]}).get_data(as_text=True)
    day = clock.today().strftime("%Y年%m月%d日")
    assert f'<li class="done">已受理<span class="on" data-testid="step-date">{day}</span></li>' in text
    assert f'<li class="done">入户核实<span class="on" data-testid="step-date">{day}</span></li>' in text
    assert f'<li class="refused">村级评议未通过<span class="on" data-testid="step-date">{day}</span></li>' in text
    assert 'class="todo"' not in text and "乡镇审核" not in text  # steps never taken are not listed
    assert "未纳入的原因：家庭收入高于监测范围" in text and 'data-testid="review-form"' in text


def test_the_farmer_asks_for_a_re_review_and_reads_the_answer(client):
    world = world_committed()
    code, case_id = _refused_at_village(client, world)
    asked = client.post("/track/review", data={"code": code, "phone_tail": PHONE[-4:], "reason": REASON})
    text = asked.get_data(as_text=True)
    assert asked.status_code == 200 and asked.headers["Cache-Control"] == "no-store"
    due = (clock.today() + timedelta(days=15)).strftime("%m月%d日")
    assert "已收到您的复核申请" in text and f"乡镇会在{due}前答复" in text and 'data-testid="review-form"' not in text
    request = db.session.execute(select(ReviewRequest)).scalar_one()
    assert request.case_id == case_id and request.reason == REASON
    from services.farmer import reviews
    reviews.decide(world.users["township"], case_id, Action.REVIEW_UPHOLD, "复核了收入，仍高于监测范围",
                   today=clock.today())
    db.session.commit()
    text = client.post("/track", data={"code": code, "phone_tail": PHONE[-4:]}).get_data(as_text=True)
    assert "维持原来的决定" in text and "乡镇的说明：复核了收入，仍高于监测范围" in text
    assert 'data-testid="review-form"' not in text


@pytest.mark.parametrize("reason, message", [("", "请写一写"), ("难" * 600, "500字以内"), ("\x07\x1b ", "请写一写")])
def test_a_bad_reason_is_refused_beside_the_field_with_the_text_kept(client, reason, message):
    world = world_committed()
    code, _ = _refused_at_village(client, world)
    page = client.post("/track/review", data={"code": code, "phone_tail": PHONE[-4:], "reason": reason})
    text = page.get_data(as_text=True)
    assert page.status_code == 400 and message in text and 'id="err-reason" role="alert"' in text
    assert db.session.execute(select(ReviewRequest)).first() is None


def test_a_re_review_with_a_wrong_code_gives_the_lookup_answer(client):
    world = world_committed()
    code, _ = _refused_at_village(client, world)
    page = client.post("/track/review", data={"code": code, "phone_tail": "0000", "reason": REASON})
    assert page.status_code == 404 and "查询码或手机号后四位不对" in page.get_data(as_text=True)
    assert db.session.execute(select(ReviewRequest)).first() is None


def test_an_open_case_offers_no_re_review(client):
    world = world_committed()
    code = _report(client, world.village_a.code)
    text = client.post("/track", data={"code": code, "phone_tail": PHONE[-4:]}).get_data(as_text=True)
    assert 'data-testid="review-form"' not in text
    refused = client.post("/track/review", data={"code": code, "phone_tail": PHONE[-4:], "reason": REASON})
    assert refused.status_code == 400 and "只有未纳入的申报才能申请复核" in refused.get_data(as_text=True)


# --- a lost lookup code -----------------------------------------------------------------------------

def test_a_lost_code_is_found_with_the_id_number_and_phone(client):
    world = world_committed()
    code = _report(client, world.village_a.code)
    assert "用身份证号和手机号找回" in client.get("/track").get_data(as_text=True)
    form = client.get("/track/recover")
    assert form.status_code == 200 and 'name="id_number"' in form.get_data(as_text=True)
    page = client.post("/track/recover", data={"id_number": ID_NUMBER.lower(), "phone": PHONE})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert f'data-testid="lookup-code">{code}<' in text
    assert ID_NUMBER not in text and PHONE not in text and code not in page.headers.get("Location", "")
    entry = db.session.execute(select(AuditLog).where(AuditLog.action == "track")).scalar_one()
    assert entry.object_type == "case" and ID_NUMBER not in entry.detail and PHONE not in entry.detail


@pytest.mark.parametrize("id_number, phone", [(ID_NUMBER, "13900009999"), (factories.new_id(), PHONE)])
def test_a_mismatch_gets_one_neutral_answer(client, id_number, phone):
    world = world_committed()
    _report(client, world.village_a.code)
    page = client.post("/track/recover", data={"id_number": id_number, "phone": phone})
    text = page.get_data(as_text=True)
    assert page.status_code == 404 and "没有找到，请核对或联系村干部" in text and 'data-testid="lookup-code"' not in text


@pytest.mark.parametrize("id_number, phone, field", [
    ("", PHONE, "err-id_number"), ("11010519491231002Y", PHONE, "err-id_number"), (ID_NUMBER, "12", "err-phone"),
    ("\x07²" * 30, PHONE, "err-id_number"),
])
def test_badly_typed_numbers_are_shown_beside_their_field(client, id_number, phone, field):
    world_committed()
    page = client.post("/track/recover", data={"id_number": id_number, "phone": phone})
    assert page.status_code == 400 and f'id="{field}" role="alert"' in page.get_data(as_text=True)


def test_recovery_is_limited_per_id_number_whatever_the_address(app, client):
    world_committed()
    app.config["SHOUDI_RECOVER_ID_RATE_LIMIT"] = "2 per minute"
    answers = [client.post("/track/recover", data={"id_number": ID_NUMBER, "phone": f"1390000{n:04d}"},
                           environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}).status_code for n in range(3)]
    assert answers == [404, 404, 429]
    page = client.post("/track/recover", data={"id_number": ID_NUMBER.lower(), "phone": PHONE},
                       environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert page.status_code == 429 and "查询太频繁了" in page.get_data(as_text=True)
    other = client.post("/track/recover", data={"id_number": factories.new_id(), "phone": PHONE},
                        environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 404  # another family's number is not held up
