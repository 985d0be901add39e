"""The township's side of a farmer's re-review (申请复核): the open requests on /reviews, the
request with its countdown on the case page, and the two answers as steps of the case."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from core import clock
from core.extensions import db
from domain.enums import CaseSource, RegionLevel
from domain.workflow import Action
from factories import PASSWORD, build_world, new_id, with_a_neighbour
from http_support import signed_in, text_of
from models import Case, ReviewRequest
from services.accounts import users
from services.farmer import reviews
from services.regions import tree
from services.workflow import cases
from services.workflow.cases import StepInput

PHONE = "13812345678"
REASON = "家里老人又住院了，开支很大"


def _refused(world, day) -> int:
    case = cases.open_case(None, world.village_a, CaseSource.SELF_REPORT, today=day, claimed_name="王大山",
                           claimed_id_number=new_id(), claimed_phone=PHONE, with_lookup_code=True)
    village, grid = world.users["village_a"], world.users["grid_a1"]
    cases.perform(village, case.id, Action.ACCEPT, StepInput(), today=day)
    cases.perform(village, case.id, Action.ASSIGN_VERIFIER, StepInput(assignee_id=grid.id), today=day)
    cases.perform(grid, case.id, Action.VERIFY, StepInput(), today=day)
    cases.perform(village, case.id, Action.VILLAGE_REVIEW_FAIL, StepInput(
        review={"date": day.isoformat(), "participants": "村两委"}, reason="家庭收入高于监测范围"), today=day)
    return case.id


@pytest.fixture
def scene(app):
    """Two refused cases with open requests (one overdue), one refused without a request, a
    second township with its own staff, and a county beside this one."""
    world = with_a_neighbour(build_world())
    today = clock.today()
    late, fresh, quiet = _refused(world, today), _refused(world, today), _refused(world, today)
    for case_id, asked in ((late, today - timedelta(days=20)), (fresh, today)):
        case = db.session.get(Case, case_id)
        assert reviews.ask(case.lookup_code, PHONE[-4:], REASON, asked) is not None
    other = tree.create_region("341599102000", "白沙镇", RegionLevel.TOWNSHIP, world.county)
    users.create_user("township_other", "白沙镇干部", PASSWORD, "township_staff", other.code)
    db.session.commit()
    return {"late": late, "fresh": fresh, "quiet": quiet}


def test_the_township_lists_open_requests_soonest_first(app, scene):
    page = signed_in(app, "township").get("/reviews")
    text = text_of(page)
    assert page.status_code == 200
    assert text.index(f"案件 {scene['late']}") < text.index(f"案件 {scene['fresh']}")
    assert f'data-testid="overdue-{scene["late"]}">已逾期 5 天' in text and "剩 15 天" in text
    assert f"案件 {scene['quiet']}<" not in text and REASON not in text  # the reason is read on the case page
    assert "家庭收入高于监测范围" in text


def test_the_county_reads_the_list_and_the_inbox_links_to_it(app, scene):
    county = signed_in(app, "county")
    assert f"案件 {scene['late']}" in text_of(county.get("/reviews"))
    inbox = text_of(signed_in(app, "township").get("/inbox"))
    assert 'data-testid="reviews-link"' in inbox and "2 件待答复" in inbox
    assert 'data-testid="reviews-link"' not in text_of(signed_in(app, "village_a").get("/inbox"))


@pytest.mark.parametrize("who", ["village_a", "grid_a1", "cadre_a", "dept", "admin", "auditor"])
def test_other_roles_are_refused(app, scene, who):
    page = signed_in(app, who).get("/reviews")
    assert page.status_code == 403 and "复核申请仅供乡镇、县级工作人员查看" in text_of(page)


@pytest.mark.parametrize("who", ["township_other", "other_county"])
def test_outside_the_area_nothing_is_listed_and_the_case_is_not_found(app, scene, who):
    client = signed_in(app, who)
    listed = text_of(client.get("/reviews"))
    assert 'data-testid="review-empty"' in listed and f"案件 {scene['late']}" not in listed
    assert client.get(f"/cases/{scene['late']}").status_code == 404
    answer = client.post(f"/cases/{scene['late']}/steps/review_uphold", data={"reason": "维持"})
    assert answer.status_code == 404
    assert db.session.execute(select(ReviewRequest.state).where(ReviewRequest.case_id == scene["late"])).scalar_one() == "open"


def test_the_case_page_shows_the_request_with_its_countdown_and_both_answers(app, scene):
    text = text_of(signed_in(app, "township").get(f"/cases/{scene['late']}"))
    assert 'data-testid="review-requests"' in text and REASON in text
    assert "已逾期 5 天" in text and "复核：" in text
    assert 'data-step="review_uphold"' in text and 'data-step="review_reopen"' in text
    assert 'data-testid="blocked-review_uphold"' not in text
    quiet = text_of(signed_in(app, "township").get(f"/cases/{scene['quiet']}"))
    assert 'data-testid="review-requests"' not in quiet
    assert 'data-testid="blocked-review_uphold"' in quiet and "没有待答复的复核申请" in quiet


def test_upholding_keeps_the_refusal_with_a_note_the_farmer_reads(app, scene):
    township = signed_in(app, "township")
    empty = township.post(f"/cases/{scene['late']}/steps/review_uphold", data={"reason": "  "})
    assert empty.status_code == 400 and "请填写复核意见" in text_of(empty)
    too_long = township.post(f"/cases/{scene['late']}/steps/review_uphold", data={"reason": "长" * 301})
    assert too_long.status_code == 400 and "长" * 301 in text_of(too_long)  # what was typed is kept
    done = township.post(f"/cases/{scene['late']}/steps/review_uphold", data={"reason": "复核了收入，仍高于监测范围"})
    assert done.status_code == 302
    db.session.expire_all()
    request = db.session.execute(select(ReviewRequest).where(ReviewRequest.case_id == scene["late"])).scalar_one()
    assert request.state == "upheld" and request.decision_note == "复核了收入，仍高于监测范围"
    assert db.session.get(Case, scene["late"]).state == "rejected"
    page = text_of(township.get(f"/cases/{scene['late']}"))
    assert "已答复：维持不纳入" in page and "复核：维持不纳入" in page
    again = township.post(f"/cases/{scene['late']}/steps/review_reopen", data={"reason": "重新核实"})
    assert again.status_code == 409 and "没有待答复的复核申请" in text_of(again)
    farmer = app.test_client()
    code = db.session.get(Case, scene["late"]).lookup_code
    track = text_of(farmer.post("/track", data={"code": code, "phone_tail": PHONE[-4:]}))
    assert "乡镇的说明：复核了收入，仍高于监测范围" in track


def test_reopening_sends_the_case_back_to_the_village(app, scene):
    done = signed_in(app, "township").post(f"/cases/{scene['fresh']}/steps/review_reopen",
                                           data={"reason": "请村里重新入户核实"})
    assert done.status_code == 302
    db.session.expire_all()
    case = db.session.get(Case, scene["fresh"])
    assert case.state == "received" and case.deadline_kind == "identification"
    assert 'data-step="assign_verifier"' in text_of(signed_in(app, "village_a").get(f"/cases/{scene['fresh']}"))


@pytest.mark.parametrize("who, status", [("village_a", 409), ("county", 409)])
def test_only_township_staff_answer(app, scene, who, status):
    refused = signed_in(app, who).post(f"/cases/{scene['late']}/steps/review_uphold", data={"reason": "维持"})
    assert refused.status_code == status and "须由乡镇工作人员办理" in text_of(refused)
    assert db.session.execute(select(ReviewRequest.state).where(ReviewRequest.case_id == scene["late"])).scalar_one() == "open"
