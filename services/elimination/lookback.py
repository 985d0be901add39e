"""Look-back (回头看, seed 004) on households whose risk was eliminated.

An eliminated case carries the look-back deadline (eliminated on + ``lookback_months``,
``domain.deadlines``). The list shows those due or overdue first and those not yet due apart;
the re-check ends in one of three outcomes, each a workflow step: stable (the deadline is
cleared), revert to helping (unstable), or identify again from 已受理 (a new risk).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import selectinload

from core.extensions import db
from domain.deadlines import LOOKBACK_SOON_DAYS, DeadlineKind
from domain.enums import RiskType
from domain.workflow import Action, CaseState
from models import Case, Household, Region, User
from services.accounts import scoping
from services.elimination.procedure import DESK_ROLES, ensure_turn
from services.errors import PermissionDenied, ValidationFailed
from services.workflow import cases
from services.workflow.case_events import Evidence, StepInput

SOON_DAYS = LOOKBACK_SOON_DAYS  # the policy number lives in domain.deadlines


@dataclass(frozen=True)
class LookbackRow:
    case_id: int
    village: str
    head: str
    id_number: str  # masked
    eliminated_on: str
    due: str
    days_left: int
    overdue: bool
    soon: bool


@dataclass(frozen=True)
class LookbackLists:
    due: list[LookbackRow]  # overdue or due within SOON_DAYS, most urgent first
    later: list[LookbackRow]  # not yet due
    soon_days: int


def due_list(actor: User, today: date) -> LookbackLists:
    """Eliminated cases in scope still waiting for their look-back, most urgent first."""
    if actor.role not in DESK_ROLES:
        raise PermissionDenied("回头看清单供村、乡镇、县级工作人员使用")
    query = (scoping.cases(actor)
             .where(Case.state == CaseState.ELIMINATED.value,
                    Case.deadline_kind == DeadlineKind.LOOKBACK.value, Case.due_date.is_not(None))
             .options(selectinload(Case.household).selectinload(Household.members),
                      selectinload(Case.region).selectinload(Region.parent))
             .order_by(Case.due_date, Case.id))
    due, later = [], []
    horizon = today + timedelta(days=SOON_DAYS)
    for case in db.session.execute(query).scalars():
        household = case.household
        head = household.head if household else None
        row = LookbackRow(
            case_id=case.id, village=case.region.village.name, head=head.name if head else "",
            id_number=head.id_number_masked if head else "",
            eliminated_on=case.eliminated_on.isoformat() if case.eliminated_on else "",
            due=case.due_date.isoformat(), days_left=(case.due_date - today).days,
            overdue=today > case.due_date, soon=today <= case.due_date <= horizon)
        (due if case.due_date <= horizon else later).append(row)
    return LookbackLists(due, later, SOON_DAYS)


def _load(actor: User, case_id: int, action: Action) -> Case:
    case = scoping.get(actor, Case, case_id)
    ensure_turn(actor, case, action)
    return case


def stable(actor: User, case_id: int, *, findings: str, confirmed: bool, evidence: list[Evidence] = (),
           today: date) -> Case:
    """The re-check found income stable and no new risk: the look-back is done."""
    _load(actor, case_id, Action.LOOKBACK_STABLE)
    errors = {}
    if not findings.strip():
        errors["findings"] = "请填写回头看情况"
    if not confirmed:
        errors["confirmed"] = "请确认收入稳定、未发现新的风险；否则请选择回退或重新识别"
    if errors:
        raise ValidationFailed(errors)
    step = StepInput(comment=f"回头看情况：{findings.strip()}", evidence=list(evidence),
                     data={"notes": ["回头看：收入稳定，未发现新的风险"]})
    return cases.perform(actor, case_id, Action.LOOKBACK_STABLE, step, today=today)


def revert(actor: User, case_id: int, *, reason: str, today: date) -> Case:
    """Unstable after elimination: back to helping (回退)."""
    _load(actor, case_id, Action.LOOKBACK_REVERT)
    if not reason.strip():
        raise ValidationFailed({"reason": "请填写回退理由"})
    return cases.perform(actor, case_id, Action.LOOKBACK_REVERT, StepInput(reason=reason), today=today)


def reidentify(actor: User, case_id: int, *, reason: str, risk_types: tuple[str, ...], today: date) -> Case:
    """A new risk: the case starts identification again at 已受理, with a new 15-day clock."""
    _load(actor, case_id, Action.REIDENTIFY)
    errors = {}
    if not reason.strip():
        errors["reason"] = "请填写新发现的风险情况"
    if not risk_types:
        errors["risk_types"] = "请至少选择一项新的风险类型"
    elif any(code not in RiskType.codes() for code in risk_types):
        errors["risk_types"] = "风险类型无效"
    if errors:
        raise ValidationFailed(errors)
    step = StepInput(reason=reason, risk_types=tuple(risk_types))
    return cases.perform(actor, case_id, Action.REIDENTIFY, step, today=today)
