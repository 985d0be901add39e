"""Reading the national system's register export: headers, cell values, rows, households."""
from datetime import date, datetime
from decimal import Decimal

import pytest

from domain import register_values as values
from domain.enums import (Gender, Health, HouseholdAttribute, LabourCapacity, MonitoringCategory, Relation,
                          RiskType, Schooling)
from domain.register_columns import HeaderNotFound, find_header, header_key
from domain.register_rows import group, local_code, local_household_id, read_row
from domain.register_values import BadValue

TODAY = date(2026, 11, 20)
HEAD_ID, WIFE_ID, CHILD_ID = "341522196003010119", "341522198807090221", "341522201205050315"
ZHAO_IDS = ("341522195501010010", "341522195602020023", "341522198003030039")  # another family


# --- headers -----------------------------------------------------------------------------------

def test_the_header_is_found_below_a_title_row_in_any_order_with_variant_names():
    rows = [
        ["霍邱县防返贫监测户成员信息表（2026年11月导出）"],
        [],
        ["序号", "姓名", "户编号", "证件号码 ", "与户主关系", "家庭纯收入(元)", "乡(镇)", "行政村", "自然村（组）", "备注"],
        ["1", "王大山", "H001", HEAD_ID, "户主", "26000", "马店镇", "青山村", "一组", ""],
    ]
    header = find_header(rows)
    assert header.row == 2
    assert header.columns == {"name": 1, "household_code": 2, "id_number": 3, "relation": 4, "net_income": 5,
                              "township": 6, "village": 7, "group": 8}
    assert header.title("id_number") == "证件号码"  # as the file writes it, for messages


def test_a_file_without_the_required_columns_says_which_are_missing():
    rows = [["姓名", "证件号码", "性别"], ["王大山", HEAD_ID, "男"]]
    with pytest.raises(HeaderNotFound) as missing:
        find_header(rows)
    assert "户编号" in str(missing.value) and "与户主关系" in str(missing.value)
    assert "姓名" not in str(missing.value)


def test_header_names_compare_without_width_spaces_or_units():
    assert header_key("家庭纯收入（元）") == header_key("家庭纯收入(元)") == header_key(" 家庭纯收入 ") == "家庭纯收入"
    assert header_key("务工时间（月）") == "务工时间"
    assert header_key("县（市、区）") == "县(市、区)"  # brackets that are not a unit stay


# --- cell values ---------------------------------------------------------------------------------

@pytest.mark.parametrize("cell, expected", [
    ("户主", Relation.HEAD), ("配偶", Relation.SPOUSE), ("之子", Relation.CHILD), ("之女", Relation.CHILD),
    ("女儿", Relation.CHILD), ("之儿媳", Relation.CHILD_IN_LAW), ("之外孙女", Relation.GRANDCHILD),
    ("之母", Relation.PARENT), ("之祖父", Relation.GRANDPARENT), ("之兄弟姐妹", Relation.SIBLING),
    ("其他", Relation.OTHER), ("", None)])
def test_relations_as_the_national_system_and_staff_write_them(cell, expected):
    assert values.relation(cell) is expected


@pytest.mark.parametrize("cell, expected", [
    ("非在校生", None), ("", None), ("学前教育", Schooling.PRESCHOOL), ("小学三年级", Schooling.COMPULSORY),
    ("七年级", Schooling.COMPULSORY), ("初中", Schooling.COMPULSORY), ("普通高中", Schooling.HIGH_SCHOOL),
    ("中职", Schooling.VOCATIONAL), ("技校", Schooling.VOCATIONAL), ("高职", Schooling.COLLEGE),
    ("本科", Schooling.COLLEGE), ("硕士研究生", Schooling.COLLEGE)])
def test_schooling_from_the_grade_or_the_stage(cell, expected):
    assert values.schooling(cell) is expected


def test_labels_of_the_register_map_to_the_vocabulary():
    assert values.health("患有大病") is Health.SERIOUS_ILLNESS and values.health("长期慢性病") is Health.CHRONIC
    assert values.labour("弱劳动力或半劳动力") is LabourCapacity.WEAK and values.labour("丧失劳动力") is LabourCapacity.LOST
    assert values.labour("无劳动力") is LabourCapacity.NONE and values.labour("技能劳动力") is LabourCapacity.SKILLED
    assert values.attribute("脱贫户") is HouseholdAttribute.LIFTED and values.attribute("一般农户") is HouseholdAttribute.ORDINARY
    assert values.category("边缘易致贫户") is MonitoringCategory.MARGINAL


def test_several_risks_in_one_cell_with_any_separator():
    assert values.risk_types("因病、因学，缺劳力;因病") == [RiskType.ILLNESS, RiskType.SCHOOLING, RiskType.LACK_LABOUR]
    assert values.risk_types("病 残") == [RiskType.ILLNESS, RiskType.DISABILITY]  # without 因
    assert values.risk_types("") == []
    with pytest.raises(BadValue, match="风险类型“因懒”不认识"):
        values.risk_types("因病、因懒")


