"""收入台账 over HTTP: the records on the household page, the form to enter or correct a year
(errors beside the fields, what was typed kept, nothing saved), confirming a visit's income once,
roles and scope, and hostile input answered without a 500. Amounts never appear in an address
or an audit entry."""
from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

import factories
from conftest import TODAY
from core.extensions import db
from domain.enums import IncomeSource
from http_support import audit_rows, signed_in, text_of
from models import Household, HouseholdIncome, User
from office_support import Calendar
from services.fieldwork import visits
from services.fieldwork.visits import VisitInput
from services.households import incomes

VISITED = datetime(2026, 11, 10, 2, 0, tzinfo=timezone.utc)  # 2026-11-10 in Beijing


@pytest.fixture
def scene(app, monkeypatch):
    Calendar(monkeypatch, TODAY)
    world = factories.build_world()
    h = factories.household(world.grid_a1, TODAY, size=2)
    incomes.record_income(None, h, year=2025, measured_on=date(2025, 12, 31), source=IncomeSource.IMPORT,
                          today=TODAY, net_total="12000")  # 6,000 a head, under 2025's 7,000
    visit, _ = visits.record_visit(world.users["grid_a1"], VisitInput(
        client_uuid=str(uuid.uuid4()), household_id=h.id, method="home", visited_at=VISITED.isoformat(),
        household_size=2, income={"wages": "23456", "business": "4000", "business_costs": "1000"}),
        now=VISITED + timedelta(minutes=30))
    other = factories.household(world.village_b, TODAY)
    db.session.commit()
    return {"household": h.id, "visit": visit.id, "other": other.id}


def _user_id(login: str) -> int:
    return db.session.execute(select(User.id).where(User.username == login)).scalar_one()


def _page(app, who, household_id, query=""):
    response = signed_in(app, who).get(f"/households/{household_id}{query}")
    assert response.status_code == 200
    return text_of(response)


def _section(html: str) -> str:
    start = html.index('data-testid="incomes"')
    return html[start:html.index("</section>", start)]


FORM = {"year": "2026", "measured_on": "2026-10-31", "household_size": "2", "wages": "18,000",
        "business": "3000", "property": "", "transfers": "1200.5", "business_costs": "600",
        "medical_spending": "5000", "schooling_spending": "", "disaster_spending": ""}


def test_the_page_lists_each_year_against_its_line_and_staff_may_add_one(app, scene):
    section = _section(_page(app, "village_a", scene["household"]))
    assert "2025年" in section and "2025-01-01 至 2025-12-31" in section and "仅有合计" in section
    assert "12,000 元" in section and "6,000.00 元" in section and "未超过监测范围" in section
    assert "7,000 元" in section and "全国系统导入" in section
    assert f'href="/households/{scene["household"]}/incomes/edit"' in section
    assert f'href="/households/{scene["household"]}/incomes/edit?year=2025"' in section


def test_a_grid_worker_reads_the_records_but_has_no_form_and_is_refused(app, scene):
    html = _page(app, "grid_a1", scene["household"])
    assert "12,000 元" in _section(html) and "/incomes/edit" not in html
    assert 'data-testid="confirm-income"' not in html and "收入待工作人员确认" in html
    client = signed_in(app, "grid_a1")
    assert client.get(f"/households/{scene['household']}/incomes/edit").status_code == 403
    assert client.post(f"/households/{scene['household']}/incomes/edit", data=FORM).status_code == 403
    assert client.post(f"/households/{scene['household']}/visits/{scene['visit']}/confirm-income").status_code == 403
    assert db.session.execute(select(func.count(HouseholdIncome.id))).scalar_one() == 1


