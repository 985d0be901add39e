"""What a farmer sees on /track: the identification steps in plain words (seed 003, seed 004)."""
from __future__ import annotations

from dataclasses import dataclass

from domain.case_states import CaseState

STEPS = ("已受理", "入户核实", "村级评议公示", "乡镇审核", "县级确定", "已纳入监测")

# Index of the step the case is at; steps before it are done.
_CURRENT = {
    CaseState.REPORTED: 0, CaseState.RECEIVED: 1, CaseState.VERIFYING: 1,
    CaseState.VERIFIED: 2, CaseState.PUBLICIZING: 2, CaseState.TOWNSHIP_REVIEW: 3,
    CaseState.COUNTY_REVIEW: 4,
}


@dataclass(frozen=True)
class Step:
    label: str
    status: str  # done | current | todo


@dataclass(frozen=True)
class Progress:
    steps: tuple[Step, ...]
    outcome: str  # pending | included | rejected
    headline: str


def farmer_progress(state: CaseState) -> Progress:
    if state is CaseState.REJECTED:
        return Progress(tuple(Step(s, "todo") for s in STEPS[:-1]) + (Step("未纳入", "current"),),
                        "rejected", "经审核，暂未纳入监测")
    if state.is_monitored or state is CaseState.ELIMINATED:
        headline = "已纳入监测，正在帮扶" if state is not CaseState.ELIMINATED else "帮扶后风险已消除"
        return Progress(tuple(Step(s, "done") for s in STEPS), "included", headline)
    current = _CURRENT.get(state, 0)
    steps = tuple(Step(s, "done" if i < current else "current" if i == current else "todo")
                  for i, s in enumerate(STEPS))
    headline = "已收到您的申报，村里正在受理" if state is CaseState.REPORTED else f"正在办理：{STEPS[current]}"
    return Progress(steps, "pending", headline)
