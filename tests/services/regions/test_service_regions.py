from datetime import date

import pytest
from sqlalchemy import func, select

from core.extensions import db
from domain.enums import RegionLevel
from factories import build_world, household
from models import Case, Household, Region, RegionAlias
from services.errors import ValidationFailed
from services.regions import tree

GOOD_CSV = """code,name,parent_code,level
341599101001,青山村,341599101000,村
341599000000,示范县,,县
341599101000,青山镇,341599000000,乡镇
341599101001-01,青山村一组,341599101001,网格
"""


def test_import_creates_tree_in_any_row_order(app):
    report = tree.import_csv(GOOD_CSV)
    assert report.ok, report.summary()
    assert len(report.created) == 4
    grid = tree.by_code("341599101001-01")
    county = tree.by_code("341599000000")
    assert grid.level == "grid" and grid.parent.code == "341599101001"
    assert county.contains(grid) and not grid.contains(county)
    assert grid.path == f"/{county.id}/{grid.parent.parent.id}/{grid.parent.id}/{grid.id}/"




def test_reimport_is_idempotent_and_renames(app):
    tree.import_csv(GOOD_CSV)
    report = tree.import_csv(GOOD_CSV.replace("青山村一组", "青山村第一网格"))
    assert report.ok
    assert report.created == [] and report.renamed == ["341599101001-01"] and report.unchanged == 3
    assert tree.by_code("341599101001-01").name == "青山村第一网格"


@pytest.mark.parametrize("row, message", [
    ("34159910200,柳溪乡,341599000000,乡镇", "12位数字"),
    ("341599102001,柳溪村,341599000000,村", "村/社区的上级应为乡镇"),
    ("341599102000,柳溪乡,341599999999,乡镇", "上级区划 341599999999 不存在"),
    ("341598102000,柳溪乡,341599000000,乡镇", "前6位应与所属县一致"),
    ("341599102000,柳溪乡,341599000000,星球", "层级“星球”无法识别"),
    ("341599101000,另一个镇,341599000000,乡镇", "与第4行重复"),
    ("341599101000,青山镇,,乡镇", "缺少上级区划"),
    (",无代码,341599000000,乡镇", "代码和名称不能为空"),
])
def test_bad_rows_are_reported_by_line_and_nothing_is_saved(app, row, message):
    report = tree.import_csv(GOOD_CSV + row + "\n")
    assert not report.ok
    assert any(line == 6 and message in text for line, text in report.errors), report.summary()
    assert db.session.execute(select(func.count(Region.id))).scalar_one() == 0
    assert "第" in report.summary() and "行" in report.summary()


def test_children_of_a_bad_row_are_reported_too(app):
    text = GOOD_CSV.replace("341599101000,青山镇,341599000000,乡镇", "341599101000,青山镇,341599000001,乡镇")
    report = tree.import_csv(text)
    lines = {line for line, _ in report.errors}
    assert {2, 4, 5} <= lines  # the township, and the village and grid that hang under it


def test_missing_header_column_is_reported(app):
    report = tree.import_csv("code,name,level\n341599000000,示范县,县\n")
    assert report.errors == [(1, "表头缺少列：parent_code（应为 code,name,parent_code,level）")]


def test_chinese_header_and_bom_are_accepted(app):
    report = tree.import_csv("\ufeff区划代码,名称,上级代码,层级\n341599000000,示范县,,县\n")
    assert report.ok and report.created == ["341599000000"]


def test_rename_with_new_code_keeps_old_code_resolvable(app):
    world = build_world()
    old = world.village_a.code
    tree.rename(None, world.village_a, "青山新村", "341599101009", on=date(2026, 1, 1))
    assert tree.resolve_code(old).id == world.village_a.id
    assert tree.resolve_code("341599101009").name == "青山新村"
    with pytest.raises(ValidationFailed):
        tree.create_region(old, "冒名村", RegionLevel.VILLAGE, world.township)


def test_merge_moves_everything_and_old_code_resolves_to_target(app, today):
    world = build_world()
    h = household(world.grid_b1, today)
    case_b = Case(source="self_report", state="reported", region=world.village_b, clue_date=today)
    case_grid = Case(source="self_report", state="reported", region=world.grid_b1, clue_date=today)
    db.session.add_all([case_b, case_grid])
    db.session.flush()
    assert case_grid.region_path == world.grid_b1.path
    source_code, grid_id = world.village_b.code, world.grid_b1.id
    tree.merge(None, world.village_b, world.village_a)
    db.session.flush()
    db.session.expire_all()
    assert tree.resolve_code(source_code).id == world.village_a.id
    grid = db.session.get(Region, grid_id)
    assert grid.parent_id == world.village_a.id
    assert grid.path.startswith(world.village_a.path)
    assert db.session.get(Household, h.id).region_id == grid_id
    assert db.session.get(Case, case_b.id).region_id == world.village_a.id
    # The scope reads each case's copy of its region's path: it follows the move.
    assert db.session.get(Case, case_b.id).region_path == world.village_a.path
    assert db.session.get(Case, case_grid.id).region_path == grid.path
    stale = db.session.execute(select(func.count()).select_from(Case).join(Region, Case.region_id == Region.id)
                               .where(Case.region_path != Region.path)).scalar_one()
    assert stale == 0
    assert world.users["village_b"].region_id == world.village_a.id
    alias = db.session.execute(select(RegionAlias).where(RegionAlias.old_code == source_code)).scalar_one()
    assert alias.reason == "merge" and alias.old_name == "石门村"


def test_merge_refuses_other_levels_and_self(app):
    world = build_world()
    with pytest.raises(ValidationFailed):
        tree.merge(None, world.village_a, world.township)
    with pytest.raises(ValidationFailed):
        tree.merge(None, world.village_a, world.village_a)


def test_cli_import_regions_reports_and_exits_nonzero_on_bad_rows(app, tmp_path):
    runner = app.test_cli_runner()
    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD_CSV + "341599102001,柳溪村,341599000000,村\n", encoding="utf-8")
    result = runner.invoke(args=["import-regions", str(bad)])
    assert result.exit_code == 1
    assert "第6行" in result.output
    good = tmp_path / "good.csv"
    good.write_text(GOOD_CSV, encoding="utf-8")
    result = runner.invoke(args=["import-regions", str(good)])
    assert result.exit_code == 0, result.output
    assert "新建 4 个" in result.output
    assert tree.by_code("341599101001") is not None


def test_a_grid_lies_in_its_village_and_a_village_is_its_own(app):
    world = build_world()
    assert world.grid_a1.village is world.village_a
    assert world.village_b.village is world.village_b
