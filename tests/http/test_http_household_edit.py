"""Keeping the register from the office: 登记农户 on the list, 编辑 on the household page, members
added, edited and recorded as gone — scope (404), roles (403), hostile input (400 beside the
field, never 500), no personal data in addresses or audit details."""
import re
from datetime import date

import pytest
from sqlalchemy import select

import factories
from conftest import TODAY
from core.extensions import db
from domain.validation import make_id_number
from http_support import audit_rows, signed_in, text_of
from models import Household, Member

PHONE = "13912345678"


@pytest.fixture
def world(app):
    made = factories.build_world()
    db.session.commit()
    return made


@pytest.fixture
def family(world):
    """A household of three in group A1: the head and two children."""
    h = factories.household(world.grid_a1, TODAY, size=3)
    db.session.commit()
    return h.id, h.head.id, [m.id for m in h.members if not m.is_head]


def _member_form(**changes) -> dict:
    form = {"name": "王小宝", "relation": "child", "labour_capacity": "none", "id_number": "", "gender": "",
            "ethnicity": "", "phone": "", "health": "", "disability_grade": "", "health_detail": "",
            "work_status": "", "work_months": "", "schooling": "", "education": "", "medical_insured": "",
            "minimum_living": "", "extreme_poverty": ""}
    form.update(changes)
    return form


def _household_form(**changes) -> dict:
    form = {"code": "", "address": "青山村5号", "attribute": "ordinary", "monitoring_category": "",
            "housing_safe": "", "water_safe": "", "sanitary_toilet": ""}
    form.update(changes)
    return form


def _error_beside(page: str, field: str) -> str:
    """The message shown next to a field (macros: the field's block, then p.error)."""
    block = r'(?:(?!</div>|</fieldset>).)*?'  # within the field's own block
    match = re.search(rf'(?:id="f-{field}"|name="{field}"){block}<p class="error" role="alert">([^<]*)</p>', page, re.S)
    assert match, f"no error beside {field}"
    return match.group(1)


def _page(client, household_id: int | str) -> str:
    """The household page, by id or by the address a save redirected to."""
    answer = client.get(household_id if isinstance(household_id, str) else f"/households/{household_id}")
    assert answer.status_code == 200
    return text_of(answer)


# --- 登记农户 ------------------------------------------------------------------------------------

def test_registering_a_household_from_the_list(app, world):
    client = signed_in(app, "village_a")
    assert 'data-testid="household-new-link"' in text_of(client.get("/households"))
    form_page = text_of(client.get("/households/new"))
    assert "青山村 / 青山村一组" in form_page and "石门村" not in form_page
    id_number = make_id_number("341599", date(1968, 4, 2), 321)  # a man's number (odd sequence)
    answer = client.post("/households/new", data={
        "region_code": "A1", **_household_form(code="3415990088", housing_safe="0", water_safe="1",
                                               key_groups="disabled", risk_types="illness"),
        **_member_form(name="王大山", relation="", labour_capacity="ordinary", id_number=id_number, phone=PHONE,
                       minimum_living="1", gender="male", ethnicity="汉族", work_months="6")})
    assert answer.status_code == 303
    location = answer.headers["Location"]
    assert id_number not in location and PHONE not in location and location.endswith("done=created#members")
    db.session.expire_all()
    h = db.session.execute(select(Household).where(Household.code == "3415990088")).scalar_one()
    assert (h.region_id, h.housing_safe, h.water_safe, h.key_groups, h.head.name, h.head.work_months) == (
        world.grid_a1.id, False, True, ["disabled"], "王大山", 6)
    page = _page(client, location)
    assert "农户已登记" in page and id_number in page
    assert 'data-testid="welfare"><span class="tag soon">低保户' in page  # derived from the head's 低保
    assert 'data-testid="housing-safe">不安全' in page


def test_a_refused_registration_keeps_what_was_typed(app, world):
    client = signed_in(app, "village_a")
    answer = client.post("/households/new", data={
        "region_code": "B1", **_household_form(address="石门村" + "号" * 200),
        **_member_form(name="赵四", labour_capacity="", id_number="110105194912310022", phone="2345")})
    page = text_of(answer)
    assert answer.status_code == 400 and 'value="赵四"' in page
    assert _error_beside(page, "region_code") == "请选择农户所在的村或组"
    assert "不超过200个字" in _error_beside(page, "address")
    assert "请核对" in _error_beside(page, "id_number") and "手机号" in _error_beside(page, "phone")
    assert "劳动能力" in _error_beside(page, "labour_capacity")
    assert db.session.execute(select(Household)).first() is None


# --- the household's facts ---------------------------------------------------------------------

