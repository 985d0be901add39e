"""Department lists (部门筛查预警): what each kind of list holds, and its rows as read.

Seed 000 二、（二）: "进一步加强相关部门共享数据比对，及时将预警信息分类分级反馈核实". Seed 001 二、（二）2.:
"建立数据共享通报机制……原则上每个月要协调共享数据1次以上", and for medical costs "县医保局要定期将医疗
费用负担较高的人员名单推送给县扶贫办". A department sends a list of persons, each named by their ID
number, with the facts its own system holds; the county compares it with the register
(``domain.warnings`` grades what it finds).

Each kind has its columns (documented on the upload page and in the template), found by name in
the first rows as in the register import. ``read_row`` turns a row into a ``ListRow`` or the
reasons it cannot be used, per column; reasons never repeat an ID number.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Iterable, Sequence

from domain import register_values as values
from domain.enums import Department, LabelledEnum, RiskType
from domain.register_columns import Header, HeaderNotFound, find_named_header, header_key
from domain.register_values import BadValue
from domain.validation import InvalidIdNumber, parse_id_number

HEADER_SEARCH_ROWS = 10
MAX_NAME = 30


class ListKind(LabelledEnum):
    MEDICAL = ("medical", "医保：医疗费用个人负担")
    CIVIL = ("civil", "民政：低保、特困申请与退出，临时救助")
    DISABILITY = ("disability", "残联：新办残疾证")
    EDUCATION = ("education", "教育：辍学学生、非义务教育阶段在校生")
    HOUSING = ("housing", "住建：C级、D级危房")
    WATER = ("water", "水利：饮水不安全、停水")
    DISASTER = ("disaster", "应急：受灾损失")
    EMPLOYMENT = ("employment", "人社：失业、务工不稳定")

    @property
    def department(self) -> Department:
        return DEPARTMENT_OF[self]

    @property
    def short(self) -> str:
        """The department's name alone: 医保, 民政…"""
        return self.label.split("：", 1)[0]


DEPARTMENT_OF: dict[ListKind, Department] = {
    ListKind.MEDICAL: Department.MEDICAL_INSURANCE,
    ListKind.CIVIL: Department.CIVIL_AFFAIRS,
    ListKind.DISABILITY: Department.DISABLED_FEDERATION,
    ListKind.EDUCATION: Department.EDUCATION,
    ListKind.HOUSING: Department.HOUSING,
    ListKind.WATER: Department.WATER,
    ListKind.DISASTER: Department.EMERGENCY,
    ListKind.EMPLOYMENT: Department.HUMAN_RESOURCES,
}


def kinds_for(department: Department | None) -> list[ListKind]:
    """The kinds a department officer uploads (county staff upload every kind: ``None``)."""
    return [k for k in ListKind if department is None or k.department is department]


# --- the choices some columns take ----------------------------------------------------------

CIVIL_MATTERS = ("低保申请", "特困申请", "退出低保", "临时救助")
DISABILITY_TYPES = ("视力", "听力", "言语", "肢体", "智力", "精神", "多重")
SCHOOL_SITUATIONS = ("辍学", "非义务教育在校")
COMPULSORY_STAGES = ("小学", "初中")
SCHOOL_STAGES = COMPULSORY_STAGES + ("高中", "中职", "高职", "大专", "本科", "研究生")
HOUSE_GRADES = ("A级", "B级", "C级", "D级")
WATER_PROBLEMS = ("水质不达标", "水量不足", "取水不方便", "停水")
DISASTER_TYPES = ("洪涝", "干旱", "风雹", "台风", "地震", "地质灾害", "低温冷冻", "雪灾", "森林火灾", "火灾", "其他")
JOB_SITUATIONS = ("失业", "务工不稳定", "返乡未就业")


@dataclass(frozen=True)
class Column:
    key: str
    title: str               # as the template writes it
    reader: str              # text | money | date | int | choice
    required: bool = False
    note: str = ""           # shown on the upload page under the column
    choices: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    low: int = 0
    high: int = 0

    def names(self) -> tuple[str, ...]:
        return (self.title, *self.aliases)


