"""The whole procedure over HTTP, each step by the role the policy names, as the people do it.

A farmer self-reports on the 明白纸 page; village staff assign a verifier from the inbox; the
grid worker verifies from the field app; the village reviews and posts the notice; the
township signs; the county confirms and the farmer sees it on /track. Then the pair cadre, the
help plan from the county's measure library, the department's follow-up, two quarterly
evaluations, the income measured again (收入台账), the five steps of risk elimination, the
announcement, and the look-back, which sends the household back to help. Before every step,
someone in scope with the wrong role is refused (409) and someone outside the scope is not even
told the case exists (404); neither changes anything. Months pass on an application-wide
calendar. Runs on SQLite and PostgreSQL.
"""
from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

import factories
from conftest import TODAY
from core.extensions import db
from domain.evidence import ELIMINATION_PAPERS
from farmer_support import ID_NUMBER, PHONE, form_token, lookup_code, report_data
from http_support import signed_in, text_of
from models import Case, Measure, PlanMeasure, User
from office_support import PDF, Calendar
from services.accounts import tokens
from services.elimination.procedure import paper_field

API = "/api/v1"


@dataclass
class People:
    clients: dict
    ids: dict


@pytest.fixture
def calendar(monkeypatch):
    return Calendar(monkeypatch, TODAY)


@pytest.fixture
def people(app, calendar):
    world = factories.build_world()
    # The farmer's household is on the register (2 people, 30,000 yuan net: 15,000 each).
    factories.household(world.grid_a1, TODAY, size=2, id_number=ID_NUMBER, phone=PHONE,
                        net_income=Decimal("30000"))
    db.session.commit()
    names = ["county", "dept", "township", "village_a", "village_b", "grid_a1", "cadre_a"]
    return People({n: signed_in(app, n) for n in names}, {n: u.id for n, u in world.users.items()})


def _case() -> Case:
    db.session.expire_all()
    return db.session.execute(select(Case)).scalars().one()


def _uploads(files: dict[str, bytes] | None) -> dict:
    """Fresh file objects for one request (the test client closes them after sending)."""
    return {name: (io.BytesIO(content), f"{name}.pdf") for name, content in (files or {}).items()}


def take(people: People, who: str, action: str, data: dict, *, wrong: str, outsider: str = "village_b",
         files: dict[str, bytes] | None = None) -> None:
    """``who`` takes the step; first ``wrong`` (in scope, wrong role) and ``outsider`` try it."""
    case = _case()
    url = f"/cases/{case.id}/steps/{action}"
    before = case.state

    refused = people.clients[wrong].post(url, data={**data, **_uploads(files)}, content_type="multipart/form-data")
    assert refused.status_code == 409, (action, wrong, refused.status_code)
    hidden = people.clients[outsider].post(url, data=data)
    assert hidden.status_code == 404, (action, outsider, hidden.status_code)
    assert _case().state == before

    done = people.clients[who].post(url, data={**data, **_uploads(files)}, content_type="multipart/form-data")
    assert done.status_code == 302, (action, who, done.status_code, text_of(done)[-3000:])


