from datetime import timedelta

import pytest
from sqlalchemy import select

from core import clock
from core.extensions import db
from domain.workflow import Action
from farmer_support import PHONE, form_token, lookup_code, report_data, world_committed
from models import AuditLog, Case
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
    assert '<li class="done">已受理</li>' in text and '<li class="current">入户核实</li>' in text


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
