"""区划管理 over HTTP: the tree level by level, search (old codes too), import with a check first,
add a grid, rename, merge — as each role, refused to the wrong role (403) and outside scope (404),
bad input answered beside the field."""
from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

import factories
from files_support import xlsx
from core import clock
from core.extensions import db
from domain.enums import CaseSource, RegionLevel
from http_support import audit_rows, by_testid, signed_in, text_of
from models import Case, Household, Region, RegionAlias, ScanCount
from regions_support import build_province_world
from services.farmer import policy
from services.regions import settings, tree
from services.workflow import cases

REFUSED = ["township", "village_a", "grid_a1", "cadre_a", "dept", "auditor"]
NEW_TOWNSHIP = """code,name,parent_code,level
341599102000,柳溪乡,341599000000,乡镇
341599102001,柳溪村,341599102000,村
341599102001-01,柳溪村一组,341599102001,网格
"""


@pytest.fixture
def world(app):
    made = factories.build_world()
    today = clock.today()
    factories.household(made.village_a, today)
    h = factories.household(made.grid_a1, today)
    factories.household(made.village_b, today)
    cases.open_case(None, made.village_a, CaseSource.SELF_REPORT, today=today, household=h)
    db.session.commit()
    return made


def _count(model, **where) -> int:
    db.session.expire_all()
    query = select(func.count(model.id))
    for column, value in where.items():
        query = query.where(getattr(model, column) == value)
    return db.session.execute(query).scalar_one()


def _region(code: str) -> Region | None:
    db.session.expire_all()
    return tree.resolve_code(code)


# --- browsing -------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["county", "admin"])
def test_the_tree_level_by_level_with_figures(app, world, who):
    client = signed_in(app, who)
    root = text_of(client.get("/regions"))
    assert by_testid(root, "code") == "341599000000" and by_testid(root, "level") == "县"
    assert by_testid(root, "households") == "3" and by_testid(root, "open-cases") == "1"
    assert "下级（乡镇） · 1个" in root and "青山镇" in root
    township = text_of(client.get(f"/regions/{world.township.id}"))
    row_a = re.search(r'data-testid="child-341599101001">(.*?)</tr>', township, re.S).group(1)
    assert re.findall(r'class="num-cell">(\d+)<', row_a) == ["2", "2", "1"]  # grids, households, open cases
    row_b = re.search(r'data-testid="child-341599101002">(.*?)</tr>', township, re.S).group(1)
    assert re.findall(r'class="num-cell">(\d+)<', row_b) == ["1", "1", "0"]
    assert "示范县" in re.search(r'data-testid="chain">(.*?)</nav>', township, re.S).group(1)
    village = text_of(client.get(f"/regions/{world.village_a.id}"))
    assert "青山村一组" in village and "青山村二组" in village and 'data-testid="add-grid"' in village
    assert 'data-testid="add-grid"' not in township  # grids go under a village only


