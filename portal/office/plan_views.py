"""Plain view models for the help plan on the case page: the plan panel, the measure picker of
the plan steps and of 先行帮扶, and the rule check explained. Templates only loop over these."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.case_states import CaseState
from domain.enums import HelpKind, MeasureStatus, RiskType
from domain.helpplan import PlanCheck
from models import Case, Measure, PlanMeasure, User
from services.help import measure_tasks, measures, plans


@dataclass(frozen=True)
class FindingView:
    text: str
    rule: str


@dataclass(frozen=True)
class CheckView:
    ok: bool
    problems: list[FindingView]
    warnings: list[FindingView]


@dataclass(frozen=True)
class FactsView:
    members: int
    workers: int
    labour: str
    toilet: str
    risks: str


@dataclass(frozen=True)
class PlanRow:
    id: int
    name: str
    kind: str
    department: str
    status: str
    status_code: str
    planned_on: str
    due_on: str
    done_on: str
    overdue: bool
    may_update: bool


@dataclass(frozen=True)
class Choice:
    id: int
    name: str
    risks: str
    department: str
    targets_case: bool      # answers one of the case's risk types
    checked: bool
    locked: bool            # already done: stays in the plan
    due: str
    status: str             # status in the current plan, "" when not in it
    toilet_upgrade: bool
    inactive: bool


@dataclass(frozen=True)
class ChoiceGroup:
    kind: str
    label: str
    choices: list[Choice]


@dataclass(frozen=True)
class PlanForm:
    groups: list[ChoiceGroup]
    facts: FactsView
    check: CheckView


@dataclass(frozen=True)
class PlanPanel:
    rows: list[PlanRow]
    cancelled: list[PlanRow]
    check: CheckView | None
    facts: FactsView
    early: PlanForm | None  # the 先行帮扶 picker, for green-channel cases in identification


def check_view(result: PlanCheck) -> CheckView:
    return CheckView(ok=result.ok, problems=[FindingView(f.text, f.rule) for f in result.problems],
                     warnings=[FindingView(f.text, f.rule) for f in result.warnings])


def facts_view(case: Case) -> FactsView:
    f = plans.facts(case)
    if not f.size:
        labour = "未登记家庭成员"
    elif f.workers:
        labour = f"有劳动能力（含弱劳动力、半劳动力）{f.workers}人，共{f.size}人：须有开发式措施"
    else:
        labour = f"整户无劳动能力（共{f.size}人）：须有保障式措施"
    toilet = {None: "未登记（请核实）", True: "没有卫生厕所：须先安排户厕改造",
              False: "有卫生厕所"}[f.lacks_toilet]
    risks = "、".join(RiskType(r).label for r in f.risk_types) or "未登记"
    return FactsView(f.size, f.workers, labour, toilet, risks)


def _plan_row(actor: User, pm: PlanMeasure, today: date) -> PlanRow:
    task = measure_tasks.row(pm, today)
    return PlanRow(id=pm.id, name=task.measure, kind=task.kind, department=task.department,
                   status=task.status, status_code=task.status_code, planned_on=task.planned_on,
                   due_on=task.due_on, done_on=task.done_on, overdue=task.overdue,
                   may_update=measure_tasks.may_update(actor, pm))


def _show_panel(case: Case, has_rows: bool) -> bool:
    state = case.state_enum
    early = case.green_channel_at is not None and state.in_identification
    return has_rows or early or (state.is_monitored and state not in (CaseState.MONITORED, CaseState.PAIRED))


def panel(actor: User, case: Case, today: date, posted: tuple[list[int], dict[int, str]] | None = None
          ) -> PlanPanel | None:
    every = plans.history(case)
    if not _show_panel(case, bool(every)):
        return None
    current = [pm for pm in every if pm.status != MeasureStatus.CANCELLED.value]
    current.sort(key=lambda pm: (pm.position, pm.id))
    rows = [_plan_row(actor, pm, today) for pm in current]
    cancelled = [_plan_row(actor, pm, today) for pm in every if pm.status == MeasureStatus.CANCELLED.value]
    result = check_view(plans.check(case, [pm.measure for pm in current])) if current else None
    early = None
    if plans.may_start_early(actor, case):
        early = picker(case, posted, early=True)
    return PlanPanel(rows, cancelled, result, facts_view(case), early)


def picker(case: Case, posted: tuple[list[int], dict[int, str]] | None, *, early: bool = False) -> PlanForm:
    """The measure picker: active library measures grouped by kind, the current plan ticked
    (or what was posted, when the page comes back with a check or an error). ``early``: the
    先行帮扶 picker, which offers only measures not yet started."""
    in_plan = {pm.measure_id: pm for pm in plans.current(case)}
    exclude = set(in_plan) if early else set()
    current = {} if early else in_plan
    if posted is not None:
        chosen_ids, dues = posted
    else:
        ordered = sorted(current.values(), key=lambda pm: (pm.position, pm.id))
        chosen_ids = [pm.measure_id for pm in ordered]
        dues = {pm.measure_id: pm.due_on.isoformat() for pm in ordered if pm.due_on}
    county = measures.county_of(case.region)
    library = [m for m in measures.measures_of(county)
               if m.id not in exclude and (m.active or m.id in current)]
    risks = set(plans.facts(case).risk_types)
    groups = {k.value: ChoiceGroup(k.value, k.label, []) for k in HelpKind}
    for m in library:
        pm = current.get(m.id)
        groups[m.kind].choices.append(_choice(m, pm, m.id in chosen_ids, dues.get(m.id, ""), risks))
    result = plans.check(case, plans.resolve(case, chosen_ids))
    return PlanForm([g for g in groups.values() if g.choices], facts_view(case), check_view(result))


def _choice(m: Measure, pm: PlanMeasure | None, checked: bool, due: str, risks: set[str]) -> Choice:
    locked = pm is not None and pm.status == MeasureStatus.DONE.value
    return Choice(
        id=m.id, name=m.name, risks="、".join(RiskType(r).label for r in m.risk_types),
        department=measures.department_label(m.department),
        targets_case=bool(risks & set(m.risk_types)), checked=checked or locked, locked=locked,
        due=due, status=pm.status_enum.label if pm is not None else "",
        toilet_upgrade=m.toilet_upgrade, inactive=not m.active)
