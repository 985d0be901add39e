"""Look-back (回头看, seed 004) on households whose risk was eliminated.

An eliminated case carries the look-back deadline (eliminated on + ``lookback_months``,
``domain.deadlines``). The list shows those due or overdue first and those not yet due apart;
the re-check ends in one of three outcomes, each a workflow step: stable (the deadline is
cleared), revert to helping (unstable), or identify again from 已受理 (a new risk).

Seed 004: "对风险消除不稳定和整户无劳动力的监测对象进行回退". An eliminated household whose
present members now all lack labour (``domain.members.whole_household_without_labour``) is
flagged for 回退 wherever it appears: on the due and later lists, and in a list of its own when
its look-back was already done (a member may have lost their labour since).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, exists, or_
from sqlalchemy.orm import selectinload

from core.extensions import db
from domain.deadlines import LOOKBACK_SOON_DAYS, DeadlineKind
from domain.enums import LabourCapacity, MemberStatus, RiskType
from domain.members import whole_household_without_labour
from domain.workflow import Action, CaseState
from models import Case, Household, Member, Region, User
from services.accounts import scoping
from services.elimination.procedure import DESK_ROLES, ensure_turn
from services.errors import PermissionDenied, ValidationFailed
from services.workflow import cases
from services.workflow.case_events import Evidence, StepInput

SOON_DAYS = LOOKBACK_SOON_DAYS  # the policy number lives in domain.deadlines
REVERT_RULE = "对风险消除不稳定和整户无劳动力的监测对象进行回退"


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
    without_labour: bool = False  # 整户无劳动力: to be reverted (seed 004)


@dataclass(frozen=True)
class LookbackLists:
    due: list[LookbackRow]  # overdue or due within SOON_DAYS, most urgent first
    later: list[LookbackRow]  # not yet due
    soon_days: int
    # Look-back done (or no deadline), but the whole household now lacks labour: 回退.
    without_labour: list[LookbackRow] = field(default_factory=list)
    rule: str = REVERT_RULE

    @property
    def flagged(self) -> int:
        return sum(r.without_labour for r in (*self.due, *self.later, *self.without_labour))


def _row(case: Case, today: date, horizon: date) -> LookbackRow:
    household = case.household
    head = household.head if household else None
    due = case.due_date
    return LookbackRow(
        case_id=case.id, village=case.region.village.name, head=head.name if head else "",
        id_number=head.id_number_masked if head else "",
        eliminated_on=case.eliminated_on.isoformat() if case.eliminated_on else "",
        due=due.isoformat() if due else "", days_left=(due - today).days if due else 0,
        overdue=bool(due and today > due), soon=bool(due and today <= due <= horizon),
        without_labour=bool(household and whole_household_without_labour(household.members)))


def _present_able():
    """Over Member: present and able to work (``LabourCapacity.can_work``)."""
    able = [c.value for c in LabourCapacity if c.can_work]
    return and_(Member.status == MemberStatus.PRESENT.value, Member.labour_capacity.in_(able))


def due_list(actor: User, today: date) -> LookbackLists:
    """Eliminated cases in scope still waiting for their look-back, most urgent first; and those
    whose look-back is behind them but whose whole household now lacks labour (回退)."""
    if actor.role not in DESK_ROLES:
        raise PermissionDenied("回头看清单供村、乡镇、县级工作人员使用")
    loading = (selectinload(Case.household).selectinload(Household.members),
               selectinload(Case.region).selectinload(Region.parent))
    eliminated = scoping.cases(actor).where(Case.state == CaseState.ELIMINATED.value)
    query = (eliminated.where(Case.deadline_kind == DeadlineKind.LOOKBACK.value, Case.due_date.is_not(None))
             .options(*loading).order_by(Case.due_date, Case.id))
    due, later = [], []
    horizon = today + timedelta(days=SOON_DAYS)
    for case in db.session.execute(query).scalars():
        row = _row(case, today, horizon)
        (due if case.due_date <= horizon else later).append(row)
    present = and_(Member.household_id == Household.id, Member.status == MemberStatus.PRESENT.value)
    no_labour = Case.household.has(and_(
        exists().where(present), ~exists().where(Member.household_id == Household.id, _present_able())))
    done = (eliminated.where(or_(Case.deadline_kind.is_(None), Case.deadline_kind != DeadlineKind.LOOKBACK.value,
                                 Case.due_date.is_(None)), no_labour)
            .options(*loading).order_by(Case.eliminated_on, Case.id))
    flagged = [_row(case, today, horizon) for case in db.session.execute(done).scalars()]
    return LookbackLists(due, later, SOON_DAYS, flagged)


def without_labour(case: Case) -> bool:
    """整户无劳动力 now: the household's present members all lack labour (seed 004: 回退)."""
    return case.household is not None and whole_household_without_labour(case.household.members)


def _load(actor: User, case_id: int, action: Action) -> Case:
    case = scoping.get(actor, Case, case_id)
    ensure_turn(actor, case, action)
    return case


def stable(actor: User, case_id: int, *, findings: str, confirmed: bool, evidence: list[Evidence] = (),
           today: date) -> Case:
    """The re-check found income stable and no new risk: the look-back is done. Not for a
    household whose present members all lack labour: seed 004 reverts it (``REVERT_RULE``)."""
    case = _load(actor, case_id, Action.LOOKBACK_STABLE)
    errors = {}
    if not findings.strip():
        errors["findings"] = "请填写回头看情况"
    if without_labour(case):
        errors["confirmed"] = f"该户现有成员均无劳动能力（整户无劳动力）。按“{REVERT_RULE}”，应回退，不能登记为稳定"
    elif not confirmed:
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
