"""Case use cases: open a case from a clue, and carry it through the workflow.

``perform`` is the only function that changes a case's state: it loads the case within the
actor's scope, asks the domain workflow whether the step is allowed, applies the step's
effects, recomputes the deadline, writes the event and the audit entry, and notifies.
"""
from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import func, select

from core.extensions import db
from domain.deadlines import CaseDates, current_deadline
from domain.elimination import EliminationFacts, elimination_blockers
from domain.eligibility import NoMonitoringLine, per_capita_income
from domain.enums import CaseSource, HouseholdAttribute, LabourCapacity, RiskType, Role
from domain.lookup import new_lookup_code
from domain.workflow import Action, CaseState, TransitionContext, TransitionRefused, decide
from models import Case, CaseEvent, EventEvidence, Household, Region, User
from models.personal import ID_NUMBER, blind_index
from models.types import utcnow
from services import audit, notify, scoping, settings
from services.errors import NotFound, ValidationFailed

VERIFIER_ROLES = (Role.GRID_WORKER.value, Role.PAIR_CADRE.value, Role.VILLAGE_STAFF.value)


@dataclass
class Evidence:
    label: str
    content: bytes
    content_type: str


@dataclass
class StepInput:
    """What a person supplies with a step. Only the fields a step needs are read."""

    comment: str = ""
    reason: str = ""
    signed: bool = False
    assignee_id: int | None = None
    target_case_id: int | None = None
    review: dict = field(default_factory=dict)  # 民主评议: date, participants, result
    notice_start: date | None = None
    notice_end: date | None = None
    category: str | None = None
    risk_types: tuple[str, ...] = ()
    plan_problems: tuple[str, ...] = ()
    from_quarterly_evaluation: bool = False
    natural_elimination: bool = False
    guarantees_secure: bool | None = None
    rigid_spending_resolved: bool | None = None
    household_signed: bool = False
    papers_missing: tuple[str, ...] = ()
    phone_survey_done: bool = False
    doubts_remain: bool = False
    onsite_check_done: bool = False
    evidence: list[Evidence] = field(default_factory=list)


def open_case(actor: User | None, region: Region, source: CaseSource, *, today: date,
              risk_types: list[str] = (), words: str = "", urgent: bool = False,
              household: Household | None = None, claimed_name: str | None = None,
              claimed_id_number: str | None = None, claimed_phone: str | None = None,
              evidence: list[Evidence] = (), reported_household_size: int | None = None,
              reported_income=None, with_lookup_code: bool = False) -> Case:
    """Record a clue. ``actor`` is None for a farmer's own report (no account).

    The case enters the village's triage queue in state 已提交 with its identification clock.
    """
    if any(r not in RiskType.codes() for r in risk_types):
        raise ValidationFailed({"risk_types": "风险类型无效"})
    if actor is not None and not scoping.may_report_at(actor, region):
        raise NotFound("region outside scope")
    case = Case(source=source.value, state=CaseState.REPORTED.value, urgent=urgent,
                risk_types=list(risk_types), region=household.region if household else region,
                household=household, reported_by=actor, reporter_words=words or None,
                claimed_name=claimed_name, clue_date=today,
                reported_household_size=reported_household_size, reported_income=reported_income)
    case.claimed_id_number = claimed_id_number
    case.claimed_phone = claimed_phone
    _set_deadline(case)
    db.session.add(case)
    db.session.flush()
    if with_lookup_code:
        give_lookup_code(case)
    _add_event(case, actor, None, None, CaseState.REPORTED, StepInput(evidence=list(evidence)),
               {"source": source.value})
    audit.record(actor, "create", "case", case.id, f"source={source.value}")
    notify.case_changed(case, None)
    return case


def give_lookup_code(case: Case) -> str:
    """A fresh lookup code for the farmer (kept if the case already has one)."""
    while case.lookup_code is None:
        code = new_lookup_code()
        if db.session.execute(select(Case.id).where(Case.lookup_code == code)).first() is None:
            case.lookup_code = code
    db.session.flush()
    return case.lookup_code