@pytest.mark.parametrize("who", REFUSED)
def test_other_roles_are_refused(app, world, who):
    client = signed_in(app, who)
    for url in ("/regions", f"/regions/{world.village_a.id}", "/regions/import",
                f"/regions/{world.village_a.id}/rename", f"/regions/{world.village_b.id}/merge"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/regions/{world.village_a.id}/grids", data={"code": "A9", "name": "九组"}).status_code == 403
    assert client.post(f"/regions/{world.village_a.id}/rename", data={"name": "新名"}).status_code == 403
    assert client.post("/regions/import", data={"mode": "import", "rows": NEW_TOWNSHIP}).status_code == 403
    assert _region("A9") is None and _region("341599102000") is None and _region(world.village_a.code).name == "青山村"


def test_city_and_province_staff_are_refused(app):
    build_province_world()
    db.session.commit()
    for who in ("city", "province"):
        assert signed_in(app, who).get("/regions").status_code == 403


def test_outside_the_persons_node_is_not_found(app):
    pw = build_province_world()
    db.session.commit()
    client = signed_in(app, "county_b")  # the second county's staff
    village_a = pw.world.village_a.id
    for url in (f"/regions/{village_a}", f"/regions/{village_a}/rename", f"/regions/{village_a}/merge",
                f"/regions/{pw.city.id}", "/regions/0", "/regions/2147483648"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/regions/{village_a}/grids", data={"code": "A9", "name": "九组"}).status_code == 404
    assert client.post(f"/regions/{village_a}/rename", data={"name": "别村"}).status_code == 404
    assert _region("A9") is None and _region(pw.world.village_a.code).name == "青山村"
    # The county's own admin does not reach the city above it either.
    assert signed_in(app, "admin").get(f"/regions/{pw.city.id}").status_code == 404
    assert signed_in(app, "admin_province").get(f"/regions/{village_a}").status_code == 200


def test_search_by_name_code_and_old_code(app, world):
    tree.rename(None, world.village_b, "石门新村", "341599101009")
    db.session.commit()
    client = signed_in(app, "county")
    by_name = text_of(client.get("/regions", query_string={"q": "青山"}))
    hits = re.search(r'data-testid="hits">(.*?)</section>', by_name, re.S).group(1)
    assert "青山镇" in hits and "青山村" in hits and "石门" not in hits
    by_old = re.search(r'data-testid="hits">(.*?)</section>', text_of(
        client.get("/regions", query_string={"q": "341599101002"})), re.S).group(1)
    assert "石门新村" in by_old and "旧代码 341599101002" in by_old
    page = text_of(client.get(f"/regions/{world.village_b.id}"))
    aliases = re.search(r'data-testid="aliases">(.*?)</section>', page, re.S).group(1)
    assert "341599101002" in aliases and "石门村" in aliases and "改名" in aliases
    too_long = client.get("/regions", query_string={"q": "村" * 31})
    assert too_long.status_code == 400 and "不超过30个字" in text_of(too_long)
    for odd in ("%", "_", "²", "\\"):
        assert client.get("/regions", query_string={"q": odd}).status_code == 200


def test_search_stays_in_the_persons_node(app):
    build_province_world()
    db.session.commit()
    page = text_of(signed_in(app, "county_b").get("/regions", query_string={"q": "村"}))
    hits = re.search(r'data-testid="hits">(.*?)</section>', page, re.S).group(1)
    assert "河口村" in hits and "青山村" not in hits


# --- import ---------------------------------------------------------------------------------------

def _upload(client, name: str, content: bytes):
    return client.post("/regions/import", data={"mode": "check", "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")



def test_import_checks_first_then_imports(app, world):
    client = signed_in(app, "county")
    checked = _upload(client, "regions.csv", NEW_TOWNSHIP.encode("utf-8-sig"))
    assert checked.status_code == 200
    page = text_of(checked)
    assert "检查通过，尚未导入" in page and "将新建 3 个" in page
    assert _region("341599102000") is None  # the check changed nothing
    rows = re.search(r'<textarea name="rows" hidden>(.*?)</textarea>', page, re.S).group(1)
    done = client.post("/regions/import", data={"mode": "import", "rows": rows.replace("&#34;", '"')})
    assert done.status_code == 200 and "导入完成：新建 3 个" in text_of(done)
    assert _region("341599102001-01").parent.code == "341599102001"
    assert [r.action for r in audit_rows(object_type="region")] == ["import"]


def test_an_xlsx_goes_through_the_same_checks(app, world):
    client = signed_in(app, "admin")
    good = xlsx([["区划代码", "名称", "上级代码", "层级"], [341599102000, "柳溪乡", "341599000000", "乡镇"],
                  ["341599102001", "柳溪村", 341599102000, "村"]])
    assert "将新建 2 个" in text_of(_upload(client, "regions.xlsx", good))
    bad = xlsx([["code", "name", "parent_code", "level"], ["341599102000", "柳溪乡", "341599000000", "乡镇"],
                 ["341599102001", "柳溪村", "341599102000", "星球"], ["341598102000", "别乡", "341599000000", "乡镇"]])
    answer = _upload(client, "regions.xlsx", bad)
    assert answer.status_code == 400
    page = text_of(answer)
    assert "第3行" in page and "层级“星球”无法识别" in page and "第4行" in page and "前6位应与所属县一致" in page
    assert "没有导入任何数据" in page and _region("341599102000") is None


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(app, world):
    client = signed_in(app, "county")
    text = NEW_TOWNSHIP + "341599103001,孤村,341599103000,村\n"
    answer = client.post("/regions/import", data={"mode": "import", "rows": text})
    assert answer.status_code == 400
    assert "第5行" in text_of(answer) and "上级区划 341599103000 不存在" in text_of(answer)
    assert _region("341599102000") is None and _count(Region) == 7


@pytest.mark.parametrize("name, content, message", [
    ("regions.txt", b"code,name,parent_code,level\n", "请上传 .csv 或 .xlsx 文件"),
    ("regions.csv", b"", "文件是空的"),
    ("regions.xlsx", b"PK\x03\x04 not really a workbook", "无法读取这个 Excel 文件"),
    ("regions.csv", b"code,name\x00,parent_code,level\n", "无法识别的字符"),
    ("regions.csv", "代码,名称,上级代码,层级\n341599102000,柳溪乡,341599000000,乡镇\n".encode("gb18030"), None),
])
def test_unreadable_files_are_field_errors(app, world, name, content, message):
    answer = _upload(signed_in(app, "county"), name, content)
    if message is None:  # a CSV saved by Excel in GB18030 reads too
        assert answer.status_code == 200 and "将新建 1 个" in text_of(answer)
        return
    assert answer.status_code == 400 and message in text_of(answer)
    assert 'class="error"' in text_of(answer)


def test_no_file_is_a_field_error(app, world):
    answer = signed_in(app, "county").post("/regions/import", data={"mode": "check"})
    assert answer.status_code == 400 and "请上传 .csv 或 .xlsx 文件" in text_of(answer)


def test_import_stays_within_the_persons_node(app):
    build_province_world()
    db.session.commit()
    text = "code,name,parent_code,level\n341599102000,柳溪乡,341599000000,乡镇\n"
    answer = signed_in(app, "county_b").post("/regions/import", data={"mode": "import", "rows": text})
    assert answer.status_code == 400 and "不在您管理的范围（霍邱县）内" in text_of(answer)
    assert _region("341599102000") is None


def test_a_province_admin_imports_cities_and_counties(app):
    build_province_world()
    db.session.commit()
    text = ("code,name,parent_code,level\n341800000000,宣城市,340000000000,地市\n"
            "341821000000,郎溪县,341800000000,县\n341822000000,广德县,,县\n")
    client = signed_in(app, "admin_province")
    answer = client.post("/regions/import", data={"mode": "import", "rows": text})
    assert answer.status_code == 400  # 广德县 names no parent although 宣城市 is in the file
    assert "第4行" in text_of(answer) and "请填写上级代码" in text_of(answer)
    fixed = text.replace("341822000000,广德县,,县", "341822000000,广德县,341800000000,县")
    assert client.post("/regions/import", data={"mode": "import", "rows": fixed}).status_code == 200
    assert _region("341822000000").parent.code == "341800000000"
    assert _region("341800000000").parent.code == "340000000000"


# --- add a grid, rename, merge --------------------------------------------------------------------

def test_add_a_grid_under_a_village(app, world):
    client = signed_in(app, "county")
    answer = client.post(f"/regions/{world.village_b.id}/grids", data={"code": "B2", "name": "石门村二组"})
    assert answer.status_code == 303
    assert "已添加网格 石门村二组" in text_of(client.get(answer.headers["Location"]))
    assert _region("B2").parent_id == world.village_b.id
    assert [r.action for r in audit_rows(object_type="region")] == ["create"]


@pytest.mark.parametrize("code, name, field, message", [
    ("A1", "重复", "code", "该代码已被使用"),
    ("二组", "石门村二组", "code", "网格代码应为"),
    ("", "石门村二组", "code", "请填写网格代码"),
    ("B2", "", "name", "名称不能为空"),
    ("B2", "组" * 101, "name", "名称不超过100个字"),
])
def test_bad_grids_are_field_errors_with_the_typed_values_kept(app, world, code, name, field, message):
    answer = signed_in(app, "county").post(f"/regions/{world.village_b.id}/grids", data={"code": code, "name": name})
    assert answer.status_code == 400
    page = text_of(answer)
    assert message in page and f'name="code" value="{code}"' in page
    assert _count(Region, parent_id=world.village_b.id) == 1


def test_a_grid_is_not_added_under_a_township(app, world):
    answer = signed_in(app, "county").post(f"/regions/{world.township.id}/grids", data={"code": "T1", "name": "组"})
    assert answer.status_code == 400 and "网格只能加在村/社区下" in text_of(answer)


def test_rename_with_a_new_code_keeps_the_old_code(app, world):
    client = signed_in(app, "admin")
    form = text_of(client.get(f"/regions/{world.village_b.id}/rename"))
    assert 'value="石门村"' in form
    answer = client.post(f"/regions/{world.village_b.id}/rename", data={"name": "石门新村", "code": "341599101009"})
    assert answer.status_code == 303
    assert _region("341599101002").name == "石门新村" and _region("341599101009").id == world.village_b.id
    assert audit_rows(object_type="region")[-1].action == "rename"
    only_name = client.post(f"/regions/{world.village_b.id}/rename", data={"name": "石门村", "code": ""})
    assert only_name.status_code == 303 and _region("341599101009").name == "石门村"


@pytest.mark.parametrize("name, code, message", [
    ("", "", "名称不能为空"),
    ("石门村", "", "名称和代码都没有变化"),
    ("石门村", "12345", "区划代码应为12位数字"),
    ("石门村", "341599102009", "前9位应与所属乡镇一致"),
    ("石门村", "341599101001", "该代码已被使用"),
    ("石门村", "341599101000", "后3位不能为000"),
])
def test_bad_renames_are_field_errors(app, world, name, code, message):
    answer = signed_in(app, "county").post(f"/regions/{world.village_b.id}/rename", data={"name": name, "code": code})
    assert answer.status_code == 400 and message in text_of(answer)
    assert f'value="{code}"' in text_of(answer)
    assert _region("341599101002").name == "石门村" and _count(RegionAlias) == 0


def test_merge_asks_to_confirm_then_moves_households_and_cases(app, world):
    client = signed_in(app, "county")
    step1 = text_of(client.get(f"/regions/{world.village_b.id}/merge"))
    assert "青山村（341599101001）" in step1
    plan = client.post(f"/regions/{world.village_b.id}/merge", data={"target": str(world.village_a.id)})
    assert plan.status_code == 200
    page = text_of(plan)
    assert "请确认" in page and "农户 1 户" in page and "下级区划 1 个" in page
    assert _region("341599101002").id == world.village_b.id  # nothing merged yet
    done = client.post(f"/regions/{world.village_b.id}/merge", data={"target": str(world.village_a.id),
                                                                     "confirm": "yes"})
    assert done.status_code == 303
    assert _region("341599101002").id == world.village_a.id  # the old code finds the village merged into
    assert _count(Household, region_id=world.village_a.id) == 2 and _region("B1").parent_id == world.village_a.id
    page = text_of(client.get(done.headers["Location"]))
    assert "合并完成" in page and "341599101002" in page and "合并" in page
    assert audit_rows(object_type="region")[-1].action == "merge"


@pytest.mark.parametrize("target", ["", "abc", "²", "99999999999999", "0"])
def test_merge_needs_a_sibling(app, world, target):
    answer = signed_in(app, "county").post(f"/regions/{world.village_b.id}/merge", data={"target": target,
                                                                                         "confirm": "yes"})
    assert answer.status_code == 400 and "请从列表中选择同一上级下的区划" in text_of(answer)
    assert _region("341599101002").id == world.village_b.id


def test_merge_refuses_a_node_that_is_not_a_sibling_and_the_own_node(app):
    pw = build_province_world()
    db.session.commit()
    client = signed_in(app, "admin_province")
    other = client.post(f"/regions/{pw.world.village_b.id}/merge", data={"target": str(pw.village_c.id)})
    assert other.status_code == 400  # a village of another township (and county)
    own = signed_in(app, "county").post(f"/regions/{pw.world.county.id}/merge",
                                        data={"target": str(pw.county_b.id), "confirm": "yes"})
    assert own.status_code == 400 and "不能合并您自己所在的区划" in text_of(own)
    assert _count(Case) == 0 and _region("341522000000").id == pw.county_b.id


def test_a_village_whose_sheet_was_scanned_merges_and_its_scans_follow(app, world):
    for village in (world.village_b, world.village_b, world.village_a):
        policy.count_scan(village, date(2026, 11, 2))
    db.session.commit()
    client = signed_in(app, "county")
    done = client.post(f"/regions/{world.village_b.id}/merge", data={"target": str(world.village_a.id),
                                                                     "confirm": "yes"})
    assert done.status_code == 303
    assert db.session.execute(select(ScanCount.region_id, ScanCount.count)).all() == [(world.village_a.id, 3)]


def test_a_township_with_its_own_line_is_refused_at_the_confirmation_step(app, world):
    hills = tree.create_region("341599102000", "白石乡", RegionLevel.TOWNSHIP, world.county)
    settings.set_monitoring_line(None, hills, 2026, "7800")
    db.session.commit()
    answer = signed_in(app, "county").post(f"/regions/{hills.id}/merge", data={"target": str(world.township.id)})
    assert answer.status_code == 400
    page = text_of(answer)
    assert "白石乡”还有自己的监测标准" in page and "请先在设置页面清除" in page and "请确认" not in page
