"""Identification on the case page over HTTP, the decisions: township review with the
reviewer's sign-off, county confirmation or rejection (the reason shown on /track), the green
channel and entry in the national system. Each refused to other roles (409) and outside the
scope (404)."""
from __future__ import annotations

from datetime import date, timedelta

import factories
from core.extensions import db
from domain.enums import CaseSource
from domain.workflow import CaseState
from http_support import signed_in, text_of
from identification_support import START, fresh, last_event, make_case, post
from identification_support import today_is, world  # noqa: F401  (fixtures)
from office_support import drive
from services.workflow import cases


# --- township review --------------------------------------------------------------------------

def test_the_township_reviewer_signs_and_the_timeline_shows_who_and_when(app, world, today_is):
    case_id = make_case(world, CaseState.TOWNSHIP_REVIEW)
    today_is.day = date(2026, 11, 11)
    township = signed_in(app, "township")
    page = text_of(township.get(f"/cases/{case_id}"))
    assert "本人已审核并签字，对审核结果负责（谁核查、谁签字、谁负责）" in page
    assert "签字人：<strong>TOWNSHIP</strong>（乡镇工作人员）" in page
    unsigned = post(township, case_id, "township_approve", {"comment": "材料齐全，情况属实"})
    assert unsigned.status_code == 400
    assert "请勾选签字确认" in text_of(unsigned) and "材料齐全，情况属实" in text_of(unsigned)
    ok = post(township, case_id, "township_approve", {"comment": "材料齐全，情况属实", "signed": "1"})
    assert ok.status_code == 302 and fresh(case_id).state == "county_review"
    event = last_event(case_id)
    assert event.signed and event.actor_id == world.users["township"].id and event.actor_role == "township_staff"
    after = text_of(township.get(f"/cases/{case_id}"))
    assert "TOWNSHIP（乡镇工作人员）" in after and 'data-testid="signed">已签字' in after
    assert "审核人签字：TOWNSHIP（乡镇工作人员），对审核结果负责" in after


def test_the_township_review_is_refused_to_the_village_and_outside_the_scope(app, world, today_is):
    case_id = make_case(world, CaseState.TOWNSHIP_REVIEW)
    today_is.day = date(2026, 11, 11)
    data = {"signed": "1", "reason": "需补充收入材料"}
    for action in ("township_approve", "township_return", "township_reject"):
        refused = post(signed_in(app, "village_a"), case_id, action, data)
        assert refused.status_code == 409 and "须由乡镇工作人员办理" in text_of(refused)
        assert post(signed_in(app, "village_b"), case_id, action, data).status_code == 404
    assert fresh(case_id).state == "township_review"


def test_the_township_returns_for_more_checking_or_rejects_with_a_reason(app, world, today_is):
    returned, rejected = make_case(world, CaseState.TOWNSHIP_REVIEW), make_case(world, CaseState.TOWNSHIP_REVIEW)
    today_is.day = date(2026, 11, 11)
    township = signed_in(app, "township")
    no_reason = post(township, returned, "township_return", {"signed": "1"})
    assert no_reason.status_code == 400 and "请填写退回原因和需补充核实的内容" in text_of(no_reason)
    assert post(township, returned, "township_return",
                 {"signed": "1", "reason": "请补充近12个月收入"}).status_code == 302
    assert fresh(returned).state == "verifying" and last_event(returned).signed
    assert post(township, rejected, "township_reject",
                 {"signed": "1", "reason": "家庭人均纯收入高于监测范围"}).status_code == 302
    case = fresh(rejected)
    assert case.state == "rejected" and case.rejection_reason == "家庭人均纯收入高于监测范围"


# --- county confirmation ----------------------------------------------------------------------

def test_the_county_confirms_with_category_risk_types_and_signature(app, world, today_is):
    case_id = make_case(world, CaseState.COUNTY_REVIEW)
    today_is.day = date(2026, 11, 12)
    county = signed_in(app, "county")
    page = text_of(county.get(f"/cases/{case_id}"))
    assert '<input type="checkbox" name="risk_types" value="illness" checked>' in page
    assert '<option value="sudden_hardship">突发严重困难户</option>' in page
    assert county.get(f"/cases/{case_id}/confirmation-notice").status_code == 404  # not yet confirmed
    bad = post(county, case_id, "county_confirm", {"risk_types": ["illness", "schooling"], "signed": "1",
                                                    "comment": "经部门比对"})
    html = text_of(bad)
    assert bad.status_code == 400 and "请选择监测对象类别" in html and "经部门比对" in html
    assert 'value="schooling" checked' in html
    # The household (2 people, 30,000 yuan) is measured above the line: the page says so, and
    # the county may still confirm it, but only with a written reason.
    assert 'data-testid="eligibility-out"' in page and "人均纯收入 <strong>15,000.00</strong>" in page
    unexplained = post(county, case_id, "county_confirm",
                       {"category": "marginal", "risk_types": ["illness", "schooling"], "signed": "1"})
    assert unexplained.status_code == 409 and "如仍确定纳入，请写明理由" in text_of(unexplained)
    ok = post(county, case_id, "county_confirm",
              {"category": "marginal", "risk_types": ["illness", "schooling"], "signed": "1",
               "reason": "两位老人长期服药，医保报销后自付仍多，经研判确定纳入"})
    assert ok.status_code == 302
    assert "两位老人长期服药，医保报销后自付仍多，经研判确定纳入" in last_event(case_id).comment
    case = fresh(case_id)
    assert case.state == "monitored" and case.category == "marginal"
    assert case.risk_types == ["illness", "schooling"] and case.identified_on == date(2026, 11, 12)
    assert last_event(case_id).signed
    after = text_of(county.get(f"/cases/{case_id}"))
    assert 'data-testid="confirmation-link"' in after and f"/cases/{case_id}/confirmation-notice" in after


