"""Help plans (帮扶计划): measures chosen from the county library, checked against the rules.

Making or revising a plan: the chosen measures are checked with ``domain.helpplan``; the
problems go to the workflow as ``plan_problems``, so a plan that breaks a rule is refused like
any other blocked step, and nothing is written. Revising cancels the measures taken out and
adds the new ones: what was planned stays on record. A measure already done cannot be taken
out of the plan, and one taken out needs a written reason (the plan's comment, kept on the
event and in the measure's note): a cancelled measure counts as finished for the elimination
rules (``domain.measures``), so its reason answers for it.

Green channel (seed 000): while identification runs, village or township staff may start
measures at once (先行帮扶); they become part of the plan made after inclusion.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from core.extensions import db
from domain.case_states import Action
from domain.enums import LabourCapacity, MeasureStatus, Role
from domain.helpplan import PlanCheck, PlannedMeasure, check_plan
from domain.workflow import Decision, TransitionRefused
from models import Case, Measure, PlanMeasure, User
from services.accounts import scoping
from services.errors import ValidationFailed
from services.help import measures
from services.notifications import notify
from services.platform import audit
from services.workflow import cases
from services.workflow.case_events import StepInput

PLAN_ACTIONS = (Action.MAKE_HELP_PLAN, Action.REVISE_HELP_PLAN)
EARLY_ROLES = (Role.VILLAGE_STAFF.value, Role.TOWNSHIP_STAFF.value)


@dataclass(frozen=True)
class PlanChoice:
    measure_id: int
    due_on: date | None = None


@dataclass(frozen=True)
class HouseholdFacts:
    """What the plan rules need to know about the household."""

    labour: tuple[str, ...]
    risk_types: tuple[str, ...]
    lacks_toilet: bool | None  # None: not checked yet
    size: int
    workers: int


def facts(case: Case) -> HouseholdFacts:
    household = case.household
    members = household.members if household is not None else []
    labour = tuple(m.labour_capacity for m in members)
    toilet = household.sanitary_toilet if household is not None else None
    risks = tuple(case.risk_types or (household.risk_types if household is not None else ()))
    return HouseholdFacts(labour=labour, risk_types=risks,
                          lacks_toilet=None if toilet is None else not toilet, size=len(members),
                          workers=sum(1 for c in labour if LabourCapacity(c).can_work))


def current(case: Case) -> list[PlanMeasure]:
    """The plan as it stands: measures not cancelled, in plan order."""
    query = (select(PlanMeasure).where(PlanMeasure.case_id == case.id,
                                       PlanMeasure.status != MeasureStatus.CANCELLED.value)
             .order_by(PlanMeasure.position, PlanMeasure.id))
    return list(db.session.execute(query).scalars())


def history(case: Case) -> list[PlanMeasure]:
    """Every measure ever planned for the case, cancelled ones included."""
    query = select(PlanMeasure).where(PlanMeasure.case_id == case.id).order_by(PlanMeasure.id)
    return list(db.session.execute(query).scalars())


def planned(measure: Measure) -> PlannedMeasure:
    return PlannedMeasure(measure.name, measure.kind, tuple(measure.risk_types), measure.toilet_upgrade)


def check(case: Case, chosen: list[Measure]) -> PlanCheck:
    """The rule check of ``chosen`` (in plan order) for this case's household."""
    f = facts(case)
    return check_plan(f.labour, f.risk_types, f.lacks_toilet, [planned(m) for m in chosen])


def library_for(case: Case) -> dict[int, Measure]:
    county = measures.county_of(case.region)
    return {m.id: m for m in measures.measures_of(county)}


def resolve(case: Case, ids: list[int]) -> list[Measure]:
    """The library measures behind ``ids``, in that order; unknown ids are left out (for the
    on-screen check, which runs on whatever was ticked)."""
    library = library_for(case)
    return [library[i] for i in dict.fromkeys(ids) if i in library]


def _choose(case: Case, choices: list[PlanChoice], rows: dict[int, PlanMeasure], today: date,
            *, adding: bool = False) -> list[tuple[PlanChoice, Measure]]:
    """Validate the chosen measures: from this county's library, active unless already in the
    plan, chosen once, a due date not in the past; a whole plan keeps its done measures,
    while measures ``adding`` to it must be at least one."""
    library = library_for(case)
    errors: dict[str, str] = {}
    chosen: list[tuple[PlanChoice, Measure]] = []
    seen: set[int] = set()
    for choice in choices:
        measure = library.get(choice.measure_id)
        if choice.measure_id in seen:
            continue
        seen.add(choice.measure_id)
        if measure is None:
            errors["measure_id"] = "所选措施不在本县帮扶措施库中"
            continue
        row = rows.get(measure.id)
        if row is None and not measure.active:
            errors["measure_id"] = f"措施“{measure.name}”已停用，不能再选"
        unchanged_due = row is not None and row.due_on == choice.due_on
        if choice.due_on is not None and choice.due_on < today and not unchanged_due:
            errors[f"due_{measure.id}"] = "完成期限不能早于今天"
        chosen.append((choice, measure))
    dropped_done = [r.measure.name for mid, r in rows.items()
                    if mid not in seen and r.status == MeasureStatus.DONE.value]
    if dropped_done and not adding:
        errors["measure_id"] = f"已落实的措施（{'、'.join(dropped_done)}）不能从计划中取消"
    if adding and not chosen and "measure_id" not in errors:
        errors["measure_id"] = "请至少选择一项措施"
    if errors:
        raise ValidationFailed(errors)
    return chosen