def _field_app_headers(user_id: int) -> dict:
    token, _ = tokens.issue(db.session.get(User, user_id))
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _verifying_visit(household_id: int, case_id: int) -> dict:
    """What the field app sends after a home visit that verifies the assigned clue."""
    return {"client_uuid": str(uuid.uuid4()), "household_id": household_id, "case_id": case_id,
            "method": "home", "visited_at": (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat(),
            "answers": {"housing_safe": "yes", "water_safe": "yes", "should_monitor": "yes"},
            "income": {"wages": 24000, "business": 0, "business_costs": 0}, "household_size": 2}


def _day(calendar: Calendar) -> str:
    return calendar.day.isoformat()


def test_from_self_report_to_elimination_and_look_back(app, people, calendar):
    c, ids = people.clients, people.ids

    # --- a farmer reports from the 明白纸 page of village A -----------------------------------
    farmer = app.test_client()
    village_code = "341599101001"
    response = farmer.post("/report", data=report_data(form_token(farmer, village_code), village_code,
                                                       hardships=["illness"]))
    assert response.status_code == 302
    code = lookup_code(farmer)
    case = _case()
    assert case.state == "reported" and case.household_id is not None

    # --- the county keeps the measure library --------------------------------------------------
    for name, kind, department, risks in (("帮扶车间就业", "development", "human_resources", ["illness"]),
                                         ("临时救助", "security", "civil_affairs", ["illness"])):
        response = c["county"].post("/measures/new", data={"name": name, "kind": kind, "department": department,
                                                           "risk_types": risks})
        assert response.status_code == 302, text_of(response)[-2000:]
    assert c["village_a"].post("/measures/new", data={"name": "x", "kind": "care"}).status_code == 403

    # --- identification ------------------------------------------------------------------------
    inbox = text_of(c["village_a"].get("/inbox"))
    assert f'data-case="{case.id}"' in inbox
    assert f'data-case="{case.id}"' not in text_of(c["village_b"].get("/inbox"))
    assert c["grid_a1"].get("/inbox").status_code == 403
    response = c["village_a"].post("/inbox/assign", data={"case_id": case.id, "assignee_id": ids["grid_a1"]})
    assert response.status_code == 302 and _case().state == "verifying"

    calendar.advance(1)
    visit = app.test_client().post(f"{API}/visits", json=_verifying_visit(case.household_id, case.id),
                                   headers=_field_app_headers(ids["grid_a1"]))
    assert visit.status_code == 201 and visit.get_json()["case_state"] == "verified"

    calendar.advance(1)
    take(people, "village_a", "village_review_pass",
         {"review_date": _day(calendar), "participants": "村两委、驻村工作队、村民代表共15人",
          "result": "同意13人", "notice_start": _day(calendar)},
         files={"review_minutes": PDF}, wrong="township")
    notice = text_of(c["village_a"].get(f"/notices/{village_code}"))
    assert ID_NUMBER not in notice and PHONE not in notice and ID_NUMBER[-4:] in notice

    calendar.advance(5)
    take(people, "village_a", "close_notice", {"notice_end": _day(calendar)}, wrong="township")
    calendar.advance(1)
    take(people, "township", "township_approve", {"comment": "同意", "signed": "1"}, wrong="village_a")
    calendar.advance(1)
    # The family's income is above the line: the county confirms with a written reason.
    take(people, "county", "county_confirm", {"category": "marginal", "risk_types": ["illness"], "signed": "1",
                                              "reason": "住院自付费用大，收入不稳定，经研判确定纳入"},
         wrong="township", outsider="village_b")
    identified_on = calendar.day
    assert _case().state == "monitored"
    assert c["county"].get(f"/cases/{case.id}/confirmation-notice").status_code == 200
    track = text_of(farmer.post("/track", data={"code": code, "phone_tail": PHONE[-4:]}))
    assert "纳入" in track

    # --- help ----------------------------------------------------------------------------------
    calendar.advance(1)
    take(people, "township", "assign_pair_cadre", {"assignee_id": ids["cadre_a"]}, wrong="village_a")
    calendar.advance(2)
    take(people, "cadre_a", "first_visit", {"visit_date": _day(calendar), "method": "home",
                                            "found": "老伴出院，在家休养；儿子在县城务工"}, wrong="village_a")
    calendar.advance(3)
    library = {m.name: m.id for m in db.session.execute(select(Measure)).scalars()}
    take(people, "village_a", "make_help_plan",
         {"measure_id": [library["帮扶车间就业"], library["临时救助"]],
          "plan_makers": ["village_committee", "grid_worker", "work_team", "pair_cadre"], "development_will": "1",
          f"due_{library['临时救助']}": (calendar.day + timedelta(days=30)).isoformat()}, wrong="township")
    assert _case().state == "helping"

    tasks = text_of(c["dept"].get("/tasks"))
    assert "临时救助" in tasks and "帮扶车间就业" not in tasks  # human resources' measure, not 民政's
    relief = db.session.execute(select(PlanMeasure).where(PlanMeasure.measure_id == library["临时救助"])).scalar_one()
    response = c["dept"].post(f"/tasks/{relief.id}", data={"status": "done", "done_on": _day(calendar),
                                                          "note": "已发放临时救助金"})
    assert response.status_code == 302

    calendar.day = date(2027, 2, 10)
    # 帮扶车间就业 is still 已安排: "措施是否落实到位" is answered as the measures stand.
    take(people, "village_a", "quarterly_evaluation",
         {"measures_in_place": "0", "measures_working": "1", "risk_gone": "0"}, wrong="township")

    # --- risk elimination, five steps ----------------------------------------------------------
    calendar.day = identified_on + timedelta(days=200)
    # The village measures the family's income again (收入台账): 28,000 for 2, above the line since
    # inclusion, more than the 6 months the elimination asks for. A grid worker may not.
    income = {"year": str(calendar.day.year), "measured_on": _day(calendar), "household_size": "2",
              "wages": "26000", "business": "2000"}
    assert c["grid_a1"].post(f"/households/{case.household_id}/incomes/edit", data=income).status_code == 403
    assert c["village_a"].post(f"/households/{case.household_id}/incomes/edit", data=income).status_code == 303
    # No elimination while a measure is unfinished: the county records the workshop job as done.
    work = db.session.execute(select(PlanMeasure).where(PlanMeasure.measure_id == library["帮扶车间就业"])).scalar_one()
    assert c["county"].post(f"/tasks/{work.id}", data={"status": "done", "done_on": _day(calendar),
                                                       "note": "已在帮扶车间稳定就业"}).status_code == 302
    take(people, "village_a", "quarterly_evaluation",
         {"measures_in_place": "1", "measures_working": "1", "risk_gone": "1", "propose_elimination": "1"},
         wrong="township")
    take(people, "village_a", "propose_elimination",
         {"natural": "0", "guarantees_secure": "1", "rigid_spending_resolved": "1", "comment": "收入稳定"},
         wrong="township")
    calendar.advance(2)
    take(people, "grid_a1", "elim_verify",
         {"findings": "务工收入稳定，医疗费用已报销", "companions": "乡镇干部、结对干部",
          "household_signed": "1", "signed": "1"}, wrong="village_a")
    calendar.advance(2)
    take(people, "village_a", "elim_village_review",
         {"review_date": _day(calendar), "participants": "村两委、村民代表", "result": "同意",
          "notice_start": _day(calendar), "signed": "1"}, files={"review_minutes": PDF}, wrong="township")
    calendar.advance(6)
    take(people, "village_a", "elim_close_notice", {"notice_end": _day(calendar), "no_objection": "1"},
         wrong="township")
    calendar.advance(1)
    take(people, "township", "elim_township_approve", {"opinion": "资料齐全，同意", "signed": "1"},
         files={paper_field(k): PDF for k in ELIMINATION_PAPERS}, wrong="village_a")
    calendar.advance(2)
    take(people, "county", "elim_county_approve",
         {"household_survey": "电话回访户主，收入稳定", "department_survey": "医保、民政无异常",
          "doubts_remain": "0", "opinion": "同意", "signed": "1"}, wrong="township")
    calendar.advance(1)
    take(people, "county", "announce", {"comment": "公告"}, wrong="township")
    assert _case().state == "eliminated"
    assert "风险已消除" in text_of(farmer.post("/track", data={"code": code, "phone_tail": PHONE[-4:]}))

    # --- look-back: the income did not hold; the township reverts the household to help --------
    calendar.day = _case().due_date
    assert f"/cases/{case.id}" in text_of(c["township"].get("/lookback"))
    take(people, "township", "lookback_revert", {"reason": "务工中断，收入明显下降"}, wrong="village_a")
    assert _case().state == "helping"

    # The household page holds the whole story; the overdue list and dashboard count it.
    page = text_of(c["village_a"].get(f"/households/{case.household_id}"))
    for words in ("临时救助", "风险消除公告", "回头看：回退"):
        assert words in page
    assert c["county"].get("/dashboard").status_code == 200
