"""Risk elimination over HTTP: the five steps on the case page, each by its role, with its
fields, files and sign-offs; refusals (409) to other roles, 404 outside scope; why a step is
blocked; the conditions panel; the printable announcement."""
from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest

import factories
from conftest import TODAY
from core.extensions import db
from domain.enums import LabourCapacity
from domain.workflow import CaseState
from elimination_support import eliminated_case, helping_case, remeasure, run_steps
from http_support import signed_in, text_of
from models import Case
from office_support import PDF

DAY = TODAY - timedelta(days=40)


def pdf(name: str):
    return (io.BytesIO(PDF), name)


def _forms(day):
    """(who, action, day offset, form fields): the five steps and the announcement as posted."""
    return [
        ("village_a", "propose_elimination", 0,
         lambda: {"natural": "0", "guarantees_secure": "1", "rigid_spending_resolved": "1",
                  "comment": "季度评估会研判", "elimination_form": pdf("采集表.pdf")}),
        ("grid_a1", "elim_verify", 1,
         lambda: {"findings": "收入稳定", "companions": "乡镇干部王某、结对干部", "household_signed": "1",
                  "signed": "1", "household_signature": pdf("签字.pdf")}),
        ("village_a", "elim_village_review", 2,
         lambda: {"review_date": (day + timedelta(days=2)).isoformat(), "participants": "村两委、村民代表",
                  "result": "同意", "notice_start": (day + timedelta(days=2)).isoformat(), "signed": "1",
                  "review_minutes": pdf("会议记录.pdf")}),
        ("village_a", "elim_close_notice", 8,
         lambda: {"notice_end": (day + timedelta(days=8)).isoformat(), "no_objection": "1",
                  "notice_record": pdf("公示照片.pdf")}),
        ("township", "elim_township_approve", 9,
         lambda: {"paper_measure_table": pdf("措施表.pdf"), "paper_evaluation_form": pdf("评估表.pdf"),
                  "paper_help_handbook": pdf("手册.pdf"), "opinion": "资料齐全，同意", "signed": "1"}),
        ("county", "elim_county_approve", 10,
         lambda: {"household_survey": "农户认可", "department_survey": "医保局确认", "doubts_remain": "0",
                  "opinion": "同意", "signed": "1"}),
        ("county", "announce", 11, lambda: {"announcement": pdf("公告.pdf")}),
    ]


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


def _case(world, day=DAY, steps=0) -> int:
    case = run_steps(world, helping_case(world, day), day, steps)
    db.session.commit()
    return case.id


def _state(case_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Case, case_id).state


def _post(app, who, case_id, action, data):
    return signed_in(app, who).post(f"/cases/{case_id}/steps/{action}", data=data,
                                    content_type="multipart/form-data")


def test_the_five_steps_by_their_roles_over_http(app, world, on_day):
    case_id = _case(world)
    for who, action, offset, data in _forms(DAY):
        on_day(DAY + timedelta(days=offset))
        page = text_of(signed_in(app, who).get(f"/cases/{case_id}"))
        assert f'data-step="{action}"' in page and f'data-testid="blocked-{action}"' not in page, action
        response = _post(app, who, case_id, action, data())
        assert response.status_code == 302, (action, text_of(response))
    assert _state(case_id) == CaseState.ELIMINATED.value
    kinds = {ev.kind for e in db.session.get(Case, case_id).events for ev in e.evidence}
    assert {"elimination_form", "household_signature", "review_minutes", "notice_record", "measure_table",
            "evaluation_form", "help_handbook", "announcement"} <= kinds
    page = text_of(signed_in(app, "county").get(f"/cases/{case_id}"))
    timeline = page[page.index('data-testid="timeline"'):]
    assert "农户已签字认可" in timeline and "已开展电话调查" in timeline
    assert timeline.count("已签字") >= 4  # verifier, village review, township, county
    assert "农户签字认可书：签字.pdf" in timeline and "帮扶手册：手册.pdf" in timeline


WRONG = [  # steps taken before, the step, a person whose role may not take it
    (0, "propose_elimination", "township"),
    (1, "elim_verify", "county"),
    (2, "elim_village_review", "township"),
    (3, "elim_close_notice", "county"),
    (4, "elim_township_approve", "village_a"),
    (5, "elim_county_approve", "township"),
    (6, "announce", "village_a"),
    (1, "elim_return", "county"),
]


@pytest.mark.parametrize("done, action, who", WRONG)
def test_each_step_is_refused_to_another_role_with_the_reason(app, world, on_day, done, action, who):
    case_id = _case(world, steps=done)
    offset = _forms(DAY)[done][2] if action != "elim_return" else 1
    on_day(DAY + timedelta(days=offset))
    data = _forms(DAY)[done][3]() if action != "elim_return" else {"reason": "收入不稳"}
    before = _state(case_id)
    response = _post(app, who, case_id, action, data)
    assert response.status_code == 409
    assert "须由" in text_of(response) and "办理" in text_of(response)
    assert _state(case_id) == before


