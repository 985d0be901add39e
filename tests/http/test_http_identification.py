"""Identification on the case page, step by step over HTTP (triage, verification, village
review and notice): each step by the role the policy names with its evidence stored, refused to
other roles (409 with the reason) and outside the scope (404), bad input answered next to the
field with what was typed kept (400)."""
from __future__ import annotations

import io
import uuid
from datetime import date, datetime, timedelta

from core.clock import WORK_TZ
from core.extensions import db
from domain.enums import CaseSource
from domain.workflow import CaseState
from http_support import signed_in, text_of
from identification_support import START, fresh, kinds, last_event, make_case, post, review_form, upload
from identification_support import today_is, world  # noqa: F401  (fixtures)
from models import Case
from office_support import new_case
from services.fieldwork import visits
from services.fieldwork.visits import VisitInput
from services.workflow import cases


# --- merge ------------------------------------------------------------------------------------

def test_a_duplicate_clue_is_merged_into_the_open_case_of_the_same_household(app, world):
    first = new_case(world, START)
    second = cases.open_case(None, first.household.region, CaseSource.PROXY_REPORT, today=START,
                             household=first.household, risk_types=["illness"])
    other = new_case(world, START)
    db.session.commit()
    village = signed_in(app, "village_a")
    page = text_of(village.get(f"/cases/{second.id}"))
    assert f'<option value="{first.id}">案件 {first.id} · 已提交' in page
    assert f'<option value="{other.id}"' not in page  # another household is never offered
    wrong = post(village, second.id, "merge", {"target_case_id": str(other.id), "comment": "同一户重复申报"})
    assert wrong.status_code == 400
    assert "两条线索不属于同一农户，不能合并" in text_of(wrong) and "同一户重复申报" in text_of(wrong)
    done = post(village, second.id, "merge", {"target_case_id": str(first.id)})
    assert done.status_code == 302
    assert fresh(second.id).state == "merged" and fresh(second.id).merged_into_id == first.id
    county = signed_in(app, "county")
    refused = post(county, first.id, "merge", {"target_case_id": str(other.id)})
    assert refused.status_code == 409 and "须由村级工作人员或乡镇工作人员办理" in text_of(refused)
    assert post(signed_in(app, "village_b"), first.id, "merge", {"target_case_id": "1"}).status_code == 404


# --- verification -----------------------------------------------------------------------------

def test_village_staff_record_a_verification_with_its_form(app, world, today_is):
    case_id = make_case(world, CaseState.VERIFYING)
    today_is.day = START + timedelta(days=2)
    village = signed_in(app, "village_a")
    page = text_of(village.get(f"/cases/{case_id}"))
    assert 'data-step="verify"' in page and "您将代核实人 GRID_A1 登记" in page
    assert 'data-testid="visits-panel"' in page and "还没有用外业App提交走访记录" in page
    response = post(village, case_id, "verify", {
        "method": "home", "verified_on": "2026-11-03", "findings": "老人住院，家中两人，收入下降",
        "verification_form": upload("入户核实表.pdf")})
    assert response.status_code == 302
    case = fresh(case_id)
    assert case.state == "verified" and case.original_verifier_id == world.users["grid_a1"].id
    event = last_event(case_id)
    assert event.action == "verify" and kinds(event) == ["verification_form"]
    assert event.data["method"] == "home" and event.data["verified_on"] == "2026-11-03"
    after = text_of(village.get(f"/cases/{case_id}"))
    assert "核实方式：入户" in after and "由VILLAGE_A代为登记，核实人：GRID_A1" in after


