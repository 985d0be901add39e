"""Importing the register from the national system's export: dry run, write, idempotence, scope,
moving people, members missing from the file, and rows that cannot be imported."""
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from core.extensions import db
from domain.enums import RegionLevel
from factories import build_world, household, new_id
from models import AuditLog, Household, Member
from models.personal import ID_NUMBER, blind_index
from services.errors import PermissionDenied, ValidationFailed
from services.households.register_import import import_register
from services.regions import tree

HEADER = ["户编号", "县（市、区）", "乡（镇）", "行政村", "自然村（组）", "姓名", "证件号码", "与户主关系",
          "健康状况", "残疾等级", "劳动技能", "在校生状况", "联系电话", "户类型", "监测对象类别", "风险类型",
          "家庭纯收入（元）"]


@pytest.fixture
def world(app):
    return build_world()


def _xlsx(rows, title=True) -> bytes:
    book = Workbook()
    sheet = book.active
    if title:
        sheet.append(["防返贫监测对象户成员信息"])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _person(code, name, id_number, relation, village="青山村", group="一组", labour="普通劳动力",
            phone="", income=26000, township="青山镇", **more):
    row = dict(zip(HEADER, [code, "示范县", township, village, group, name, id_number, relation, "健康", "",
                            labour, "非在校生", phone, "监测户", "边缘易致贫户", "因病、因学", income]))
    row.update(more)
    return [row[h] for h in HEADER]


@pytest.fixture
def family():
    ids = [new_id(), new_id(), new_id()]
    return ids, [_person("H001", "王大山", ids[0], "户主", phone="13812345678"),
                 _person("H001", "李秀英", ids[1], "配偶", income=None),
                 _person("H001", "王小明", ids[2], "之子", labour="无劳动力", 在校生状况="初中", income=None)]


def _households():
    return db.session.execute(select(func.count(Household.id))).scalar_one()


def test_a_dry_run_reports_without_writing_and_the_import_writes_the_same(world, today, family):
    ids, rows = family
    content = _xlsx(rows)
    preview = import_register(world.users["county"], content, today=today, dry_run=True)
    assert (preview.count("new"), preview.people("new"), preview.problems) == (1, 3, [])
    assert _households() == 0
    done = import_register(world.users["county"], content, today=today, dry_run=False)
    assert done.summary() == preview.summary().replace("将", "已")
    db.session.commit()
    [h] = db.session.execute(select(Household)).scalars().all()
    assert (h.code, h.region_id, h.attribute, h.monitoring_category) == ("H001", world.grid_a1.id, "monitored", "marginal")
    assert h.risk_types == ["illness", "schooling"] and h.net_income == Decimal("26000.00")
    assert [(m.name, m.relation, m.is_head) for m in h.members] == [
        ("王大山", "head", True), ("李秀英", "spouse", False), ("王小明", "child", False)]
    child = h.members[2]
    assert child.schooling == "compulsory" and child.labour_capacity == "none"
    assert h.members[0].phone == "13812345678" and h.members[0].id_number == ids[0]


def test_the_same_file_twice_changes_nothing(world, today, family):
    _, rows = family
    import_register(world.users["county"], _xlsx(rows), today=today, dry_run=False)
    db.session.commit()
    again = import_register(world.users["county"], _xlsx(rows), today=today, dry_run=False)
    assert (again.count("new"), again.count("updated"), again.count("unchanged")) == (0, 0, 1)
    assert (again.people("new"), again.people("updated"), again.people("unchanged")) == (0, 0, 3)


def test_a_changed_income_and_a_new_baby_update_the_household(world, today, family):
    _, rows = family
    import_register(world.users["county"], _xlsx(rows), today=today, dry_run=False)
    db.session.commit()
    rows[0] = _person("H001", "王大山", family[0][0], "户主", phone="13812345678", income=31000)
    rows.append(_person("H001", "王小宝", new_id(), "之孙子", labour="无劳动力", income=None))
    report = import_register(world.users["county"], _xlsx(rows), today=today, dry_run=False)
    [outcome] = report.households
    assert outcome.status == "updated" and outcome.changed == ["家庭纯收入"]
    assert (outcome.people_new, outcome.people_unchanged) == (1, 3)
    db.session.commit()
    h = db.session.execute(select(Household)).scalar_one()
    assert h.net_income == Decimal("31000.00") and len(h.members) == 4
    entry = db.session.execute(select(AuditLog).where(AuditLog.action == "import_update")).scalar_one()
    assert "31000" not in entry.detail and "家庭纯收入" in entry.detail


def test_a_household_with_a_bad_row_is_left_out_whole_and_the_others_go_in(world, today, family):
    _, rows = family
    other = [_person("H002", "赵四", new_id(), "户主", village="石门村", group="")]
    rows[1] = _person("H001", "李秀英", "341599197001011234", "配偶")  # wrong check digit
    report = import_register(world.users["county"], _xlsx(rows + other), today=today, dry_run=False)
    assert [h.code for h in report.households] == ["H002"]
    assert sorted(report.rejected_lines) == [3, 4, 5]  # title and header take rows 1 and 2
    bad = [p for p in report.problems if p.line == 4]
    assert bad[0].column == "证件号码" and "341599197001011234" not in bad[0].reason
    db.session.commit()
    [h] = db.session.execute(select(Household)).scalars().all()
    assert h.code == "H002" and h.region_id == world.village_b.id  # no group: the village


