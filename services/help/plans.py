"""Help plans (帮扶计划): measures chosen from the county library, checked against the rules.

Making or revising a plan: the chosen measures are checked with ``domain.helpplan``; the
problems go to the workflow as ``plan_problems``, so a plan that breaks a rule is refused like
any other blocked step, and nothing is written. Revising cancels the measures taken out and
adds the new ones: what was planned stays on record. A measure already done cannot be taken
out of the plan, and one taken out needs a written reason (the plan's comment, kept on the
event and in the measure's note): a cancelled measure counts as finished for the elimination
rules (``domain.measures``), so its reason answers for it.

临时救助 (seed 003, ``domain.relief``): a relief measure of the library (``is_temporary_relief``)
records its amount and kind (急难型/支出型) when planned; the year's urban monthly 低保 standard of
the case's region tells who approves (township within 3 ×, county above), and a 急难型 amount
below 8 × for a household of 2 or more is refused beside its field, with the rule quoted.

Who made the plan and the household's will to develop (seed 000 "共同商议"): given with the
plan (``makers`` at least two, the village committee among them; ``development_will``), kept on
the case, and the will decides whether the 开发式 rule applies. Left out (None), the case keeps
what it had: the plan forms always give them.

Green channel (seed 000): while identification runs, village or township staff may start
measures at once (先行帮扶); they become part of the plan made after inclusion.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Sequence

from sqlalchemy import select

from core.extensions import db
from domain.case_states import Action
from domain.enums import LabourCapacity, MeasureStatus, Role
from domain import relief as relief_rule
from domain.helpplan import PlanCheck, PlanMaker, PlannedMeasure, check_makers, check_plan, makers_words
from domain.eligibility import format_yuan
from domain.relief import ReliefCheck, ReliefKind
from domain.workflow import NOT_MET, WRONG_ROLE, WRONG_STATE, Decision, TransitionRefused
from models import Case, Measure, PlanMeasure, User
from services.accounts import scoping
from services.errors import ValidationFailed
from services.help import measures
from services.notifications import notify
from services.platform import audit
from services.regions import settings
from services.workflow import cases
from services.workflow.case_events import StepInput

PLAN_ACTIONS = (Action.MAKE_HELP_PLAN, Action.REVISE_HELP_PLAN)
PlanMakerCodes = PlanMaker.codes()
EARLY_ROLES = (Role.VILLAGE_STAFF.value, Role.TOWNSHIP_STAFF.value)


@dataclass(frozen=True)
class PlanChoice:
    measure_id: int
    due_on: date | None = None
    amount: Decimal | None = None      # 临时救助 only: yuan
    relief_kind: str | None = None     # 临时救助 only: ReliefKind code


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


def check(case: Case, chosen: list[Measure], development_will: bool | None = None, *,
          will_given: bool = False) -> PlanCheck:
    """The rule check of ``chosen`` (in plan order) for this case's household; the will to
    develop is the case's unless ``will_given``."""
    f = facts(case)
    will = development_will if will_given else case.development_will
    return check_plan(f.labour, f.risk_types, f.lacks_toilet, [planned(m) for m in chosen], will)


def household_size(case: Case) -> int:
    """The members registered, or the size reported with the clue; 0 when unknown."""
    return facts(case).size or case.reported_household_size or 0


def urban_standards(case: Case) -> dict[int, Decimal]:
    return {year: figures.urban_monthly for year, figures in settings.dibao_standards_for(case.region).items()}


def relief_check(case: Case, amount: Decimal, kind: str, year: int) -> ReliefCheck:
    """Seed 003's check of a relief amount for this case in ``year``."""
    return relief_rule.check_relief(amount, kind, household_size(case), urban_standards(case), year)


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
        if measure.is_temporary_relief and (row is None or row.status != MeasureStatus.DONE.value):
            errors.update(_relief_errors(case, measure, choice, today))
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


def relief_words(pm: PlanMeasure) -> str:
    """A planned relief measure as the plan panel and 部门任务 show it: kind, amount, who approves."""
    if pm.amount is None or pm.relief_kind is None:
        return ""
    result = relief_check(pm.case, Decimal(pm.amount), pm.relief_kind, pm.planned_on.year)
    return relief_text(pm, result)


def relief_text(pm: PlanMeasure, result) -> str:
    """The words of a relief measure once its check (``domain.relief.check_relief``) is known."""
    approver = result.approver.label if result.approver is not None else "审批层级待定（未设置城市月低保标准）"
    return f"{ReliefKind(pm.relief_kind).label}临时救助 {format_yuan(Decimal(pm.amount))}元，{approver}"