@pytest.mark.parametrize("done", range(7))
def test_each_step_is_not_found_outside_scope(app, world, on_day, done):
    case_id = _case(world, steps=done)
    who, action, offset, data = _forms(DAY)[done]
    on_day(DAY + timedelta(days=offset))
    assert signed_in(app, "village_b").get(f"/cases/{case_id}").status_code == 404
    assert _post(app, "village_b", case_id, action, data()).status_code == 404


def test_unanswered_questions_are_asked_for_next_to_them(app, world, on_day):
    case_id = _case(world)
    on_day(DAY)
    response = _post(app, "village_a", case_id, "propose_elimination", {"comment": "研判意见保留"})
    page = text_of(response)
    assert response.status_code == 400
    assert "请选择风险是否属于自然消除" in page and "请选择“三保障”和饮水安全是否有保障" in page
    assert "研判意见保留" in page and _state(case_id) == "helping"


def test_minimum_period_is_shown_and_natural_elimination_is_offered(app, world, on_day):
    case_id = _case(world, day=TODAY)
    db.session.get(Case, case_id).identified_on = TODAY - timedelta(days=60)
    db.session.commit()
    on_day(TODAY)
    client = signed_in(app, "village_a")
    page = text_of(client.get(f"/cases/{case_id}"))
    blocked = page[page.index('data-testid="blocked-propose_elimination"'):]
    assert "纳入监测未满6个月" in blocked[:400]
    assert 'data-testid="natural-route"' in page and "未满" in page
    response = client.post(f"/cases/{case_id}/steps/propose_elimination", data={
        "natural": "1", "guarantees_secure": "1", "rigid_spending_resolved": "1", "comment": "病已痊愈"})
    assert response.status_code == 302 and _state(case_id) == "elim_proposed"
    event = db.session.get(Case, case_id).events[-1]
    assert event.data["natural"] is True
    assert "风险自然消除" in text_of(client.get(f"/cases/{case_id}"))


def test_income_below_the_line_and_no_labour_are_shown(app, world, on_day):
    case_id = _case(world, day=TODAY)
    case = db.session.get(Case, case_id)
    remeasured = TODAY - timedelta(days=5)
    remeasure(case, remeasured, Decimal("10000"))  # 5,000 a head
    for m in case.household.members:
        m.labour_capacity = LabourCapacity.NONE.value
    db.session.commit()
    on_day(TODAY)
    page = text_of(signed_in(app, "village_a").get(f"/cases/{case_id}"))
    blocked = page[page.index('data-testid="blocked-propose_elimination"'):]
    assert (f"{remeasured.year}年家庭人均纯收入5,000.00元（{remeasured.isoformat()}核定），未超过当年监测范围7,000元"
            in blocked[:600])
    assert "整户无劳动能力" in blocked[:600]
    panel = page[page.index('data-testid="elimination-panel"'):]
    assert "5,000.00 元" in panel and "未超过监测范围" in panel and "整户无劳动能力" in panel


def test_missing_papers_are_listed_and_refused(app, world, on_day):
    case_id = _case(world, steps=4)
    on_day(DAY + timedelta(days=9))
    page = text_of(signed_in(app, "township").get(f"/cases/{case_id}"))
    papers = page[page.index('data-testid="papers"'):page.index("</ul>", page.index('data-testid="papers"'))]
    assert papers.count("已附") == 2 and papers.count("缺少") == 4
    assert 'name="paper_help_handbook"' in papers and 'name="paper_review_minutes"' not in papers
    response = _post(app, "township", case_id, "elim_township_approve", {
        "paper_measure_table": pdf("措施表.pdf"), "opinion": "同意", "signed": "1"})
    assert response.status_code == 409
    assert "上报资料不齐全，缺少：风险消除信息采集表、帮扶效果评估表、帮扶手册" in text_of(response)
    assert _state(case_id) == "elim_township_review"


def test_phone_survey_and_onsite_check_refusals_are_shown(app, world, on_day):
    case_id = _case(world, steps=5)
    on_day(DAY + timedelta(days=10))
    base = {"doubts_remain": "0", "opinion": "同意", "signed": "1"}
    response = _post(app, "county", case_id, "elim_county_approve", {**base, "household_survey": "农户认可"})
    assert response.status_code == 409 and "请先对农户和相关行业部门开展电话调查" in text_of(response)
    doubts = {**base, "household_survey": "农户说收入不稳", "department_survey": "人社局", "doubts_remain": "1"}
    response = _post(app, "county", case_id, "elim_county_approve", doubts)
    assert response.status_code == 409 and "电话调查后仍有疑虑，须先入户调查" in text_of(response)
    response = _post(app, "county", case_id, "elim_county_approve", {**doubts, "onsite_check": pdf("入户.pdf")})
    assert response.status_code == 302 and _state(case_id) == "elim_approved"
    event = db.session.get(Case, case_id).events[-1]
    assert event.data["onsite_check"] is True and [ev.kind for ev in event.evidence] == ["onsite_check"]
    assert "已入户调查" in text_of(signed_in(app, "county").get(f"/cases/{case_id}"))


