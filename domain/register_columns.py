"""The columns of the household register as the national system exports it (全国防返贫监测信息系统,
户成员信息): one row per person, households grouped by 户编号.

Counties export the register from the national system and edit it in Excel, so the header is
found by name, in any order, somewhere in the first rows (a title row above it is common), and
the obvious variants of a name are accepted: full-width or half-width brackets, with or without
the unit (``家庭纯收入（元）`` = ``家庭纯收入``). Columns not listed here are ignored.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Sequence

# Canonical key → the header names that mean it (compared after ``header_key``).
COLUMNS: dict[str, tuple[str, ...]] = {
    # the place
    "county": ("县（市、区）", "县", "县市区", "县区"),
    "township": ("乡（镇）", "乡镇", "乡", "镇"),
    "village": ("行政村", "村"),
    "group": ("自然村（组）", "自然村", "组", "村民小组", "自然村组"),
    "village_code": ("村代码", "行政村代码", "区划代码"),
    # the person
    "household_code": ("户编号",),
    "name": ("姓名",),
    "id_number": ("证件号码", "身份证号码", "身份证号", "证件号"),
    "relation": ("与户主关系",),
    "size": ("人数", "家庭人口", "家庭人口数"),
    "gender": ("性别",),
    "ethnicity": ("民族",),
    "education": ("文化程度",),
    "schooling": ("在校生状况", "在校生情况"),
    "health": ("健康状况",),
    "disability_grade": ("残疾等级",),
    "labour": ("劳动技能",),
    "work": ("务工状况",),
    "work_months": ("务工时间（月）", "务工时间"),
    "phone": ("联系电话", "手机号码", "电话"),
    "insured": ("是否参加城乡居民基本医疗保险", "是否参加城乡居民医疗保险", "是否参加基本医疗保险"),
    "minimum_living": ("是否享受低保", "是否低保"),
    "extreme_poverty": ("是否特困供养", "是否特困"),
    # the household
    "attribute": ("户类型", "户属性"),
    "category": ("监测对象类别",),
    "risk_types": ("风险类型", "致贫返贫风险", "返贫致贫风险"),
    "net_income": ("家庭纯收入（元）", "家庭纯收入", "家庭年纯收入"),
    "per_capita_income": ("人均纯收入（元）", "人均纯收入", "家庭人均纯收入"),
    "risk_eliminated": ("是否风险消除", "风险是否已消除"),
    "eliminated_on": ("风险消除时间", "风险消除日期"),
}

# Without these no row can be placed: the person, their household and their place in it.
REQUIRED = ("household_code", "name", "id_number", "relation")
HEADER_SEARCH_ROWS = 10


def header_key(text: object) -> str:
    """A header cell compared loosely: half-width forms, no spaces, no trailing unit in brackets."""
    value = unicodedata.normalize("NFKC", "" if text is None else str(text))
    value = re.sub(r"\s+", "", value)
    value = re.sub(r"\((元|月|人|岁|个月|年)\)$", "", value)
    return value.replace("*", "")


_BY_NAME: dict[str, str] = {header_key(name): key for key, names in COLUMNS.items() for name in names}


@dataclass(frozen=True)
class Header:
    """Where the header is: its row (0-based), and for each known key its column and the text
    the file used (error messages name the column as the file does)."""

    row: int
    columns: dict[str, int]
    titles: dict[str, str]

    def title(self, key: str) -> str:
        return self.titles.get(key, COLUMNS[key][0])


class HeaderNotFound(ValueError):
    """No row among the first ones names the required columns; the message is Chinese."""


def find_header(rows: Iterable[Sequence[object]], search: int = HEADER_SEARCH_ROWS) -> Header:
    """The first row, among the first ``search`` ones, that names every required column."""
    return find_named_header(rows, _BY_NAME, REQUIRED, lambda key: COLUMNS[key][0], search,
                             "请使用全国防返贫监测信息系统导出的户成员信息表")


def find_named_header(rows: Iterable[Sequence[object]], by_name: dict[str, str], required: Sequence[str],
                      first_title, search: int, hint: str) -> Header:
    """The first row among the first ``search`` whose cells (compared by ``header_key``) name every
    ``required`` key; ``by_name`` maps a compared header text to its key. Shared with the
    department lists (``domain.department_lists``), whose columns differ by list."""
    best: tuple[int, dict[str, int], dict[str, str]] | None = None
    for index, row in enumerate(rows):
        if index >= search:
            break
        columns: dict[str, int] = {}
        titles: dict[str, str] = {}
        for position, cell in enumerate(row):
            key = by_name.get(header_key(cell))
            if key is not None and key not in columns:  # the first of two same-named columns
                columns[key] = position
                titles[key] = str(cell).strip()
        if all(k in columns for k in required):
            return Header(index, columns, titles)
        if best is None or len(columns) > len(best[1]):
            best = (index, columns, titles)
    missing = [first_title(k) for k in required if best is None or k not in best[1]]
    raise HeaderNotFound(f"在前{search}行中没有找到表头：缺少列“{'”“'.join(missing)}”。{hint}")
