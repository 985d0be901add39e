"""Farmers through JSON: villages, the policy page, self-report and progress lookup, rate-limited."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core import clock
import factories
from api_support import API, assert_error
from core.extensions import db
from models import Case, ScanCount

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


def test_a_second_report_about_the_same_person_joins_the_case(client, world):
    first = submitted(client, report())
    other_phone = submitted(client, report(token="tok_" + "b" * 20, phone="13900000000"))
    assert other_phone == {"status": "recorded", "lookup_code": None, "joined": True}  # a stranger learns nothing
    same_phone = submitted(client, report(token="tok_" + "c" * 20))
    assert same_phone == {"status": "recorded", "lookup_code": first["lookup_code"], "joined": True}
    assert db.session.execute(select(func.count(Case.id))).scalar_one() == 1


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