def test_township_stands_in_for_a_gone_verifier(app, world, on_day):
    case_id = _case(world, steps=1)
    world.users["grid_a1"].active = False
    db.session.commit()
    on_day(DAY + timedelta(days=1))
    village_page = text_of(signed_in(app, "village_a").get(f"/cases/{case_id}"))
    assert "识别时的核查员已不在岗" in village_page
    page = text_of(signed_in(app, "township").get(f"/cases/{case_id}"))
    assert 'data-testid="stand-in"' in page and 'name="stand_in_reason"' in page
    data = {"findings": "收入稳定", "companions": "结对干部", "household_signed": "1", "signed": "1"}
    response = _post(app, "township", case_id, "elim_verify", data)
    assert response.status_code == 409 and "请写明原核查员不能负责的原因" in text_of(response)
    response = _post(app, "township", case_id, "elim_verify", {**data, "stand_in_reason": "原核查员已离职"})
    assert response.status_code == 302 and _state(case_id) == "elim_verified"
    timeline = text_of(signed_in(app, "township").get(f"/cases/{case_id}"))
    assert "乡镇工作人员代为入户核实" in timeline and "原核查员已离职" in timeline


def test_bad_files_and_missing_signoffs_are_reported_next_to_the_fields(app, world, on_day):
    case_id = _case(world, steps=2)
    on_day(DAY + timedelta(days=2))
    response = _post(app, "village_a", case_id, "elim_village_review", {
        "review_date": "2026-13-01", "participants": "村民代表", "result": "同意",
        "notice_start": (DAY + timedelta(days=2)).isoformat(),
        "review_minutes": (io.BytesIO(b"not a pdf"), "x.pdf")})
    page = text_of(response)
    assert response.status_code == 400
    assert "评议日期格式应为" in page and "只能是PDF、JPG或PNG文件" in page
    response = _post(app, "village_a", case_id, "elim_village_review", {
        "review_date": (DAY + timedelta(days=2)).isoformat(), "participants": "村民代表", "result": "同意",
        "notice_start": (DAY + timedelta(days=2)).isoformat()})
    assert response.status_code == 400 and "须由村级责任人签字担责" in text_of(response)
    assert _state(case_id) == "elim_verified"


def test_sent_back_by_whoever_holds_the_step(app, world, on_day):
    case_id = _case(world, steps=4)
    on_day(DAY + timedelta(days=9))
    assert _post(app, "township", case_id, "elim_return", {"reason": ""}).status_code == 400
    response = _post(app, "township", case_id, "elim_return", {"reason": "帮扶手册与实际不符"})
    assert response.status_code == 302 and _state(case_id) == "helping"


def test_printable_announcement_masks_id_numbers(app, world, monkeypatch):
    case = eliminated_case(world, DAY)
    head = case.household.head
    name, full_id, masked = head.name, head.id_number, head.id_number_masked
    db.session.commit()
    monkeypatch.setattr("portal.office.steps_elimination.today", lambda: TODAY)
    response = signed_in(app, "county").get("/announcement")
    page = text_of(response)
    assert response.status_code == 200
    assert name in page and masked in page and full_id not in page
    assert 'data-testid="announced-count">1<' in page
    day = case.eliminated_on.isoformat()
    other_day = signed_in(app, "township").get("/announcement?start=2026-01-01&end=2026-01-31")
    assert 'data-testid="announcement-empty"' in text_of(other_day)
    assert day in text_of(signed_in(app, "village_a").get(f"/announcement?start={day}&end={day}"))
    assert name not in text_of(signed_in(app, "village_b").get("/announcement"))
    assert signed_in(app, "grid_a1").get("/announcement").status_code == 403
    assert signed_in(app, "county").get("/announcement?start=yesterday").status_code == 400
    assert signed_in(app, "county").get(f"/announcement?start={day}&end=2026-01-01").status_code == 400


def test_announce_step_links_to_the_printable_announcement(app, world, on_day):
    case_id = _case(world, steps=6)
    on_day(DAY + timedelta(days=11))
    page = text_of(signed_in(app, "county").get(f"/cases/{case_id}"))
    assert 'data-testid="announcement-link"' in page and 'href="/announcement"' in page


def test_village_review_links_to_the_printable_notice(app, world, on_day):
    case_id = _case(world, steps=2)
    on_day(DAY + timedelta(days=2))
    page = text_of(signed_in(app, "village_a").get(f"/cases/{case_id}"))
    assert f'href="/notices/{world.village_a.code}?stage=elimination"' in page