def test_a_remote_check_says_who_was_reached_and_why_the_family_is_away(app, world, today_is):
    case_id = make_case(world, CaseState.VERIFYING)
    today_is.day = START + timedelta(days=2)
    village = signed_in(app, "village_a")
    response = post(village, case_id, "verify", {"method": "wechat", "verified_on": "2026-11-03",
                                                  "findings": "全家在外务工，视频看了住房"})
    page = text_of(response)
    assert response.status_code == 400
    assert "请填写联系上的人" in page and "请选择全家外出原因" in page
    assert "全家在外务工，视频看了住房" in page and 'value="wechat" selected' in page
    future = post(village, case_id, "verify", {"method": "home", "verified_on": "2026-11-09", "findings": "x"})
    assert future.status_code == 400 and "核实日期不能晚于今天（2026-11-03）" in text_of(future)
    ok = post(village, case_id, "verify", {"method": "wechat", "verified_on": "2026-11-03", "findings": "在外务工",
                                            "reached_person": "户主本人", "away_reason": "work"})
    assert ok.status_code == 302 and fresh(case_id).state == "verified"
    assert "联系对象：户主本人" in last_event(case_id).comment


def test_only_the_assigned_verifier_may_verify_and_outsiders_see_nothing(app, world, today_is):
    case_id = make_case(world, CaseState.VERIFYING)
    today_is.day = START + timedelta(days=2)
    data = {"method": "home", "verified_on": "2026-11-03", "findings": "入户看过"}
    assert post(signed_in(app, "cadre_a"), case_id, "verify", data).status_code == 404  # not theirs to see
    assert post(signed_in(app, "grid_b1"), case_id, "verify", data).status_code == 404
    assert post(signed_in(app, "village_b"), case_id, "verify", data).status_code == 404
    assert fresh(case_id).state == "verifying"
    assert post(signed_in(app, "grid_a1"), case_id, "verify", data).status_code == 302
    assert fresh(case_id).state == "verified"


def test_the_case_page_shows_the_field_visit_that_verified_the_case(app, world, today_is):
    case_id = make_case(world, CaseState.VERIFYING)
    case = db.session.get(Case, case_id)
    visited = datetime.now(WORK_TZ).replace(second=0, microsecond=0) - timedelta(hours=1)  # sent since
    visits.record_visit(world.users["grid_a1"], VisitInput(
        client_uuid=str(uuid.uuid4()), household_id=case.household_id, case_id=case_id, method="home",
        visited_at=visited.isoformat()))
    db.session.commit()
    today_is.day = START + timedelta(days=2)
    page = text_of(signed_in(app, "village_a").get(f"/cases/{case_id}"))
    assert 'data-testid="visits-panel"' in page and 'data-step="verify"' not in page
    assert f"{visited:%Y-%m-%d %H:%M}" in page and "GRID_A1（网格员）" in page and "已据此完成核实" in page


# --- village review and notice ----------------------------------------------------------------

def test_the_village_review_passes_with_minutes_and_starts_the_notice(app, world, today_is):
    case_id = make_case(world, CaseState.VERIFIED)
    today_is.day = START + timedelta(days=5)
    village = signed_in(app, "village_a")
    missing = post(village, case_id, "village_review_pass",
                    review_form(review_minutes=(io.BytesIO(b""), ""), notice_start="2026-11-04"))
    page = text_of(missing)
    assert missing.status_code == 400
    assert "请上传民主评议会议记录" in page and "公示开始日期不能早于评议日期" in page
    assert "村两委、驻村工作队、村民代表共15人" in page and "应到15人，实到13人，同意12人" in page
    response = post(village, case_id, "village_review_pass", review_form(notice_start="2026-11-06"))
    assert response.status_code == 302
    case = fresh(case_id)
    assert case.state == "publicizing" and case.notice_start == date(2026, 11, 6)
    event = last_event(case_id)
    assert kinds(event) == ["review_minutes"]
    assert event.data["review"] == {"date": "2026-11-05", "participants": "村两委、驻村工作队、村民代表共15人",
                                    "result": "应到15人，实到13人，同意12人"}
    after = text_of(village.get(f"/cases/{case_id}"))
    assert "公示最早结束" in after and "2026-11-11" in after
    assert 'data-testid="notice-link"' in after and "/notices/341599101001?stage=identification" in after