NAME = Column("name", "姓名", "text", True, "与身份证一致")
ID_NUMBER = Column("id_number", "身份证号码", "id", True, "18位；按身份证号与农户档案比对",
                   aliases=("身份证号", "证件号码", "公民身份号码", "证件号"))

COLUMNS: dict[ListKind, tuple[Column, ...]] = {
    ListKind.MEDICAL: (
        Column("period_start", "统计开始日期", "date", True, "费用统计期的第一天", aliases=("开始日期", "起始日期")),
        Column("period_end", "统计结束日期", "date", True, "费用统计期的最后一天", aliases=("结束日期", "截止日期")),
        Column("total_cost", "医疗总费用（元）", "money", False, "统计期内医疗总费用", aliases=("总费用", "医疗总费用")),
        Column("out_of_pocket", "个人自付费用（元）", "money", True,
               "经基本医保、大病保险、医疗救助三重保障后个人负担的费用",
               aliases=("个人自付", "个人负担费用", "自付费用", "个人自付费用")),
        Column("largest_stay", "单次住院最高自付（元）", "money", False, "统计期内自付最多的一次住院",
               aliases=("单次住院自付", "单次住院最高自付")),
    ),
    ListKind.CIVIL: (
        Column("matter", "事项", "choice", True, "低保申请、特困申请、退出低保或临时救助", CIVIL_MATTERS,
               aliases=("类别", "业务类型")),
        Column("on", "日期", "date", True, "申请、退出或救助的日期", aliases=("办理日期", "申请日期")),
        Column("amount", "金额（元）", "money", False, "临时救助的金额", aliases=("救助金额", "金额")),
    ),
    ListKind.DISABILITY: (
        Column("disability_type", "残疾类别", "choice", False, "视力、听力、言语、肢体、智力、精神或多重",
               DISABILITY_TYPES, aliases=("残疾类型",)),
        Column("grade", "残疾等级", "int", True, "1～4级（一级最重）", low=1, high=4, aliases=("等级",)),
        Column("on", "发证日期", "date", True, "残疾证的发证日期", aliases=("办证日期", "日期")),
    ),
    ListKind.EDUCATION: (
        Column("situation", "情况", "choice", True, "辍学或非义务教育在校", SCHOOL_SITUATIONS,
               aliases=("学生情况", "类别")),
        Column("stage", "学段", "choice", True, "小学、初中、高中、中职、高职、大专、本科或研究生", SCHOOL_STAGES,
               aliases=("就读学段", "学习阶段")),
        Column("school", "学校", "text", False, "就读或原就读学校", aliases=("学校名称",)),
        Column("on", "日期", "date", True, "辍学或入学的日期", aliases=("登记日期",)),
    ),
    ListKind.HOUSING: (
        Column("house_grade", "鉴定等级", "choice", True, "A、B、C、D级；C级、D级为危房", HOUSE_GRADES,
               aliases=("危房等级", "房屋等级")),
        Column("on", "鉴定日期", "date", True, "房屋安全鉴定的日期", aliases=("日期",)),
    ),
    ListKind.WATER: (
        Column("problem", "问题", "choice", True, "水质不达标、水量不足、取水不方便或停水", WATER_PROBLEMS,
               aliases=("问题类型", "饮水问题")),
        Column("outage_days", "停水天数", "int", False, "问题为停水时必填", low=1, high=366),
        Column("on", "日期", "date", True, "发现问题或开始停水的日期", aliases=("发现日期",)),
    ),
    ListKind.DISASTER: (
        Column("disaster", "灾害种类", "choice", True, "洪涝、干旱、风雹、台风、地震、地质灾害、低温冷冻、雪灾、火灾等",
               DISASTER_TYPES, aliases=("灾种", "灾害类型")),
        Column("on", "受灾日期", "date", True, "受灾的日期", aliases=("日期",)),
        Column("loss", "直接经济损失（元）", "money", True, "这一户的直接经济损失", aliases=("经济损失", "损失金额")),
    ),
    ListKind.EMPLOYMENT: (
        Column("situation", "情况", "choice", True, "失业、务工不稳定或返乡未就业", JOB_SITUATIONS,
               aliases=("就业情况", "类别")),
        Column("on", "日期", "date", True, "失业或返乡的日期", aliases=("登记日期",)),
    ),
}