def test_places_outside_the_scope_or_unknown_are_row_errors(world, today):
    other_township = tree.create_region("341599102000", "白云镇", RegionLevel.TOWNSHIP, world.county)
    tree.create_region("341599102001", "青山村", RegionLevel.VILLAGE, other_township)  # same name elsewhere
    rows = [_person("H010", "甲", new_id(), "户主", township="", village="青山村", group=""),
            _person("H011", "乙", new_id(), "户主", village="桃花村", group=""),
            _person("H012", "丙", new_id(), "户主", township="白云镇", village="青山村", group="")]
    by_county = import_register(world.users["county"], _xlsx(rows), today=today, dry_run=True)
    reasons = {p.line: p.reason for p in by_county.problems}
    assert reasons[3] == "村名“青山村”在多个乡镇都有，请填写乡（镇）"
    assert reasons[4] == "在您负责的区域内没有找到村“桃花村”（青山镇）"
    assert 5 not in reasons  # 白云镇 is in the county
    by_township = import_register(world.users["township"], _xlsx(rows[2:]), today=today, dry_run=True)
    assert by_township.households == [] and "没有找到村“青山村”（白云镇）" in by_township.problems[0].reason


def test_a_group_without_a_grid_lands_in_the_village_with_a_warning(world, today):
    report = import_register(world.users["county"], _xlsx([_person("H020", "甲", new_id(), "户主", group="五组")]),
                             today=today, dry_run=True)
    assert report.problems == [] and report.households[0].place == "青山村"
    assert "组“五组”没有对应的网格" in report.warnings[0].text


def test_a_person_registered_in_another_household_moves_with_a_warning(world, today):
    old = household(world.grid_a1, today, size=2)
    db.session.commit()
    moving = old.members[1]
    moving_id, old_id = moving.id_number, old.id
    rows = [_person("H030", "新户主", new_id(), "户主"), _person("H030", moving.name, moving_id, "配偶")]
    report = import_register(world.users["county"], _xlsx(rows), today=today, dry_run=False)
    assert report.problems == [] and any("导入后转入户编号 H030" in w.text for w in report.warnings)
    db.session.commit()
    member = db.session.execute(select(Member).where(
        Member.id_number_index == blind_index(ID_NUMBER, moving_id))).scalar_one()
    assert member.household.code == "H030" and db.session.get(Household, old_id).size == 1


def test_members_missing_from_a_later_file_are_reported_not_deleted(world, today, family):
    _, rows = family
    import_register(world.users["county"], _xlsx(rows), today=today, dry_run=False)
    db.session.commit()
    report = import_register(world.users["county"], _xlsx(rows[:2]), today=today, dry_run=False)
    assert any("1 名成员不在文件中，未删除" in w.text for w in report.warnings)
    db.session.commit()
    assert db.session.execute(select(func.count(Member.id))).scalar_one() == 3


def test_a_new_member_needs_a_labour_capacity(world, today):
    rows = [_person("H040", "甲", new_id(), "户主", labour="")]
    report = import_register(world.users["county"], _xlsx(rows), today=today, dry_run=True)
    assert [(p.line, p.column, p.reason) for p in report.problems] == [(3, "劳动技能", "劳动技能不能为空")]


def test_only_county_and_township_staff_import(world, today, family):
    with pytest.raises(PermissionDenied):
        import_register(world.users["village_a"], _xlsx(family[1]), today=today, dry_run=True)


def test_a_broken_file_or_one_without_the_columns_is_refused_whole(world, today):
    with pytest.raises(ValidationFailed) as broken:
        import_register(world.users["county"], b"PK\x03\x04broken", today=today, dry_run=True)
    assert "不是Excel表格" in broken.value.fields["file"]
    book = Workbook()
    book.active.append(["姓名", "性别"])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ValidationFailed) as no_header:
        import_register(world.users["county"], out.getvalue(), today=today, dry_run=True)
    assert "户编号" in no_header.value.fields["file"]


def test_the_command_line_checks_then_imports_and_writes_the_rejected_rows(app, world, today, family, tmp_path):
    _, rows = family
    bad = _person("H050", "钱五", "341599197001011234", "户主")
    source = tmp_path / "户成员信息.xlsx"
    source.write_bytes(_xlsx(rows + [bad]))
    db.session.commit()
    runner = app.test_cli_runner()
    checked = runner.invoke(args=["import-households", str(source), "--as", "county", "--dry-run"])
    assert checked.exit_code == 0, checked.output
    assert "（试导入，未写入）农户：将新增 1 户" in checked.output and "第6行 证件号码：" in checked.output
    assert _households() == 0
    rejected = tmp_path / "未导入.xlsx"
    done = runner.invoke(args=["import-households", str(source), "--as", "county", "--rejected", str(rejected)])
    assert done.exit_code == 0, done.output
    assert "农户：已新增 1 户" in done.output and _households() == 1
    sheet = load_workbook(rejected).active
    table = [[c.value for c in row] for row in sheet.iter_rows()]
    assert table[0] == HEADER + ["错误原因"]
    assert len(table) == 2 and table[1][:8] == bad[:8] and table[1][-1].startswith("证件号码：")
    refused = runner.invoke(args=["import-households", str(source), "--as", "village_a"])
    assert refused.exit_code == 1 and "县级或乡镇工作人员" in refused.output
