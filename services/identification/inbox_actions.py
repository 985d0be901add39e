"""Acting on the triage inbox: bulk assignment of verifiers and merging duplicates (线索受理).

Every change goes through ``services.workflow.cases.perform``. Services never commit: the request handler
commits once, or rolls back everything when any selected case is refused (bulk assignment is
all or nothing, so a desk never has to work out which half of a selection went through).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.workflow import Action, CaseState, TransitionRefused, actions_for_role, decide
from domain import numbers
from models import Case, User
from services.accounts import people, scoping
from services.errors import NotFound, ValidationFailed
from services.identification.inbox import Filters, may_assign, require_desk
from services.workflow import cases
from services.workflow.case_effects import VERIFIER_ROLES
from services.workflow.case_events import StepInput

MAX_SELECTED = 200  # cases in one bulk assignment


# Where each inbox action starts: whether a role may take it there is whether it may take it at all.
_STARTS = {Action.ASSIGN_VERIFIER: CaseState.RECEIVED, Action.MERGE: CaseState.REPORTED}


def ensure_turn(actor: User, action: Action) -> None:
    """Refuse (409, with who must do it) assigning or merging to a desk whose role the workflow
    does not name for it, before the selection is read; other roles get 403 (require_desk)."""
    require_desk(actor)
    start = _STARTS[action]
    if action not in actions_for_role(start, actor.role_enum):
        raise TransitionRefused(decide(start, action, actor.role_enum))


# --- bulk assignment of verifiers ------------------------------------------------------------


def verifier_choices(actor: User, filters: Filters) -> list[tuple[int, str]]:
    """Verifiers for the picker: those of the filtered village, or of the actor's whole area."""
    if not may_assign(actor):
        return []
    region = actor.region
    if filters.village:
        region = scoping.region_by_code(actor, filters.village) or actor.region
    return [(p.id, p.label) for p in people.verifiers_in_region(actor, region)]


@dataclass(frozen=True)
class Refusal:
    case_id: int
    reasons: tuple[str, ...]
    conflict: bool  # a workflow refusal (409) rather than a bad choice (400)


class BulkRefused(Exception):
    """Some of the selected cases could not be assigned; nothing should be kept."""

    def __init__(self, refusals: list[Refusal]):
        super().__init__("；".join(f"案件 {r.case_id}：{'；'.join(r.reasons)}" for r in refusals))
        self.refusals = refusals

    @property
    def conflict(self) -> bool:
        return any(r.conflict for r in self.refusals)


@dataclass(frozen=True)
class Assigned:
    assigned: tuple[int, ...]
    unchanged: tuple[int, ...]  # already with this verifier


def read_case_ids(values: list[str]) -> list[int]:
    ids = list(dict.fromkeys(v.strip() for v in values if v.strip()))
    if not ids:
        raise ValidationFailed({"case_id": "请先勾选要指派核实人的案件"})
    if any(not numbers.is_digits(v) for v in ids):
        raise ValidationFailed({"case_id": "所选案件无效，请刷新页面后重新勾选"})
    if len(ids) > MAX_SELECTED:
        raise ValidationFailed({"case_id": f"一次最多指派{MAX_SELECTED}件，请分批办理"})
    return [int(v) for v in ids]


def _check_assignee(actor: User, assignee_id: int | None) -> User:
    if assignee_id is None:
        raise ValidationFailed({"assignee_id": "请选择核实人"})
    try:
        user = scoping.get(actor, User, assignee_id)
    except NotFound:
        raise ValidationFailed({"assignee_id": "所选核实人不存在或不在您的管辖范围内"}) from None
    if user.role not in VERIFIER_ROLES or not user.active:
        raise ValidationFailed({"assignee_id": "所选人员不能承担入户核实"})
    return user


def assign_verifiers(actor: User, case_ids: list[int], assignee_id: int | None, *, today: date) -> Assigned:
    """Give every selected case to one verifier: a new clue is accepted first, a case being
    verified by someone else is reassigned. All or nothing: every case is tried so that all
    refusals can be shown, and ``BulkRefused`` tells the caller to roll everything back.

    Raises NotFound (before any change) when a case lies outside the actor's scope.
    """
    require_desk(actor)
    chosen = [scoping.get(actor, Case, case_id) for case_id in case_ids]
    assignee = _check_assignee(actor, assignee_id)
    step = StepInput(assignee_id=assignee.id, data={"bulk": True})
    refusals: list[Refusal] = []
    assigned: list[int] = []
    unchanged: list[int] = []
    for case in chosen:
        state = case.state_enum
        if state is CaseState.VERIFYING and case.verifier_id == assignee.id:
            unchanged.append(case.id)
            continue
        plan = {CaseState.REPORTED: (Action.ACCEPT, Action.ASSIGN_VERIFIER),
                CaseState.RECEIVED: (Action.ASSIGN_VERIFIER,),
                CaseState.VERIFYING: (Action.REASSIGN_VERIFIER,)}.get(state)
        if plan is None:
            refusals.append(Refusal(case.id, (f"当前状态（{state.label}）不能指派核实人",), True))
            continue
        try:
            for action in plan:
                cases.perform(actor, case.id, action, step, today=today)
        except TransitionRefused as exc:
            refusals.append(Refusal(case.id, exc.reasons, True))
        except ValidationFailed as exc:
            refusals.append(Refusal(case.id, tuple(exc.fields.values()), False))
        else:
            assigned.append(case.id)
    if refusals:
        raise BulkRefused(refusals)
    return Assigned(tuple(assigned), tuple(unchanged))


# --- merging a duplicate ---------------------------------------------------------------------

def merge(actor: User, case_id: int, target_case_id: int, *, today: date) -> Case:
    """Merge a clue into another open case of the same household or person (合并重复线索).

    Both cases must lie in scope (NotFound otherwise); the workflow and the case service decide
    the rest (who may merge, in which state, whether the two are the same household).
    """
    require_desk(actor)
    case = scoping.get(actor, Case, case_id)
    target = scoping.get(actor, Case, target_case_id)
    return cases.perform(actor, case.id, Action.MERGE, StepInput(target_case_id=target.id), today=today)
