"""Department lists as read: each kind's columns, the header found by name (a title row above
it, another order, other spellings), and every row either a ``ListRow`` with typed facts or
its problems, each naming the line and the column in Chinese and never repeating the ID number."""
from datetime import date
from decimal import Decimal

import pytest

from domain.department_lists import (HeaderNotFound, ListKind, ListRow, columns_of, facts_from_json, find_header,
                                     kinds_for, read_row)
from domain.enums import Department
from domain.validation import make_id_number

TODAY = date(2026, 11, 20)
GOOD_ID = make_id_number("341599", date(1970, 5, 17), 123)
OTHER_ID = make_id_number("341599", date(1982, 3, 9), 457)

HEADERS = {
    ListKind.MEDICAL: ["姓名", "身份证号码", "统计开始日期", "统计结束日期", "医疗总费用（元）", "个人自付费用（元）",
                       "单次住院最高自付（元）"],
    ListKind.CIVIL: ["姓名", "身份证号码", "事项", "日期", "金额（元）"],
    ListKind.DISABILITY: ["姓名", "身份证号码", "残疾类别", "残疾等级", "发证日期"],
    ListKind.EDUCATION: ["姓名", "身份证号码", "情况", "学段", "学校", "日期"],
    ListKind.HOUSING: ["姓名", "身份证号码", "鉴定等级", "鉴定日期"],
    ListKind.WATER: ["姓名", "身份证号码", "问题", "停水天数", "日期"],
    ListKind.DISASTER: ["姓名", "身份证号码", "灾害种类", "受灾日期", "直接经济损失（元）"],
    ListKind.EMPLOYMENT: ["姓名", "身份证号码", "情况", "日期"],
}

# One good row of each kind (after 姓名 and 身份证号码) and the facts it must give.
GOOD = {
    ListKind.MEDICAL: (["2026-01-01", "2026/10/31", "80,000", "30000元", 5000.5],
                       {"period_start": date(2026, 1, 1), "period_end": date(2026, 10, 31),
                        "total_cost": Decimal("80000"), "out_of_pocket": Decimal("30000"),
                        "largest_stay": Decimal("5000.50")}),
    ListKind.CIVIL: (["特困申请", "2026年10月8日", ""], {"matter": "特困申请", "on": date(2026, 10, 8)}),
    ListKind.DISABILITY: (["肢体", "二级", date(2026, 9, 15)],
                          {"disability_type": "肢体", "grade": 2, "on": date(2026, 9, 15)}),
    ListKind.EDUCATION: (["辍学", "初中", "", "20260901"], {"situation": "辍学", "stage": "初中", "on": date(2026, 9, 1)}),
    ListKind.HOUSING: (["D", "2026-08-20"], {"house_grade": "D级", "on": date(2026, 8, 20)}),
    ListKind.WATER: (["停水", "10天", "2026-10-02"], {"problem": "停水", "outage_days": 10, "on": date(2026, 10, 2)}),
    ListKind.DISASTER: (["洪涝", "2026-07-12", 12000], {"disaster": "洪涝", "on": date(2026, 7, 12),
                                                       "loss": Decimal("12000")}),
    ListKind.EMPLOYMENT: (["返乡未就业", "2026-10-15"], {"situation": "返乡未就业", "on": date(2026, 10, 15)}),
}


def _read(kind, cells, line=5, header_cells=None):
    header = find_header(kind, [header_cells or HEADERS[kind]])
    return read_row(kind, header, line, cells, TODAY)


def _row(kind, **change):
    """The kind's good row with some cells changed, by header title."""
    cells = dict(zip(HEADERS[kind], ["王大山", GOOD_ID, *GOOD[kind][0]]))
    cells.update(change)
    return [cells[t] for t in HEADERS[kind]]


def test_every_kind_belongs_to_its_department_and_starts_with_name_and_id():
    assert {k.department for k in ListKind} == {
        Department.MEDICAL_INSURANCE, Department.CIVIL_AFFAIRS, Department.DISABLED_FEDERATION, Department.EDUCATION,
        Department.HOUSING, Department.WATER, Department.EMERGENCY, Department.HUMAN_RESOURCES}
    assert kinds_for(Department.CIVIL_AFFAIRS) == [ListKind.CIVIL]
    assert kinds_for(Department.HEALTH) == []
    assert kinds_for(None) == list(ListKind)
    for kind in ListKind:
        titles = [c.title for c in columns_of(kind)]
        assert titles == HEADERS[kind], kind
        assert [c.title for c in columns_of(kind)[:2] if c.required] == ["姓名", "身份证号码"]


@pytest.mark.parametrize("kind", list(ListKind))
def test_a_good_row_of_every_kind_gives_typed_facts(kind):
    found = _read(kind, _row(kind))
    assert isinstance(found, ListRow), found
    assert (found.line, found.name, found.id_number) == (5, "王大山", GOOD_ID)
    assert found.facts == GOOD[kind][1]
    assert facts_from_json(kind, found.facts_json()) == found.facts


def test_the_header_is_found_below_a_title_in_another_order_and_under_other_names():
    rows = [["2026年10月医疗费用负担较高人员名单"], [],
            ["个人自付", "结束日期", "开始日期", "证件号码", "姓 名"]]
    header = find_header(ListKind.MEDICAL, rows)
    assert header.row == 2
    found = read_row(ListKind.MEDICAL, header, 4, ["12000", "2026-10-31", "2026-01-01", GOOD_ID, "王大山"], TODAY)
    assert isinstance(found, ListRow)
    assert found.facts["out_of_pocket"] == Decimal("12000") and found.facts["period_start"] == date(2026, 1, 1)


