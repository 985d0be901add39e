"""账号管理 over HTTP: the list and its filters, creating, changing, switching off and on,
resetting, unlocking, bulk creation from a spreadsheet; who may, and what nobody may do to
their own account."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

import factories
from files_support import xlsx
from core import clock
from core.extensions import db
from domain.enums import RegionLevel
from domain.lockout import LoginState
from http_support import audit_rows, login, signed_in, text_of
from models import User
from services.accounts import lockout, users
from services.regions import tree

NEW = {"full_name": "赵小燕", "username": "zhaoxy", "phone": "13912345678", "role": "village_staff",
       "region": "青山镇/石门村", "department": ""}


@pytest.fixture
def world(app):
    made = factories.build_world()
    db.session.commit()
    return made


def account(username: str) -> User:
    db.session.expire_all()
    return db.session.execute(select(User).where(User.username == username)).scalar_one()


def otp_of(html: str) -> str:
    match = re.search(r'data-testid="otp">([^<]+)<', html)
    assert match, "no one-time password on the page"
    return match.group(1)


# --- who may -------------------------------------------------------------------------------------

@pytest.mark.parametrize("login_name", ["township", "village_a", "grid_a1", "cadre_a", "dept", "auditor"])
def test_only_admins_and_county_staff_manage_accounts(app, world, login_name):
    client = signed_in(app, login_name)
    other = world.users["village_b"].id
    for method, url in (("get", "/users"), ("get", "/users/new"), ("get", f"/users/{other}"),
                        ("get", "/users/import"), ("post", "/users/new"), ("post", f"/users/{other}/password"),
                        ("post", f"/users/{other}/active"), ("post", f"/users/{other}/unlock")):
        response = getattr(client, method)(url, data={"active": "0"} if method == "post" else None)
        assert response.status_code in (403, 404), (login_name, url, response.status_code)
    assert account("village_b").active


def test_county_staff_do_not_see_or_touch_the_administrators_account(app, world):
    client = signed_in(app, "county")
    html = text_of(client.get("/users"))
    assert "VILLAGE_A" in html and "GRID_A1" in html
    assert 'data-user="%d"' % world.users["admin"].id not in html
    assert 'data-user="%d"' % world.users["auditor"].id not in html
    for url in (f"/users/{world.users['admin'].id}", f"/users/{world.users['auditor'].id}"):
        assert client.get(url).status_code == 404
        assert client.post(url + "/password").status_code == 404
    assert client.post("/users/new", data={**NEW, "role": "admin"}).status_code == 400


def test_an_account_of_another_county_is_not_found(app, world):
    other_county = tree.create_region("341600000000", "别县", RegionLevel.COUNTY, None)
    other_township = tree.create_region("341600101000", "别镇", RegionLevel.TOWNSHIP, other_county)
    other_village = tree.create_region("341600101001", "别村", RegionLevel.VILLAGE, other_township)
    stranger = users.create_user("stranger", "STRANGER", factories.PASSWORD, "village_staff", other_village.code)
    db.session.commit()
    client = signed_in(app, "county")
    assert client.get(f"/users/{stranger.id}").status_code == 404
    assert client.post(f"/users/{stranger.id}/password").status_code == 404
    assert 'data-user="%d"' % stranger.id not in text_of(client.get("/users?q=STRANGER"))
    assert client.get("/users/2147483648").status_code == 404


# --- the list --------------------------------------------------------------------------------------

def test_the_list_filters_by_role_region_and_state_and_shows_the_last_login(app, world):
    assert login(app.test_client(), "grid_a1").status_code == 302
    client = signed_in(app, "county")
    html = text_of(client.get("/users?role=grid_worker"))
    assert "GRID_A1" in html and "GRID_B1" in html and "VILLAGE_A" not in html
    html = text_of(client.get("/users", query_string={"region": "青山镇/石门村"}))
    assert "VILLAGE_B" in html and "GRID_B1" in html and "VILLAGE_A" not in html
    html = text_of(client.get("/users", query_string={"region": "341599101001"}))
    assert "VILLAGE_A" in html and "GRID_A1" in html and "VILLAGE_B" not in html
    row = re.search(r'<tr data-user="%d">.*?</tr>' % world.users["grid_a1"].id, html, re.S).group(0)
    assert re.search(r'data-testid="last-login">\d{4}-\d\d-\d\d \d\d:\d\d<', row)
    assert "从未登录" in html

    world_user = account("grid_b1")
    world_user.active = False
    db.session.commit()
    html = text_of(client.get("/users?state=inactive"))
    assert "GRID_B1" in html and "GRID_A1" not in html

    response = client.get("/users", query_string={"region": "没有这个村", "state": "x\x01", "role": "king"})
    assert response.status_code == 200
    assert "没有找到这个区划" in text_of(response) and "请选择列表中的角色" in text_of(response)


# --- one account ---------------------------------------------------------------------------------

def test_a_new_account_gets_a_one_time_password_changed_at_first_login(app, world):
    admin = signed_in(app, "admin")
    response = admin.post("/users/new", data=NEW)
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("no-store")
    password = otp_of(text_of(response))
    made = account("zhaoxy")
    assert made.region.name == "石门村" and made.must_change_password and made.phone_masked.endswith("5678")
    assert [r.object_id for r in audit_rows(action="create", object_type="user")][-1] == str(made.id)
    assert password not in text_of(admin.get(f"/users/{made.id}"))  # shown once

    clerk = app.test_client()
    assert login(clerk, "zhaoxy", password).headers["Location"].endswith("/password")
    assert clerk.get("/").headers["Location"].endswith("/password")


def test_a_refused_new_account_keeps_what_was_typed_with_the_reasons_beside_the_fields(app, world):
    client = signed_in(app, "county")
    response = client.post("/users/new", data={**NEW, "username": "village_a", "phone": "1391234",
                                                "region": "没有这个村", "role": "department"})
    html = text_of(response)
    assert response.status_code == 400
    assert "该用户名已被使用" in html and "没有找到这个区划" in html and "行业部门账号须指定部门" in html
    assert 'value="赵小燕"' in html and 'value="1391234"' in html
    assert db.session.execute(select(User).where(User.full_name == "赵小燕")).first() is None


def test_changes_are_audited_and_a_new_role_or_region_ends_the_sessions(app, world):
    grid = signed_in(app, "grid_a1")
    client = signed_in(app, "county")
    target = world.users["grid_a1"].id
    response = client.post(f"/users/{target}", data={"full_name": "李娟", "role": "grid_worker",
                                                     "region": "B1", "department": "", "phone": ""})
    assert response.status_code == 303
    changed = account("grid_a1")
    assert changed.full_name == "李娟" and changed.region.code == "B1"
    assert audit_rows(action="update", object_id=str(target))[-1].detail == "fields=full_name,region"
    assert grid.get("/field/").status_code == 302  # logged out everywhere


def test_nobody_raises_their_own_role_widens_their_region_or_switches_themselves_off(app, world):
    client = signed_in(app, "county")
    me = world.users["county"].id
    response = client.post(f"/users/{me}", data={"full_name": "COUNTY", "role": "admin",
                                                 "region": "341599000000", "department": "", "phone": ""})
    assert response.status_code == 400 and "不能修改自己的角色" in text_of(response)
    admin = signed_in(app, "admin")
    mine = world.users["admin"].id
    response = admin.post(f"/users/{mine}", data={"full_name": "ADMIN", "role": "admin",
                                                  "region": "341599101000", "department": "", "phone": ""})
    assert "不能修改自己的所属区划" in text_of(response)
    response = admin.post(f"/users/{mine}/active", data={"active": "0"})
    assert response.status_code == 400 and "不能停用自己的账号" in text_of(response)
    assert account("county").role == "county_staff" and account("admin").active


def test_deactivate_reactivate_reset_and_unlock(app, world):
    client = signed_in(app, "county")
    target = world.users["village_a"].id
    staff_member = signed_in(app, "village_a")

    assert client.post(f"/users/{target}/active", data={"active": "0"}).status_code == 303
    assert not account("village_a").active
    assert staff_member.get("/").status_code == 302
    assert login(app.test_client(), "village_a").status_code == 400  # refused
    assert client.post(f"/users/{target}/active", data={"active": "1"}).status_code == 303
    assert login(app.test_client(), "village_a").status_code == 302

    lockout.store(account("village_a"), LoginState(failures=5, locked_until=clock.now() + timedelta(minutes=30)))
    db.session.commit()
    assert "已锁定" in text_of(client.get(f"/users/{target}"))
    assert client.post(f"/users/{target}/unlock").status_code == 303
    assert account("village_a").locked_until is None

    response = client.post(f"/users/{target}/password")
    password = otp_of(text_of(response))
    assert login(app.test_client(), "village_a").status_code == 400  # the old one no longer works
    assert login(app.test_client(), "village_a", password).headers["Location"].endswith("/password")
    actions = [r.action for r in audit_rows(object_type="user", object_id=str(target))]
    assert {"update", "unlock", "password_reset"} <= set(actions)


# --- from a spreadsheet --------------------------------------------------------------------------


HEADER = ["姓名", "用户名", "手机号", "角色", "区划", "部门"]


def test_accounts_from_a_spreadsheet_all_or_nothing_with_errors_by_line(app, world):
    client = signed_in(app, "county")
    bad = xlsx([HEADER, ["钱一", "qian1", 13900000001, "网格员", "青山镇/青山村/青山村一组", None],
                 ["孙二", "sun2", None, "村级工作人员", "341599101099", None],
                 ["李三", "qian1", None, "网格员", "B1", None],
                 ["周四", "zhou4", None, "系统管理员", "341599000000", None]])
    response = client.post("/users/import", data={"file": (io.BytesIO(bad), "staff.xlsx"), "commit": "1"})
    html = text_of(response)
    assert response.status_code == 400, html
    assert "第3行" in html and "第4行：用户名与第2行重复" in html and "第5行" in html and "您不能设置系统管理员账号" in html
    assert db.session.execute(select(User).where(User.username == "qian1")).first() is None

    good = xlsx([HEADER, ["钱一", "qian1", 13900000001, "网格员", "青山镇/青山村/青山村一组", None],
                  ["孙二", "sun2", None, "行业部门", "341599000000", "医保"]])
    checked = client.post("/users/import", data={"file": (io.BytesIO(good), "staff.xlsx"), "commit": "0"})
    assert checked.status_code == 200 and "检查通过" in text_of(checked)
    assert db.session.execute(select(User).where(User.username == "qian1")).first() is None

    done = client.post("/users/import", data={"file": (io.BytesIO(good), "staff.xlsx"), "commit": "1"})
    assert done.status_code == 200 and "已建立 2 个账号" in text_of(done)
    assert account("qian1").region.code == "A1" and account("sun2").department == "medical_insurance"
    assert account("qian1").must_change_password


@pytest.mark.parametrize("content, says", [(b"", "请选择"), (b"PK\x03\x04broken", "损坏"),
                                           ("名字,电话\n张三,1\n".encode(), "缺少列")])
def test_a_broken_or_wrong_file_is_a_clear_error(app, world, content, says):
    client = signed_in(app, "county")
    response = client.post("/users/import", data={"file": (io.BytesIO(content), "staff.xlsx"), "commit": "1"})
    assert response.status_code == 400 and says in text_of(response)