def columns_of(kind: ListKind) -> tuple[Column, ...]:
    """Every column of the kind, in the template's order: 姓名, 身份证号码, then its own."""
    return (NAME, ID_NUMBER, *COLUMNS[kind])


RISK_TYPES: dict[ListKind, tuple[RiskType, ...]] = {
    ListKind.MEDICAL: (RiskType.ILLNESS,),
    ListKind.CIVIL: (RiskType.LACK_FUNDS,),
    ListKind.DISABILITY: (RiskType.DISABILITY,),
    ListKind.EDUCATION: (RiskType.SCHOOLING,),
    ListKind.HOUSING: (RiskType.HOUSING,),
    ListKind.WATER: (RiskType.WATER,),
    ListKind.DISASTER: (RiskType.DISASTER,),
    ListKind.EMPLOYMENT: (RiskType.UNSTABLE_WORK,),
}


# --- rows -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ListRow:
    """One person of a list: the facts are plain values (text, Decimal, date, int) by column key."""

    line: int
    name: str
    id_number: str
    facts: dict = field(default_factory=dict)

    def facts_json(self) -> str:
        """The facts as stable JSON text (encrypted before it is stored)."""
        return facts_to_json(self.facts)


@dataclass(frozen=True)
class RowProblem:
    line: int
    column: str  # the column's title as the file writes it; "" for the whole row
    reason: str


def facts_to_json(facts: dict) -> str:
    return json.dumps({k: _plain(v) for k, v in sorted(facts.items())}, ensure_ascii=False, sort_keys=True)


def facts_from_json(kind: ListKind, text: str) -> dict:
    """The facts read back with their types (money as Decimal, dates as date)."""
    raw = json.loads(text)
    readers = {c.key: c.reader for c in columns_of(kind)}
    found: dict = {}
    for key, value in raw.items():
        reader = readers.get(key)
        if value is None or reader is None:
            found[key] = value
        elif reader == "money":
            found[key] = Decimal(value)
        elif reader == "date":
            found[key] = date.fromisoformat(value)
        else:
            found[key] = value
    return found


def _plain(value):
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def find_header(kind: ListKind, rows: Iterable[Sequence[object]]) -> Header:
    by_name = {header_key(name): c.key for c in columns_of(kind) for name in c.names()}
    required = [c.key for c in columns_of(kind) if c.required]
    titles = {c.key: c.title for c in columns_of(kind)}
    return find_named_header(rows, by_name, required, titles.__getitem__, HEADER_SEARCH_ROWS,
                             f"请使用“{kind.label}”名单的模板（上传页面可下载）")


def title(header: Header, kind: ListKind, key: str) -> str:
    return header.titles.get(key) or next(c.title for c in columns_of(kind) if c.key == key)


def is_blank(cells: Sequence[object]) -> bool:
    return all(values.text(c) == "" for c in cells)


def read_row(kind: ListKind, header: Header, line: int, cells: Sequence[object],
             today: date) -> ListRow | list[RowProblem]:
    """The row as a ``ListRow``, or every problem found in it (one per column)."""
    problems: list[RowProblem] = []
    found: dict = {}
    name = id_number = ""
    for column in columns_of(kind):
        position = header.columns.get(column.key)
        cell = cells[position] if position is not None and position < len(cells) else None
        shown = title(header, kind, column.key)
        try:
            value = _read(column, cell, shown, today)
        except BadValue as exc:
            problems.append(RowProblem(line, shown, str(exc)))
            continue
        if value is None:
            if column.required:
                problems.append(RowProblem(line, shown, f"{shown}不能为空"))
            continue
        if column.key == "name":
            name = value
        elif column.key == "id_number":
            id_number = value
        else:
            found[column.key] = value
    problems += _across(kind, found, header, line, today) if not problems else []
    if problems:
        return problems
    return ListRow(line, name, id_number, found)


