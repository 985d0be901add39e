"""The desks' lists: the village accepts clues, assigns verifiers and closes notices; the
township reviews (and answers re-review requests); the county confirms. Anyone a case names
as its verifier sees the verifications waiting for them.

A notice waits for the village once its minimum period (the ``notice_min_days`` setting of the
village's region) has run: before that there is nothing the village can do with it.
"""
from __future__ import annotations

from datetime import date, timedelta

from domain.enums import CaseSource, RiskType
from domain.deadlines import notice_earliest_end
from domain.masking import mask_name
from models import Case, User
from services.farmer import reviews
from services.regions import settings
from services.todo import cases as lists, steps
from services.todo.ordering import clock


def _states(states) -> list:
    return [Case.state.in_([s.value for s in states])]


def _clue_notes(case: Case) -> tuple[str, ...]:
    notes = [CaseSource(case.source).label]
    if case.risk_types:
        notes.append("、".join(RiskType(r).label for r in case.risk_types))
    if case.urgent:
        notes.append("突发严重困难")
    return tuple(notes)


def clues(actor: User, today: date, page: int) -> lists.Section:
    found = lists.find(actor, _states(steps.VILLAGE_CLUES), today, page)
    return lists.section("clues", "待受理的线索和待指派核实人", "没有待受理的线索，也没有待指派核实人的线索。", found,
                         lists.rows(found, today, notes=_clue_notes))


def notices(actor: User, today: date, page: int) -> lists.Section:
    policy = settings.policy_for(actor.region)
    ended_by = today - timedelta(days=policy.notice_min_days)

    def notes(case: Case) -> tuple[str, ...]:
        start = case.notice_start
        return (f"公示开始 {start.isoformat()}", f"最早 {notice_earliest_end(start, policy).isoformat()} 可结束")

    conditions = _states(steps.VILLAGE_NOTICES) + [Case.notice_start.is_not(None), Case.notice_start <= ended_by]
    found = lists.find(actor, conditions, today, page)
    return lists.section("notices", "公示期满、待结束公示", "没有公示期满待结束的公示。", found,
                         lists.rows(found, today, notes=notes))


def reviews_for(actor: User, today: date, states, key: str, title: str, empty: str, page: int) -> lists.Section:
    found = lists.find(actor, _states(states), today, page)
    return lists.section(key, title, empty, found, lists.rows(found, today, facts=True))


def township(actor: User, today: date, page: int) -> lists.Section:
    return reviews_for(actor, today, steps.TOWNSHIP_REVIEWS, "township", "待乡镇审核",
                       "没有等待乡镇审核的案件。", page)


def county(actor: User, today: date, page: int) -> lists.Section:
    return reviews_for(actor, today, steps.COUNTY_REVIEWS, "county", "待县级确定、审定",
                       "没有等待县级确定或审定的案件。", page)


def verifications(actor: User, today: date, page: int) -> lists.Section:
    found = lists.find(actor, [steps.named_condition(actor, steps.VERIFICATIONS)], today, page)
    return lists.section("verifications", "指派给我的入户核实", "没有指派给您的入户核实。", found,
                         lists.rows(found, today, notes=_clue_notes))


def rereviews(actor: User, today: date) -> lists.Section:
    """The farmers' open re-review requests (申请复核) of the area (``reviews.open_in_scope``:
    few at a time, listed whole on every page), soonest answer due first."""
    found = reviews.open_in_scope(actor, today)
    made = [lists.Row(r.case_id, "答复复核申请", "未纳入", mask_name(r.name), "", r.village, r.due_on,
                      clock(date.fromisoformat(r.due_on), today), (f"申请日期 {r.asked_on}",), facts=True)
            for r in found]
    overdue = sum(1 for r in found if r.overdue)
    return lists.Section("rereviews", "农户申请复核", "没有待答复的复核申请。", made, len(made), overdue)
