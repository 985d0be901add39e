"""The national file's other columns (性别 to 风险消除时间) through import and export, and people
recorded as gone (自然减少) whom a later file still lists."""
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from core.extensions import db
from domain.enums import MemberStatus
from domain.validation import parse_id_number
from factories import build_world, new_id
from models import Household, Member
from models.personal import ID_NUMBER, blind_index
from services.households import register_list
from services.households.register_export import register_xlsx
from services.households.register_import import import_register

TODAY = date(2026, 11, 20)
HEADER = ["户编号", "乡（镇）", "行政村", "自然村（组）", "姓名", "证件号码", "与户主关系", "人数", "性别", "民族",
          "文化程度", "劳动技能", "务工状况", "务工时间（月）", "是否参加城乡居民基本医疗保险", "是否享受低保",
          "是否特困供养", "户类型", "人均纯收入（元）", "是否风险消除", "风险消除时间"]


@pytest.fixture
def world(app):
    return build_world()


def _xlsx(rows) -> bytes:
    book = Workbook()
    book.active.append(HEADER)
    for row in rows:
        book.active.append([row.get(h, "") for h in HEADER])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _row(code, name, id_number, relation, **cells):
    row = {"户编号": code, "乡（镇）": "青山镇", "行政村": "青山村", "自然村（组）": "一组", "姓名": name,
           "证件号码": id_number, "与户主关系": relation, "劳动技能": "普通劳动力", "户类型": "脱贫户"}
    row.update(cells)
    return row


def _member(id_number) -> Member:
    return db.session.execute(select(Member).where(
        Member.id_number_index == blind_index(ID_NUMBER, id_number))).scalar_one()


def test_every_column_of_the_national_file_is_stored_and_exported_back(world):
    head_id, wife_id = new_id(), new_id(birth=date(1972, 3, 1))
    head_gender = parse_id_number(head_id).gender  # new_id's sequence decides it
    rows = [_row("H001", "王大山", head_id, "户主", 人数=2, 性别=head_gender, 民族="汉族", 文化程度="初中", 务工状况="省外务工",
                 **{"务工时间（月）": 9, "是否参加城乡居民基本医疗保险": "是", "是否享受低保": "否", "是否特困供养": "否",
                    "人均纯收入（元）": "8,500", "是否风险消除": "是", "风险消除时间": "2025-06-30"}),
            _row("H001", "李秀英", wife_id, "配偶", 民族="回族", 文化程度="小学",
                 **{"是否参加城乡居民基本医疗保险": "是", "是否享受低保": "是"})]
    report = import_register(world.users["county"], _xlsx(rows), today=TODAY, dry_run=False)
    assert report.problems == [] and report.warnings == []
    db.session.commit()
    household = db.session.execute(select(Household)).scalar_one()
    assert household.net_income == Decimal("17000.00")  # 人均 8,500 × 人数 2
    [record] = household.incomes  # 收入台账: this year's record, measured on the day of the import
    assert (record.year, record.measured_on, record.source, record.household_size) == (2026, TODAY, "import", 2)
    assert record.net_income == Decimal("17000.00") and record.wages is None
    assert (household.risk_eliminated, household.risk_eliminated_on) == (True, date(2025, 6, 30))
    head = _member(head_id)
    assert (head.gender, head.ethnicity, head.education, head.work_status, head.work_months) == (
        {"男": "male", "女": "female"}[head_gender], "汉族", "初中", "省外务工", 9)
    assert (head.medical_insured, head.minimum_living, head.extreme_poverty) == (True, False, False)
    wife = _member(wife_id)
    assert (wife.ethnicity, wife.minimum_living, wife.extreme_poverty, wife.work_months) == ("回族", True, None, None)

    data, _, _ = register_xlsx(world.users["county"], register_list.Filters(), TODAY)
    table = [[c.value for c in row] for row in load_workbook(io.BytesIO(data)).active.iter_rows()]
    first, second = dict(zip(table[1], table[2])), dict(zip(table[1], table[3]))
    assert (first["人数"], first["性别"], first["民族"], first["务工状况"], first["务工时间（月）"]) == (
        2, head_gender, "汉族", "省外务工", 9)
    assert (first["人均纯收入（元）"], first["是否风险消除"], first["风险消除时间"]) == (8500, "是", "2025-06-30")
    assert (second["性别"], second["是否享受低保"], second["是否特困供养"], second["人数"]) == (
        parse_id_number(wife_id).gender, "是", None, None)
    again = import_register(world.users["county"], data, today=TODAY, dry_run=True)
    assert (again.problems, again.warnings, again.count("unchanged"), again.people("unchanged")) == ([], [], 1, 2)


def test_a_changed_column_is_named_in_the_preview(world):
    head_id = new_id()
    import_register(world.users["county"], _xlsx([_row("H001", "甲", head_id, "户主", 务工状况="县内务工")]),
                    today=TODAY, dry_run=False)
    db.session.commit()
    report = import_register(world.users["county"], _xlsx([_row("H001", "甲", head_id, "户主", 务工状况="省外务工",
                                                                 是否风险消除="是", 风险消除时间="2026-10-01")]),
                             today=TODAY, dry_run=True)
    [outcome] = report.households
    assert outcome.status == "updated" and outcome.changed == ["是否风险消除", "风险消除时间"]
    assert outcome.people_updated == 1


