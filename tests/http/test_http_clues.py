"""登记线索 over HTTP: who may open it (403 for other roles), the sources each may enter, the household
found by a posted search within scope, the unregistered person's numbers checked, errors beside
the fields with everything typed kept (files: choose again), joining an open case, and the clue
landing in the inbox and on the case page with its source."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import select

from core import clock
from core.extensions import db
from domain.enums import CaseSource
from factories import build_world, household, new_id
from http_support import audit_rows, signed_in, text_of
from models import Case, EventEvidence
from services.workflow import cases

DESCRIPTION = "县信访局转来：家中老人住院，儿子外出务工联系不上"


@pytest.fixture
def world(app):
    made = build_world()
    db.session.commit()
    return made


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), "green").save(out, "PNG")
    return out.getvalue()


def _form(**values) -> dict:
    data = {"do": "record", "source": "petition", "household_id": "", "region_code": "", "name": "",
            "id_number": "", "phone": "", "risk_types": ["illness"], "description": DESCRIPTION, "q": ""}
    data.update(values)
    return data


def _cases() -> list[Case]:
    db.session.expire_all()
    return list(db.session.execute(select(Case).order_by(Case.id)).scalars())


def _recorded_id(response) -> int:
    assert response.status_code == 303, text_of(response)[:2000]
    found = re.search(r"/clues/new\?recorded=(\d+)", response.headers["Location"])
    assert found, response.headers["Location"]
    return int(found.group(1))


@pytest.mark.parametrize("name, offered", [
    ("village_a", ["grid_visit", "department_warning", "petition", "media", "hotline"]),
    ("township", ["grid_visit", "department_warning", "petition", "media", "hotline"]),
    ("county", ["grid_visit", "department_warning", "petition", "media", "hotline"]),
    ("grid_a1", ["grid_visit"]),
])
def test_the_page_offers_each_role_its_sources(app, world, name, offered):
    page = signed_in(app, name).get("/clues/new")
    html = text_of(page)
    assert page.status_code == 200 and "登记线索" in html
    select_html = html.split('name="source"', 1)[1].split("</select>", 1)[0]
    assert re.findall(r'<option value="([a-z_]+)"', select_html) == offered
    assert "petition_media" not in html and "self_report" not in select_html
    assert 'enctype="multipart/form-data"' in html


@pytest.mark.parametrize("name", ["cadre_a", "dept", "admin", "auditor"])
def test_other_roles_are_refused(app, world, name):
    client = signed_in(app, name)
    assert client.get("/clues/new").status_code == 403
    assert client.post("/clues/new", data=_form(region_code=world.village_a.code, name="张三")).status_code == 403
    assert _cases() == []


def test_anonymous_goes_to_the_login(app, world):
    response = app.test_client().get("/clues/new")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_inbox_links_to_the_page(app, world):
    html = text_of(signed_in(app, "village_a").get("/inbox"))
    assert 'data-testid="clue-new-link"' in html and 'href="/clues/new"' in html


def test_the_field_app_links_grid_workers_to_it_and_to_the_proxy_report(app, world):
    html = text_of(signed_in(app, "grid_a1").get("/field/"))
    links = re.search(r'data-testid="field-links">(.*?)</p>', html).group(1)
    assert 'href="/clues/new"' in links and 'href="/report"' in links


def test_a_petition_about_an_unregistered_person_lands_in_the_inbox_with_its_source(app, world):
    client = signed_in(app, "village_a")
    number = new_id()
    posted = client.post("/clues/new", data=_form(
        region_code=world.grid_a2.code, name="孙二娘", id_number=number, phone="13812345678", urgent="1",
        risk_types=["illness", "lack_labour"], evidence=(io.BytesIO(_png()), "信访件.png")),
        content_type="multipart/form-data")
    case_id = _recorded_id(posted)
    assert number not in posted.headers["Location"] and "13812345678" not in posted.headers["Location"]
    [case] = _cases()
    assert case.id == case_id and (case.source, case.state, case.urgent) == ("petition", "reported", True)
    assert case.region_id == world.grid_a2.id and case.claimed_id_number == number and case.household_id is None
    assert case.risk_types == ["illness", "lack_labour"] and case.reporter_words == DESCRIPTION
    [evidence] = db.session.execute(select(EventEvidence)).scalars().all()
    assert evidence.label == "信访件.png" and evidence.content_type == "image/png"

    done = text_of(client.get(posted.headers["Location"]))
    assert f"案件 {case_id}" in done and "信访" in done and "已进入线索受理" in done
    inbox = text_of(client.get("/inbox"))
    row = inbox.split(f'data-case="{case_id}"', 1)[1].split("</tr>", 1)[0]
    assert "信访" in row and "孙二娘" in row and number not in inbox
    page = text_of(client.get(f"/cases/{case_id}"))
    assert "信访" in page
    assert [r.detail for r in audit_rows(action="create", object_type="case")] == ["source=petition"]


@pytest.mark.parametrize("source, label", [("media", "媒体/舆情"), ("hotline", "12317热线"),
                                           ("department_warning", "部门筛查预警"),
                                           ("grid_visit", "干部排查/网格反馈")])
def test_every_staff_source_can_be_entered(app, world, source, label):
    client = signed_in(app, "county")
    case_id = _recorded_id(client.post("/clues/new", data=_form(source=source, region_code=world.village_b.code,
                                                                  name="周某")))
    assert _cases()[0].source == source
    assert label in text_of(client.get("/inbox")) and label in text_of(client.get(f"/cases/{case_id}"))


def test_a_household_is_found_by_a_posted_search_and_picked(app, world):
    family = household(world.grid_a1, clock.today())
    beyond = household(world.village_b, clock.today())
    db.session.commit()
    family_id, beyond_id, head_number = family.id, beyond.id, family.members[0].id_number
    client = signed_in(app, "village_a")
    searched = client.post("/clues/new", data=_form(do="search", q=head_number, description="手写的说明"))
    html = text_of(searched)
    assert searched.status_code == 200 and f'data-household="{family_id}"' in html
    assert "手写的说明" in html and head_number not in html.replace(f'value="{head_number}"', "")
    searched = client.post("/clues/new", data=_form(do="search", q="户主", description="手写的说明"))
    html = text_of(searched)
    assert f'data-household="{family_id}"' in html and f'data-household="{beyond_id}"' not in html
    assert any("clue household search" in r.detail and "户主" not in r.detail for r in audit_rows(action="search"))

    case_id = _recorded_id(client.post("/clues/new", data=_form(source="department_warning",
                                                                  household_id=str(family_id))))
    case = _cases()[0]
    assert case.id == case_id and case.household_id == family_id and case.region_id == world.grid_a1.id


def test_a_bad_search_is_shown_beside_the_box_with_everything_kept(app, world):
    client = signed_in(app, "village_a")
    answer = client.post("/clues/new", data=_form(do="search", q="1234", name="赵六", description="写好的内容",
                                                  evidence=(io.BytesIO(_png()), "a.png")),
                         content_type="multipart/form-data")
    html = text_of(answer)
    assert answer.status_code == 400 and 'data-testid="search-error"' in html
    assert "赵六" in html and "写好的内容" in html and "请重新选择文件" in html
    assert _cases() == []


def test_errors_are_shown_beside_the_fields_and_nothing_typed_is_lost(app, world):
    client = signed_in(app, "township")
    answer = client.post("/clues/new", data=_form(
        source="", region_code=world.village_a.code, name="钱七", id_number="110105194912310021",
        phone="1381234", risk_types=[], description="内容" * 600,
        evidence=[(io.BytesIO(b"\xff\xd8\xff<html>broken"), "photo.jpg"), (io.BytesIO(_png()), "ok.png")]),
        content_type="multipart/form-data")
    html = text_of(answer)
    assert answer.status_code == 400 and 'data-testid="form-errors"' in html
    for message in ("请选择线索来源", "身份证号", "请至少选择一项风险类型", "线索内容不超过1000个字", "请重新选择文件",
                    "已损坏或不是有效的图片"):
        assert message in html, message
    assert html.count('class="error"') >= 5
    assert 'value="钱七"' in html and 'value="110105194912310021"' in html and 'value="1381234"' in html
    assert f'value="{world.village_a.code}" selected' in html and "内容内容" in html
    assert _cases() == [] and db.session.execute(select(EventEvidence)).first() is None


def test_a_household_beyond_the_scope_is_refused_beside_the_field_not_a_404(app, world):
    beyond = household(world.village_b, clock.today())
    db.session.commit()
    client = signed_in(app, "village_a")
    for household_id in (str(beyond.id), "0", "2147483648", "99999999999999999999", "²", "NaN"):
        answer = client.post("/clues/new", data=_form(household_id=household_id))
        html = text_of(answer)
        assert answer.status_code == 400, household_id
        assert "没有找到这户，或不在您的管辖范围内" in html and DESCRIPTION in html
    answer = client.post("/clues/new", data=_form(region_code=world.village_b.code, name="孙某"))
    assert answer.status_code == 400 and "不在您的管辖范围内" in text_of(answer)
    assert _cases() == []


def test_a_grid_worker_records_their_findings_for_any_family_of_the_village(app, world):
    family = household(world.grid_a2, clock.today())
    db.session.commit()
    family_id, number = family.id, family.members[0].id_number
    client = signed_in(app, "grid_a1")
    refused = client.post("/clues/new", data=_form(source="hotline", region_code=world.grid_a1.code, name="某"))
    assert refused.status_code == 400 and "网格员只能登记干部排查" in text_of(refused)
    beyond = client.post("/clues/new", data=_form(source="grid_visit", region_code=world.village_b.code, name="某"))
    assert beyond.status_code == 400 and "不在您的管辖范围内" in text_of(beyond)
    case_id = _recorded_id(client.post("/clues/new", data=_form(
        source="grid_visit", region_code=world.village_a.code, name="户主", id_number=number)))
    case = _cases()[0]
    assert (case.source, case.household_id, case.region_id) == ("grid_visit", family_id, world.grid_a2.id)
    assert client.get(f"/cases/{case_id}").status_code == 200
    assert 'href="/inbox"' not in text_of(client.get("/clues/new")).split("<main", 1)[1]


def test_a_clue_joins_the_open_case_of_its_household(app, world):
    family = household(world.grid_a1, clock.today())
    first = cases.open_case(world.users["village_a"], world.grid_a1, CaseSource.GRID_VISIT, today=clock.today(),
                            household=family, risk_types=["illness"])
    db.session.commit()
    family_id, first_id = family.id, first.id
    client = signed_in(app, "village_a")
    posted = client.post("/clues/new", data=_form(source="media", household_id=str(family_id),
                                                  risk_types=["housing"]))
    assert _recorded_id(posted) == first_id and "joined=1" in posted.headers["Location"]
    assert "线索已并入" in text_of(client.get(posted.headers["Location"]))
    [case] = _cases()
    assert case.risk_types == ["illness", "housing"] and case.events[-1].data["joined_report"] == "media"


def test_the_recorded_notice_names_only_a_case_the_person_may_read(app, world):
    other = cases.open_case(world.users["village_b"], world.village_b, CaseSource.PETITION, today=clock.today(),
                            claimed_name="某")
    db.session.commit()
    client = signed_in(app, "village_a")
    for value in (str(other.id), "²", "0", "99999999999", "x" * 50):
        page = client.get(f"/clues/new?recorded={value}")
        assert page.status_code == 200 and 'data-testid="clue-recorded"' not in text_of(page)


HOSTILE = ["\u00b2", "\u2460", "NaN", "-1e999", "2147483648", "99999999999999999999999", "\uff11\uff12", " ", "",
           "x" * 5000, "<script>alert(1)</script>", "' OR 1=1 --", "\U0001f600", "\x7f\x1b"]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_in_every_field_are_refused_plainly(app, world, value):
    client = signed_in(app, "township")
    fields = ("source", "household_id", "region_code", "name", "id_number", "phone", "description", "q")
    for do in ("record", "search"):
        answer = client.post("/clues/new", data={**{f: value for f in fields}, "risk_types": [value], "do": do,
                                                  "urgent": value,
                                                  "evidence": (io.BytesIO(b"\xff\xd8\xff" + b"<html>" * 10), "p.jpg")},
                             content_type="multipart/form-data")
        assert answer.status_code in (200, 400), (do, value, answer.status_code)
    assert _cases() == []
