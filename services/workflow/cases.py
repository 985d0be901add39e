"""Case use cases: open a case from a clue, and carry it through the workflow.

``perform`` is the only function that changes a case's state: it loads the case within the
actor's scope, asks the domain workflow whether the step is allowed, applies the step's
effects (``services.workflow.case_effects``), recomputes the deadline, writes the event and the audit
entry, and notifies. ``preview`` says, before anyone fills in a form, why a step is blocked.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core.extensions import db
from domain.deadlines import CaseDates, DeadlineKind, current_deadline
from domain.elimination import EliminationFacts, elimination_blockers
from domain.enums import CaseSource, MonitoringCategory, RiskType
from domain.evidence import ELIMINATION_PAPERS
from domain.lookup import new_lookup_code
from domain.members import whole_household_without_labour
from domain.workflow import Action, CaseState, TransitionContext, TransitionRefused, actions_for_role, decide
from models import Case, CaseEvent, Household, Region, User
from models.personal import ID_NUMBER, blind_index
from services.accounts import scoping
from services.errors import NotFound, ValidationFailed
from services.households.incomes import income_years
from services.help import plan_state
from services.notifications import notify
from services.platform import audit
from services.regions import settings
from services.workflow import case_effects, case_facts
from services.workflow.case_events import Evidence, StepInput, add_event

__all__ = [
    "Evidence", "StepInput", "check", "count_open_in_scope", "ensure_turn", "find_open_case", "give_lookup_code",
    "join_report", "keep_joined_report", "match_household", "open_case", "perform", "preview", "read_case",
]
VERIFIER_ROLES = case_effects.VERIFIER_ROLES


def open_case(actor: User | None, region: Region, source: CaseSource, *, today: date,
              risk_types: list[str] = (), words: str = "", urgent: bool = False,
              household: Household | None = None, claimed_name: str | None = None,
              claimed_id_number: str | None = None, claimed_phone: str | None = None,
              evidence: list[Evidence] = (), reported_household_size: int | None = None,
              reported_income=None, with_lookup_code: bool = False, report_data: dict | None = None) -> Case:
    """Record a clue. ``actor`` is None for a farmer's own report (no account).

    The case enters the village's triage queue in state 已提交 with its identification clock.
    ``report_data`` goes with the opening event (a report's consent: structured, not personal).
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
    if with_lookup_code:
        case.lookup_code = _unused_lookup_code()  # written with the case, not updated after
    _set_deadline(case)
    db.session.add(case)
    db.session.flush()
    add_event(case, actor, None, None, CaseState.REPORTED, StepInput(evidence=list(evidence)),
               {"source": source.value, **(report_data or {})})
    audit.record(actor, "create", "case", case.id, f"source={source.value}")
    notify.case_changed(case, None)
    return case


def give_lookup_code(case: Case) -> str:
    """A fresh lookup code for the farmer (kept if the case already has one)."""
    if case.lookup_code is None:
        case.lookup_code = _unused_lookup_code()
        db.session.flush()
    return case.lookup_code


def _unused_lookup_code() -> str:
    while True:
        code = new_lookup_code()
        if db.session.execute(select(Case.id).where(Case.lookup_code == code)).first() is None:
            return code


def join_report(actor: User | None, case: Case, source: CaseSource, *, words: str,
                risk_types: list[str], urgent: bool, evidence: list[Evidence] = (),
                report_data: dict | None = None) -> Case:
    """A further report about a household whose case is still open: it joins that case
    (same clock, same lookup code) instead of opening a second one."""
    case.risk_types = list(dict.fromkeys([*case.risk_types, *risk_types]))
    case.urgent = case.urgent or urgent
    add_event(case, actor, None, case.state_enum, case.state_enum,
               StepInput(comment=words, evidence=list(evidence)), {"joined_report": source.value, **(report_data or {})})
    audit.record(actor, "update", "case", case.id, f"joined report source={source.value}")
    notify.case_changed(case, None)
    return case


def keep_joined_report(actor: User | None, case: Case, region: Region, source: CaseSource, *, today: date,
                       words: str, risk_types: list[str], urgent: bool, household: Household | None,
                       claimed_name: str | None, claimed_id_number: str | None, claimed_phone: str | None,
                       evidence: list[Evidence] = (), reported_household_size: int | None = None,
                       reported_income=None, report_data: dict | None = None) -> Case:
    """A further report about a household whose case is still open, from someone who is not to
    learn that there is one (a farmer's own report: it may name a neighbour's ID number).

    The report joins the open case as ``join_report`` does, and is also kept as a record of its
    own: who reported, what they said, and a lookup code of its own, merged into the open case
    from the start (no clock, never in the triage queue), in the region a new case would have
    had. Staff see it on the open case and can follow it to the reporter; the reporter follows
    their own record only.
    """
    if any(r not in RiskType.codes() for r in risk_types):
        raise ValidationFailed({"risk_types": "风险类型无效"})
    kept = Case(source=source.value, state=CaseState.MERGED.value, urgent=urgent, risk_types=list(risk_types),
                region=household.region if household else region, household=household, reported_by=actor,
                reporter_words=words or None, claimed_name=claimed_name, clue_date=today, merged_into=case,
                reported_household_size=reported_household_size, reported_income=reported_income)
    kept.claimed_id_number = claimed_id_number
    kept.claimed_phone = claimed_phone
    kept.lookup_code = _unused_lookup_code()
    _set_deadline(kept)
    db.session.add(kept)
    db.session.flush()
    add_event(kept, actor, None, None, CaseState.MERGED, StepInput(),
              {"source": source.value, "merged_into": case.id, **(report_data or {})})
    audit.record(actor, "create", "case", kept.id, f"source={source.value} merged_into={case.id}")
    join_report(actor, case, source, words=words, risk_types=risk_types, urgent=urgent, evidence=evidence,
                report_data={"merged_case": kept.id, **(report_data or {})})
    return kept


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


def ensure_turn(actor: User, case: Case, action: Action) -> None:
    """Refuse (409) a step the actor's role may not take, or that the case's state does not
    offer (taken already, or not yet), before any of its input is read."""
    if action not in actions_for_role(case.state_enum, actor.role_enum):
        raise TransitionRefused(decide(case.state_enum, action, actor.role_enum))


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
    extra = case_effects.apply(actor, case, action, step, today)
    case.state = decision.next_state.value
    _set_deadline(case)
    add_event(case, actor, action, before, decision.next_state, step, extra)
    audit.record(actor, "transition", "case", case.id, f"{action.value}: {before.value}->{case.state}")
    notify.case_changed(case, action)
    return case


def read_case(actor: User, case_id: int) -> Case:
    """A case with the reporter's words and claimed identity: every call is audited."""
    if scoping.reach(actor) not in scoping.FULL_RECORD:
        raise NotFound("case not found in scope")  # departments see their measures' rows only
    case = scoping.get(actor, Case, case_id)
    audit.record(actor, "read", "case", case.id, "full record")
    return case


def events_of(case: Case, *, with_evidence: bool = False) -> list[CaseEvent]:
    """The case's history, oldest first, with who took each step (for a case already read
    through ``read_case``), and the files of each step when asked: a query per kind of thing,
    never one per event."""
    options = [selectinload(CaseEvent.actor)] + ([selectinload(CaseEvent.evidence)] if with_evidence else [])
    query = (select(CaseEvent).where(CaseEvent.case_id == case.id).options(*options)
             .order_by(CaseEvent.id))
    return list(db.session.execute(query).scalars())


def page_in_scope(actor: User, page: int, per_page: int) -> tuple[list[Case], int]:
    """(cases, total): one page of the cases in the actor's scope, by id."""
    query = scoping.cases(actor)
    total = db.session.execute(query.with_only_columns(func.count(Case.id)).order_by(None)).scalar_one()
    rows = db.session.execute(query.order_by(Case.id).limit(per_page).offset((page - 1) * per_page)).scalars()
    return list(rows), total


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
    add_event(case, actor, None, case.state_enum, case.state_enum, StepInput(),
               {"matched_household": household.id})
    audit.record(actor, "update", "case", case.id, "fields=household")
    return case


def preview(actor: User, case: Case, action: Action, *, today: date) -> tuple[str, ...]:
    """Why ``action`` is blocked for this actor now, from facts already on record.

    Everything a form supplies (a reason, a signature, dates, a category, the papers) is
    assumed filled in, so the reasons left are the ones the person cannot fix by typing: the
    notice has not run its days, the household is not yet eligible for elimination, someone
    else must take the step. Empty: the step is open, subject to what the form says.
    """
    optimistic = StepInput(
        reason="-", signed=True, review={"date": today.isoformat(), "participants": "-"},
        notice_start=case.notice_start or today, notice_end=today,
        category=MonitoringCategory.MARGINAL.value,
        risk_types=tuple(case.risk_types) or (RiskType.OTHER.value,),
        assignee_id=0, target_case_id=0, household_signed=True, phone_survey_done=True,
        onsite_check_done=True,
        evidence=[Evidence(k.label, b"", "", k.value) for k in ELIMINATION_PAPERS])
    if action in (Action.REASSIGN_VERIFIER, Action.ASSIGN_PAIR_CADRE):
        optimistic = replace(optimistic, assignee_id=-1)
    decision = decide(case.state_enum, action, actor.role_enum,
                      _context(actor, case, action, optimistic, today))
    return decision.reasons


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
        actor_id=actor.id, actor_role=actor.role, today=today, urgent=case.urgent,
        green_channel_started=case.green_channel_at is not None,
        assigned_verifier_id=case.verifier_id, original_verifier_id=case.original_verifier_id,
        original_verifier_active=original_verifier_available(case),
        pair_cadre_id=case.pair_cadre_id, assignee_id=step.assignee_id,
        target_case_id=step.target_case_id, reason=step.reason.strip(), signed=step.signed,
        review_recorded=bool(step.review.get("date") and step.review.get("participants")),
        notice_start=step.notice_start or case.notice_start,
        notice_end=step.notice_end, notice_min_days=policy.notice_min_days,
        category=step.category, risk_types=tuple(step.risk_types),
        plan_problems=tuple(step.plan_problems), elimination_blockers=blockers,
        from_quarterly_evaluation=(action is Action.PROPOSE_ELIMINATION
                                   and case_facts.proposed_at_evaluation(case)),
        household_signed=step.household_signed,
        papers_missing=(case_facts.papers_missing(case, step)
                        if action is Action.ELIM_TOWNSHIP_APPROVE else ()),
        phone_survey_done=step.phone_survey_done, doubts_remain=step.doubts_remain,
        onsite_check_done=step.onsite_check_done,
        already_recorded=case.national_recorded_at is not None,
        assessed_out_of_scope=_out_of_scope(case, action, step, today),
        review_open=action in (Action.REVIEW_UPHOLD, Action.REVIEW_REOPEN) and case_facts.review_open(case),
    )