def test_editing_the_facts_is_audited_by_field_name(app, world, family):
    household_id, _, _ = family
    client = signed_in(app, "township")
    page = _page(client, household_id)
    assert 'data-testid="edit-household"' in page and 'data-testid="add-member"' in page
    assert client.get(f"/households/{household_id}/edit").status_code == 200
    answer = client.post(f"/households/{household_id}/edit",
                         data=_household_form(address="新址8号", housing_safe="0", water_safe="1"))
    assert answer.status_code == 303 and answer.headers["Location"].endswith("done=household#facts")
    rows = audit_rows(action="update", object_type="household")
    assert [r.detail for r in rows] == ["fields=address,housing_safe,water_safe"]
    again = client.post(f"/households/{household_id}/edit",
                        data=_household_form(address="新址8号", housing_safe="0", water_safe="1"))
    assert again.headers["Location"].endswith("done=unchanged_facts#facts")
    assert len(audit_rows(action="update", object_type="household")) == 1
    page = _page(client, household_id)
    assert 'data-testid="housing-safe">不安全' in page and 'data-testid="water-safe">安全' in page


# --- members: natural changes ------------------------------------------------------------------

def test_a_newborn_then_a_death(app, world, family):
    household_id, _, (child_id, _) = family
    client = signed_in(app, "village_a")
    assert client.get(f"/households/{household_id}/members/new").status_code == 200
    baby = make_id_number("341599", date(2026, 9, 30), 654)
    answer = client.post(f"/households/{household_id}/members/new", data={
        **_member_form(id_number=baby, gender="female"), "join_reason": "born", "joined_on": "2026-09-30"})
    assert answer.status_code == 303 and baby not in answer.headers["Location"]
    page = _page(client, answer.headers["Location"])
    assert "已新增成员" in page and "2026-09-30 新生儿" in page and "家庭人口</dt><dd>4 人" in page

    answer = client.post(f"/households/{household_id}/members/{child_id}/leave",
                         data={"status": "deceased", "left_on": "2026-11-02", "left_note": "病故"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("done=left#departed")
    page = _page(client, answer.headers["Location"])
    departed = page[page.index('data-testid="departed"'):]
    assert "已减少成员（1 人）" in page and "死亡" in departed and "2026-11-02" in departed and "病故" in departed
    assert "家庭人口</dt><dd>3 人" in page
    db.session.expire_all()
    assert db.session.get(Member, child_id).status == "deceased"
    assert [r.action for r in audit_rows(object_type="member") if r.action != "read"] == ["member_joined", "member_left"]
    assert all(baby not in (r.detail or "") and "病故" not in (r.detail or "") for r in audit_rows())


def test_the_head_leaving_needs_a_new_head(app, world, family):
    household_id, head_id, (heir_id, _) = family
    client = signed_in(app, "village_a")
    form_page = text_of(client.get(f"/households/{household_id}/members/{head_id}/leave"))
    assert 'name="new_head"' in form_page
    answer = client.post(f"/households/{household_id}/members/{head_id}/leave",
                         data={"status": "moved_out", "left_on": "2026-11-01", "left_note": "随子女进城"})
    page = text_of(answer)
    assert answer.status_code == 400 and _error_beside(page, "new_head") == "户主减少时，请在在户成员中选择新户主"
    assert 'value="随子女进城"' in page and 'value="2026-11-01"' in page
    answer = client.post(f"/households/{household_id}/members/{head_id}/leave",
                         data={"status": "moved_out", "left_on": "2026-11-01", "new_head": str(heir_id)})
    assert answer.status_code == 303
    db.session.expire_all()
    h = db.session.get(Household, household_id)
    assert h.head.id == heir_id and h.head.relation == "head" and h.size == 2


def test_editing_a_member_shows_the_full_numbers_as_an_audited_read(app, world, family):
    household_id, _, (child_id, _) = family
    client = signed_in(app, "county")
    form_page = text_of(client.get(f"/households/{household_id}/members/{child_id}/edit"))
    assert [r.detail for r in audit_rows(action="read", object_type="member")] == ["edit form"]
    db.session.expire_all()
    child = db.session.get(Member, child_id)
    assert child.id_number in form_page
    answer = client.post(f"/households/{household_id}/members/{child_id}/edit", data=_member_form(
        name=child.name, relation="child", labour_capacity=child.labour_capacity, id_number=child.id_number,
        phone=PHONE, health="chronic"))
    assert answer.status_code == 303 and answer.headers["Location"].endswith("done=member#members")
    assert [r.detail for r in audit_rows(action="update", object_type="member")] == ["fields=health,phone"]


def test_an_id_number_present_in_another_household_is_refused_beside_the_field(app, world, family):
    household_id, _, _ = family
    other = factories.household(world.grid_a2, TODAY)
    db.session.commit()
    taken = other.head.id_number
    answer = signed_in(app, "village_a").post(f"/households/{household_id}/members/new", data={
        **_member_form(id_number=taken), "join_reason": "moved_in", "joined_on": "2026-11-01"})
    page = text_of(answer)
    assert answer.status_code == 400 and _error_beside(page, "id_number") == "该身份证号已登记在其他农户中"


# --- scope, roles, hostile input -----------------------------------------------------------------

def _routes(household_id: int, member_id: int) -> list[str]:
    return [f"/households/{household_id}/edit", f"/households/{household_id}/members/new",
            f"/households/{household_id}/members/{member_id}/edit",
            f"/households/{household_id}/members/{member_id}/leave"]


def test_outside_the_scope_is_not_found(app, world, family):
    household_id, head_id, _ = family
    client = signed_in(app, "village_b")
    for url in _routes(household_id, head_id):
        assert client.get(url).status_code == 404
        assert client.post(url, data=_member_form()).status_code == 404
    county = signed_in(app, "county")
    other = factories.household(world.village_b, TODAY)
    db.session.commit()
    for url in (_routes(other.id, head_id)[2:] + _routes(2**40, head_id) + _routes(household_id, 99999999999)[2:]
                + _routes(household_id, 2**31)[2:]):
        assert county.get(url).status_code == 404, url


@pytest.mark.parametrize("role", ["grid_a1", "cadre_a", "dept"])
def test_other_roles_are_refused(app, world, family, role):
    household_id, head_id, _ = family
    client = signed_in(app, role)
    assert client.get("/households/new").status_code == 403
    for url in _routes(household_id, head_id):
        assert client.post(url, data={"status": "deceased", "left_on": "2026-11-01"}).status_code == 403
    if role == "grid_a1":  # the grid worker reads the household page, without the register's links
        page = text_of(client.get(f"/households/{household_id}"))
        assert 'data-testid="members"' in page and 'data-testid="edit-household"' not in page
        assert 'data-testid="add-member"' not in page and 'data-testid="leave-member"' not in page
    assert audit_rows(action="member_left") == []


HOSTILE = [
    ("members/new", {"name": "王\u2028山\x1b", "join_reason": "born", "joined_on": "2026-13-45"},
     {"name": "无法保存的字符", "joined_on": "格式应为"}),
    ("members/new", {"work_months": "²", "joined_on": "²０２6-01-01", "join_reason": "born"},
     {"work_months": "0到12", "joined_on": "格式应为"}),
    ("members/new", {"work_months": "NaN", "minimum_living": "maybe", "id_number": "9" * 100000},
     {"work_months": "0到12", "minimum_living": "请选择", "id_number": "18位"}),
    ("members/new", {"name": "长" * 5000, "relation": "head", "disability_grade": "9", "health": "disabled"},
     {"name": "不超过64个字", "relation": "已有户主", "disability_grade": "一至四级"}),
    ("members/new", {"join_reason": "", "joined_on": "2026-01-01", "gender": "NaN"},
     {"join_reason": "请选择增加原因", "gender": "性别无效"}),
    ("edit", {"code": "户" * 40, "housing_safe": "NaN", "risk_types": "²", "attribute": ""},
     {"code": "不超过32个字", "housing_safe": "请选择", "risk_types": "风险类型无效", "attribute": "户类型无效"}),
    ("leave", {"status": "present", "left_on": "9999-12-31", "left_note": "\x07", "new_head": "99999999999"},
     {"status": "减少原因", "left_on": "不能晚于今天", "left_note": "无法保存的字符", "new_head": "新户主"}),
    ("leave", {"status": "other_left", "left_on": "0001-01-01", "new_head": "-1"},
     {"left_on": "出生日期", "left_note": "请填写情况说明", "new_head": "新户主"}),
]


@pytest.mark.parametrize("where, typed, expected", HOSTILE)
def test_hostile_input_is_a_message_beside_the_field(app, world, family, where, typed, expected):
    household_id, head_id, _ = family
    url = {"members/new": f"/households/{household_id}/members/new", "edit": f"/households/{household_id}/edit",
           "leave": f"/households/{household_id}/members/{head_id}/leave"}[where]
    base = _household_form() if where == "edit" else {} if where == "leave" else _member_form()
    answer = signed_in(app, "village_a").post(url, data={**base, **typed})
    page = text_of(answer)
    assert answer.status_code == 400
    for field, message in expected.items():
        assert message in _error_beside(page, field), field
    db.session.expire_all()
    assert db.session.get(Household, household_id).size == 3


@pytest.mark.parametrize("where", ["new", "edit", "members/new", "leave"])
def test_nul_bytes_are_refused_in_chinese_and_nothing_is_saved(app, world, family, where):
    household_id, head_id, _ = family
    url = {"new": "/households/new", "edit": f"/households/{household_id}/edit",
           "members/new": f"/households/{household_id}/members/new",
           "leave": f"/households/{household_id}/members/{head_id}/leave"}[where]
    typed = {**_household_form(), **_member_form(name="王\x00山", address="村\x00"), "region_code": "A1",
             "status": "deceased", "left_on": "2026-11-01", "left_note": "\x00", "join_reason": "born",
             "joined_on": "2026-11-01"}
    answer = signed_in(app, "village_a").post(url, data=typed)
    assert answer.status_code == 400 and "字符" in text_of(answer)
    db.session.expire_all()
    assert db.session.execute(select(Household)).scalars().all()[0].size == 3
    assert audit_rows(object_type="member", action="member_left") == [] and len(db.session.execute(select(Household)).all()) == 1