def test_staff_enter_a_year_and_return_to_the_page(app, scene):
    client = signed_in(app, "township")
    form = client.get(f"/households/{scene['household']}/incomes/edit")
    assert form.status_code == 200
    html = text_of(form)
    assert 'name="year" value="2026"' in html and 'value="2026-11-20"' in html
    assert 'name="household_size" value="2"' in html and 'inputmode="decimal"' in html
    saved = client.post(f"/households/{scene['household']}/incomes/edit", data=FORM)
    assert saved.status_code == 303
    assert saved.headers["Location"] == f"/households/{scene['household']}?income_saved=2026#incomes"
    page = text_of(client.get(saved.headers["Location"]))
    section = _section(page)
    # 18,000 + 3,000 + 1,200.50 − 600 = 21,600.50, for 2: 10,800.25, above 7,000.
    assert "2026年收入已保存" in section and "21,600.50 元" in section and "10,800.25 元" in section
    assert "高于监测范围" in section and "医疗自付支出 5,000 元" in section and "工作人员录入" in section
    facts = page[page.index('data-testid="income"'):]
    assert "21,600.50 元" in facts[:400] and "2025-11-01 至 2026-10-31" in facts[:600]
    [entry] = audit_rows(object_type="household_income", action="update", user_id=_user_id("township"))
    assert entry.detail.startswith("year=2026 fields=wages,business,transfers,business_costs,medical_spending")
    assert not re.search(r"18000|21600|1200|5000", entry.detail)


def test_correcting_a_year_opens_with_its_record_and_the_read_is_audited(app, scene):
    client = signed_in(app, "village_a")
    html = text_of(client.get(f"/households/{scene['household']}/incomes/edit?year=2025"))
    assert "更正2025年收入" in html and 'name="measured_on" value="2025-12-31"' in html
    assert [r.detail for r in audit_rows(object_type="household_income", action="read")] == ["year=2025"]
    for odd in ("1999", "２０２５", "99999999999", "abc"):  # not a year on record: a new form
        response = client.get(f"/households/{scene['household']}/incomes/edit", query_string={"year": odd})
        assert response.status_code == 200 and "录入一年的收入" in text_of(response)
    assert client.get(f"/households/{scene['household']}/incomes/edit?year=2025%00").status_code == 400


HOSTILE = [
    ({"wages": "1e999"}, "wages", "工资性收入应为数字（元）"),
    ({"wages": "NaN"}, "wages", "工资性收入应为数字（元）"),
    ({"business": "3²"}, "business", "生产经营性收入应为数字（元）"),
    ({"transfers": "-200"}, "transfers", "转移性收入不能为负数"),
    ({"medical_spending": "9" * 60}, "medical_spending", "医疗自付支出不能超过1,000万元，请核对"),
    ({"year": "99999999999"}, "year", "年度应为四位数字，例如2026"),
    ({"year": "２０２６"}, "year", "年度应为四位数字，例如2026"),
    ({"year": "1999"}, "year", "年度应在2015年到2026年之间"),
    ({"household_size": "9" * 30}, "household_size", "家庭人口应为整数"),
    ({"household_size": "0"}, "household_size", "家庭人口应在1到50人之间"),
    ({"measured_on": "2026-02-30"}, "measured_on", "核定日期格式应为 年-月-日，例如 2026-11-20"),
    ({"measured_on": "2026-11-21"}, "measured_on", "核定日期不能晚于今天"),
    ({"measured_on": ""}, "measured_on", "请填写核定日期"),
    ({"wages": "", "business": "", "transfers": "", "business_costs": ""}, "wages", "请至少填写一项收入（没有的填0）"),
]


@pytest.mark.parametrize("change, field, message", HOSTILE)
def test_refused_input_is_explained_beside_the_field_and_kept(app, scene, change, field, message):
    client = signed_in(app, "village_a")
    sent = FORM | change
    response = client.post(f"/households/{scene['household']}/incomes/edit", data=sent)
    assert response.status_code == 400
    html = text_of(response)
    block = html[html.index(f'id="f-{field}"'):]
    assert message in block[:600]
    if sent[field]:
        assert f'value="{sent[field][:40]}"' in block[:300]
    kept = [key for key in ("wages", "business_costs", "medical_spending") if key not in change]
    assert all(f'name="{key}" value="{FORM[key]}"' in html for key in kept)  # the rest stays typed
    assert db.session.execute(select(func.count(HouseholdIncome.id))).scalar_one() == 1