@pytest.mark.parametrize("cell, expected", [
    ("是", True), ("否", False), ("Y", True), ("n", False), (1, True), (0.0, False), (True, True), ("", None)])
def test_yes_and_no(cell, expected):
    assert values.yes_no(cell, "是否享受低保") is expected


def test_disability_grades_however_written():
    assert [values.disability_grade(c) for c in ("一级", "2", "肢体三级", "四级残疾", "", "无")] == [1, 2, 3, 4, None, None]
    for bad in ("五级", "一级二级", "重度"):
        with pytest.raises(BadValue, match="残疾等级"):
            values.disability_grade(bad)


def test_money_and_dates_as_spreadsheets_and_people_write_them():
    assert values.money("12,345.6", "家庭纯收入") == Decimal("12345.60")
    assert values.money(15750.0, "x") == Decimal("15750.00") and values.money("-300元", "x") == Decimal("-300.00")
    for bad in ("一万", "NaN", "Infinity", "1e12"):
        with pytest.raises(BadValue, match="应为金额"):
            values.money(bad, "家庭纯收入")
    assert values.day(datetime(2023, 5, 1, 0, 0), "x") == date(2023, 5, 1)
    assert [values.day(c, "x") for c in ("2023-05-01", "2023/5/1", "2023.5.1", "2023年5月1日", "20230501")] == [date(2023, 5, 1)] * 5
    for bad in ("2023-02-30", "去年", "5/1/2023"):
        with pytest.raises(BadValue, match="应为日期"):
            values.day(bad, "风险消除时间")


def test_an_excel_whole_number_loses_its_decimal_point():
    assert values.text(13812345678.0) == "13812345678" and values.text(" Ｈ００１ ") == "H001"


# --- rows ----------------------------------------------------------------------------------------

def _cells(**changes) -> dict:
    cells = {"household_code": "H001", "name": "王大山", "id_number": HEAD_ID, "relation": "户主",
             "township": "马店镇", "village": "青山村", "group": "一组", "health": "健康",
             "labour": "普通劳动力", "phone": "13812345678", "attribute": "监测户", "category": "边缘易致贫户",
             "risk_types": "因病", "net_income": "26000", "minimum_living": "否"}
    cells.update(changes)
    return cells


def test_a_good_row_is_a_person_with_their_household_facts():
    row = read_row(5, _cells(disability_grade="二级"), TODAY)
    assert row.problems == () and row.line == 5 and row.household_code == "H001"
    person = row.person
    assert (person.name, person.id_number, person.relation, person.phone) == ("王大山", HEAD_ID, Relation.HEAD, "13812345678")
    assert person.health is Health.DISABLED and person.disability_grade == 2  # the grade says disabled
    assert person.minimum_living is False and person.labour is LabourCapacity.ORDINARY
    assert person.facts.attribute is HouseholdAttribute.MONITORED and person.facts.net_income == Decimal("26000.00")
    assert person.place.village == "青山村" and person.place.group == "一组"


def test_every_problem_of_a_row_is_named_by_column_and_never_repeats_a_number():
    bad_id = HEAD_ID[:-1] + ("0" if HEAD_ID[-1] != "0" else "1")
    row = read_row(7, _cells(id_number=bad_id, relation="邻居", name="", phone="1381234567", net_income="很多"), TODAY)
    assert row.person is None and row.household_code == "H001"
    by_column = {p.column: p.reason for p in row.problems}
    assert set(by_column) == {"id_number", "relation", "name", "phone", "net_income"}
    assert "校验" in by_column["id_number"] and by_column["name"] == "姓名不能为空"
    text = " ".join(p.reason for p in row.problems)
    assert bad_id not in text and "1381234567" not in text
    assert all(p.line == 7 for p in row.problems)


def test_a_row_needs_its_household_code_relation_and_village():
    row = read_row(3, _cells(household_code="", relation="", village=""), TODAY)
    assert {p.column for p in row.problems} == {"household_code", "relation", "village"}


# --- households ----------------------------------------------------------------------------------

def _family(code="H001", first_line=2, ids=(HEAD_ID, WIFE_ID, CHILD_ID)):
    return [read_row(first_line, _cells(household_code=code, id_number=ids[0]), TODAY),
            read_row(first_line + 1, _cells(household_code=code, name="李秀英", id_number=ids[1], relation="配偶",
                                            phone="", net_income="", risk_types=""), TODAY),
            read_row(first_line + 2, _cells(household_code=code, name="王小明", id_number=ids[2], relation="之子",
                                            phone="", schooling="初中"), TODAY)]


def test_rows_group_into_households_whose_facts_fill_in_from_any_row():
    grouped = group(_family())
    assert grouped.problems == [] and grouped.people == 3
    [family] = grouped.households
    assert family.code == "H001" and family.head.name == "王大山" and family.lines == [2, 3, 4]
    assert family.facts.net_income == Decimal("26000.00") and family.facts.risk_types == (RiskType.ILLNESS,)


