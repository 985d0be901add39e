"""How each generated case got where it is: the steps, in order, that lead from the clue to the
case's state, who took each one and how many days after the clue.

The steps are the workflow's own (``domain.workflow.TRANSITIONS``): each step's next state and
the roles allowed to take it are read from that table, so a story the workflow would refuse
cannot be told (``StoryError``). The gaps between steps follow the policy's clocks (15 days to
identify, 3 to pair, 7 to the first visit, 10 to the plan, a quarter between evaluations, six
months before elimination, a notice of at least 5 days), with some cases late on purpose, so the
overdue lists have something to show.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from domain.enums import Role
from domain.workflow import TRANSITIONS, Action, CaseState

A, S = Action, CaseState

# Who takes a step, by the part they play in the case.
ROLE_OF = {"village": Role.VILLAGE_STAFF, "township": Role.TOWNSHIP_STAFF, "county": Role.COUNTY_STAFF,
           "cadre": Role.PAIR_CADRE}

_IDENTIFY = ((A.ACCEPT, "village", 0, 1), (A.ASSIGN_VERIFIER, "village", 0, 1), (A.VERIFY, "verifier", 1, 4),
             (A.VILLAGE_REVIEW_PASS, "village", 1, 3), (A.CLOSE_NOTICE, "village", 5, 7),
             (A.TOWNSHIP_APPROVE, "township", 1, 2), (A.COUNTY_CONFIRM, "county", 1, 3))
_HELP = ((A.RECORD_ENTRY, "county", 0, 2), (A.ASSIGN_PAIR_CADRE, "township", 0, 3), (A.FIRST_VISIT, "cadre", 1, 6),
         (A.MAKE_HELP_PLAN, "village", 1, 4))
_ELIMINATE = ((A.ELIM_VERIFY, "verifier", 1, 5), (A.ELIM_VILLAGE_REVIEW, "village", 1, 3),
              (A.ELIM_CLOSE_NOTICE, "village", 5, 7), (A.ELIM_TOWNSHIP_APPROVE, "township", 1, 3),
              (A.ELIM_COUNTY_APPROVE, "county", 1, 5), (A.ANNOUNCE, "county", 1, 3))
# (refusal, identification steps taken before it, weight)
_REJECTIONS = ((A.VILLAGE_REVIEW_FAIL, 3, 60), (A.TOWNSHIP_REJECT, 5, 20), (A.COUNTY_REJECT, 6, 20))

# Days a case has been waiting in its state (at most), where nothing else decides it.
_WAITING = {S.REPORTED: 18, S.RECEIVED: 10, S.VERIFYING: 10, S.VERIFIED: 8, S.PUBLICIZING: 6,
            S.TOWNSHIP_REVIEW: 5, S.COUNTY_REVIEW: 6, S.MONITORED: 5, S.PAIRED: 9, S.VISITED: 8}
_ELIMINATION_WAIT = 6


class StoryError(Exception):
    """A step the workflow table does not allow (a mistake in this module, never in the data)."""


@dataclass(frozen=True)
class Step:
    action: Action | None      # None: the report that opened the case
    before: CaseState | None
    after: CaseState
    actor: str                 # reporter | village | township | county | verifier | cadre
    day: int                   # days after the clue


@dataclass
class Story:
    steps: list[Step]
    age: int                   # days from the clue to today
    proposals: set[int] = field(default_factory=set)  # days of evaluations that proposed elimination

    @property
    def state(self) -> CaseState:
        return self.steps[-1].after


class _Teller:
    def __init__(self, rng: random.Random, opened_as: CaseState = S.REPORTED):
        self.rng = rng
        self.day = 0
        self.steps = [Step(None, None, opened_as, "reporter", 0)]
        self.proposals: set[int] = set()

    @property
    def state(self) -> CaseState:
        return self.steps[-1].after

    def take(self, action: Action, actor: str, low: int = 0, high: int = 0, verifier_role: Role | None = None) -> None:
        rule = TRANSITIONS.get((self.state, action))
        role = verifier_role if actor == "verifier" else ROLE_OF.get(actor)
        if rule is None or role not in rule.roles:
            raise StoryError(f"{action.value} by {actor} from {self.state.value}")
        self.day += self.rng.randint(low, high)
        self.steps.append(Step(action, self.state, rule.next_state, actor, self.day))

    def chain(self, steps, until: CaseState | None = None, verifier_role: Role | None = None) -> None:
        for action, actor, low, high in steps:
            if self.state is until:
                return
            self.take(action, actor, low, high, verifier_role)

    def evaluate(self, count: int, propose_last: bool) -> None:
        # Proposing elimination needs six months of monitoring (earliest_elimination): quarters
        # of at least 91 days make two evaluations after the plan always enough.
        low = 91 if propose_last else 80
        for n in range(count):
            self.take(A.QUARTERLY_EVALUATION, self.rng.choice(("cadre", "village", "cadre")), low, 100)
            if propose_last and n == count - 1:
                self.proposals.add(self.day)

    def story(self, wait: int) -> Story:
        return Story(self.steps, self.day + max(0, wait), self.proposals)


def tell(target: CaseState, rng: random.Random, verifier_role: Role, urgent: bool) -> Story:
    """A story ending in ``target`` (any state but MERGED: see ``merged``)."""
    teller = _Teller(rng)
    if target in _WAITING:  # identification, or the first steps of help
        _identify(teller, target, verifier_role, urgent)
        if target.is_monitored:
            teller.chain(_HELP[:1] if rng.random() < 0.5 else (), verifier_role=verifier_role)
            teller.chain(_HELP[1:], until=target, verifier_role=verifier_role)
        return teller.story(rng.randint(0, _WAITING[target]))
    if target is S.REJECTED:
        return _rejected(teller, rng, verifier_role, urgent)
    _identify(teller, S.MONITORED, verifier_role, urgent)
    teller.chain(_HELP, verifier_role=verifier_role)
    if target is S.HELPING:
        helping_for = rng.randint(3, 720)
        due = helping_for // 91
        teller.evaluate(max(0, due - (1 if rng.random() < 0.1 else 0)), propose_last=False)
        return teller.story(helping_for - _since_plan(teller))
    if target is S.CLEARED:
        teller.evaluate(rng.randint(0, 3), propose_last=False)
        teller.take(A.CLEAR_OUT, "county", 20, 120)
        return teller.story(rng.randint(1, 600))
    teller.evaluate(rng.randint(2, 6), propose_last=True)
    teller.take(A.PROPOSE_ELIMINATION, "village")
    for action, actor, low, high in _ELIMINATE:
        if teller.state is target:
            break
        teller.take(action, actor, low, high, verifier_role)
    if target is not S.ELIMINATED:
        return teller.story(rng.randint(0, _ELIMINATION_WAIT))
    since = rng.randint(3, 1100)
    announced = teller.day
    if since >= 185 and rng.random() < 0.75:  # the look-back found the household stable
        teller.take(A.LOOKBACK_STABLE, rng.choice(("village", "township")), 183, min(since, 300))
    return teller.story(since - (teller.day - announced))


def _since_plan(teller: _Teller) -> int:
    """Days from the help plan to the last step (the evaluations after it)."""
    plan = next(s.day for s in teller.steps if s.action is A.MAKE_HELP_PLAN)
    return teller.day - plan


def _identify(teller: _Teller, until: CaseState, verifier_role: Role, urgent: bool) -> None:
    if until is S.REPORTED:
        return
    teller.take(A.ACCEPT, "village", 0, 1)
    if urgent:  # 绿色通道: help starts while identification goes on
        teller.take(A.GREEN_CHANNEL, "village")
    teller.chain(_IDENTIFY[1:], until=until, verifier_role=verifier_role)


def _rejected(teller: _Teller, rng: random.Random, verifier_role: Role, urgent: bool) -> Story:
    action, after_steps, _ = rng.choices(_REJECTIONS, [w for _, _, w in _REJECTIONS])[0]
    _identify(teller, _state_after(after_steps), verifier_role, urgent)
    actor = {A.VILLAGE_REVIEW_FAIL: "village", A.TOWNSHIP_REJECT: "township", A.COUNTY_REJECT: "county"}[action]
    teller.take(action, actor, 1, 3)
    return teller.story(rng.randint(1, 900))


def _state_after(count: int) -> CaseState:
    """The state reached after the first ``count`` identification steps."""
    state = S.REPORTED
    for action, _, _, _ in _IDENTIFY[:count]:
        state = TRANSITIONS[(state, action)].next_state
    return state


def merged(rng: random.Random, age: int) -> Story:
    """A second report about a household with a case open at the time, merged into that case
    a day or two after it came in (``age``: days from this report to today)."""
    teller = _Teller(rng)
    if rng.random() < 0.5:
        teller.take(A.ACCEPT, "village", 0, 1)
    teller.take(A.MERGE, "village", 0, 2)
    return Story(teller.steps, max(age, teller.day))
