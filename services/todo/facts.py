"""The facts a reviewer decides on, for one case, opened beside its row on the to-do page:
the verification visit (who, when, how, what was found, the key screening answers), the
household measured against the monitoring line (income per head, the line, 刚性支出), and the
village review (result, participants, notice dates).

Reading them is reading the full record: ``cases.read_case`` answers 404 outside the person's
scope and writes the same audit entry as the case page. A fixed number of statements per case.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from core.clock import WORK_TZ
from core.extensions import db
from domain.deadlines import notice_earliest_end
from domain.eligibility import format_yuan, format_yuan_cents
from domain.fieldwork import VisitMethod
from domain.screening import KEY_ANSWERS, QUESTION_KEYS, signals_risk
from domain.workflow import Action
from models import Case, CaseEvent, User, Visit
from services.regions import settings
from services.todo.cases import who
from services.workflow import case_facts, cases

VERIFY_STEPS = (Action.VERIFY.value, Action.ELIM_VERIFY.value)
REVIEW_STEPS = (Action.VILLAGE_REVIEW_PASS.value, Action.ELIM_VILLAGE_REVIEW.value)
CLOSE_STEPS = (Action.CLOSE_NOTICE.value, Action.ELIM_CLOSE_NOTICE.value)
_YES_NO = {"yes": "是", "no": "否"}


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    risk: bool


@dataclass(frozen=True)
class Verification:
    by: str          # who took the step, with their role
    at: str
    method: str
    on: str          # the day the verifier says they verified
    findings: str
    visit: str       # the field-app visit it rests on: when, how, by whom ("" when none)
    answers: tuple[Answer, ...]


@dataclass(frozen=True)
class Eligibility:
    known: bool
    why: str = ""             # why nothing can be said (no household, no income, no line)
    per_capita: str = ""
    line: str = ""
    rigid_spending: str = ""
    last_year_income: str = ""
    in_scope: bool = False
    reasons: tuple[str, ...] = ()
    attention: tuple[str, ...] = ()


@dataclass(frozen=True)
class Review:
    on: str
    participants: str
    result: str
    by: str
    notice_start: str
    notice_end: str
    earliest_end: str


@dataclass(frozen=True)
class Facts:
    case_id: int
    name: str
    id_masked: str
    state: str
    verification: Verification | None
    eligibility: Eligibility
    review: Review | None


def _at(moment) -> str:
    return moment.astimezone(WORK_TZ).strftime("%Y-%m-%d %H:%M")


def _person(user: User | None, role_label: str = "") -> str:
    if user is None:
        return ""
    return f"{user.full_name}（{role_label or user.role_enum.label}）"


def _latest(events: list[CaseEvent], actions: tuple[str, ...]) -> CaseEvent | None:
    return next((e for e in reversed(events) if e.action in actions), None)


def key_answers(raw: str | None) -> tuple[Answer, ...]:
    """The answered key questions of a visit's screening answers (JSON), in the form's order."""
    try:
        answers = json.loads(raw) if raw else {}
    except ValueError:
        return ()
    if not isinstance(answers, dict):
        return ()
    shown = []
    for key, _ in KEY_ANSWERS:
        value = answers.get(key)
        if value in (None, ""):
            continue
        text = _YES_NO.get(value, str(value))
        shown.append(Answer(QUESTION_KEYS[key].label, text, signals_risk(key, value)))
    return tuple(shown)


def _visit(case: Case) -> Visit | None:
    query = (select(Visit).where(Visit.case_id == case.id).options(joinedload(Visit.worker))
             .order_by(Visit.visited_at.desc(), Visit.id.desc()).limit(1))
    return db.session.execute(query).scalars().first()


def _verification(event: CaseEvent | None, visit: Visit | None) -> Verification | None:
    if event is None and visit is None:
        return None
    data = (event.data or {}) if event else {}
    method = data.get("method") or (visit.method if visit else "")
    seen = ""
    if visit is not None:
        seen = f"{_at(visit.visited_at)} {VisitMethod(visit.method).label}，{_person(visit.worker)}"
    return Verification(
        by=_person(event.actor) if event else "", at=_at(event.at) if event else "",
        method=VisitMethod(method).label if method in VisitMethod.codes() else "",
        on=data.get("verified_on", ""), findings=(event.comment or "") if event else "",
        visit=seen, answers=key_answers(visit.answers) if visit else ())


def _eligibility(case: Case, today: date) -> Eligibility:
    found = case_facts.assessment(case, today)
    if found is None:
        why = "尚未关联农户" if case.household is None else "该户尚未登记家庭纯收入，或本地区没有设定监测范围，无法测算"
        return Eligibility(False, why)
    household = case.household
    last = household.last_year_income
    return Eligibility(
        True, per_capita=format_yuan_cents(found.per_capita), line=format_yuan(found.line),
        rigid_spending=format_yuan(household.rigid_spending) if household.rigid_spending else "0",
        last_year_income=format_yuan(last) if last is not None else "",
        in_scope=found.in_scope, reasons=tuple(r.text for r in found.reasons),
        attention=tuple(r.text for r in found.attention))


def _review(case: Case, reviewed: CaseEvent | None, closed: CaseEvent | None) -> Review | None:
    if reviewed is None:
        return None
    review = (reviewed.data or {}).get("review") or {}
    start = (reviewed.data or {}).get("notice_start", "")
    end = (closed.data or {}).get("notice_end", "") if closed and closed.id > reviewed.id else ""
    earliest = ""
    if start:
        earliest = notice_earliest_end(date.fromisoformat(start), settings.policy_for(case.region)).isoformat()
    return Review(on=review.get("date", ""), participants=review.get("participants", ""),
                  result=review.get("result", ""), by=_person(reviewed.actor), notice_start=start,
                  notice_end=end, earliest_end=earliest)


def facts(actor: User, case_id: int, today: date) -> Facts:
    """The decision's facts of one case in the person's scope (NotFound otherwise); audited."""
    case = cases.read_case(actor, case_id)
    events = cases.events_of(case)
    name, id_masked = who(case)
    return Facts(
        case_id=case.id, name=name, id_masked=id_masked, state=case.state_enum.label,
        verification=_verification(_latest(events, VERIFY_STEPS), _visit(case)),
        eligibility=_eligibility(case, today),
        review=_review(case, _latest(events, REVIEW_STEPS), _latest(events, CLOSE_STEPS)))
