"""The effects of each workflow step on a case's own fields.

Called only by ``services.workflow.cases.perform`` after the domain workflow has allowed the step; each
branch sets what the step establishes (who verifies, the notice dates, the category...) and
returns structured, non-personal data for the step's event.
"""
from __future__ import annotations

from datetime import date

from domain.enums import HouseholdAttribute, MonitoringCategory, Role
from domain.workflow import Action
from models import Case, User
from models.types import utcnow
from services.accounts import scoping
from services.errors import NotFound, ValidationFailed
from services.warnings.pending import move_warnings
from services.workflow.case_events import StepInput, add_event

VERIFIER_ROLES = (Role.GRID_WORKER.value, Role.PAIR_CADRE.value, Role.VILLAGE_STAFF.value)


def _assignee(actor: User, case: Case, user_id: int | None, roles: tuple[str, ...]) -> User:
    try:
        user = scoping.get(actor, User, user_id or 0)
    except NotFound:
        raise ValidationFailed({"assignee_id": "所选人员不存在或不在您的管辖范围内"}) from None
    if user.role not in roles or not user.active:
        raise ValidationFailed({"assignee_id": "所选人员的角色不能承担此项工作"})
    if not (user.region.contains(case.region) or case.region.contains(user.region)):
        raise ValidationFailed({"assignee_id": "所选人员不负责该户所在区域"})
    return user


def apply(actor: User, case: Case, action: Action, step: StepInput, today: date) -> dict:
    """The effects of a step on the case's fields; returns structured data for the event."""
    if action is Action.MERGE:
        target = _merge_target(actor, case, step.target_case_id)
        case.merged_into_id = target.id
        moved = move_warnings(case, target)
        add_event(target, actor, None, target.state_enum, target.state_enum, StepInput(comment=""),
                  {"merged_case": case.id, **({"warnings_moved": moved} if moved else {})})
        return {"merged_into": target.id}
    if action in (Action.ASSIGN_VERIFIER, Action.REASSIGN_VERIFIER):
        case.verifier_id = _assignee(actor, case, step.assignee_id, VERIFIER_ROLES).id
        return {"verifier": case.verifier_id}
    if action is Action.VERIFY:
        case.original_verifier_id = case.verifier_id or actor.id
        return {"verifier": case.original_verifier_id}
    if action is Action.VILLAGE_REVIEW_PASS:
        case.notice_start, case.notice_end = step.notice_start, None
        return {"review": _review_data(step), "notice_start": step.notice_start.isoformat()}
    if action in (Action.VILLAGE_REVIEW_FAIL, Action.TOWNSHIP_REJECT, Action.COUNTY_REJECT):
        case.rejection_reason = step.reason.strip()
        return {"review": _review_data(step)} if step.review else {}
    if action in (Action.CLOSE_NOTICE, Action.ELIM_CLOSE_NOTICE):
        case.notice_end = step.notice_end
        return {"notice_end": step.notice_end.isoformat()}
    if action is Action.COUNTY_CONFIRM:
        return _confirm(case, step, today)
    if action is Action.GREEN_CHANNEL:
        case.green_channel_at = utcnow()
        return {}
    if action is Action.RECORD_ENTRY:
        case.national_recorded_at = utcnow()
        return {}
    if action is Action.ASSIGN_PAIR_CADRE:
        case.pair_cadre_id = _assignee(actor, case, step.assignee_id, (Role.PAIR_CADRE.value,)).id
        case.paired_on = today
        return {"pair_cadre": case.pair_cadre_id}
    if action is Action.QUARTERLY_EVALUATION:
        case.last_evaluation_on = today
        return {}
    if action is Action.PROPOSE_ELIMINATION:
        return {"natural": step.natural_elimination, "guarantees_secure": step.guarantees_secure,
                "rigid_spending_resolved": step.rigid_spending_resolved}
    if action is Action.ELIM_VERIFY:
        # A township officer standing in for an original verifier who is gone (see guards).
        return {"household_signed": step.household_signed,
                "stand_in": case.original_verifier_id != actor.id}
    if action is Action.ELIM_VILLAGE_REVIEW:
        case.notice_start, case.notice_end = step.notice_start or today, None
        return {"review": _review_data(step), "notice_start": case.notice_start.isoformat()}
    if action is Action.ELIM_COUNTY_APPROVE:
        return {"phone_survey": True, "onsite_check": step.onsite_check_done,
                "doubts_remain": step.doubts_remain}
    if action is Action.ANNOUNCE:
        case.eliminated_on = today
        _mark_eliminated(case, today)
        return {}
    if action is Action.LOOKBACK_STABLE:
        case.lookback_on = today
        return {}
    if action is Action.LOOKBACK_REVERT:
        case.eliminated_on = case.lookback_on = None
        _mark_eliminated(case, None)
        return {}
    if action is Action.CLEAR_OUT:
        return _clear_out(case)
    if action is Action.REIDENTIFY:
        case.clue_date = today
        case.category = None
        case.verifier_id = None
        case.identified_on = case.paired_on = case.last_evaluation_on = None
        case.notice_start = case.notice_end = case.eliminated_on = case.lookback_on = None
        _mark_eliminated(case, None)
        if step.risk_types:  # the new risk found at the look-back
            case.risk_types = list(step.risk_types)
            return {"risk_types": list(step.risk_types)}
        return {}
    return {}


