"""Region management services: the import's dry run and scope, a missing parent above the
county, names that cannot be saved, and the roles that may manage the tree."""
import pytest
from sqlalchemy import func, select

from core.extensions import db
from factories import build_world
from models import AuditLog, Region
from regions_support import build_province_world
from services.errors import NotFound, PermissionDenied, ValidationFailed
from services.regions import manage, tree

TOWNSHIP = "code,name,parent_code,level\n341599102000,柳溪乡,341599000000,乡镇\n"


def _regions() -> int:
    return db.session.execute(select(func.count(Region.id))).scalar_one()


def test_a_dry_run_reports_and_changes_nothing(app):
    world = build_world()
    before = _regions()
    report = tree.import_csv(TOWNSHIP, world.users["county"], dry_run=True)
    assert report.ok and report.created == ["341599102000"]
    assert _regions() == before and tree.by_code("341599102000") is None
    db.session.commit()
    assert db.session.execute(select(func.count(AuditLog.id)).where(AuditLog.action == "import")).scalar_one() == 0


def test_rows_outside_the_node_are_errors(app):
    pw = build_province_world()
    report = tree.import_csv(TOWNSHIP, within=pw.county_b)
    assert report.errors == [(2, "区划 341599102000 不在您管理的范围（霍邱县）内")]
    assert tree.import_csv(TOWNSHIP, within=pw.city).ok


def test_a_county_under_a_known_city_must_name_it(app):
    build_province_world()
    report = tree.import_csv("code,name,parent_code,level\n341523000000,舒城县,,县\n")
    assert report.errors == [(2, "上级代码为空，但上级区划 341500000000 已有，请填写上级代码")]
    # A county whose city is nowhere starts a tree of its own (a deployment for one county).
    assert tree.import_csv("code,name,parent_code,level\n350102000000,鼓楼区,,县\n").ok
    # A county naming a city that does not exist is refused.
    report = tree.import_csv("code,name,parent_code,level\n350103000000,台江区,350100000000,县\n")
    assert report.errors == [(2, "上级区划 350100000000 不存在")]


@pytest.mark.parametrize("name, message", [("", "名称不能为空"), ("村" * 101, "不超过100个字"),
                                           ("青山\x07村", "无法识别的字符")])
def test_names_that_cannot_be_saved(app, name, message):
    world = build_world()
    with pytest.raises(ValidationFailed) as refused:
        tree.rename(None, world.village_a, name)
    assert message in refused.value.fields["name"]
    report = tree.import_csv(f"code,name,parent_code,level\n341599102000,{name or '　'},341599000000,乡镇\n")
    assert not report.ok


def test_a_broken_csv_is_a_report_not_an_exception(app):
    report = tree.import_csv('code,name,parent_code,level\n"341599102000,柳溪乡\x00\n')
    assert not report.ok


@pytest.mark.parametrize("who", ["township", "village_a", "grid_a1", "dept", "auditor", "cadre_a"])
def test_only_admins_and_county_staff_manage(app, who):
    world = build_world()
    actor = world.users[who]
    with pytest.raises(PermissionDenied):
        manage.node_page(actor, world.village_a)
    with pytest.raises(PermissionDenied):
        manage.import_text(actor, TOWNSHIP, dry_run=True)
    with pytest.raises(PermissionDenied):
        manage.add_grid(actor, world.village_a, "A9", "九组")


def test_outside_the_node_is_not_found(app):
    pw = build_province_world()
    actor = pw.world.users["county_b"]
    with pytest.raises(NotFound):
        manage.node_page(actor, pw.world.village_a)
    with pytest.raises(NotFound):
        manage.add_grid(actor, pw.world.village_a, "A9", "九组")
    assert manage.search(actor, "青山") == []