def join_report(actor: User | None, case: Case, source: CaseSource, *, words: str,
                risk_types: list[str], urgent: bool, evidence: list[Evidence] = ()) -> Case:
    """A further report about a household whose case is still open: it joins that case
    (same clock, same lookup code) instead of opening a second one."""
    case.risk_types = list(dict.fromkeys([*case.risk_types, *risk_types]))
    case.urgent = case.urgent or urgent
    _add_event(case, actor, None, case.state_enum, case.state_enum,
               StepInput(comment=words, evidence=list(evidence)), {"joined_report": source.value})
    audit.record(actor, "update", "case", case.id, f"joined report source={source.value}")
    notify.case_changed(case, None)
    return case


def find_open_case(household: Household | None = None, id_number: str | None = None) -> Case | None:
    """An open case for the same household (or the same claimed ID number), for de-duplication."""
    open_states = [s.value for s in CaseState if s.is_open]
    query = select(Case).where(Case.state.in_(open_states)).order_by(Case.id)
    if household is not None:
        query = query.where(Case.household_id == household.id)
    elif id_number:
        query = query.where(Case.claimed_id_number_index == blind_index(ID_NUMBER, id_number))
    else:
        return None
    return db.session.execute(query).scalars().first()


def check(actor: User, case: Case, action: Action, step: StepInput, *, today: date) -> None:
    """Raise TransitionRefused unless the step would be allowed now; changes nothing.

    For use cases that write other records first (a visit that verifies a case): they check
    before writing, so a refusal leaves nothing behind.
    """
    decision = decide(case.state_enum, action, actor.role_enum, _context(actor, case, action, step, today))
    if not decision.allowed:
        raise TransitionRefused(decision)


def perform(actor: User, case_id: int, action: Action, step: StepInput, *, today: date) -> Case:
    case = scoping.get(actor, Case, case_id)
    before = case.state_enum
    ctx = _context(actor, case, action, step, today)
    decision = decide(before, action, actor.role_enum, ctx)
    if not decision.allowed:
        raise TransitionRefused(decision)
    extra = _apply(actor, case, action, step, today)
    case.state = decision.next_state.value
    _set_deadline(case)
    _add_event(case, actor, action, before, decision.next_state, step, extra)
    audit.record(actor, "transition", "case", case.id, f"{action.value}: {before.value}->{case.state}")
    notify.case_changed(case, action)
    return case


def read_case(actor: User, case_id: int) -> Case:
    """A case with the reporter's words and claimed identity: every call is audited."""
    case = scoping.get(actor, Case, case_id)
    audit.record(actor, "read", "case", case.id, "full record")
    return case


def match_household(actor: User, case_id: int, household_id: int) -> Case:
    """Link a clue reported by name and ID number to the registered household it concerns."""
    case = scoping.get(actor, Case, case_id)
    household = scoping.get(actor, Household, household_id)
    if not case.is_open:
        raise ValidationFailed({"household_id": "已办结的线索不能再关联农户"})
    if case.household_id is not None:
        raise ValidationFailed({"household_id": "该线索已关联农户"})
    case.household = household
    case.region = household.region
    db.session.flush()
    _add_event(case, actor, None, case.state_enum, case.state_enum, StepInput(),
               {"matched_household": household.id})
    audit.record(actor, "update", "case", case.id, "fields=household")
    return case


def count_open_in_scope(actor: User) -> int:
    open_states = [s.value for s in CaseState if s.is_open]
    query = (scoping.cases(actor).where(Case.state.in_(open_states))
             .with_only_columns(func.count(Case.id)).order_by(None))
    return db.session.execute(query).scalar_one()


# --- internals -------------------------------------------------------------------------------

def _context(actor: User, case: Case, action: Action, step: StepInput, today: date) -> TransitionContext:
    policy = settings.policy_for(case.region)
    blockers: tuple[str, ...] = ()
    if action is Action.PROPOSE_ELIMINATION:
        blockers = elimination_blockers(_elimination_facts(case, step, today), today, policy)
    return TransitionContext(
        actor_id=actor.id, today=today, urgent=case.urgent,
        green_channel_started=case.green_channel_at is not None,
        assigned_verifier_id=case.verifier_id, original_verifier_id=case.original_verifier_id,
        pair_cadre_id=case.pair_cadre_id, assignee_id=step.assignee_id,
        target_case_id=step.target_case_id, reason=step.reason.strip(), signed=step.signed,
        review_recorded=bool(step.review.get("date") and step.review.get("participants")),
        notice_start=step.notice_start or case.notice_start,
        notice_end=step.notice_end, notice_min_days=policy.notice_min_days,
        category=step.category, risk_types=tuple(step.risk_types),
        plan_problems=tuple(step.plan_problems), elimination_blockers=blockers,
        from_quarterly_evaluation=step.from_quarterly_evaluation,
        household_signed=step.household_signed, papers_missing=tuple(step.papers_missing),
        phone_survey_done=step.phone_survey_done, doubts_remain=step.doubts_remain,
        onsite_check_done=step.onsite_check_done,
        already_recorded=case.national_recorded_at is not None,
    )