def test_the_county_step_is_refused_to_the_township_and_outside_the_scope(app, world, today_is):
    case_id = make_case(world, CaseState.COUNTY_REVIEW)
    today_is.day = date(2026, 11, 12)
    data = {"category": "marginal", "risk_types": ["illness"], "signed": "1", "reason": "收入较高"}
    for action in ("county_confirm", "county_reject"):
        refused = post(signed_in(app, "township"), case_id, action, data)
        assert refused.status_code == 409 and "须由县级工作人员办理" in text_of(refused)
        assert post(signed_in(app, "village_b"), case_id, action, data).status_code == 404
    assert fresh(case_id).state == "county_review"


def test_a_county_rejection_reason_is_what_the_farmer_sees_on_track(app, world, today_is):
    h = factories.household(world.grid_a1, START)
    case = cases.open_case(None, h.region, CaseSource.SELF_REPORT, today=START, household=h,
                           claimed_name="王大山", claimed_phone="13812345678", with_lookup_code=True,
                           risk_types=["illness"])
    drive(world, case, CaseState.COUNTY_REVIEW, START)
    db.session.commit()
    case_id, code = case.id, case.lookup_code
    today_is.day = date(2026, 11, 12)
    county = signed_in(app, "county")
    unsigned = post(county, case_id, "county_reject", {"reason": "经部门比对，家庭人均纯收入高于监测范围"})
    assert unsigned.status_code == 400 and "请勾选签字确认" in text_of(unsigned)
    ok = post(county, case_id, "county_reject", {"reason": "经部门比对，家庭人均纯收入高于监测范围", "signed": "1"})
    assert ok.status_code == 302 and fresh(case_id).state == "rejected"
    farmer = app.test_client()
    track = text_of(farmer.post("/track", data={"code": code, "phone_tail": "5678"}))
    assert "未纳入的原因：经部门比对，家庭人均纯收入高于监测范围" in track and "暂未纳入监测" in track


# --- green channel and the national system ----------------------------------------------------

def test_the_green_channel_starts_help_at_once_and_keeps_the_state(app, world, today_is):
    urgent, ordinary = make_case(world, CaseState.VERIFYING, urgent=True), make_case(world, CaseState.VERIFYING)
    today_is.day = START + timedelta(days=1)
    township = signed_in(app, "township")
    assert 'data-step="green_channel"' in text_of(township.get(f"/cases/{urgent}"))
    empty = post(township, urgent, "green_channel", {})
    assert empty.status_code == 400 and "请填写先行帮扶措施" in text_of(empty)
    assert post(township, urgent, "green_channel", {"comment": "临时救助3000元"}).status_code == 302
    case = fresh(urgent)
    assert case.state == "verifying" and case.green_channel_at is not None
    after = text_of(township.get(f"/cases/{urgent}"))
    assert "绿色通道：帮扶已先行" in after and 'data-step="green_channel"' not in after
    assert "临时救助3000元" in after
    assert 'data-step="green_channel"' not in text_of(township.get(f"/cases/{ordinary}"))
    refused = post(township, ordinary, "green_channel", {"comment": "临时救助"})
    assert refused.status_code == 409 and "仅因灾、因疫、因病等突发严重困难可启动绿色通道" in text_of(refused)
    assert fresh(ordinary).green_channel_at is None
    assert post(signed_in(app, "grid_a1"), urgent, "green_channel", {"comment": "x"}).status_code == 409
    assert post(signed_in(app, "village_b"), urgent, "green_channel", {"comment": "x"}).status_code == 404


def test_entry_in_the_national_system_is_recorded_once(app, world, today_is):
    case_id = make_case(world, CaseState.MONITORED)
    today_is.day = date(2026, 11, 13)
    county = signed_in(app, "county")
    assert post(county, case_id, "record_entry", {"comment": "已录入"}).status_code == 302
    case = fresh(case_id)
    assert case.state == "monitored" and case.national_recorded_at is not None
    again = post(county, case_id, "record_entry", {})
    assert again.status_code == 409 and "已录入全国防返贫监测信息系统" in text_of(again)
    other = make_case(world, CaseState.MONITORED)
    refused = post(signed_in(app, "grid_a1"), other, "record_entry", {})  # grid_a1 verified it
    assert refused.status_code == 409
    assert post(signed_in(app, "village_b"), other, "record_entry", {}).status_code == 404
