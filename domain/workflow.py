"""The case workflow: one table of (state, action) -> rule, and the decision built from it.

Every change of a case's state goes through ``decide``/``transition`` so that the order of steps,
who may take each step and the facts each step needs live in one place. Steps and roles follow
DOMAIN.md: village triage, verification, 民主评议 and 公示; township review; county confirmation
(seed 003, seed 004); pairing, first visit, help plan, quarterly evaluation; the five-step risk
elimination and the look-back (seed 000, seed 004). Admin and department accounts take no step.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from .case_states import (  # re-exported: callers import the workflow vocabulary from here
    ELIMINATION_STATES,
    IDENTIFICATION_STATES,
    MONITORED_STATES,
    Action,
    CaseState,
)
from .enums import Role
from .guards import Guard, TransitionContext
from . import guards as g

__all__ = [
    "Action", "CaseState", "Decision", "Guard", "Rule", "TRANSITIONS", "TransitionContext",
    "TransitionRefused", "actions_for_role", "available_actions", "decide", "transition",
    "NOT_MET", "WRONG_ROLE", "WRONG_STATE",
    "IDENTIFICATION_STATES", "MONITORED_STATES", "ELIMINATION_STATES",
]

S, A, R = CaseState, Action, Role


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    next_state: CaseState
    guards: tuple[Guard, ...] = ()
    # Extra guards that apply only when the actor has one of ``actor_guard_roles``: a grid
    # worker must be the assigned verifier, while village staff may record on their behalf.
    actor_guards: tuple[Guard, ...] = ()
    actor_guard_roles: frozenset[Role] = frozenset()

    def guards_for(self, role: Role) -> tuple[Guard, ...]:
        if role in self.actor_guard_roles:
            return self.guards + self.actor_guards
        return self.guards


def _rule(roles: Iterable[Role], next_state: CaseState, *guards: Guard,
          actor_guards: tuple[Guard, ...] = (), actor_guard_roles: Iterable[Role] = ()) -> Rule:
    return Rule(frozenset(roles), next_state, tuple(guards), actor_guards, frozenset(actor_guard_roles))


_VILLAGE_OR_TOWNSHIP = (R.VILLAGE_STAFF, R.TOWNSHIP_STAFF)
_STAFF = (R.VILLAGE_STAFF, R.TOWNSHIP_STAFF, R.COUNTY_STAFF)


def _build_table() -> dict[tuple[CaseState, Action], Rule]:
    t: dict[tuple[CaseState, Action], Rule] = {}

    # --- identification: clue -> village -> township -> county (seed 003, seed 004) ---------
    t[S.REPORTED, A.ACCEPT] = _rule(_VILLAGE_OR_TOWNSHIP, S.RECEIVED)
    for state in (S.REPORTED, S.RECEIVED):
        # Duplicates of an open clue are merged, not counted twice (DOMAIN: 线索受理).
        t[state, A.MERGE] = _rule(_VILLAGE_OR_TOWNSHIP, S.MERGED, g.need_target_case)
    t[S.RECEIVED, A.ASSIGN_VERIFIER] = _rule(_VILLAGE_OR_TOWNSHIP, S.VERIFYING, g.need_assignee)
    t[S.VERIFYING, A.REASSIGN_VERIFIER] = _rule(
        _VILLAGE_OR_TOWNSHIP, S.VERIFYING, g.need_assignee, g.assignee_is_new_verifier)
    t[S.VERIFYING, A.VERIFY] = _rule(
        (R.GRID_WORKER, R.PAIR_CADRE, R.VILLAGE_STAFF), S.VERIFIED,
        actor_guards=(g.actor_is_assigned_verifier,), actor_guard_roles=(R.GRID_WORKER, R.PAIR_CADRE))
    t[S.VERIFIED, A.VILLAGE_REVIEW_PASS] = _rule(
        (R.VILLAGE_STAFF,), S.PUBLICIZING, g.need_review_recorded, g.need_notice_start)
    t[S.VERIFIED, A.VILLAGE_REVIEW_FAIL] = _rule(
        (R.VILLAGE_STAFF,), S.REJECTED, g.need_review_recorded, g.need_reason)
    t[S.PUBLICIZING, A.CLOSE_NOTICE] = _rule((R.VILLAGE_STAFF,), S.TOWNSHIP_REVIEW, g.notice_long_enough)
    # An objection sends the case back to be reviewed again after checking the objection.
    t[S.PUBLICIZING, A.NOTICE_OBJECTION] = _rule((R.VILLAGE_STAFF,), S.VERIFIED, g.need_reason)
    t[S.TOWNSHIP_REVIEW, A.TOWNSHIP_APPROVE] = _rule((R.TOWNSHIP_STAFF,), S.COUNTY_REVIEW, g.need_signed)
    t[S.TOWNSHIP_REVIEW, A.TOWNSHIP_RETURN] = _rule((R.TOWNSHIP_STAFF,), S.VERIFYING, g.need_reason)
    t[S.TOWNSHIP_REVIEW, A.TOWNSHIP_REJECT] = _rule(
        (R.TOWNSHIP_STAFF,), S.REJECTED, g.need_reason, g.need_signed)
    t[S.COUNTY_REVIEW, A.COUNTY_CONFIRM] = _rule(
        (R.COUNTY_STAFF,), S.MONITORED, g.valid_category, g.valid_risk_types, g.need_signed,
        g.reason_against_assessment)
    t[S.COUNTY_REVIEW, A.COUNTY_REJECT] = _rule((R.COUNTY_STAFF,), S.REJECTED, g.need_reason)
    # Green channel (seed 000): help starts at once while identification runs alongside, so
    # the state does not change; the caller records that help has started.
    for state in IDENTIFICATION_STATES:
        t[state, A.GREEN_CHANNEL] = _rule(_STAFF, state, g.need_urgent, g.green_channel_not_started)

    # --- help (seed 000) -------------------------------------------------------------------
    for state in (S.MONITORED, S.PAIRED, S.VISITED, S.HELPING):
        t[state, A.RECORD_ENTRY] = _rule(_STAFF, state, g.not_yet_recorded)
    t[S.MONITORED, A.ASSIGN_PAIR_CADRE] = _rule((R.TOWNSHIP_STAFF,), S.PAIRED, g.need_assignee)
    for state in (S.PAIRED, S.VISITED, S.HELPING):  # changing the cadre keeps the state
        t[state, A.ASSIGN_PAIR_CADRE] = _rule(
            (R.TOWNSHIP_STAFF,), state, g.need_assignee, g.assignee_is_new_pair_cadre)
    t[S.PAIRED, A.FIRST_VISIT] = _rule((R.PAIR_CADRE,), S.VISITED, g.actor_is_pair_cadre)
    t[S.VISITED, A.MAKE_HELP_PLAN] = _rule((R.VILLAGE_STAFF,), S.HELPING, g.no_plan_problems)
    t[S.HELPING, A.REVISE_HELP_PLAN] = _rule((R.VILLAGE_STAFF, R.PAIR_CADRE), S.HELPING, g.no_plan_problems)
    t[S.HELPING, A.QUARTERLY_EVALUATION] = _rule((R.VILLAGE_STAFF, R.PAIR_CADRE), S.HELPING)

    # --- risk elimination, five steps (seed 000) --------------------------------------------
    t[S.HELPING, A.PROPOSE_ELIMINATION] = _rule(
        (R.VILLAGE_STAFF,), S.ELIM_PROPOSED, g.from_quarterly_evaluation, g.no_elimination_blockers)
    t[S.ELIM_PROPOSED, A.ELIM_VERIFY] = _rule(
        (R.GRID_WORKER, R.PAIR_CADRE, R.VILLAGE_STAFF, R.TOWNSHIP_STAFF), S.ELIM_VERIFIED,
        g.actor_is_original_verifier, g.household_has_signed, g.need_signed)
    # Seed 000: "农户必须签字认可" and "镇乡村的相关责任人必须签字担责" at every step.
    t[S.ELIM_VERIFIED, A.ELIM_VILLAGE_REVIEW] = _rule(
        (R.VILLAGE_STAFF,), S.ELIM_PUBLICIZING, g.need_review_recorded, g.need_signed)
    t[S.ELIM_PUBLICIZING, A.ELIM_CLOSE_NOTICE] = _rule(
        (R.VILLAGE_STAFF,), S.ELIM_TOWNSHIP_REVIEW, g.notice_long_enough)
    t[S.ELIM_TOWNSHIP_REVIEW, A.ELIM_TOWNSHIP_APPROVE] = _rule(
        (R.TOWNSHIP_STAFF,), S.ELIM_COUNTY_REVIEW, g.need_signed, g.papers_complete)
    t[S.ELIM_COUNTY_REVIEW, A.ELIM_COUNTY_APPROVE] = _rule(
        (R.COUNTY_STAFF,), S.ELIM_APPROVED, g.phone_survey_done, g.onsite_check_if_doubts, g.need_signed)
    t[S.ELIM_APPROVED, A.ANNOUNCE] = _rule((R.COUNTY_STAFF,), S.ELIMINATED)
    # Whoever holds the case at a step may send it back to helping.
    for state in (S.ELIM_PROPOSED, S.ELIM_VERIFIED, S.ELIM_PUBLICIZING):
        t[state, A.ELIM_RETURN] = _rule((R.VILLAGE_STAFF,), S.HELPING, g.need_reason)
    t[S.ELIM_TOWNSHIP_REVIEW, A.ELIM_RETURN] = _rule((R.TOWNSHIP_STAFF,), S.HELPING, g.need_reason)
    t[S.ELIM_COUNTY_REVIEW, A.ELIM_RETURN] = _rule((R.COUNTY_STAFF,), S.HELPING, g.need_reason)

    # --- look-back (seed 004): unstable -> revert; new risk -> identify again ---------------
    t[S.ELIMINATED, A.LOOKBACK_STABLE] = _rule(_VILLAGE_OR_TOWNSHIP, S.ELIMINATED)
    t[S.ELIMINATED, A.LOOKBACK_REVERT] = _rule((R.TOWNSHIP_STAFF, R.COUNTY_STAFF), S.HELPING, g.need_reason)
    t[S.ELIMINATED, A.REIDENTIFY] = _rule(_VILLAGE_OR_TOWNSHIP, S.RECEIVED, g.need_reason)

    # --- 清退 (seed 004: "排查发现需要对……监测对象清退的，上报镇乡村振兴工作站汇总，由镇乡村振兴
    # 工作站统一提出申请"): the township applies, the county removes a household included by
    # mistake, with the reason on record. Not a risk elimination.
    for state in (s for s in S if s.is_monitored or s is S.ELIMINATED):  # in the states' order
        t[state, A.CLEAR_OUT] = _rule((R.COUNTY_STAFF,), S.CLEARED, g.need_reason)

    # --- the farmer's re-review of a refusal (申请复核): the township decides ----------------
    t[S.REJECTED, A.REVIEW_UPHOLD] = _rule((R.TOWNSHIP_STAFF,), S.REJECTED, g.need_open_review, g.need_reason)
    t[S.REJECTED, A.REVIEW_REOPEN] = _rule((R.TOWNSHIP_STAFF,), S.RECEIVED, g.need_open_review, g.need_reason)
    return t


TRANSITIONS: Mapping[tuple[CaseState, Action], Rule] = _build_table()


# Why a step is refused: the API's error code (every refusal answers 409, see services.errors).
WRONG_ROLE = "wrong_role"    # the policy names another role for this step
WRONG_STATE = "wrong_state"  # the step is not possible in the case's state (taken already, or not yet)
NOT_MET = "refused"          # the step's conditions are not met (a fact missing, not the assigned person)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    next_state: CaseState | None
    reasons: tuple[str, ...] = ()
    kind: str = NOT_MET  # for a refusal: WRONG_ROLE, WRONG_STATE or NOT_MET

    @property
    def reason(self) -> str:
        return "；".join(self.reasons)


class TransitionRefused(Exception):
    def __init__(self, decision: Decision):
        super().__init__(decision.reason)
        self.decision = decision
        self.reasons = decision.reasons
        self.kind = decision.kind

    def __str__(self) -> str:
        return self.decision.reason


def _roles_text(roles: frozenset[Role]) -> str:
    labels = [r.label for r in Role if r in roles]  # enum order, so messages are stable
    if len(labels) == 1:
        return labels[0]
    return "、".join(labels[:-1]) + "或" + labels[-1]


def _as_role(role: Role | str | None) -> Role | None:
    return None if role is None else Role(role)


def decide(state: CaseState | str, action: Action | str, role: Role | str | None,
           ctx: TransitionContext = TransitionContext()) -> Decision:
    """Say whether ``role`` may take ``action`` on a case in ``state`` given the facts in ``ctx``.

    Refusals carry reasons a person can act on: the step is not possible now, someone else
    must do it, or the listed facts are missing (all failing guards, not just the first).
    """
    state, action, role = CaseState(state), Action(action), _as_role(role)
    rule = TRANSITIONS.get((state, action))
    if rule is None:
        return Decision(False, None, (f"当前状态（{state.label}）不能进行“{action.label}”操作",), WRONG_STATE)
    if role not in rule.roles:
        who = role.label if role is not None else "未设置"
        return Decision(False, None, (f"“{action.label}”须由{_roles_text(rule.roles)}办理，您的角色是{who}",),
                        WRONG_ROLE)
    failures = tuple(msg for guard in rule.guards_for(role) if (msg := guard(ctx)))
    if failures:
        return Decision(False, None, failures)
    return Decision(True, rule.next_state, ())


def transition(state: CaseState | str, action: Action | str, role: Role | str | None,
               ctx: TransitionContext = TransitionContext()) -> CaseState:
    """The next state, or ``TransitionRefused`` carrying the decision's reasons."""
    decision = decide(state, action, role, ctx)
    if not decision.allowed:
        raise TransitionRefused(decision)
    assert decision.next_state is not None
    return decision.next_state


def actions_for_role(state: CaseState | str, role: Role | str | None) -> list[Action]:
    """Actions the role may take in this state, whatever the facts (for showing buttons)."""
    state, role = CaseState(state), _as_role(role)
    return [a for a in Action if (rule := TRANSITIONS.get((state, a))) is not None and role in rule.roles]


def available_actions(state: CaseState | str, role: Role | str | None,
                      ctx: TransitionContext = TransitionContext()) -> list[Action]:
    """Actions the role may take now: role allowed and every guard passes."""
    return [a for a in actions_for_role(state, role) if decide(state, a, role, ctx).allowed]