def _relief_errors(case: Case, measure: Measure, choice: PlanChoice, today: date) -> dict[str, str]:
    """A relief measure's amount and kind: both required, and seed 003's minimum."""
    errors: dict[str, str] = {}
    if choice.relief_kind not in ReliefKind.codes():
        errors[f"relief_kind_{measure.id}"] = f"请选择“{measure.name}”的救助类型（急难型或支出型）"
    if choice.amount is None:
        errors[f"amount_{measure.id}"] = f"请填写“{measure.name}”的金额（元）"
    elif not Decimal(0) < choice.amount <= relief_rule.MAX_AMOUNT:
        errors[f"amount_{measure.id}"] = "临时救助金额应大于0且不超过10,000,000元"
    if errors:
        return errors
    result = relief_check(case, choice.amount, choice.relief_kind, today.year)
    if result.refusal:
        errors[f"amount_{measure.id}"] = f"{result.refusal}（依据：{relief_rule.RULE}）"
    return errors


def _makers(makers: Sequence[str] | None, development_will: bool | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if makers is not None:
        try:
            missing = check_makers(makers)
        except ValueError:
            missing = "所选的共同商议方无效，请重新选择"
        if missing:
            errors["plan_makers"] = missing
    return errors


def save_plan(actor: User, case_id: int, action: Action, choices: list[PlanChoice], *,
              comment: str = "", today: date, makers: Sequence[str] | None = None,
              development_will: bool | None = None, will_given: bool = False) -> Case:
    """Make (制定) or revise (调整) the case's help plan; ``choices`` in plan order.

    ``makers``: who made it together (PlanMaker codes; None keeps the case's); the will to
    develop is recorded when ``will_given`` (the forms always give both)."""
    if action not in PLAN_ACTIONS:
        raise ValueError(f"not a plan action: {action}")
    case = scoping.get(actor, Case, case_id)
    cases.check(actor, case, action, StepInput(), today=today)  # wrong role or state: refused first
    rows = {r.measure_id: r for r in current(case)}
    maker_errors = _makers(makers, development_will)
    try:
        chosen = _choose(case, choices, rows, today)
    except ValidationFailed as exc:
        raise ValidationFailed({**maker_errors, **exc.fields})
    if maker_errors:
        raise ValidationFailed(maker_errors)
    will = development_will if will_given else case.development_will
    added = [m for _, m in chosen if m.id not in rows]
    kept = {m.id for _, m in chosen}
    cancelled = [r for mid, r in rows.items() if mid not in kept]
    moved_dates = [m for c, m in chosen if m.id in rows and rows[m.id].due_on != c.due_on
                   and rows[m.id].status != MeasureStatus.DONE.value]
    relief_moved = [m for c, m in chosen if m.id in rows and m.is_temporary_relief
                    and rows[m.id].status != MeasureStatus.DONE.value
                    and (rows[m.id].amount, rows[m.id].relief_kind) != (c.amount, c.relief_kind)]
    plan_facts_moved = ((makers is not None and sorted(set(makers)) != sorted(case.plan_makers or []))
                        or (will_given and development_will != case.development_will))
    if action is Action.REVISE_HELP_PLAN and not (added or cancelled or moved_dates or relief_moved
                                                  or plan_facts_moved):
        raise ValidationFailed({"measure_id": "帮扶计划没有变化：请增减措施或修改完成期限"})
    if cancelled and not comment.strip():  # a cancelled measure counts as finished: say why
        names = "、".join(r.measure.name for r in cancelled)
        raise ValidationFailed({"comment": f"取消措施（{names}）须写明理由"})
    result = check(case, [m for _, m in chosen], will, will_given=True)
    step = StepInput(comment=comment, plan_problems=result.problem_texts,
                     data=_event_data(chosen, added, cancelled, result, makers, will if will_given else None))
    cases.check(actor, case, action, step, today=today)  # a plan that breaks a rule: nothing written
    new_rows: list[PlanMeasure] = []
    for position, (choice, measure) in enumerate(chosen):
        row = rows.get(measure.id)
        if row is None:
            new_rows.append(PlanMeasure(
                case=case, measure=measure, position=position, department=measure.department,
                status=MeasureStatus.PLANNED.value, planned_on=today, due_on=choice.due_on,
                created_by=actor, updated_by=actor, **_relief_values(measure, choice)))
            db.session.add(new_rows[-1])
            continue
        row.position = position
        if measure in relief_moved:
            row.amount, row.relief_kind = choice.amount, choice.relief_kind
            row.updated_by = actor
        if row.status != MeasureStatus.DONE.value and row.due_on != choice.due_on:
            row.due_on = choice.due_on
            row.updated_by = actor
    for row in cancelled:
        row.status = MeasureStatus.CANCELLED.value
        row.updated_by = actor
        entry = f"{today.isoformat()} {actor.full_name}：从帮扶计划中取消，理由：{comment.strip()}"
        row.note = f"{row.note}\n{entry}" if row.note else entry
    if makers is not None:
        case.plan_makers = [c for c in PlanMakerCodes if c in set(makers)]
    if will_given:
        case.development_will = development_will
    db.session.flush()
    cases.perform(actor, case.id, action, step, today=today)
    audit.record(actor, "update", "help_plan", case.id,
                 f"measures={len(chosen)} added={len(added)} cancelled={len(cancelled)}")
    notify.measures_handed_over(new_rows)
    return case


def _relief_values(measure: Measure, choice: PlanChoice) -> dict:
    if not measure.is_temporary_relief:
        return {}
    return {"amount": choice.amount, "relief_kind": choice.relief_kind}


def _event_data(chosen, added: list[Measure], cancelled: list[PlanMeasure], result: PlanCheck,
                makers: Sequence[str] | None = None, will: bool | None = None) -> dict:
    """Measure names and rule warnings for the case's timeline (no personal data: the relief
    amount stays on the measure)."""
    notes = [f"帮扶措施：{'、'.join(m.name for _, m in chosen)}"]
    if cancelled:
        notes.append(f"取消：{'、'.join(r.measure.name for r in cancelled)}")
    if added and len(added) != len(chosen):
        notes.append(f"新增：{'、'.join(m.name for m in added)}")
    notes += [f"提示：{w.text}" for w in result.warnings]
    if makers:
        notes.append(f"共同商议：{makers_words(makers)}")
    if will is not None:
        notes.append(f"发展意愿：{'有' if will else '无'}（开发式措施要求{result.development_words}）")
    return {"notes": notes, "plan": {"measures": [m.id for _, m in chosen],
                                     "added": [m.id for m in added],
                                     "cancelled": [r.measure_id for r in cancelled]}}


# --- green channel: help before inclusion ------------------------------------------------

def may_start_early(actor: User, case: Case) -> bool:
    return (actor.role in EARLY_ROLES and case.green_channel_at is not None
            and case.state_enum.in_identification)


def _refuse(reason: str, kind: str = NOT_MET) -> TransitionRefused:
    return TransitionRefused(Decision(False, None, (reason,), kind))


def ensure_early(actor: User, case: Case) -> None:
    """Refuse (409) 先行帮扶 to another role or on a case that does not allow it, before any input."""
    if actor.role not in EARLY_ROLES:
        raise _refuse("先行帮扶措施须由村级工作人员或乡镇工作人员安排", WRONG_ROLE)
    if case.green_channel_at is None or not case.state_enum.in_identification:
        raise _refuse("只有已启动绿色通道、仍在识别中的线索才能先行安排帮扶措施", WRONG_STATE)
    if case.household is None:
        raise _refuse("请先把线索关联到农户，再安排帮扶措施")


def start_early(actor: User, case_id: int, choices: list[PlanChoice], *, today: date) -> list[PlanMeasure]:
    """先行帮扶: measures started at once for a green-channel case still being identified."""
    case = scoping.get(actor, Case, case_id)
    ensure_early(actor, case)
    rows = {r.measure_id: r for r in current(case)}
    chosen = [(c, m) for c, m in _choose(case, choices, rows, today, adding=True) if m.id not in rows]
    if not chosen:
        raise ValidationFailed({"measure_id": "所选措施已在先行帮扶中"})
    start = max((r.position for r in rows.values()), default=-1) + 1
    made = []
    for offset, (choice, measure) in enumerate(chosen):
        row = PlanMeasure(case=case, measure=measure, position=start + offset,
                          department=measure.department, status=MeasureStatus.PLANNED.value,
                          planned_on=today, due_on=choice.due_on, created_by=actor, updated_by=actor,
                          **_relief_values(measure, choice))
        db.session.add(row)
        made.append(row)
    db.session.flush()
    audit.record(actor, "create", "help_plan", case.id, f"green channel measures={len(made)}")
    notify.measures_handed_over(made)
    return made