def test_the_village_review_is_the_village_s_step(app, world, today_is):
    case_id = make_case(world, CaseState.VERIFIED)
    today_is.day = START + timedelta(days=5)
    refused = post(signed_in(app, "township"), case_id, "village_review_pass", review_form(notice_start="2026-11-05"))
    assert refused.status_code == 409 and "须由村级工作人员办理" in text_of(refused)
    outside = post(signed_in(app, "village_b"), case_id, "village_review_pass", review_form(notice_start="2026-11-05"))
    assert outside.status_code == 404
    assert fresh(case_id).state == "verified"


def test_a_failed_review_needs_a_reason_the_farmer_will_read(app, world, today_is):
    case_id = make_case(world, CaseState.VERIFIED)
    today_is.day = START + timedelta(days=5)
    village = signed_in(app, "village_a")
    response = post(village, case_id, "village_review_fail", review_form(result="同意3人，不同意10人"))
    assert response.status_code == 400 and "请填写未通过的原因" in text_of(response)
    assert "同意3人，不同意10人" in text_of(response)
    ok = post(village, case_id, "village_review_fail",
               review_form(result="同意3人，不同意10人", reason="家庭收入高于监测范围"))
    assert ok.status_code == 302
    case = fresh(case_id)
    assert case.state == "rejected" and case.rejection_reason == "家庭收入高于监测范围"
    assert kinds(last_event(case_id)) == ["review_minutes"]


def test_the_notice_cannot_close_before_its_minimum_days(app, world, today_is):
    case_id = make_case(world, CaseState.PUBLICIZING)  # notice started on START + 4 (11-05)
    village = signed_in(app, "village_a")
    today_is.day = date(2026, 11, 8)
    page = text_of(village.get(f"/cases/{case_id}"))
    assert 'data-testid="blocked-close_notice"' in page and "最早于2026年11月10日结束" in page
    early = post(village, case_id, "close_notice", {"notice_end": "2026-11-08"})
    assert early.status_code == 409 and "公示期不少于5天，最早于2026年11月10日结束" in text_of(early)
    today_is.day = date(2026, 11, 12)
    still_early = post(village, case_id, "close_notice", {"notice_end": "2026-11-09"})
    assert still_early.status_code == 409 and "最早于2026年11月10日结束" in text_of(still_early)
    assert fresh(case_id).state == "publicizing"
    county = post(signed_in(app, "county"), case_id, "close_notice", {"notice_end": "2026-11-10"})
    assert county.status_code == 409 and "须由村级工作人员办理" in text_of(county)
    gif = post(village, case_id, "close_notice", {"notice_end": "2026-11-10", "comment": "期满无异议",
                                                   "notice_record": (io.BytesIO(b"GIF89a..."), "公示.gif")})
    assert gif.status_code == 400 and "公示记录（照片）只能是PDF、JPG或PNG文件" in text_of(gif)
    assert "期满无异议" in text_of(gif)
    ok = post(village, case_id, "close_notice", {"notice_end": "2026-11-10", "notice_record": upload("公示.pdf")})
    assert ok.status_code == 302
    case = fresh(case_id)
    assert case.state == "township_review" and case.notice_end == date(2026, 11, 10)
    assert kinds(last_event(case_id)) == ["notice_record"]


def test_an_objection_sends_the_case_back_to_review(app, world, today_is):
    case_id = make_case(world, CaseState.PUBLICIZING)
    today_is.day = date(2026, 11, 7)
    village = signed_in(app, "village_a")
    missing = post(village, case_id, "notice_objection", {"reason": "有村民反映该户新购小轿车"})
    assert missing.status_code == 400 and "请填写核查情况" in text_of(missing)
    assert "有村民反映该户新购小轿车" in text_of(missing)
    ok = post(village, case_id, "notice_objection", {
        "reason": "有村民反映该户新购小轿车", "checked": "入户核查，车辆为亲戚所有",
        "objection_record": upload("异议处理.pdf")})
    assert ok.status_code == 302
    assert fresh(case_id).state == "verified"
    event = last_event(case_id)
    assert kinds(event) == ["objection_record"]
    assert "异议内容：有村民反映该户新购小轿车" in event.comment and "核查情况：" in event.comment
    assert post(signed_in(app, "township"), case_id, "notice_objection",
                 {"reason": "x", "checked": "y"}).status_code == 409
