"""What a farmer sees on /track: the identification steps in plain words (seed 003, seed 004),
each done step with its date, where a refusal came, and the farmer's re-review (申请复核).

The dates come from the case's history, passed in as ``Happened`` (China-time days): this
module reads no clock and no database.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Sequence

from domain.case_states import CaseState

STEPS = ("已受理", "入户核实", "村级评议公示", "乡镇审核", "县级确定", "已纳入监测")
_ALL_DONE = len(STEPS)

# Index of the step the case is at; steps before it are done.
_CURRENT = {
    CaseState.REPORTED: 0, CaseState.RECEIVED: 1, CaseState.VERIFYING: 1,
    CaseState.VERIFIED: 2, CaseState.PUBLICIZING: 2, CaseState.TOWNSHIP_REVIEW: 3,
    CaseState.COUNTY_REVIEW: 4,
}

# The step at which a refusal came, in the words the farmer reads (by the state it left).
_REFUSED_AT = {2: "村级评议未通过", 3: "乡镇审核未通过", 4: "县级确定：不予纳入"}
NOT_INCLUDED = "未纳入"


@dataclass(frozen=True)
class Happened:
    """One event of the case's history: the day (China time) and the states it moved between
    (``before`` None: the report that opened the case)."""

    on: date
    before: CaseState | None
    after: CaseState


@dataclass(frozen=True)
class Step:
    label: str
    status: str  # done | current | todo | refused
    on: date | None = None  # the day a done (or refused) step was taken, when known


@dataclass(frozen=True)
class Progress:
    steps: tuple[Step, ...]
    outcome: str  # pending | included | rejected
    headline: str


def _reached(state: CaseState) -> int | None:
    """How many steps a case in ``state`` has behind it; None for a refused or merged case."""
    if state in _CURRENT:
        return _CURRENT[state]
    if state.is_monitored or state is CaseState.ELIMINATED:
        return _ALL_DONE
    return None


def _restarts(event: Happened, reached: int) -> bool:
    """A new identification: reopened after a re-review, or identified again after the
    look-back. The earlier pass's steps are history, not this identification's."""
    if event.before is None or reached >= _ALL_DONE:
        return False
    before = _reached(event.before)
    return event.before is CaseState.REJECTED or (before is not None and before >= _ALL_DONE)


def _walk(history: Sequence[Happened]) -> tuple[dict[int, date], Happened | None]:
    """The day each step was (last) done, and the refusal that ended the case, if any.

    A step sent back (公示有异议, 乡镇退回) is to be done again: its earlier date no longer counts.
    Events that keep the state (a further report joined, the green channel, a re-review upheld)
    move no step.
    """
    done: dict[int, date] = {}
    refusal: Happened | None = None
    for event in history:
        if event.before is event.after:
            continue
        if event.after is CaseState.REJECTED:
            refusal = event
            continue
        reached = _reached(event.after)
        if reached is None:
            continue
        if _restarts(event, reached):
            done, refusal = {}, None
        done = {i: on for i, on in done.items() if i < reached}
        for i in range(reached):
            done.setdefault(i, event.on)
    return done, refusal


def farmer_progress(state: CaseState, history: Sequence[Happened] = ()) -> Progress:
    state = CaseState(state)
    done, refusal = _walk(history)
    if state is CaseState.REJECTED:
        return _refused(done, refusal)
    if state.is_monitored or state is CaseState.ELIMINATED:
        headline = "已纳入监测，正在帮扶" if state is not CaseState.ELIMINATED else "帮扶后风险已消除"
        return Progress(tuple(Step(s, "done", done.get(i)) for i, s in enumerate(STEPS)), "included", headline)
    current = _CURRENT.get(state, 0)
    steps = tuple(Step(s, "done", done.get(i)) if i < current else Step(s, "current" if i == current else "todo")
                  for i, s in enumerate(STEPS))
    headline = "已收到您的申报，村里正在受理" if state is CaseState.REPORTED else f"正在办理：{STEPS[current]}"
    return Progress(steps, "pending", headline)


def _refused(done: dict[int, date], refusal: Happened | None) -> Progress:
    """Only the steps that were taken, with their days, then the step that refused the case:
    the steps after it never happened and are not shown as waiting."""
    at = _reached(refusal.before) if refusal is not None and refusal.before is not None else None
    if at is None or at not in _REFUSED_AT:
        taken = tuple(Step(STEPS[i], "done", done[i]) for i in sorted(done))
        last = Step(NOT_INCLUDED, "refused", refusal.on if refusal else None)
    else:
        taken = tuple(Step(STEPS[i], "done", done.get(i)) for i in range(at))
        last = Step(_REFUSED_AT[at], "refused", refusal.on)
    return Progress(taken + (last,), "rejected", "经审核，暂未纳入监测")


# --- the farmer's re-review (申请复核) ----------------------------------------------------------

REVIEW_REASON_MAX = 500
REVIEW_OPEN, REVIEW_UPHELD, REVIEW_REOPENED = "open", "upheld", "reopened"


def may_ask_review(state: CaseState, earlier: Sequence[str]) -> bool:
    """A refusal may be asked to be looked at again once. Not while a request waits, nor
    after the township upheld one (the farmer is told where else to turn); a case reopened by
    a re-review and refused again is a new refusal, which may be asked about again."""
    return CaseState(state) is CaseState.REJECTED and all(s == REVIEW_REOPENED for s in earlier)


def check_review_reason(text: str | None) -> tuple[str, str | None]:
    """The farmer's reason, cleaned, or an error in plain words."""
    clean = "".join(ch for ch in (text or "") if ch in "\n\t" or ch.isprintable()).strip()
    if not clean:
        return "", "请写一写为什么要申请复核"
    if len(clean) > REVIEW_REASON_MAX:
        return clean, f"请写在{REVIEW_REASON_MAX}字以内"
    return clean, None


@dataclass(frozen=True)
class ReviewStatus:
    """A re-review as the farmer reads it: one headline, and the township's words if any."""

    state: str
    asked_on: date
    due_on: date
    decided_on: date | None
    headline: str
    note: str


def review_status(state: str, asked_on: date, due_on: date, decided_on: date | None, note: str) -> ReviewStatus:
    if state == REVIEW_OPEN:
        headline = f"您{asked_on:%m月%d日}申请了复核，乡镇会在{due_on:%m月%d日}前答复。"
    elif state == REVIEW_UPHELD:
        day = f"{decided_on:%m月%d日}" if decided_on else ""
        headline = f"复核结果（{day}）：经乡镇复核，维持原来的决定，暂不纳入监测。"
    else:
        day = f"{decided_on:%m月%d日}" if decided_on else ""
        headline = f"复核结果（{day}）：乡镇同意重新核实，村里会重新上门了解情况。"
    return ReviewStatus(state, asked_on, due_on, decided_on, headline, note or "")
