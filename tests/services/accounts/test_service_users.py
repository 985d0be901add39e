import pytest

from core.extensions import db
from factories import PASSWORD, build_world
from models import AuditLog
from services.accounts import users
from services.errors import ValidationFailed


def test_passwords_are_salted_hashes(app):
    build_world()
    a = users.create_user("u1", "甲", "same-password-1", "village_staff", "341599101001")
    b = users.create_user("u2", "乙", "same-password-1", "village_staff", "341599101001")
    assert "same-password-1" not in a.password_hash
    assert a.password_hash != b.password_hash


@pytest.mark.parametrize("kwargs, field, message", [
    (dict(role="village_staff", region_code="341599101000"), "region", "村级工作人员应绑定到村/社区级区划"),
    (dict(role="county_staff", region_code="341599101001"), "region", "县级工作人员应绑定到县级区划"),
    (dict(role="grid_worker", region_code="A1", password="short"), "password", "密码至少8位"),
    (dict(role="grid_worker", region_code="A1", password="12345678"), "password", "至少3类"),
    (dict(role="grid_worker", region_code="A1", password=" " * 8), "password", "至少3类"),
    (dict(role="grid_worker", region_code="A1", password="Admin@123"), "password", "太常见"),
    (dict(role="grid_worker", region_code="A1", password="New-user-2026"), "password", "不能包含用户名"),
    (dict(role="pilot", region_code="341599000000"), "role", "角色无效"),
    (dict(role="department", region_code="341599000000"), "department", "须指定部门"),
    (dict(role="county_staff", region_code="341599000000", department="water"), "department", "只有行业部门"),
    (dict(role="county_staff", region_code="999999999999"), "region", "所属区划不存在"),
    (dict(role="county_staff", region_code="341599000000", username="county"), "username", "已被使用"),
    (dict(role="county_staff", region_code="341599000000", phone="12345"), "phone", "手机号"),
])
def test_create_user_refuses_bad_input_with_field_messages(app, kwargs, field, message):
    build_world()
    args = dict(username="new", full_name="新人", password=PASSWORD)
    args.update(kwargs)
    with pytest.raises(ValidationFailed) as info:
        users.create_user(**args)
    assert message in info.value.fields[field]


def test_accounts_made_in_code_need_no_change_unless_told(app):
    world = build_world()  # the tests' own accounts log in straight away
    assert not any(u.must_change_password for u in world.users.values())
    made = users.create_user("handed", "交接", PASSWORD, "village_staff", "341599101001",
                             must_change_password=True)
    assert made.must_change_password and made.password_changed_at is not None


def test_grid_worker_may_be_bound_to_a_village_without_grids(app):
    build_world()
    user = users.create_user("gw", "网格员", PASSWORD, "grid_worker", "341599101002")
    assert user.region.code == "341599101002"


def test_authenticate_by_username_or_phone(app):
    build_world()
    users.create_user("phoneuser", "有手机", PASSWORD, "village_staff", "341599101001",
                      phone="138 0013 8000")
    assert users.authenticate("phoneuser", PASSWORD).username == "phoneuser"
    assert users.authenticate("13800138000", PASSWORD).username == "phoneuser"
    assert users.authenticate("+86 138-0013-8000", PASSWORD).username == "phoneuser"
    assert users.authenticate("phoneuser", "wrong-password") is None
    assert users.authenticate("nobody", PASSWORD) is None


def test_duplicate_phone_is_refused(app):
    build_world()
    users.create_user("p1", "甲", PASSWORD, "village_staff", "341599101001", phone="13800138000")
    with pytest.raises(ValidationFailed) as info:
        users.create_user("p2", "乙", PASSWORD, "village_staff", "341599101001", phone="13800138000")
    assert "已绑定" in info.value.fields["phone"]


def test_inactive_user_cannot_log_in(app):
    world = build_world()
    world.users["village_a"].active = False
    assert users.authenticate("village_a", PASSWORD) is None


def test_logins_are_audited_without_secrets(app):
    build_world()
    users.authenticate("village_a", PASSWORD)
    users.authenticate("village_a", "bad-password")
    db.session.flush()
    actions = [row.action for row in db.session.query(AuditLog).order_by(AuditLog.id)]
    assert actions[-2:] == ["login", "login_failed"]
    assert all(PASSWORD not in (row.detail or "") for row in db.session.query(AuditLog))


def test_cli_create_user(app):
    build_world()
    result = app.test_cli_runner().invoke(args=[
        "create-user", "--username", "clerk", "--name", "张三", "--role", "township_staff",
        "--region", "341599101000", "--password", "long-enough-1"])
    assert result.exit_code == 0, result.output
    assert "青山镇" in result.output and "首次登录时须修改密码" in result.output
    clerk = users.authenticate("clerk", "long-enough-1")
    assert clerk is not None and clerk.must_change_password  # someone else chose it
    bad = app.test_cli_runner().invoke(args=[
        "create-user", "--username", "clerk2", "--name", "李四", "--role", "township_staff",
        "--region", "341599101001", "--password", "long-enough-1"])
    assert bad.exit_code == 1
    assert "乡镇工作人员应绑定到乡镇级区划" in bad.output


def test_new_password_and_deactivation_end_existing_sessions(app):
    world = build_world()
    user = world.users["village_a"]
    old_id = user.get_id()
    users.set_password(user, "another-password-1")
    assert user.get_id() != old_id and not user.session_matches(old_id.split(".")[1])
    current = user.get_id()
    users.deactivate(user)
    assert not user.active and user.get_id() != current
    assert users.authenticate("village_a", "another-password-1") is None