def test_one_bad_row_leaves_its_whole_household_out_and_says_so_on_every_row():
    rows = _family()
    rows[2] = read_row(4, _cells(name="王小明", id_number="123", relation="之子"), TODAY)
    rows += _family(code="H002", first_line=10, ids=ZHAO_IDS)
    grouped = group(rows)
    assert [h.code for h in grouped.households] == ["H002"]
    assert [(p.line, p.column) for p in grouped.problems] == [(2, ""), (3, ""), (4, "id_number")]
    assert grouped.problems[0].reason == "同户其他行有错误，整户未导入"


def test_a_household_needs_exactly_one_head():
    no_head = _family()
    no_head[0] = read_row(2, _cells(relation="之女"), TODAY)
    grouped = group(no_head)
    assert grouped.households == [] and any("没有户主" in p.reason for p in grouped.problems)
    two_heads = _family()
    two_heads[1] = read_row(3, _cells(name="李秀英", id_number=WIFE_ID), TODAY)
    grouped = group(two_heads)
    assert grouped.households == [] and [p.line for p in grouped.problems if p.column == "relation"] == [3]


def test_a_person_in_two_households_spoils_both():
    rows = _family() + _family(code="H002", first_line=10, ids=(*ZHAO_IDS[:2], CHILD_ID))
    grouped = group(rows)
    assert grouped.households == []
    twice = {p.line: p.reason for p in grouped.problems if p.column == "id_number"}
    assert twice == {4: "此人在第12行又出现在另一户", 12: "此人已在第4行（户编号 H001）出现，一人只能在一户"}


def test_rows_of_one_household_must_agree_on_place_and_facts():
    rows = _family()
    rows[1] = read_row(3, _cells(name="李秀英", id_number=WIFE_ID, relation="配偶", village="石门村", net_income="9000"), TODAY)
    grouped = group(rows)
    assert grouped.households == []
    assert {(p.line, p.column) for p in grouped.problems if p.line == 3} == {(3, "village"), (3, "net_income")}


# --- the national file's other person and household columns --------------------------------------

def test_gender_comes_from_the_id_number_and_a_cell_must_agree():
    assert read_row(2, _cells(), TODAY).person.gender is Gender.MALE  # 17th digit 1: odd, male
    assert read_row(2, _cells(gender="男"), TODAY).person.gender is Gender.MALE
    wife = read_row(2, _cells(id_number=WIFE_ID, gender="女性"), TODAY).person
    assert wife.gender is Gender.FEMALE
    wrong = read_row(2, _cells(gender="女"), TODAY)
    assert wrong.person is None and {p.column: p.reason for p in wrong.problems} == {"gender": "性别与证件号码不符"}
    assert {p.column for p in read_row(2, _cells(gender="未知"), TODAY).problems} == {"gender"}


def test_ethnicity_education_and_work_are_kept_as_written_within_a_length():
    person = read_row(2, _cells(ethnicity="汉族", education="初中", work="省外务工", work_months="8",
                                insured="是", extreme_poverty="否"), TODAY).person
    assert (person.ethnicity, person.education, person.work_status, person.work_months) == ("汉族", "初中", "省外务工", 8)
    assert person.insured is True and person.extreme_poverty is False
    long = read_row(2, _cells(education="初" * 25, work_months="13", ethnicity="汉\x00族"), TODAY)
    assert {p.column for p in long.problems} == {"education", "work_months", "ethnicity"}


def test_an_elimination_date_needs_the_household_marked_eliminated():
    done = read_row(2, _cells(risk_eliminated="是", eliminated_on="2025-06-30"), TODAY).person.facts
    assert done.risk_eliminated is True and done.eliminated_on == date(2025, 6, 30)
    wrong = read_row(2, _cells(risk_eliminated="否", eliminated_on="2025-06-30"), TODAY)
    assert [p.column for p in wrong.problems] == ["eliminated_on"]


def test_per_capita_income_alone_gives_the_net_and_disagreements_are_noted():
    rows = _family()
    [draft] = group(rows).households
    assert draft.net_income == Decimal("26000.00") and draft.notes() == []
    only_per_capita = [read_row(2, _cells(net_income="", per_capita_income="5000", size="4"), TODAY)]
    [draft] = group(only_per_capita).households
    assert draft.net_income == Decimal("20000.00")  # 人数 4 × 5,000: the national system's division
    assert draft.notes() == ["人数填写为4人，文件中这一户有1人，以文件中的人员为准"]
    disagreeing = [read_row(2, _cells(net_income="26000", per_capita_income="9000", size="3"), TODAY),
                   *_family()[1:]]
    [draft] = group(disagreeing).households
    assert draft.notes() == ["人均纯收入9000.00元与家庭纯收入除以人数（8666.67元）不一致，以家庭纯收入为准"]


def test_a_local_code_names_a_household_registered_here_and_nothing_else():
    assert local_code(42) == "本地00000042" and local_household_id("本地00000042") == 42
    assert local_household_id("341522101001000123") is None  # a national 户编号
    assert local_household_id("本地") is None and local_household_id("本地99999999999") is None
    assert local_household_id(f"本地{2**31}") is None and local_household_id("本地0") is None