def _out_of_scope(case: Case, action: Action, step: StepInput, today: date) -> bool:
    """For the county's confirmation: the measurement finds no reason to monitor the household
    (a 突发严重困难户 category counts as the sudden-hardship reason)."""
    if action is not Action.COUNTY_CONFIRM:
        return False
    found = case_facts.assessment(case, today, sudden_hardship=step.category == MonitoringCategory.SUDDEN_HARDSHIP.value)
    return found is not None and not found.in_scope


def _elimination_facts(case: Case, step: StepInput, today: date) -> EliminationFacts:
    household = case.household
    without_labour = False
    incomes: tuple = ()
    if household is not None:
        without_labour = whole_household_without_labour(household.members)  # present members
        incomes = income_years(household)
    return EliminationFacts(
        monitored_since=case.identified_on, incomes=incomes,
        lines=settings.monitoring_lines_for(household.region) if incomes else {},
        whole_household_without_labour=without_labour, natural=step.natural_elimination,
        unfinished_measures=plan_state.unfinished(case),
        guarantees_secure=step.guarantees_secure, rigid_spending_resolved=step.rigid_spending_resolved)


def elimination_facts(case: Case, today: date, *, natural: bool = False) -> EliminationFacts:
    """The recorded facts elimination is judged on (for the case page's conditions panel)."""
    return _elimination_facts(case, StepInput(natural_elimination=natural), today)


