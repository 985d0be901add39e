"""Concentrated screening campaigns (集中排查, seed 004) and the words of their four forms.

Seed 004 四、: "（一）全面工作部署（5月10日前完成）……（二）开展集中排查（5月25日前完成）……（三）信息采集录入
（6月10日前完成）", every rural household "村不漏户、户不漏人、人不漏项", villages report "每周五下班前", problems go into a 问题整改台账. The
attachment list and the attachments' own headings number the forms 1 到户排查表, 2 村级排查表,
3 排查情况统计表, 4 问题整改台账 (the body text swaps 3 and 4); this project follows the headings. Seed 000 二、（二）: "镇级组织
集中排查每年不少于2次" (a setting: ``campaigns_per_year``, 1 by default).

A campaign's screenings are the visits of its households made between its first and last day:
campaigns of one county never overlap in an area, so a later campaign starts fresh.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from domain.enums import LabelledEnum

MAX_NAME = 100
MAX_PHASES = 8
MAX_TEXT = 1000


class ProblemArea(LabelledEnum):
    """The columns of 附件2 村级排查表, in the seed's order."""

    MONITORING = ("monitoring", "防返贫动态监测方面存在问题")
    GRIDS = ("grids", "网格化管理方面存在问题（网格划分、网格员调整等方面）")
    LARGE_SCALE = ("large_scale", "规模性返贫风险隐患方面存在问题（自然灾害、农副产品价格下跌、生产经营性成本上涨、疫情影响等方面）")
    POLICY = ("policy", "教育、医疗、住房、饮水、产业、就业、兜底保障等政策落实方面存在问题")
    FUNDS = ("funds", "衔接推进乡村振兴补助资金使用管理（含资产管理）方面存在问题")
    CONSTRUCTION = ("construction", "乡村建设（包括农村基础设施建设和基本公共服务、农村改厕、农村人居环境整治）情况方面存在问题")
    GOVERNANCE = ("governance", "乡村治理方面存在问题")
    OTHER = ("other", "其他方面问题")

    @property
    def short(self) -> str:
        return SHORT_AREAS[self]


SHORT_AREAS = {
    ProblemArea.MONITORING: "防返贫动态监测", ProblemArea.GRIDS: "网格化管理",
    ProblemArea.LARGE_SCALE: "规模性返贫风险隐患", ProblemArea.POLICY: "政策落实",
    ProblemArea.FUNDS: "资金使用管理", ProblemArea.CONSTRUCTION: "乡村建设",
    ProblemArea.GOVERNANCE: "乡村治理", ProblemArea.OTHER: "其他",
}


class ProblemType(LabelledEnum):
    """The seven problem types of the rectification ledger (附件4, DOMAIN.md)."""

    MONITORING = ("monitoring", "防止返贫监测和帮扶")
    SECURITIES = ("securities", "三保障和饮水安全")
    POLICY = ("policy", "政策落实")
    FUNDS = ("funds", "资金项目")
    CONSTRUCTION = ("construction", "乡村建设")
    GOVERNANCE = ("governance", "乡村治理")
    OTHER = ("other", "其他")


# A village problem put on the ledger in one step takes the type its area speaks of.
TYPE_OF_AREA = {
    ProblemArea.MONITORING: ProblemType.MONITORING, ProblemArea.GRIDS: ProblemType.MONITORING,
    ProblemArea.LARGE_SCALE: ProblemType.MONITORING, ProblemArea.POLICY: ProblemType.POLICY,
    ProblemArea.FUNDS: ProblemType.FUNDS, ProblemArea.CONSTRUCTION: ProblemType.CONSTRUCTION,
    ProblemArea.GOVERNANCE: ProblemType.GOVERNANCE, ProblemArea.OTHER: ProblemType.OTHER,
}


class LedgerState(LabelledEnum):
    FIXING = ("fixing", "整改中")
    FIXED = ("fixed", "已整改")


def ledger_status(state: LedgerState | str, deadline: date, today: date) -> str:
    """整改中, 已整改, or 已逾期 (still being fixed after its deadline)."""
    if LedgerState(state) is LedgerState.FIXED:
        return LedgerState.FIXED.label
    return "已逾期" if deadline < today else LedgerState.FIXING.label


class ReportState(LabelledEnum):
    """A village's weekly figures (附件3): submitted, or sent back by the township with a reason."""

    SUBMITTED = ("submitted", "已报送")
    RETURNED = ("returned", "已退回")


# --- phases --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Phase:
    name: str
    starts_on: date
    ends_on: date

    def as_dict(self) -> dict:
        return {"name": self.name, "starts_on": self.starts_on.isoformat(), "ends_on": self.ends_on.isoformat()}

    @staticmethod
    def of(data: dict) -> "Phase":
        return Phase(data["name"], date.fromisoformat(data["starts_on"]), date.fromisoformat(data["ends_on"]))


def default_phases(year: int) -> list[Phase]:
    """Seed 004's timetable in ``year``: set-up until 10 May, screening until 25 May, data entry
    until 10 June (the set-up starts on 1 May)."""
    return [Phase("全面工作部署", date(year, 5, 1), date(year, 5, 10)),
            Phase("开展集中排查", date(year, 5, 11), date(year, 5, 25)),
            Phase("信息采集录入", date(year, 5, 26), date(year, 6, 10))]


def default_income_period(year: int) -> tuple[date, date]:
    """The last twelve months before the screening: seed 004 asks 上年度家庭人均纯收入（2021年5月1日-
    2022年4月30日） in 2022."""
    return date(year - 1, 5, 1), date(year, 4, 30)


class CampaignRefused(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def check_phases(phases: list[Phase]) -> dict[str, str]:
    """Each phase named, its dates in order, phases one after another without overlap."""
    errors: dict[str, str] = {}
    if not phases:
        return {"phases": "请至少填写一个阶段"}
    if len(phases) > MAX_PHASES:
        return {"phases": f"阶段不超过{MAX_PHASES}个"}
    for index, phase in enumerate(phases):
        if not phase.name.strip():
            errors[f"phase_{index}"] = f"第{index + 1}个阶段请填写名称"
        elif phase.ends_on < phase.starts_on:
            errors[f"phase_{index}"] = f"第{index + 1}个阶段的结束日期早于开始日期"
        elif index and phase.starts_on <= phases[index - 1].ends_on:
            errors[f"phase_{index}"] = f"第{index + 1}个阶段应在上一阶段结束之后开始"
    return errors


def overlaps(a_start: date, a_end: date, b_start: date, b_end: date) -> bool:
    return a_start <= b_end and b_start <= a_end


def campaigns_missing(done_this_year: int, required: int) -> int:
    """How many more campaigns the county owes this year (0 when enough)."""
    return max(0, required - done_this_year)


# --- weeks ---------------------------------------------------------------------------------------

FRIDAY = 4


def week_ending(day: date) -> date:
    """The Friday that closes ``day``'s reporting week (Saturday to Friday): villages report
    "每周五下班前"."""
    return day + timedelta(days=(FRIDAY - day.weekday()) % 7)


def previous_week(friday: date) -> date:
    return friday - timedelta(days=7)