@pytest.mark.parametrize("change", [{"property": "1\x00"}, {"measured_on": "2026-10-31\x00"}])
def test_a_nul_anywhere_is_refused_before_the_form_is_read(app, scene, change):
    response = signed_in(app, "village_a").post(f"/households/{scene['household']}/incomes/edit",
                                                data=FORM | change)
    assert response.status_code == 400 and "控制字符" in text_of(response)
    assert db.session.execute(select(func.count(HouseholdIncome.id))).scalar_one() == 1


def test_scope_and_ids_past_32_bits(app, scene):
    client = signed_in(app, "village_a")
    for household_id in (scene["other"], 2**31, 2**40):
        assert client.get(f"/households/{household_id}/incomes/edit").status_code == 404
        assert client.post(f"/households/{household_id}/incomes/edit", data=FORM).status_code == 404
    for visit_id in (2**31, 2**40, scene["visit"] + 1):
        url = f"/households/{scene['household']}/visits/{visit_id}/confirm-income"
        assert client.post(url).status_code == 404
    assert client.post(f"/households/{scene['other']}/visits/{scene['visit']}/confirm-income").status_code == 404
    assert signed_in(app, "village_b").post(
        f"/households/{scene['household']}/visits/{scene['visit']}/confirm-income").status_code == 404


def test_staff_confirm_a_visits_income_once(app, scene):
    client = signed_in(app, "village_a")
    html = _page(app, "village_a", scene["household"])
    visit_block = html[html.index(f'id="visit-{scene["visit"]}"'):]
    assert 'data-testid="confirm-income"' in visit_block[:3000]
    assert ("走访填写：工资性收入 23,456 元、生产经营性收入 4,000 元、生产经营性支出 1,000 元；"
            "家庭纯收入 26,456 元（2 人）") in visit_block[:3000]
    url = f"/households/{scene['household']}/visits/{scene['visit']}/confirm-income"
    done = client.post(url)
    assert done.status_code == 303
    assert done.headers["Location"] == f"/households/{scene['household']}?income_confirmed=1#visit-{scene['visit']}"
    page = text_of(client.get(done.headers["Location"]))
    section = _section(page)
    # 23,456 + 4,000 − 1,000 = 26,456 for 2 people, measured on the visit's day.
    assert "走访填写的收入已计入收入台账" in section and "26,456 元" in section and "13,228.00 元" in section
    assert "2025-11-11 至 2026-11-10" in section and "走访核实" in section
    assert "已计入收入台账" in page[page.index(f'id="visit-{scene["visit"]}"'):]
    again = client.post(url)
    assert again.status_code == 303 and "income_confirmed=again" in again.headers["Location"]
    assert "此前已计入收入台账" in text_of(client.get(again.headers["Location"]))
    [entry] = audit_rows(object_type="household_income", action="update", user_id=_user_id("village_a"))
    assert entry.detail.endswith(f"visit={scene['visit']}") and "23456" not in entry.detail


def test_a_visit_older_than_the_years_record_is_refused_beside_the_visit(app, scene):
    household = db.session.get(Household, scene["household"])
    incomes.record_income(None, household, year=2026, measured_on=date(2026, 11, 15), source=IncomeSource.STAFF,
                          today=TODAY, items={"wages": "30000"})
    db.session.commit()
    client = signed_in(app, "county")
    html = _page(app, "county", scene["household"])
    assert 'data-testid="confirm-income"' not in html and "收入台账已有同日或更新的核定" in html
    refused = client.post(f"/households/{scene['household']}/visits/{scene['visit']}/confirm-income")
    assert refused.status_code == 409
    page = text_of(refused)
    beside = page[page.index(f'id="visit-{scene["visit"]}"'):]
    assert "2026年的收入台账已按2026-11-15的核定记录" in beside[:3000]
    db.session.expire_all()
    assert db.session.get(Household, scene["household"]).net_income == Decimal("30000.00")
    assert audit_rows(object_type="household", action="read")  # the page shown was an audited read


def test_a_department_officer_reads_no_income(app, scene):
    page = signed_in(app, "dept").get(f"/households/{scene['household']}")
    assert page.status_code == 404 and "12,000 元" not in text_of(page)
    assert signed_in(app, "dept").get(f"/households/{scene['household']}/incomes/edit").status_code in (403, 404)