def test_a_missing_required_column_is_named():
    with pytest.raises(HeaderNotFound) as raised:
        find_header(ListKind.MEDICAL, [["姓名", "身份证号码", "统计开始日期", "统计结束日期", "医疗总费用（元）"]])
    assert "个人自付费用（元）" in str(raised.value) and "医保" in str(raised.value)
    with pytest.raises(HeaderNotFound) as raised:
        find_header(ListKind.HOUSING, [["姓名", "鉴定等级", "鉴定日期"]])
    assert "身份证号码" in str(raised.value)


BAD = [
    # (kind, column title, bad value, words the reason must hold)
    (ListKind.MEDICAL, "身份证号码", GOOD_ID[:17] + ("0" if GOOD_ID[17] != "0" else "1"), "校验位"),
    (ListKind.CIVIL, "身份证号码", "341599700517123", "15位"),
    (ListKind.DISABILITY, "姓名", "", "姓名不能为空"),
    (ListKind.EDUCATION, "姓名", "王\x00大山", "控制字符"),
    (ListKind.MEDICAL, "个人自付费用（元）", "12000²", "金额"),
    (ListKind.DISASTER, "直接经济损失（元）", "5000²", "金额"),
    (ListKind.DISABILITY, "残疾等级", "²", "整数"),
    (ListKind.MEDICAL, "身份证号码", GOOD_ID[:16] + "²" + GOOD_ID[17], "数字"),
    (ListKind.CIVIL, "金额（元）", "NaN", "金额"),
    (ListKind.MEDICAL, "单次住院最高自付（元）", "nan", "金额"),
    (ListKind.WATER, "停水天数", "NaN", "整数"),
    (ListKind.DISASTER, "直接经济损失（元）", "-300", "负数"),
    (ListKind.CIVIL, "金额（元）", -1, "负数"),
    (ListKind.HOUSING, "鉴定日期", "2026-12-01", "晚于今天"),
    (ListKind.EMPLOYMENT, "日期", date(2027, 1, 1), "晚于今天"),
    (ListKind.HOUSING, "鉴定等级", "E级", "不认识"),
    (ListKind.WATER, "问题", "水太凉", "不认识"),
    (ListKind.DISABILITY, "残疾等级", "5", "1～4"),
    (ListKind.WATER, "停水天数", "0", "1～366"),
    (ListKind.MEDICAL, "统计结束日期", "2025-12-31", "统计结束日期早于开始日期"),
    (ListKind.WATER, "问题", "停水", "停水天数"),  # the good row has 10 days; see the next test
    (ListKind.CIVIL, "日期", "2026-02-30", "日期"),
    (ListKind.EMPLOYMENT, "情况", OTHER_ID, "不认识"),  # an ID number in the wrong column
]


@pytest.mark.parametrize("kind,title,value,words", BAD)
def test_a_bad_cell_is_refused_naming_line_and_column_without_the_id_number(kind, title, value, words):
    cells = _row(kind, **{title: value})
    if (kind, title, value) == (ListKind.WATER, "问题", "停水"):
        cells = _row(kind, 停水天数="")
    found = _read(kind, cells, line=7)
    assert isinstance(found, list) and found, found
    assert all(p.line == 7 for p in found)
    named = [p for p in found if words in p.reason]
    assert named, found
    expected_column = "停水天数" if title == "问题" and value == "停水" else title
    assert any(p.column == expected_column for p in named), found
    for problem in found:
        assert GOOD_ID not in problem.reason and OTHER_ID not in problem.reason
        assert GOOD_ID[6:14] not in problem.reason  # not even the birth date part
        assert all(c.isprintable() for c in problem.reason)


def test_every_problem_of_a_row_is_listed_once_per_column():
    cells = _row(ListKind.MEDICAL, 姓名="", 身份证号码="12345", **{"个人自付费用（元）": "很多"})
    found = _read(ListKind.MEDICAL, cells)
    assert sorted(p.column for p in found) == sorted(["姓名", "身份证号码", "个人自付费用（元）"])


def test_an_empty_required_cell_is_named_and_an_optional_one_may_stay_empty():
    found = _read(ListKind.DISASTER, _row(ListKind.DISASTER, **{"直接经济损失（元）": None}))
    assert [(p.column, p.reason) for p in found] == [("直接经济损失（元）", "直接经济损失（元）不能为空")]
    found = _read(ListKind.MEDICAL, _row(ListKind.MEDICAL, **{"医疗总费用（元）": "", "单次住院最高自付（元）": None}))
    assert isinstance(found, ListRow) and "total_cost" not in found.facts and "largest_stay" not in found.facts


def test_choices_are_read_in_their_usual_spellings():
    assert _read(ListKind.HOUSING, _row(ListKind.HOUSING, 鉴定等级="Ｃ级")).facts["house_grade"] == "C级"
    assert _read(ListKind.DISABILITY, _row(ListKind.DISABILITY, 残疾等级="一级")).facts["grade"] == 1
    assert _read(ListKind.DISABILITY, _row(ListKind.DISABILITY, 残疾等级=4)).facts["grade"] == 4
    school = _read(ListKind.EDUCATION, _row(ListKind.EDUCATION, 情况="在校", 学段="高中"))
    assert school.facts["situation"] == "非义务教育在校"
    money = _read(ListKind.MEDICAL, _row(ListKind.MEDICAL, **{"个人自付费用（元）": "１２０００"}))
    assert money.facts["out_of_pocket"] == Decimal("12000")


def test_the_row_is_read_by_header_position_not_by_template_order():
    header_cells = ["身份证号码", "日期", "情况", "姓名"]
    found = _read(ListKind.EMPLOYMENT, [GOOD_ID, "2026-10-15", "失业", "李四"], header_cells=header_cells)
    assert (found.name, found.id_number, found.facts["situation"]) == ("李四", GOOD_ID, "失业")
