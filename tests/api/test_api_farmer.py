"""Farmers through JSON: villages, the policy page, self-report and progress lookup, rate-limited."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core import clock
import factories
from api_support import API, assert_error
from core.extensions import db
from domain.consent import CONSENT_TEXT, CONSENT_VERSION
from domain.enums import CaseSource
from domain.workflow import Action
from models import Case, FormSubmission, Region, ScanCount, User
from services.workflow import cases
from services.workflow.cases import StepInput

ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"


@pytest.fixture
def app_config():
    # Reports: a form and its resend for the result count twice.
    return {"SHOUDI_REPORT_RATE_LIMIT": "6 per minute", "SHOUDI_TRACK_RATE_LIMIT": "4 per minute"}


@pytest.fixture
def world(app):
    made = factories.build_world()
    db.session.commit()
    return made


def report(token="tok_" + "a" * 20, **changes) -> dict:
    body = {"token": token, "name": "王大山", "id_number": ID_NUMBER, "phone": PHONE,
            "village_code": "341599101001", "hardships": ["illness", "schooling"],
            "description": "老伴住院花了五万多", "consent": True, "urgent": "no"}
    body.update(changes)
    return body


def test_villages_need_no_login(client, world):
    assert client.get(f"{API}/villages").get_json() == [
        {"code": "341599101001", "label": "青山镇 青山村"}, {"code": "341599101002", "label": "青山镇 石门村"}]


def test_policy_page_as_json_counts_no_scan(client, world):
    answer = client.get(f"{API}/policy/341599101001")
    assert answer.status_code == 200
    page = answer.get_json()
    assert page["village_name"] == "青山村" and page["place"] == "示范县青山镇青山村"
    assert page["year"] == clock.today().year and page["line"] == "7000" and "7,000元" in page["line_text"]
    assert page["hotline"] == "12317" and page["sections"] and all(s["lines"] for s in page["sections"])
    assert {"role": "网格员", "name": "GRID_A1", "phone": None} in page["contacts"]
    assert db.session.execute(select(func.count(ScanCount.region_id))).scalar_one() == 0
    assert_error(client.get(f"{API}/policy/999999999999"), 404, "not_found")
    assert_error(client.get(f"{API}/policy/A1"), 404, "not_found")  # a grid is not a village


def submitted(client, body) -> dict:
    """A report, then the same form sent again for its result, as the mini program does."""
    first = client.post(f"{API}/reports", json=body)
    assert first.status_code == 202, first.get_json()
    assert first.get_json() == {"status": "received", "lookup_code": None, "joined": None}
    again = client.post(f"{API}/reports", json=body)
    assert again.status_code == 200, again.get_json()
    return again.get_json()


def test_report_then_track(client, world):
    result = submitted(client, report(urgent="yes", household_size=3, income=12000))
    assert result["joined"] is False and result["status"] == "recorded"
    code = result["lookup_code"]
    assert len(code) == 9 and code[4] == "-"
    again = client.post(f"{API}/reports", json=report(urgent="yes", household_size=3, income=12000))
    assert again.status_code == 200 and again.get_json() == result
    db.session.expire_all()
    [case] = db.session.execute(select(Case)).scalars().all()
    assert (case.state, case.source, case.urgent, case.reported_household_size) == ("reported", "self_report", True, 3)
    assert case.reported_income == 12000

    tracked = client.post(f"{API}/track", json={"code": code.lower().replace("-", " "), "phone_tail": PHONE[-4:]})
    assert tracked.status_code == 200
    view = tracked.get_json()
    assert view["outcome"] == "pending" and view["headline"] == "已收到您的申报，村里正在受理"
    assert view["steps"][0] == {"label": "已受理", "status": "current"}
    assert view["expected_by"] == (clock.today() + timedelta(days=15)).isoformat()
    assert view["name"] == "王*山" and view["code"] == code and view["hotline"] == "12317"
    assert view["rejection_reason"] == "" and view["green_channel"] is False


def test_a_second_report_about_the_same_person_joins_the_case_and_answers_as_any_report(client, world):
    first = submitted(client, report())
    other_phone = submitted(client, report(token="tok_" + "b" * 20, phone="13900000000"))
    same_phone = submitted(client, report(token="tok_" + "c" * 20))
    codes = [first["lookup_code"], other_phone["lookup_code"], same_phone["lookup_code"]]
    for answer in (first, other_phone, same_phone):  # nothing tells that a case was open already
        assert answer == {"status": "recorded", "lookup_code": answer["lookup_code"], "joined": False}
    assert len(set(codes)) == 3
    db.session.expire_all()
    open_case, *kept = db.session.execute(select(Case).order_by(Case.id)).scalars().all()
    assert open_case.state == "reported" and [(k.state, k.merged_into_id) for k in kept] == [("merged", open_case.id)] * 2
    # Each code follows its own report: the phone on file sees the case, another phone only its report.
    village = db.session.get(Region, open_case.region_id)
    village_staff = db.session.execute(select(User).where(User.username == "village_a")).scalar_one()
    cases.perform(village_staff, open_case.id, Action.ACCEPT, StepInput(), today=clock.today())
    db.session.commit()
    own = client.post(f"{API}/track", json={"code": codes[2], "phone_tail": PHONE[-4:]}).get_json()
    assert own["headline"] == "正在办理：入户核实" and village.name == own["village"]
    other = client.post(f"{API}/track", json={"code": codes[1], "phone_tail": "0000"}).get_json()
    assert other["headline"] == "已收到您的申报，村里正在受理" and other["steps"][0]["status"] == "current"


def test_the_answer_is_the_same_whoever_the_id_number_belongs_to(client, world):
    nobody, no_case, with_case = factories.new_id(), factories.new_id(), factories.new_id()
    factories.household(world.grid_a1, clock.today(), id_number=no_case)
    family = factories.household(world.grid_a1, clock.today(), id_number=with_case, phone="13700001111")
    cases.open_case(None, world.village_a, CaseSource.SELF_REPORT, today=clock.today(), household=family,
                    claimed_phone="13700001111", with_lookup_code=True)
    db.session.commit()
    answers, tracked = [], []
    for n, id_number in enumerate((nobody, no_case, with_case)):
        answer = submitted(client, report(token=f"tok_{n:020d}", id_number=id_number))
        code = answer.pop("lookup_code")
        answers.append(answer)
        view = client.post(f"{API}/track", json={"code": code, "phone_tail": PHONE[-4:]}).get_json()
        tracked.append({k: v for k, v in view.items() if k != "code"})
    assert answers == [{"status": "recorded", "joined": False}] * 3
    assert tracked[0] == tracked[1] == tracked[2] and tracked[0]["headline"] == "已收到您的申报，村里正在受理"


def test_the_consent_wording_and_its_version(client, world):
    answer = client.get(f"{API}/consent")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["version"] == CONSENT_VERSION and body["text"] == CONSENT_TEXT
    assert body["notice_title"] == "个人信息保护说明" and [s["title"] for s in body["notice"]][:2] == ["收集哪些信息", "用来做什么"]
    submitted(client, report(consent_version=CONSENT_VERSION))
    stale = assert_error(client.post(f"{API}/reports", json=report(token="tok_" + "s" * 20, consent_version="0ld")),
                         400, "invalid", {"consent"})
    assert stale["fields"]["consent"] == "同意的内容刚刚更新了，请重新看一遍，再勾选同意"
    [row] = db.session.execute(select(FormSubmission)).scalars().all()
    assert (row.consent_version, row.consent_channel, row.consent_taken_by_id) == (CONSENT_VERSION, "self_report", None)


def test_report_errors_name_the_fields(client, world):
    bad = report(id_number="110105194912310021", consent=False, hardships=[], income="约一万",
                 village_code="000000000000")
    error = assert_error(client.post(f"{API}/reports", json=bad), 400, "invalid",
                         {"id_number", "consent", "hardships", "income", "village_code"})
    assert error["fields"]["consent"] == "需要您同意后才能提交"
    assert_error(client.post(f"{API}/reports", json=report(token="short")), 400, "invalid", {"token"})
    assert_error(client.post(f"{API}/reports", json=report(consent="yes")), 400, "invalid", {"consent"})
    assert_error(client.post(f"{API}/reports", json=report(photos=["x"])), 400, "invalid", {"photos"})
    assert db.session.execute(select(func.count(Case.id))).scalar_one() == 0


def test_wrong_code_or_tail_is_one_plain_404(client, world):
    code = submitted(client, report())["lookup_code"]
    for body in ({"code": code, "phone_tail": "0000"}, {"code": "ABCD-EFGH", "phone_tail": PHONE[-4:]},
                 {"code": "?", "phone_tail": "x"}):
        error = assert_error(client.post(f"{API}/track", json=body), 404, "not_found")
        assert error["message"] == "查询码或手机号后四位不对"


def test_lookups_and_reports_are_rate_limited(client, world):
    answers = [client.post(f"{API}/track", json={"code": "ABCD-EFGH", "phone_tail": f"{n:04d}"}).status_code
               for n in range(5)]
    assert answers == [404] * 4 + [429]
    error = assert_error(client.post(f"{API}/track", json={"code": "ABCD-EFGH", "phone_tail": "1234"}),
                         429, "rate_limited")
    assert error["message"] == "操作太频繁，请过一会儿再试"
    reports = [client.post(f"{API}/reports", json=report(token=f"tok_{n:020d}")).status_code for n in range(7)]
    assert reports == [202] * 6 + [429]  # later reports join the first case; the seventh is refused
