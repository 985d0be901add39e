"""Plain view models for the help plan on the case page: the plan panel, the measure picker of
the plan steps and of 先行帮扶, and the rule check explained. Templates only loop over these."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from core.clock import today as clock_today

from domain.case_states import CaseState
from domain.enums import HelpKind, MeasureStatus, RiskType
from domain.eligibility import format_yuan
from domain.helpplan import PlanCheck, makers_words
from domain.relief import BadAmount, ReliefKind, parse_amount
from models import Case, Measure, PlanMeasure, User
from services.help import measure_tasks, measures, plans


@dataclass(frozen=True)
class Posted:
    """What a plan form sent back: ticked ids, due dates, relief amounts and kinds as typed, the
    will to develop (None when not chosen)."""

    ids: list[int]
    dues: dict[int, str]
    amounts: dict[int, str]
    kinds: dict[int, str]
    will: bool | None = None


@dataclass(frozen=True)
class ReliefView:
    """临时救助 beside its measure: the standard used, who approves, a refusal (seed 003)."""

    standard: str
    approver: str
    refusal: str
    notes: tuple[str, ...]
    kinds: tuple[tuple[str, str], ...] = tuple(ReliefKind.choices())


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
    makers: str = ""        # who made the plan together, "" when not recorded
    will: str = ""          # 有/无发展意愿, "" when not recorded
    development: str = ""   # whether the 开发式 rule applies, and why not


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
    relief: str = ""        # 临时救助: kind, amount and who approves


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
    relief: bool = False
    amount: str = ""
    relief_kind: str = ""
    relief_view: ReliefView | None = None


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


def facts_view(case: Case, result: PlanCheck | None = None) -> FactsView:
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
    will = {None: "", True: "有发展意愿", False: "无发展意愿"}[case.development_will]
    return FactsView(f.size, f.workers, labour, toilet, risks, makers_words(case.plan_makers), will,
                     result.development_words if result is not None else "")


def relief_view(case: Case, amount_raw: str, kind: str, year: int) -> ReliefView:
    """The check shown beside a relief measure in the plan forms."""
    try:
        amount = parse_amount(amount_raw) if amount_raw.strip() else None
    except BadAmount:
        amount = None
    if amount is None or kind not in ReliefKind.codes():
        standard = plans.relief_check(case, Decimal(1), ReliefKind.EXPENSE.value, year)
        return ReliefView(standard.standard_words(), "填写金额并选择救助类型后显示", "", standard.notes)
    result = plans.relief_check(case, amount, kind, year)
    return ReliefView(result.standard_words(), result.approver_words(), result.refusal or "", result.notes)


def _plan_row(actor: User, pm: PlanMeasure, today: date) -> PlanRow:
    task = measure_tasks.row(pm, today)
    return PlanRow(id=pm.id, name=task.measure, kind=task.kind, department=task.department,
                   status=task.status, status_code=task.status_code, planned_on=task.planned_on,
                   due_on=task.due_on, done_on=task.done_on, overdue=task.overdue,
                   may_update=measure_tasks.may_update(actor, pm), relief=plans.relief_words(pm))


def _show_panel(case: Case, has_rows: bool) -> bool:
    state = case.state_enum
    early = case.green_channel_at is not None and state.in_identification
    return has_rows or early or (state.is_monitored and state not in (CaseState.MONITORED, CaseState.PAIRED))


def panel(actor: User, case: Case, today: date, posted: Posted | None = None) -> PlanPanel | None:
    every = plans.history(case)
    if not _show_panel(case, bool(every)):
        return None
    current = [pm for pm in every if pm.status != MeasureStatus.CANCELLED.value]
    current.sort(key=lambda pm: (pm.position, pm.id))
    rows = [_plan_row(actor, pm, today) for pm in current]
    cancelled = [_plan_row(actor, pm, today) for pm in every if pm.status == MeasureStatus.CANCELLED.value]
    checked = plans.check(case, [pm.measure for pm in current]) if current else None
    result = check_view(checked) if checked is not None else None
    early = None
    if plans.may_start_early(actor, case):
        early = picker(case, posted, early=True, year=today.year)
    return PlanPanel(rows, cancelled, result, facts_view(case, checked), early)


def picker(case: Case, posted: Posted | None, *, early: bool = False, year: int | None = None) -> PlanForm:
    """The measure picker: active library measures grouped by kind, the current plan ticked
    (or what was posted, when the page comes back with a check or an error). ``early``: the
    先行帮扶 picker, which offers only measures not yet started."""
    in_plan = {pm.measure_id: pm for pm in plans.current(case)}
    exclude = set(in_plan) if early else set()
    current = {} if early else in_plan
    year = year or clock_today().year
    will, will_given = case.development_will, False
    if posted is not None:
        chosen_ids, dues, amounts, kinds = posted.ids, posted.dues, posted.amounts, posted.kinds
        if posted.will is not None:
            will, will_given = posted.will, True
    else:
        ordered = sorted(current.values(), key=lambda pm: (pm.position, pm.id))
        chosen_ids = [pm.measure_id for pm in ordered]
        dues = {pm.measure_id: pm.due_on.isoformat() for pm in ordered if pm.due_on}
        amounts = {pm.measure_id: format(Decimal(pm.amount), "f") for pm in ordered if pm.amount is not None}
        kinds = {pm.measure_id: pm.relief_kind for pm in ordered if pm.relief_kind}
    county = measures.county_of(case.region)
    library = [m for m in measures.measures_of(county)
               if m.id not in exclude and (m.active or m.id in current)]
    risks = set(plans.facts(case).risk_types)
    groups = {k.value: ChoiceGroup(k.value, k.label, []) for k in HelpKind}
    for m in library:
        pm = current.get(m.id)
        choice = _choice(m, pm, m.id in chosen_ids, dues.get(m.id, ""), risks)
        if m.is_temporary_relief:
            amount, kind = str(amounts.get(m.id, "")), str(kinds.get(m.id, ""))
            choice = _with_relief(choice, amount, kind, relief_view(case, amount, kind, year))
        groups[m.kind].choices.append(choice)
    result = plans.check(case, plans.resolve(case, chosen_ids), will, will_given=True)
    return PlanForm([g for g in groups.values() if g.choices], facts_view(case, result),
                    check_view(result))


def _with_relief(c: Choice, amount: str, kind: str, view: ReliefView) -> Choice:
    return replace(c, relief=True, amount=amount, relief_kind=kind, relief_view=view)


def _choice(m: Measure, pm: PlanMeasure | None, checked: bool, due: str, risks: set[str]) -> Choice:
    locked = pm is not None and pm.status == MeasureStatus.DONE.value
    return Choice(
        id=m.id, name=m.name, risks="、".join(RiskType(r).label for r in m.risk_types),
        department=measures.department_label(m.department),
        targets_case=bool(risks & set(m.risk_types)), checked=checked or locked, locked=locked,
        due=due, status=pm.status_enum.label if pm is not None else "",
        toilet_upgrade=m.toilet_upgrade, inactive=not m.active)
