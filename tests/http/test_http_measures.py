"""The measure library over HTTP: read by everyone in the county, kept by county staff only."""
from __future__ import annotations

import pytest
from sqlalchemy import select

import factories
from core.extensions import db
from domain.enums import RegionLevel
from help_support import library
from http_support import audit_rows, login, text_of
from models import Measure
from services.accounts import users
from services.help import measures
from services.help.measures import MeasureInput
from services.regions import tree

VALID = {"name": "雨露计划", "kind": "policy", "department": "rural_revitalization", "risk_types": ["schooling"]}


@pytest.fixture
def lib(app):
    world = factories.build_world()
    made = library(world)
    db.session.commit()
    return {k: m.id for k, m in made.items()}


def as_user(app, name):
    client = app.test_client()
    assert login(client, name).status_code == 302
    return client


def measure(measure_id) -> Measure:
    db.session.expire_all()
    return db.session.get(Measure, measure_id)


@pytest.mark.parametrize("who", ["village_a", "township", "dept", "cadre_a", "grid_a1"])
def test_everyone_in_the_county_reads_the_library(app, lib, who):
    response = as_user(app, who).get("/measures")
    html = text_of(response)
    assert response.status_code == 200
    assert "示范县帮扶措施库" in html and "乡村公益性岗位" in html and "针对的风险类型" in html
    assert "开发式帮扶" in html and "改善式帮扶" in html
    assert "/measures/new" not in html and "停用</button>" not in html  # read-only


def test_county_staff_see_edit_controls(app, lib):
    html = text_of(as_user(app, "county").get("/measures"))
    assert "/measures/new" in html and f"/measures/{lib['医疗救助']}/edit" in html and "停用</button>" in html


def test_county_staff_create_a_measure(app, lib):
    county = as_user(app, "county")
    assert county.get("/measures/new").status_code == 200
    response = county.post("/measures/new", data=VALID)
    assert response.status_code == 302
    db.session.expire_all()
    made = db.session.execute(select(Measure).where(Measure.name == "雨露计划")).scalar_one()
    assert (made.kind, made.department, made.risk_types, made.active) == (
        "policy", "rural_revitalization", ["schooling"], True)
    assert "雨露计划" in text_of(county.get("/measures"))
    assert [a.action for a in audit_rows(object_type="measure", object_id=str(made.id))] == ["create"]


def test_invalid_input_is_400_next_to_the_fields_with_input_kept(app, lib):
    county = as_user(app, "county")
    response = county.post("/measures/new", data={"name": "医疗救助", "kind": "", "department": "",
                                                  "risk_types": ["illness", "accident"]})
    html = text_of(response)
    assert response.status_code == 400
    assert "本县措施库已有同名措施" in html and "请选择属于五帮中的哪一类" in html
    assert 'value="医疗救助"' in html
    assert 'value="illness" checked' in html and 'value="accident" checked' in html
    toilet = county.post("/measures/new", data={**VALID, "name": "改厕", "toilet_upgrade": "1"})
    assert toilet.status_code == 400 and "户厕改造属于改善式帮扶" in text_of(toilet)
    no_risk = county.post("/measures/new", data={"name": "新措施", "kind": "care"})
    assert no_risk.status_code == 400 and "请至少选择一种针对的风险类型" in text_of(no_risk)


def test_county_staff_mark_a_measure_as_temporary_relief(app, lib):
    county = as_user(app, "county")
    response = county.post("/measures/new", data={**VALID, "name": "急难型临时救助", "temporary_relief": "1"})
    assert response.status_code in (302, 303)
    db.session.expire_all()
    made = db.session.execute(select(Measure).where(Measure.name == "急难型临时救助")).scalar_one()
    assert made.is_temporary_relief
    page = text_of(county.get(f"/measures/{made.id}/edit"))
    assert 'name="temporary_relief" value="1" checked' in page
    assert "临时救助</span>" in text_of(county.get("/measures"))


def test_county_staff_edit_and_deactivate(app, lib):
    county = as_user(app, "county")
    page = text_of(county.get(f"/measures/{lib['医疗救助']}/edit"))
    assert 'value="医疗救助"' in page and 'value="illness" checked' in page
    edited = county.post(f"/measures/{lib['医疗救助']}/edit",
                         data={"name": "医疗救助（含二次救助）", "kind": "policy", "department": "civil_affairs",
                               "risk_types": ["illness"]})
    assert edited.status_code == 302
    assert (measure(lib["医疗救助"]).name, measure(lib["医疗救助"]).department) == ("医疗救助（含二次救助）", "civil_affairs")
    clash = county.post(f"/measures/{lib['医疗救助']}/edit", data={**VALID, "name": "临时救助"})
    assert clash.status_code == 400 and "本县措施库已有同名措施" in text_of(clash)
    assert county.post(f"/measures/{lib['临时救助']}/active", data={"active": "0"}).status_code == 302
    assert not measure(lib["临时救助"]).active
    assert "重新启用" in text_of(county.get("/measures"))
    assert county.post(f"/measures/{lib['临时救助']}/active", data={"active": "1"}).status_code == 302
    assert measure(lib["临时救助"]).active
    details = [a.detail for a in audit_rows(object_type="measure", object_id=str(lib["临时救助"]))]
    assert details[-2:] == ["deactivated", "active"]


@pytest.mark.parametrize("who", ["township", "village_a", "dept", "admin", "cadre_a"])
def test_only_county_staff_change_the_library(app, lib, who):
    client = as_user(app, who)
    target = lib["医疗救助"]
    assert client.get("/measures/new").status_code == 403
    assert client.post("/measures/new", data=VALID).status_code == 403
    assert client.get(f"/measures/{target}/edit").status_code == 403
    assert client.post(f"/measures/{target}/edit", data=VALID).status_code == 403
    assert client.post(f"/measures/{target}/active", data={"active": "0"}).status_code == 403
    assert measure(target).name == "医疗救助" and measure(target).active
    assert db.session.execute(select(Measure).where(Measure.name == "雨露计划")).first() is None


def test_another_countys_library_is_out_of_reach(app, lib):
    county = tree.create_region("341598000000", "邻县", RegionLevel.COUNTY, None)
    neighbour = users.create_user("county_b", "邻县干部", factories.PASSWORD, "county_staff", county.code)
    theirs = measures.create(neighbour, MeasureInput("邻县特色产业", "development", None, ("lack_funds",)))
    db.session.commit()
    ours = as_user(app, "county")
    assert "邻县特色产业" not in text_of(ours.get("/measures"))
    assert ours.get(f"/measures/{theirs.id}/edit").status_code == 404
    assert ours.post(f"/measures/{theirs.id}/active", data={"active": "0"}).status_code == 404
    assert measure(theirs.id).active
    html = text_of(as_user(app, "county_b").get("/measures"))
    assert "邻县特色产业" in html and "乡村公益性岗位" not in html