def _elimination_facts(case: Case, step: StepInput, today: date) -> EliminationFacts:
    household = case.household
    per_capita = line = None
    without_labour = False
    if household is not None and household.members:
        without_labour = not any(_can_work(m.labour_capacity) for m in household.members)
        if household.net_income is not None:
            per_capita = per_capita_income(household.net_income, household.size)
        try:
            line = settings.monitoring_line(case.region, today.year)
        except NoMonitoringLine:
            line = None
    return EliminationFacts(
        monitored_since=case.identified_on, per_capita_income=per_capita, line=line,
        whole_household_without_labour=without_labour, natural=step.natural_elimination,
        guarantees_secure=step.guarantees_secure, rigid_spending_resolved=step.rigid_spending_resolved)


def _can_work(code: str) -> bool:
    return LabourCapacity(code).can_work


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


def _apply(actor: User, case: Case, action: Action, step: StepInput, today: date) -> dict:
    """The effects of a step on the case's fields; returns structured data for the event."""
    if action is Action.MERGE:
        target = _merge_target(actor, case, step.target_case_id)
        case.merged_into_id = target.id
        _add_event(target, actor, None, target.state_enum, target.state_enum,
                   StepInput(comment=""), {"merged_case": case.id})
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
    if action is Action.ELIM_VILLAGE_REVIEW:
        case.notice_start, case.notice_end = step.notice_start or today, None
        return {"review": _review_data(step), "notice_start": case.notice_start.isoformat()}
    if action is Action.ELIM_COUNTY_APPROVE:
        return {"phone_survey": True, "onsite_check": step.onsite_check_done}
    if action is Action.ANNOUNCE:
        case.eliminated_on = today
        return {}
    if action is Action.LOOKBACK_REVERT:
        case.eliminated_on = None
        return {}
    if action is Action.REIDENTIFY:
        case.clue_date = today
        case.category = None
        case.verifier_id = None
        case.identified_on = case.paired_on = case.last_evaluation_on = None
        case.notice_start = case.notice_end = case.eliminated_on = None
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
    return {"category": step.category, "risk_types": list(step.risk_types)}


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


def _set_deadline(case: Case) -> None:
    policy = settings.policy_for(case.region)
    dates = CaseDates(clue_date=case.clue_date, identified_on=case.identified_on,
                      paired_on=case.paired_on, monitored_since=case.identified_on,
                      last_evaluation_on=case.last_evaluation_on, notice_start=case.notice_start,
                      eliminated_on=case.eliminated_on)
    deadline = current_deadline(case.state_enum, dates, policy)
    case.due_date = deadline.due if deadline else None
    case.deadline_kind = deadline.kind.value if deadline else None


def _add_event(case: Case, actor: User | None, action: Action | None, before: CaseState | None,
               after: CaseState, step: StepInput, data: dict) -> CaseEvent:
    comment = "\n".join(p for p in (step.reason.strip(), step.comment.strip()) if p) or None
    event = CaseEvent(case=case, action=action.value if action else None,
                      from_state=before.value if before else None, to_state=after.value,
                      actor=actor, actor_role=actor.role if actor else None, comment=comment,
                      signed=step.signed, data=data)
    for item in step.evidence:
        event.evidence.append(_store_evidence(item))
    db.session.add(event)
    return event


def _store_evidence(item: Evidence) -> EventEvidence:
    folder = current_app.config["SHOUDI_UPLOAD_FOLDER"]
    os.makedirs(folder, exist_ok=True)
    stored = uuid.uuid4().hex
    with open(os.path.join(folder, stored), "wb") as fh:
        fh.write(item.content)
    return EventEvidence(stored_name=stored, label=item.label[:100], content_type=item.content_type,
                         size=len(item.content), sha256=hashlib.sha256(item.content).hexdigest())
