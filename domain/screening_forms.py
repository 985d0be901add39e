"""The header layouts of seed 004's forms, as data: 附件1 到户排查表 and 附件3 排查情况统计表 (with
grouped columns over merged cells), 附件2 村级排查表 and 附件4 问题整改台账 (one header row).

A header is a tree: a ``Group`` spans the columns of its children; a ``Leaf`` is one column.
``header_cells`` turns a tree into the cells an exporter writes — each with its top row, first
column, last row and last column (0-based) — so merged ranges come from the data, not from the
exporter. 附件1 has three header levels: 重点人群和特殊群体 holds sub-groups (脱贫户, 低保对象, 特困人员,
残疾家庭, 多子女家庭, 分户独居老人) over their own questions, and reaches 43 leaf columns, as the seed.
A leaf's ``key`` names what fills it: a screening question (``domain.screening.QUESTIONS``) or one
of the household facts in ``HOUSEHOLD_KEYS``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Union

from domain.campaigns import ProblemArea
from domain.screening import QUESTION_KEYS


@dataclass(frozen=True)
class Leaf:
    title: str
    key: str


@dataclass(frozen=True)
class Group:
    title: str
    children: tuple["Node", ...]


Node = Union[Leaf, Group]


def _q(key: str) -> Leaf:
    return Leaf(QUESTION_KEYS[key].label, key)


# Facts of the household (not questions) that 附件1 shows before the questions.
HOUSEHOLD_KEYS = ("seq", "place", "head", "size", "attribute", "method", "per_capita", "above_line")


def form1_header(income_start: date, income_end: date, line: Decimal) -> tuple[Node, ...]:
    """附件1's columns, with the campaign's income period and monitoring line in their titles."""
    period = f"{income_start.year}年{income_start.month}月{income_start.day}日-{income_end.year}年{income_end.month}月{income_end.day}日"
    return (
        Leaf("序号", "seq"), Leaf("村组", "place"), Leaf("户主姓名", "head"), Leaf("家庭人口数", "size"),
        Leaf("户属性（脱贫户、监测户、一般农户）", "attribute"), Leaf("排查方式（入户排查、电话核查）", "method"),
        Leaf(f"上年度家庭人均纯收入（{period}，单位：元）", "per_capita"),
        Leaf(f"是否高于本市监测范围（{line.normalize():f}元）", "above_line"),
        _q("rigid_spending_or_drop"),
        Group("“三保障”及饮水安全", (_q("housing_safe"), _q("medical_secured"),
                                  _q("compulsory_education_secured"), _q("water_safe"))),
        Group("重点人群和特殊群体", (
            _q("whole_household_no_labour"),
            Group("脱贫户", (_q("lifted_in_2020"), _q("income_falling_3_years"))),
            Group("低保对象", (_q("minimum_living"), _q("new_minimum_living"))),
            Group("特困人员", (_q("extreme_poverty"), _q("single_person"))),
            Group("残疾家庭", (_q("disabled_family"), _q("newly_disabled"), _q("severely_disabled"))),
            Group("多子女家庭", (_q("many_minor_children"), _q("many_children_non_compulsory"))),
            Group("分户独居老人", (_q("elderly_alone"), _q("children_able_to_support"), _q("children_supporting"))),
            _q("unstable_migrant_income"), _q("sudden_hardship"))),
        _q("practical_difficulties"), _q("epidemic_impact"),
        Group("已消除风险监测对象", (_q("marked_eliminated"), _q("income_stable_half_year"),
                                 _q("risk_stably_eliminated"))),
        Group("脱贫户和监测对象帮扶措施落实", (_q("measures_in_place"), _q("measures_targeted"),
                                      _q("one_off_handouts"), _q("over_help"))),
        _q("system_data_accurate"), _q("should_monitor"), _q("difficulties_and_requests"), _q("remarks"),
    )


def form1_title(township: str, village: str, year: int) -> str:
    """The seed's title with the places and the year filled in."""
    return f"{township}{village}（社区）{year}年防止返贫监测帮扶集中排查到户排查表"