def original_verifier_available(case: Case) -> bool:
    """The verifier at identification can still do the elimination visit: account active and
    still covering the household's area (not moved to another village)."""
    # By id: the relationship may still hold what it was before VERIFY set the id.
    person = db.session.get(User, case.original_verifier_id) if case.original_verifier_id else None
    return bool(person and person.active
                and (person.region.contains(case.region) or case.region.contains(person.region)))


def _set_deadline(case: Case) -> None:
    policy = settings.policy_for(case.region)
    dates = CaseDates(clue_date=case.clue_date, identified_on=case.identified_on,
                      paired_on=case.paired_on, monitored_since=case.identified_on,
                      last_evaluation_on=case.last_evaluation_on, notice_start=case.notice_start,
                      eliminated_on=case.eliminated_on, lookback_on=case.lookback_on)
    deadline = current_deadline(case.state_enum, dates, policy)
    if (deadline is not None and deadline.kind is DeadlineKind.IDENTIFICATION and case.due_date is not None
            and case.deadline_kind == DeadlineKind.IDENTIFICATION.value):
        # The identification clock runs across verification, review and notice: a clock already
        # running keeps its date, and a changed setting counts only for clocks started after it.
        return
    case.due_date = deadline.due if deadline else None
    case.deadline_kind = deadline.kind.value if deadline else None