def _read(column: Column, cell: object, shown: str, today: date):
    if column.reader in NUMBER_READERS and _odd_digits(cell):
        raise BadValue(NUMBER_READERS[column.reader].format(shown=shown, low=column.low, high=column.high))
    if column.reader == "id":
        raw = values.text(cell)
        if not raw:
            return None
        try:
            return parse_id_number(raw, today=today).value
        except InvalidIdNumber as exc:
            raise BadValue(str(exc)) from None
    if column.reader == "text":
        longest = MAX_NAME if column.key == "name" else 100
        return values.short_text(cell, shown, longest)
    if column.reader == "money":
        amount = values.money(cell, shown)
        if amount is not None and amount < 0:
            raise BadValue(f"{shown}不能为负数")
        return amount
    if column.reader == "date":
        return values.day(cell, shown)
    if column.reader == "int":
        return _whole(cell, shown, column)
    return _choice(cell, shown, column.choices)


NUMBER_READERS = {"id": "身份证号只能包含数字，最后一位可以是X", "money": "{shown}应为金额（元）",
                  "int": "{shown}应为{low}～{high}之间的整数"}


def _odd_digits(cell: object) -> bool:
    """Superscript, circled or fraction digits (², ①, ½): the NFKC folding that turns full-width
    digits into plain ones would turn "5000²" into 50002, so a number holding one is refused."""
    return isinstance(cell, str) and any(unicodedata.category(c) == "No" for c in cell)


_CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4}


def _whole(cell: object, shown: str, column: Column) -> int | None:
    text = values.text(cell).removesuffix("级").removesuffix("天")
    if not text:
        return None
    number = _CHINESE_DIGITS.get(text)
    if number is None:
        if not (text.isascii() and text.isdigit() and len(text) <= 6):
            raise BadValue(f"{shown}应为{column.low}～{column.high}之间的整数")
        number = int(text)
    if not column.low <= number <= column.high:
        raise BadValue(f"{shown}应为{column.low}～{column.high}之间的整数")
    return number


# Other spellings departments use for a choice (the education bureau's roll writes 在校).
CHOICE_SPELLINGS = {"在校": "非义务教育在校", "在校生": "非义务教育在校", "非义务教育阶段在校": "非义务教育在校"}


def _choice(cell: object, shown: str, choices: tuple[str, ...]) -> str | None:
    text = values.text(cell)
    if not text:
        return None
    if CHOICE_SPELLINGS.get(text) in choices:
        return CHOICE_SPELLINGS[text]
    for choice in choices:
        if text == choice or (choice.endswith("级") and text == choice[:-1]):
            return choice
    # The cell is echoed to help the officer find it, unless it may be a number (an ID number
    # pasted in the wrong column must not be repeated) or holds control characters.
    echo = "" if re.search(r"\d{6}", text) else "“" + "".join(c for c in text[:20] if c.isprintable()) + "”"
    raise BadValue(f"{shown}{echo}不认识，应为：{'、'.join(choices)}")


def _across(kind: ListKind, found: dict, header: Header, line: int, today: date) -> list[RowProblem]:
    """What one cell cannot tell: the period's order, dates not in the future, 停水 needs its days."""
    problems: list[RowProblem] = []
    for key, value in found.items():
        if isinstance(value, date) and value > today:
            problems.append(RowProblem(line, title(header, kind, key), f"{title(header, kind, key)}晚于今天，请核对"))
    start, end = found.get("period_start"), found.get("period_end")
    if start and end and start > end:
        problems.append(RowProblem(line, title(header, kind, "period_end"), "统计结束日期早于开始日期"))
    if kind is ListKind.WATER and found.get("problem") == "停水" and found.get("outage_days") is None:
        problems.append(RowProblem(line, title(header, kind, "outage_days"), "问题为停水时请填写停水天数"))
    return problems


__all__ = ["COLUMNS", "Column", "HeaderNotFound", "ListKind", "ListRow", "RowProblem", "columns_of",
           "facts_from_json", "facts_to_json", "find_header", "is_blank", "kinds_for", "read_row"]