def save_plan(actor: User, case_id: int, action: Action, choices: list[PlanChoice], *,
              comment: str = "", today: date) -> Case:
    """Make (制定) or revise (调整) the case's help plan; ``choices`` in plan order."""
    if action not in PLAN_ACTIONS:
        raise ValueError(f"not a plan action: {action}")
    case = scoping.get(actor, Case, case_id)
    cases.check(actor, case, action, StepInput(), today=today)  # wrong role or state: refused first
    rows = {r.measure_id: r for r in current(case)}
    chosen = _choose(case, choices, rows, today)
    added = [m for _, m in chosen if m.id not in rows]
    kept = {m.id for _, m in chosen}
    cancelled = [r for mid, r in rows.items() if mid not in kept]
    moved_dates = [m for c, m in chosen if m.id in rows and rows[m.id].due_on != c.due_on
                   and rows[m.id].status != MeasureStatus.DONE.value]
    if action is Action.REVISE_HELP_PLAN and not (added or cancelled or moved_dates):
        raise ValidationFailed({"measure_id": "帮扶计划没有变化：请增减措施或修改完成期限"})
    if cancelled and not comment.strip():  # a cancelled measure counts as finished: say why
        names = "、".join(r.measure.name for r in cancelled)
        raise ValidationFailed({"comment": f"取消措施（{names}）须写明理由"})
    result = check(case, [m for _, m in chosen])
    step = StepInput(comment=comment, plan_problems=result.problem_texts,
                     data=_event_data(chosen, added, cancelled, result))
    cases.check(actor, case, action, step, today=today)  # a plan that breaks a rule: nothing written
    new_rows: list[PlanMeasure] = []
    for position, (choice, measure) in enumerate(chosen):
        row = rows.get(measure.id)
        if row is None:
            new_rows.append(PlanMeasure(
                case=case, measure=measure, position=position, department=measure.department,
                status=MeasureStatus.PLANNED.value, planned_on=today, due_on=choice.due_on,
                created_by=actor, updated_by=actor))
            db.session.add(new_rows[-1])
            continue
        row.position = position
        if row.status != MeasureStatus.DONE.value and row.due_on != choice.due_on:
            row.due_on = choice.due_on
            row.updated_by = actor
    for row in cancelled:
        row.status = MeasureStatus.CANCELLED.value
        row.updated_by = actor
        entry = f"{today.isoformat()} {actor.full_name}：从帮扶计划中取消，理由：{comment.strip()}"
        row.note = f"{row.note}\n{entry}" if row.note else entry
    db.session.flush()
    cases.perform(actor, case.id, action, step, today=today)
    audit.record(actor, "update", "help_plan", case.id,
                 f"measures={len(chosen)} added={len(added)} cancelled={len(cancelled)}")
    notify.measures_handed_over(new_rows)
    return case


def _event_data(chosen, added: list[Measure], cancelled: list[PlanMeasure], result: PlanCheck) -> dict:
    """Measure names and rule warnings for the case's timeline (no personal data)."""
    notes = [f"帮扶措施：{'、'.join(m.name for _, m in chosen)}"]
    if cancelled:
        notes.append(f"取消：{'、'.join(r.measure.name for r in cancelled)}")
    if added and len(added) != len(chosen):
        notes.append(f"新增：{'、'.join(m.name for m in added)}")
    notes += [f"提示：{w.text}" for w in result.warnings]
    return {"notes": notes, "plan": {"measures": [m.id for _, m in chosen],
                                     "added": [m.id for m in added],
                                     "cancelled": [r.measure_id for r in cancelled]}}


# --- green channel: help before inclusion ------------------------------------------------

def may_start_early(actor: User, case: Case) -> bool:
    return (actor.role in EARLY_ROLES and case.green_channel_at is not None
            and case.state_enum.in_identification)


def _refuse(reason: str) -> TransitionRefused:
    return TransitionRefused(Decision(False, None, (reason,)))


def start_early(actor: User, case_id: int, choices: list[PlanChoice], *, today: date) -> list[PlanMeasure]:
    """先行帮扶: measures started at once for a green-channel case still being identified."""
    case = scoping.get(actor, Case, case_id)
    if actor.role not in EARLY_ROLES:
        raise _refuse("先行帮扶措施须由村级工作人员或乡镇工作人员安排")
    if case.green_channel_at is None or not case.state_enum.in_identification:
        raise _refuse("只有已启动绿色通道、仍在识别中的线索才能先行安排帮扶措施")
    if case.household is None:
        raise _refuse("请先把线索关联到农户，再安排帮扶措施")
    rows = {r.measure_id: r for r in current(case)}
    chosen = [(c, m) for c, m in _choose(case, choices, rows, today, adding=True) if m.id not in rows]
    if not chosen:
        raise ValidationFailed({"measure_id": "所选措施已在先行帮扶中"})
    start = max((r.position for r in rows.values()), default=-1) + 1
    made = []
    for offset, (choice, measure) in enumerate(chosen):
        row = PlanMeasure(case=case, measure=measure, position=start + offset,
                          department=measure.department, status=MeasureStatus.PLANNED.value,
                          planned_on=today, due_on=choice.due_on, created_by=actor, updated_by=actor)
        db.session.add(row)
        made.append(row)
    db.session.flush()
    audit.record(actor, "create", "help_plan", case.id, f"green channel measures={len(made)}")
    notify.measures_handed_over(made)
    return made