def _confirm(case: Case, step: StepInput, today: date) -> dict:
    if case.household is None:
        raise ValidationFailed({"household": "该线索尚未关联到农户，不能确定纳入监测"})
    case.category = step.category
    case.risk_types = list(step.risk_types)
    case.identified_on = today
    household = case.household
    household.attribute = HouseholdAttribute.MONITORED.value
    household.monitoring_category = step.category
    household.risk_types = list(step.risk_types)
    _mark_eliminated(case, None)
    return {"category": step.category, "risk_types": list(step.risk_types)}


def _clear_out(case: Case) -> dict:
    """清退 (seed 004): the household was included by mistake and no longer counts as a monitored
    household. It goes back to what it was before inclusion — a 脱贫户 when it was monitored as
    脱贫不稳定户 (a category only lifted-out households have), otherwise a 一般农户 — without a
    monitoring category; nothing was eliminated, so no elimination is recorded either (an
    elimination already announced is withdrawn with the inclusion it rested on)."""
    notes = ["清退：该户系错误纳入监测，不是风险消除"]
    household = case.household
    if household is None:
        return {"cleared_out": True, "notes": notes}
    before = household.attribute
    lifted = (case.category or household.monitoring_category) == MonitoringCategory.UNSTABLE_LIFTED.value
    household.attribute = (HouseholdAttribute.LIFTED if lifted else HouseholdAttribute.ORDINARY).value
    household.monitoring_category = None
    _mark_eliminated(case, None)
    notes.append(f"户属性：{HouseholdAttribute(household.attribute).label}，不再计为监测户")
    return {"cleared_out": True, "attribute_before": before, "attribute": household.attribute, "notes": notes}


def _mark_eliminated(case: Case, on: date | None) -> None:
    """The household's 是否风险消除 / 风险消除时间, as the register and its export show them."""
    if case.household is not None:
        case.household.risk_eliminated = on is not None
        case.household.risk_eliminated_on = on


def _merge_target(actor: User, case: Case, target_id: int | None) -> Case:
    try:
        target = scoping.get(actor, Case, target_id or 0)
    except NotFound:
        raise ValidationFailed({"target_case_id": "要合并到的线索不存在或不在您的管辖范围内"}) from None
    if target.id == case.id or not target.is_open or target.merged_into_id:
        raise ValidationFailed({"target_case_id": "只能合并到另一条未办结的线索"})
    same_household = case.household_id and case.household_id == target.household_id
    same_person = case.claimed_id_number_index and (
        case.claimed_id_number_index == target.claimed_id_number_index)
    if not (same_household or same_person):
        raise ValidationFailed({"target_case_id": "两条线索不属于同一农户，不能合并"})
    return target


def _review_data(step: StepInput) -> dict:
    review = step.review
    return {k: str(review[k]) for k in ("date", "participants", "result") if review.get(k)}