# 附件3: the weekly figures of each village. Keys name the figure (``domain.campaigns`` computes
# or the village enters them); "_pair" figures are 户/人, "_open" ones 总数/正在整改.
def form3_header(year: int) -> tuple[Node, ...]:
    return (
        Leaf("序号", "seq"), Leaf("村别", "village"),
        Group("调查情况", (Leaf("应排查农户（户/人）", "to_screen_pair"), Leaf("已排查农户（户/人）", "screened_pair"))),
        Group("调整优化网格化管理情况", (Leaf("调整后的网格数", "grids"), Leaf("调整后的网格员数", "grid_workers"),
                                   Leaf("网格员培训人次", "trainings"))),
        Group("排查认定新增监测对象情况", (Leaf("脱贫不稳定户（户/人）", "new_unstable_pair"),
                                    Leaf("边缘易致贫户（户/人）", "new_marginal_pair"),
                                    Leaf("突发严重困难户（户/人）", "new_sudden_pair"))),
        Group("排查已消除风险监测对象稳定情况", (
            Leaf("风险消除不稳定和整户无劳动力的监测对象回退（户/人）", "reverted_pair"),
            Leaf("对标注风险消除后又出现返贫致贫风险的重新识别（户/人）", "reidentified_pair"))),
        Group("排查帮扶措施落实情况", (
            Leaf("未消除风险监测对象制定措施条数", "measures_unresolved"),
            Leaf("本次拟标记消除风险数（户/人）", "proposed_elimination_pair"),
            Leaf(f"脱贫户和已消除风险的监测对象{year}年帮扶措施条数", "measures_lifted"))),
        Group("排查规模性返贫风险隐患", (
            Leaf("是否存在规模性返贫风险隐患", "large_scale_risk"),
            Leaf("脱贫户和监测对象中因疫情导致的外出务工受阻人数(总人数/已解决）", "blocked_workers"))),
        Group("排查巩固拓展脱贫攻坚成果同乡村振兴有效衔接中的突出问题", (
            Leaf("教育、医疗、住房、饮水、产业、就业、兜底保障等政策落实方面的问题（总数/正在整改）", "problems_policy_open"),
            Leaf("衔接推进乡村振兴补助资金使用管理（含资产管理）方面的问题（总数/正在整改）", "problems_funds_open"),
            Leaf("乡村建设（包括农村基础设施建设和基本公共服务、农村改厕、农村人居环境整治）、乡村治理等方面的问题（总数/正在整改）",
                 "problems_construction_open"))),
        Leaf("备注", "remarks"),
    )


# Which 附件2 areas each 附件3 problem column counts.
FORM3_PROBLEM_AREAS = {
    "problems_policy_open": (ProblemArea.POLICY,),
    "problems_funds_open": (ProblemArea.FUNDS,),
    "problems_construction_open": (ProblemArea.CONSTRUCTION, ProblemArea.GOVERNANCE),
}
# The figures a village types in when it submits its week (the rest are computed).
FORM3_ENTERED = ("grids", "grid_workers", "trainings", "large_scale_risk", "blocked_workers", "remarks")

FORM2_COLUMNS = ("序号", "乡镇", "行政村", *(a.label for a in ProblemArea), "备注")
FORM4_COLUMNS = ("单位", "村（社区）", "户主姓名", "身份证号码", "问题类型", "具体问题", "整改措施", "整改责任人",
                 "整改时限", "备注")


def form2_title(township: str, village: str, year: int) -> str:
    return f"{township}{village}{year}年防止返贫监测帮扶集中排查村级排查表"


def form3_title(year: int) -> str:
    return f"{year}年防止返贫监测帮扶集中排查情况统计表"


FORM4_TITLE = "集中排查发现问题整改台账"


# --- from a tree to cells --------------------------------------------------------------------

@dataclass(frozen=True)
class HeaderCell:
    title: str
    row: int        # top row, 0-based within the header
    col: int        # first column, 0-based
    last_row: int
    last_col: int

    @property
    def merged(self) -> bool:
        return self.last_row > self.row or self.last_col > self.col


def depth(nodes: tuple[Node, ...]) -> int:
    return max((1 + depth(n.children)) if isinstance(n, Group) else 1 for n in nodes)


def leaves(nodes: tuple[Node, ...]) -> list[Leaf]:
    found: list[Leaf] = []
    for node in nodes:
        found += leaves(node.children) if isinstance(node, Group) else [node]
    return found


def header_cells(nodes: tuple[Node, ...]) -> list[HeaderCell]:
    """Every header cell, top-down and left to right: a group spans its leaves on its own row; a
    leaf spans from its row down to the header's last row."""
    rows = depth(nodes)
    cells: list[HeaderCell] = []

    def place(items: tuple[Node, ...], row: int, col: int) -> int:
        for node in items:
            if isinstance(node, Group):
                width = len(leaves(node.children))
                cells.append(HeaderCell(node.title, row, col, row, col + width - 1))
                place(node.children, row + 1, col)
                col += width
            else:
                cells.append(HeaderCell(node.title, row, col, rows - 1, col))
                col += 1
        return col

    place(nodes, 0, 0)
    return sorted(cells, key=lambda c: (c.row, c.col))
