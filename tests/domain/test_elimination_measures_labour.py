"""Finished measures and the evaluation's "措施是否落实到位" (``domain.measures``), and 整户无劳动能力
among the present members (``domain.members``): pure rules, no database."""
from dataclasses import dataclass

import pytest

from domain.enums import LabourCapacity, MeasureStatus, MemberStatus
from domain.measures import in_place_answer_problem, is_finished, unfinished_measures
from domain.members import whole_household_without_labour

M, L = MeasureStatus, LabourCapacity


def test_done_and_cancelled_are_finished_planned_and_in_progress_are_not():
    assert [is_finished(s) for s in (M.PLANNED, M.IN_PROGRESS, M.DONE, M.CANCELLED)] == [False, False, True, True]
    plan = [("低保兜底", "planned"), ("临时救助", M.DONE), ("帮扶车间就业", M.IN_PROGRESS), ("公益岗位", M.CANCELLED)]
    assert unfinished_measures(plan) == ("低保兜底（已安排）", "帮扶车间就业（落实中）")
    assert unfinished_measures([]) == ()


def test_the_in_place_answer_must_agree_with_the_measures():
    open_plan = [("低保兜底", M.PLANNED), ("临时救助", M.DONE)]
    assert in_place_answer_problem(True, open_plan) == (
        "帮扶计划中还有措施未落实：低保兜底（已安排），“帮扶措施是否落实到位”不能选“是”")
    assert in_place_answer_problem(False, open_plan) is None
    done_plan = [("低保兜底", M.DONE), ("公益岗位", M.CANCELLED)]
    assert in_place_answer_problem(True, done_plan) is None
    assert in_place_answer_problem(False, done_plan).startswith("帮扶计划中的措施都已落实")
    # Nothing to compare with: no plan, or every measure taken out of it.
    for plan in ([], [("公益岗位", M.CANCELLED)]):
        assert in_place_answer_problem(True, plan) is None and in_place_answer_problem(False, plan) is None
    assert in_place_answer_problem(None, open_plan) is None


@dataclass
class P:
    labour_capacity: str
    status: str = MemberStatus.PRESENT.value


@pytest.mark.parametrize("people, expected", [
    ([P(L.NONE.value), P(L.LOST.value)], True),
    ([P(L.NONE.value), P(L.WEAK.value)], False),  # weak labour is labour (帮扶 rules)
    ([P(L.NONE.value), P(L.ORDINARY.value, MemberStatus.MOVED_OUT.value)], True),  # the worker left
    ([P(L.SKILLED.value, MemberStatus.DECEASED.value)], False),  # nobody present: not judged
    ([], False),
])
def test_whole_household_without_labour_counts_present_members(people, expected):
    assert whole_household_without_labour(people) is expected
