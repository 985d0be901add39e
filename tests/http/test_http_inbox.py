"""The triage inbox over HTTP: who may open it, what each scope sees, filters checked, search
by POST only, bulk assignment all or nothing, and merging duplicates."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select

from core.extensions import db
from domain.enums import CaseSource, LabourCapacity, Relation
from domain.workflow import CaseState
from factories import build_world, new_id
from http_support import audit_rows, signed_in, text_of
from models import Case
from services.households import records
from services.households.records import MemberInput
from services.workflow import cases

TODAY = date(2026, 11, 20)
VILLAGE_B = "341599101002"


@dataclass(frozen=True)
class Scene:
    users: dict[str, int]
    id_old: str      # head of the household of ``old`` and ``dup``
    old: int         # village A, overdue
    urgent: int      # village A, urgent
    soon: int        # village A, unmatched clue (name only)
    dup: int         # village A, same household as ``old``
    b: int           # village B


def _family(region, head: str, phone: str, id_number: str):
    return records.register_household(None, region, [
        MemberInput(name=head, relation=Relation.HEAD.value, labour_capacity=LabourCapacity.ORDINARY.value,
                    id_number=id_number, phone=phone)], today=TODAY)


@pytest.fixture
def scene(app, monkeypatch):
    monkeypatch.setattr("portal.office.inbox.today", lambda: TODAY)
    w = build_world()
    id_old = new_id()
    h1 = _family(w.grid_a1, "王大山", "13800001234", id_old)
    h2 = _family(w.village_a, "李小花", "13900005678", new_id())
    h3 = _family(w.village_b, "赵铁柱", "13700001234", new_id())
    d = lambda day: date(2026, 11, day)  # noqa: E731
    old = cases.open_case(None, h1.region, CaseSource.SELF_REPORT, today=d(1), household=h1, risk_types=["illness"])
    urgent = cases.open_case(w.users["village_a"], h2.region, CaseSource.GRID_VISIT, today=d(18), household=h2,
                             risk_types=["disaster"], urgent=True)
    soon = cases.open_case(None, w.village_a, CaseSource.PETITION_MEDIA, today=d(8), claimed_name="孙二娘")
    dup = cases.open_case(w.users["village_a"], h1.region, CaseSource.DEPARTMENT_WARNING, today=d(15), household=h1)
    b = cases.open_case(None, h3.region, CaseSource.SELF_REPORT, today=d(10), household=h3, risk_types=["housing"])
    db.session.commit()
    return Scene({n: u.id for n, u in w.users.items()}, id_old, old.id, urgent.id, soon.id, dup.id, b.id)


@pytest.fixture
def as_user(app, scene):
    """A logged-in client for one of the factory users."""
    return lambda name: signed_in(app, name)


def rows_of(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr data-case="(\d+)"', html)]


def case_state(case_id: int) -> tuple[str, int | None]:
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    return case.state, case.verifier_id


# --- who sees what ---------------------------------------------------------------------------

def test_village_staff_see_their_village_most_pressing_first(as_user, scene):
    response = as_user("village_a").get("/inbox")
    html = text_of(response)
    assert response.status_code == 200
    assert rows_of(html) == [scene.urgent, scene.old, scene.soon, scene.dup]
    assert f'href="/cases/{scene.old}"' in html
    assert "已逾期 4 天" in html and "剩 3 天" in html and "紧急" in html
    assert "王大山" in html and "孙二娘" in html and "赵铁柱" not in html
    assert scene.id_old not in html and scene.id_old[-4:] in html  # masked only
    assert "13800001234" not in html and "1380000" not in html      # never phones
    assert re.search(rf'<tr data-case="{scene.old}" class="dup">', html)
    assert f"可能重复：<a href=\"/cases/{scene.dup}\">案件 {scene.dup}</a>" in html
    assert 'id="inbox-assign"' in html and 'action="/inbox/merge"' in html
    assert 'href="/inbox"' in text_of(as_user("village_a").get("/"))  # the nav bar links here


def test_township_and_county_see_every_village_but_county_does_not_assign_or_merge(as_user, scene):
    township = text_of(as_user("township").get("/inbox"))
    assert rows_of(township) == [scene.urgent, scene.old, scene.soon, scene.b, scene.dup]
    assert 'id="inbox-assign"' in township
    county = as_user("county").get("/inbox")
    assert county.status_code == 200
    html = text_of(county)
    assert rows_of(html) == rows_of(township)
    assert 'id="inbox-assign"' not in html and 'action="/inbox/merge"' not in html
    assert 'class="dup"' in html  # still told about the duplicates


@pytest.mark.parametrize("name", ["grid_a1", "dept"])
def test_grid_workers_and_departments_are_refused(as_user, scene, name):
    client = as_user(name)
    for response in (client.get("/inbox"), client.post("/inbox", data={"q": "王大山"}),
                     client.post("/inbox/assign", data={"case_id": scene.old, "assignee_id": scene.users["grid_a1"]}),
                     client.post("/inbox/merge", data={"case_id": scene.dup, "target_case_id": scene.old})):
        assert response.status_code == 403
        assert "线索受理仅供村、乡镇、县级工作人员使用" in text_of(response)
    assert case_state(scene.old) == (CaseState.REPORTED.value, None)
    assert case_state(scene.dup)[0] == CaseState.REPORTED.value


# --- filters ---------------------------------------------------------------------------------

def test_filters_in_the_query_string(as_user, scene):
    client = as_user("township")
    assert rows_of(text_of(client.get(f"/inbox?village={VILLAGE_B}"))) == [scene.b]
    assert rows_of(text_of(client.get("/inbox?source=petition_media"))) == [scene.soon]
    assert rows_of(text_of(client.get("/inbox?risk=illness"))) == [scene.old]
    assert rows_of(text_of(client.get("/inbox?overdue=1"))) == [scene.old]
    html = text_of(client.get("/inbox?state=reported&village=341599101001"))
    assert rows_of(html) == [scene.urgent, scene.old, scene.soon, scene.dup]
    assert '<option value="reported" selected>' in html  # the filter is kept


@pytest.mark.parametrize("query, message", [
    ("source=rumour", "线索来源无效"),
    ("risk=%3Cscript%3E", "风险类型无效"),
    ("state=rejected", "状态无效"),
    ("overdue=maybe", "取值无效"),
    ("page=-2", "页码无效"),
    (f"village={VILLAGE_B}", "不在您的管辖范围内"),
])
def test_an_unknown_filter_is_a_400_with_a_message_next_to_it(as_user, scene, query, message):
    response = as_user("village_a").get(f"/inbox?{query}")
    html = text_of(response)
    assert response.status_code == 400
    assert message in html and 'class="error"' in html
    assert rows_of(html) == [scene.urgent, scene.old, scene.soon, scene.dup]  # ignored, not applied
    assert "<script>" not in html


# --- search ----------------------------------------------------------------------------------

def test_search_is_posted_and_the_term_never_reaches_a_url_or_a_log(as_user, scene, caplog):
    client = as_user("village_a")
    caplog.set_level(logging.DEBUG)
    response = client.post("/inbox", data={"q": "1234", "risk": "illness"})
    html = text_of(response)
    assert response.status_code == 200
    assert rows_of(html) == [scene.old]  # phone tail, within the kept filter
    assert 'method="post" action="/inbox" id="inbox-search"' in html
    assert 'name="q" value="1234"' in html and '<input type="hidden" name="risk" value="illness">' in html
    assert not [u for u in re.findall(r'(?:href|action)="([^"]*)"', html) if "1234" in u]
    assert "1234" not in caplog.text
    search_rows = audit_rows(action="search")
    assert len(search_rows) == 1 and "1234" not in search_rows[0].detail
    # A term in the query string is not a search: the whole list is shown.
    assert rows_of(text_of(client.get("/inbox?q=%E7%8E%8B%E5%A4%A7%E5%B1%B1"))) == [
        scene.urgent, scene.old, scene.soon, scene.dup]


def test_search_by_name_id_tail_and_unmatched_claimed_name(as_user, scene):
    client = as_user("township")
    assert rows_of(text_of(client.post("/inbox", data={"q": "王大山"}))) == [scene.old, scene.dup]
    assert rows_of(text_of(client.post("/inbox", data={"q": scene.id_old[-4:]}))) == [scene.old, scene.dup]
    assert rows_of(text_of(client.post("/inbox", data={"q": "孙二娘"}))) == [scene.soon]
    assert rows_of(text_of(client.post("/inbox", data={"q": "1234"}))) == [scene.old, scene.b, scene.dup]
    assert rows_of(text_of(as_user("village_a").post("/inbox", data={"q": "赵铁柱"}))) == []


def test_a_bad_search_term_is_a_400_next_to_the_box(as_user, scene):
    response = as_user("village_a").post("/inbox", data={"q": "13800001"})
    html = text_of(response)
    assert response.status_code == 400
    assert "请只输入手机号或身份证号的后四位" in html
    assert len(rows_of(html)) == 4


def test_pages_link_by_query_string_but_search_pages_by_post(as_user, scene, monkeypatch):
    monkeypatch.setattr("services.identification.inbox.PAGE_SIZE", 2)
    client = as_user("village_a")
    first = text_of(client.get("/inbox?risk="))
    assert rows_of(first) == [scene.urgent, scene.old] and 'href="/inbox?page=2"' in first
    second = text_of(client.get("/inbox?page=2"))
    assert rows_of(second) == [scene.soon, scene.dup] and "（第 3–4 件）" in second
    monkeypatch.setattr("services.identification.inbox.PAGE_SIZE", 1)
    found = text_of(client.post("/inbox", data={"q": "王大山"}))
    assert rows_of(found) == [scene.old]
    assert 'form="inbox-search" name="page" value="2"' in found
    assert rows_of(text_of(client.post("/inbox", data={"q": "王大山", "page": "2"}))) == [scene.dup]


# --- bulk assignment -------------------------------------------------------------------------

def test_bulk_assign_accepts_and_assigns_then_says_how_many(as_user, scene):
    client = as_user("village_a")
    grid = scene.users["grid_a1"]
    response = client.post("/inbox/assign", data={"case_id": [scene.old, scene.soon], "assignee_id": grid,
                                                  "risk": "illness"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/inbox?risk=illness&done=assigned&n=2"
    assert case_state(scene.old) == (CaseState.VERIFYING.value, grid)
    assert case_state(scene.soon) == (CaseState.VERIFYING.value, grid)
    page = text_of(client.get(response.headers["Location"]))
    assert "已为 2 件案件指派核实人。" in page
    assert "GRID_A1" in page


def test_bulk_assign_with_one_refused_case_changes_nothing(as_user, scene):
    client = as_user("township")
    grid = scene.users["grid_a1"]  # works in village A only
    response = client.post("/inbox/assign", data={"case_id": [scene.old, scene.b], "assignee_id": grid})
    html = text_of(response)
    assert response.status_code == 400
    assert f"案件 {scene.b}：所选人员不负责该户所在区域" in html and "没有指派任何案件" in html
    assert case_state(scene.old) == (CaseState.REPORTED.value, None)
    assert case_state(scene.b) == (CaseState.REPORTED.value, None)
    for case_id in (scene.old, scene.b):  # the ticks are kept
        assert f'value="{case_id}" form="inbox-assign" aria-label="选择案件 {case_id}" checked' in html
    assert f'<option value="{grid}" selected>' in html  # and the picked verifier


def test_bulk_assign_of_a_case_past_triage_is_a_409(as_user, scene):
    client = as_user("village_a")
    grid = scene.users["grid_a1"]
    assert client.post("/inbox/assign", data={"case_id": scene.old, "assignee_id": grid}).status_code == 302
    db.session.expire_all()
    db.session.get(Case, scene.old).state = CaseState.VERIFIED.value  # seeding shortcut
    db.session.commit()
    response = client.post("/inbox/assign", data={"case_id": [scene.old, scene.soon], "assignee_id": grid})
    assert response.status_code == 409
    assert f"案件 {scene.old}：当前状态（已核实待评议）不能指派核实人" in text_of(response)
    assert case_state(scene.soon) == (CaseState.REPORTED.value, None)


def test_bulk_assign_needs_a_selection_and_a_verifier(as_user, scene):
    client = as_user("village_a")
    none_ticked = client.post("/inbox/assign", data={"assignee_id": scene.users["grid_a1"]})
    assert none_ticked.status_code == 400 and "请先勾选要指派核实人的案件" in text_of(none_ticked)
    no_verifier = client.post("/inbox/assign", data={"case_id": scene.old})
    assert no_verifier.status_code == 400 and "请选择核实人" in text_of(no_verifier)
    bad = client.post("/inbox/assign", data={"case_id": scene.old, "assignee_id": "abc"})
    assert bad.status_code == 400 and "所选核实人无效" in text_of(bad)
    assert case_state(scene.old) == (CaseState.REPORTED.value, None)


def test_bulk_assign_including_an_out_of_scope_case_is_404_and_changes_nothing(as_user, scene):
    response = as_user("village_a").post("/inbox/assign", data={"case_id": [scene.old, scene.b],
                                                                "assignee_id": scene.users["grid_a1"]})
    assert response.status_code == 404
    assert case_state(scene.old) == (CaseState.REPORTED.value, None)


# --- merging ---------------------------------------------------------------------------------

def test_merge_a_duplicate_into_the_older_case(as_user, scene):
    client = as_user("village_a")
    response = client.post("/inbox/merge", data={"case_id": scene.dup, "target_case_id": scene.old})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/inbox?done=merged&n={scene.dup}&into={scene.old}"
    assert case_state(scene.dup)[0] == CaseState.MERGED.value
    html = text_of(client.get(response.headers["Location"]))
    assert f"案件 {scene.dup} 已合并到案件 {scene.old}。" in html
    assert scene.dup not in rows_of(html) and 'class="dup"' not in html
    case_page = text_of(client.get(f"/cases/{scene.old}"))
    assert f"案件 {scene.dup} 已合并到本案" in case_page


def test_merge_refusals_are_shown_on_the_inbox(as_user, scene):
    not_same = as_user("village_a").post("/inbox/merge", data={"case_id": scene.soon, "target_case_id": scene.old})
    assert not_same.status_code == 400
    assert "两条线索不属于同一农户，不能合并" in text_of(not_same)
    by_county = as_user("county").post("/inbox/merge", data={"case_id": scene.dup, "target_case_id": scene.old})
    assert by_county.status_code == 409 and "须由" in text_of(by_county)
    missing = as_user("village_a").post("/inbox/merge", data={"case_id": scene.dup, "target_case_id": ""})
    assert missing.status_code == 400 and "请选择要合并到的案件" in text_of(missing)
    assert case_state(scene.dup)[0] == CaseState.REPORTED.value


def test_merge_outside_scope_is_404(as_user, scene):
    client = as_user("village_a")
    assert client.post("/inbox/merge", data={"case_id": scene.b, "target_case_id": scene.old}).status_code == 404
    assert client.post("/inbox/merge", data={"case_id": scene.dup, "target_case_id": scene.b}).status_code == 404
    assert case_state(scene.dup)[0] == CaseState.REPORTED.value
    assert db.session.execute(select(Case.state).where(Case.id == scene.b)).scalar_one() == "reported"


def test_every_form_carries_a_csrf_token(as_user, scene):
    html = text_of(as_user("village_a").get("/inbox"))
    forms = re.findall(r'<form method="post".*?</form>', html, re.S)
    assert len(forms) >= 4  # search, assign, merge (two rows) and logout
    assert all('name="csrf_token"' in form for form in forms)
