"""The household list (农户台账): scope, filters, the posted search, masked numbers, paging, export."""
import io
import re
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

import factories
from core import clock
from core.extensions import db
from domain.enums import CaseSource
from http_support import signed_in
from models import AuditLog
from services.households import records
from services.households.records import MemberInput
from services.workflow import cases


@pytest.fixture
def world(app):
    made = factories.build_world()
    db.session.commit()
    return made


def _ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-household="(\d+)"', page)]


def _register(region, name, *, labour="ordinary", risks=(), attribute="ordinary", phone=None):
    return records.register_household(
        None, region, [MemberInput(name=name, relation="head", labour_capacity=labour,
                                   id_number=factories.new_id(), phone=phone)],
        today=clock.today(), attribute=attribute, risk_types=list(risks))


def test_each_desk_sees_its_own_scope(app, world):
    a1 = _register(world.grid_a1, "王大山")
    b1 = _register(world.grid_b1, "赵四")
    db.session.commit()
    assert _ids(signed_in(app, "county").get("/households").get_data(as_text=True)) == [a1.id, b1.id]
    assert _ids(signed_in(app, "village_a").get("/households").get_data(as_text=True)) == [a1.id]
    assert signed_in(app, "grid_a1").get("/households").status_code == 403


def test_filters_narrow_the_list(app, world):
    weak = _register(world.grid_a1, "甲", labour="lost", risks=["illness"], attribute="monitored")
    strong = _register(world.grid_a1, "乙", risks=["schooling"])
    other = _register(world.grid_b1, "丙", labour="none")
    cases.open_case(None, weak.region, CaseSource.SELF_REPORT, today=clock.today(), household=weak)
    db.session.commit()
    county = signed_in(app, "county")

    def listed(**args):
        answer = county.get("/households", query_string=args)
        assert answer.status_code == 200
        return _ids(answer.get_data(as_text=True))

    assert listed(village=world.village_a.code) == [weak.id, strong.id]
    assert listed(group=world.grid_b1.code) == [other.id]
    assert listed(attribute="monitored") == [weak.id]
    assert listed(risk="illness") == [weak.id] and listed(risk="schooling") == [strong.id]
    assert listed(no_labour="1") == [weak.id, other.id]
    assert listed(open_case="1") == [weak.id]
    bad = county.get("/households", query_string={"village": "999999999999", "risk": "laziness"})
    assert bad.status_code == 400 and "未按村筛选" in bad.get_data(as_text=True)
    assert _ids(bad.get_data(as_text=True)) == [weak.id, strong.id, other.id]  # ignored, said so


def test_search_is_posted_masked_and_audited(app, world):
    found = _register(world.grid_a1, "王大山", phone="13812345678")
    _register(world.grid_a1, "李四")
    db.session.commit()
    county = signed_in(app, "county")
    by_name = county.post("/households", data={"q": "大山"})
    page = by_name.get_data(as_text=True)
    assert by_name.status_code == 200 and _ids(page) == [found.id]
    head = found.head
    assert head.id_number not in page and "13812345678" not in page and head.id_number_masked in page
    assert _ids(county.post("/households", data={"q": "5678"}).get_data(as_text=True)) == [found.id]
    refused = county.post("/households", data={"q": "13812345678"})
    assert refused.status_code == 400 and 'data-testid="search-error"' in refused.get_data(as_text=True)
    db.session.rollback()
    details = db.session.execute(select(AuditLog.detail).where(AuditLog.action == "search",
                                                               AuditLog.object_type == "household")).scalars().all()
    assert details == ["register search by name: 1 found", "register search by tail: 1 found"]


def test_pages_of_fifty(app, world):
    made = [_register(world.grid_a1, f"户{i}") for i in range(53)]
    db.session.commit()
    county = signed_in(app, "county")
    first = county.get("/households").get_data(as_text=True)
    assert len(_ids(first)) == 50 and "共 <strong data-testid=\"households-total\">53</strong> 户" in first
    assert _ids(county.get("/households?page=2").get_data(as_text=True)) == [h.id for h in made[50:]]


def test_the_list_exports_as_a_job_with_its_filters(app, world):
    kept = _register(world.grid_a1, "王大山", attribute="monitored")
    _register(world.grid_a1, "李四")
    db.session.commit()
    county = signed_in(app, "county")
    started = county.post("/households/export", data={"attribute": "monitored"})
    assert started.status_code == 303 and "/jobs/" in started.headers["Location"]
    job_page = county.get(started.headers["Location"]).get_data(as_text=True)
    assert "共 1 户、1 人" in job_page
    download = county.get(started.headers["Location"] + "/result")
    table = [[c.value for c in row] for row in load_workbook(io.BytesIO(download.data)).active.iter_rows()]
    assert len(table) == 3 and table[2][5] == "王大山" and table[2][6] == kept.head.id_number
    assert signed_in(app, "village_a").post("/households/export").status_code == 403


def test_the_monitored_list_exports_only_monitored_households_whatever_the_filter(app, world):
    kept = _register(world.grid_a1, "王大山", attribute="monitored")
    _register(world.grid_a1, "李四")
    db.session.commit()
    county = signed_in(app, "county")
    page = county.get("/households").get_data(as_text=True)
    assert 'data-testid="monitored-export"' in page
    started = county.post("/households/export", data={"list": "monitored", "attribute": "ordinary"})
    assert started.status_code == 303
    download = county.get(started.headers["Location"] + "/result")
    assert quote("监测对象名单") in download.headers["Content-Disposition"]
    table = [[c.value for c in row] for row in load_workbook(io.BytesIO(download.data)).active.iter_rows()]
    assert [row[5] for row in table[2:]] == ["王大山"] and table[2][0] == f"本地{kept.id:08d}"
    entry = db.session.execute(select(AuditLog).where(AuditLog.action == "export")).scalar_one()
    assert entry.detail.startswith("monitored list xlsx: households=1")