def test_a_size_that_disagrees_with_the_people_listed_is_a_warning(world):
    report = import_register(world.users["county"], _xlsx([_row("H001", "甲", new_id(), "户主", 人数=3)]),
                             today=TODAY, dry_run=True)
    assert report.problems == [] and [w.text for w in report.warnings] == [
        "户编号 H001：人数填写为3人，文件中这一户有1人，以文件中的人员为准"]


def test_a_person_recorded_as_dead_is_not_brought_back_by_an_older_file(world):
    head_id, father_id = new_id(), new_id(birth=date(1940, 1, 1))
    rows = [_row("H001", "甲", head_id, "户主"), _row("H001", "甲父", father_id, "之父")]
    import_register(world.users["county"], _xlsx(rows), today=TODAY, dry_run=False)
    db.session.commit()
    father = _member(father_id)
    father.status, father.left_on = MemberStatus.DECEASED.value, date(2026, 9, 3)
    db.session.commit()
    report = import_register(world.users["county"], _xlsx(rows), today=TODAY, dry_run=False)
    assert report.count("unchanged") == 1 and report.problems == []
    assert [w.text for w in report.warnings] == ["此人已记录为死亡（2026-09-03），文件中仍在户，未恢复，请核实"]
    db.session.commit()
    assert _member(father_id).status == "deceased" and db.session.execute(select(Household)).scalar_one().size == 1


def test_a_person_who_married_out_is_registered_anew_where_the_file_says(world):
    bride_id = new_id(birth=date(1998, 4, 4))
    import_register(world.users["county"], _xlsx([_row("H001", "甲", new_id(), "户主"),
                                                  _row("H001", "甲女", bride_id, "之女")]), today=TODAY, dry_run=False)
    db.session.commit()
    bride = _member(bride_id)
    bride.status, bride.left_on, bride.left_note = MemberStatus.MARRIED_OUT.value, date(2026, 10, 1), "嫁往石门村"
    old_row = bride.id
    db.session.commit()
    rows = [_row("H002", "乙", new_id(), "户主", 行政村="石门村"),
            _row("H002", "甲女", bride_id, "儿媳", 行政村="石门村")]
    for row in rows:
        row["自然村（组）"] = ""
    report = import_register(world.users["county"], _xlsx(rows), today=TODAY, dry_run=False)
    assert report.problems == [] and report.people("new") == 2
    assert any("已从户编号 H001减少（婚出），导入后登记在户编号 H002" in w.text for w in report.warnings)
    db.session.commit()
    now = _member(bride_id)
    assert now.id != old_row and now.household.code == "H002" and now.status == "present"
    gone = db.session.get(Member, old_row)
    assert gone.household.code == "H001" and gone.status == "married_out" and gone.id_number == bride_id
    assert gone.id_number_index is None  # released: one person is present in one household


def test_the_monitored_list_has_the_monitored_households_with_when_and_where_they_are(world):
    from office_support import drive, new_case  # noqa: E402 (the workflow's own steps make the case)
    from domain.workflow import CaseState
    import_register(world.users["county"], _xlsx([_row("H009", "丙", new_id(), "户主", 户类型="一般农户")]),
                    today=TODAY, dry_run=False)
    case = drive(world, new_case(world, date(2026, 3, 2)), CaseState.HELPING, date(2026, 3, 2))
    db.session.commit()
    data, households, people = register_xlsx(world.users["county"], register_list.Filters(), TODAY, monitored=True)
    assert (households, people) == (1, case.household.size)
    table = [[c.value for c in row] for row in load_workbook(io.BytesIO(data)).active.iter_rows()]
    assert table[0][0].startswith("监测对象名单") and table[1][-2:] == ["纳入监测时间", "当前环节"]
    row = dict(zip(table[1], table[2]))
    assert row["户类型"] == "监测户" and row["纳入监测时间"] == case.identified_on.isoformat()
    assert row["当前环节"] == "帮扶中"
    again = import_register(world.users["county"], data, today=TODAY, dry_run=True)  # the extra columns are ignored
    assert (again.problems, again.count("unchanged")) == ([], 1)


def test_a_local_code_matches_its_household_and_an_unknown_one_is_a_row_error(world):
    import_register(world.users["county"], _xlsx([_row("H001", "甲", new_id(), "户主")]), today=TODAY, dry_run=False)
    db.session.commit()
    registered = db.session.execute(select(Household)).scalar_one()
    registered.code = None  # as if registered here, from a clue
    db.session.commit()
    head_id = registered.head.id_number
    report = import_register(world.users["county"], _xlsx([_row(f"本地{registered.id:08d}", "甲", head_id, "户主")]),
                             today=TODAY, dry_run=False)
    assert (report.problems, report.count("unchanged")) == ([], 1)
    db.session.commit()
    assert db.session.get(Household, registered.id).code is None  # a local code is never stored
    unknown = import_register(world.users["county"], _xlsx([_row("本地00009999", "乙", new_id(), "户主")]),
                              today=TODAY, dry_run=True)
    assert [(p.line, p.column, p.reason) for p in unknown.problems] == [
        (2, "户编号", "户编号“本地00009999”不是本系统登记的农户")]
