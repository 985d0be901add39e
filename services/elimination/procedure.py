"""Risk elimination (风险消除五步法, seed 000) as use cases, and the facts shown beside its steps.

Each use case loads the case in the actor's scope, refuses at once a step that is not the
actor's to take (so a wrong role hears "须由…办理", not "请填写…"), checks what only the form
can check (questions answered, dates in order, a sign-off ticked), and hands the step to
``services.workflow.cases.perform``. The domain decides the rest: the original verifier, the
household's signature, the notice length, the papers, the phone survey and on-site check.

Free text people type (findings, survey answers, opinions) goes into the event's encrypted
comment; the event's data holds only yes/no facts and dates, which the timeline shows.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import selectinload

from core.extensions import db
from domain.deadlines import DeadlineKind, earliest_elimination
from domain.eligibility import format_yuan, format_yuan_cents
from domain.elimination import elimination_blockers, income_stability
from domain.enums import MonitoringCategory, Role
from domain.evidence import ELIMINATION_PAPERS, EvidenceKind, missing_papers
from domain.workflow import Action, CaseState, actions_for_role
from models import Case, Household, Region, User
from services.accounts import scoping
from services.errors import PermissionDenied, ValidationFailed
from services.platform import audit
from services.regions import settings
from services.workflow import case_facts, cases
from services.workflow.case_events import Evidence, StepInput

DESK_ROLES = (Role.VILLAGE_STAFF.value, Role.TOWNSHIP_STAFF.value, Role.COUNTY_STAFF.value)


# Refuse (409) a step the actor's role may not take in the case's state, before any input.
ensure_turn = cases.ensure_turn


def _load(actor: User, case_id: int, action: Action) -> Case:
    case = scoping.get(actor, Case, case_id)
    ensure_turn(actor, case, action)
    return case


def _lines(*pairs: tuple[str, str]) -> str:
    return "\n".join(f"{label}：{text}" for label, text in pairs if text)


# --- the five steps --------------------------------------------------------------------------

def propose(actor: User, case_id: int, *, natural: bool | None, guarantees_secure: bool | None,
            rigid_spending_resolved: bool | None, comment: str = "", evidence: list[Evidence] = (),
            today: date) -> Case:
    """Step 1, 村提出名单. The three questions must be answered here: an unanswered one would
    let the domain treat the condition as not assessed, and the policy wants it assessed."""
    _load(actor, case_id, Action.PROPOSE_ELIMINATION)
    errors = {}
    if natural is None:
        errors["natural"] = "请回答风险是否属于自然消除"
    if guarantees_secure is None:
        errors["guarantees_secure"] = "请回答“三保障”和饮水安全是否有保障"
    if rigid_spending_resolved is None:
        errors["rigid_spending_resolved"] = "请回答大额刚性支出是否已稳定解决"
    if errors:
        raise ValidationFailed(errors)
    step = StepInput(comment=comment, natural_elimination=bool(natural), guarantees_secure=guarantees_secure,
                     rigid_spending_resolved=rigid_spending_resolved, evidence=list(evidence),
                     data={"notes": [f"“三保障”和饮水安全：{'有保障' if guarantees_secure else '未保障'}",
                                     f"大额刚性支出：{'已稳定解决' if rigid_spending_resolved else '未解决'}"]})
    return cases.perform(actor, case_id, Action.PROPOSE_ELIMINATION, step, today=today)


def verify(actor: User, case_id: int, *, findings: str, companions: str, household_signed: bool,
           signed: bool, stand_in_reason: str = "", signature: list[Evidence] = (),
           today: date) -> Case:
    """Step 2, 入户核实: the original verifier (or township staff standing in, with a reason),
    with township staff and the pair cadre; the household signs its consent."""
    case = _load(actor, case_id, Action.ELIM_VERIFY)
    errors = {}
    if not findings.strip():
        errors["findings"] = "请填写入户核实情况"
    if not companions.strip():
        errors["companions"] = "请填写参加核实的乡镇干部和结对帮扶干部"
    if not signed:
        errors["signed"] = "须由核实人签字确认（谁核查、谁签字、谁负责）"
    if errors:
        raise ValidationFailed(errors)
    step = StepInput(reason=stand_in_reason, household_signed=household_signed, signed=True,
                     comment=_lines(("核实情况", findings.strip()), ("会同核实人员", companions.strip())),
                     evidence=list(signature))
    if actor.id != case.original_verifier_id:
        step.data["notes"] = ["乡镇工作人员代为入户核实（识别时的核查员不在岗或未记录）"]
    return cases.perform(actor, case_id, Action.ELIM_VERIFY, step, today=today)


def village_review(actor: User, case_id: int, *, review_date: date | None, participants: str,
                   result: str, notice_start: date | None, signed: bool,
                   minutes: list[Evidence] = (), comment: str = "", today: date) -> Case:
    """Step 3a, 民主评议 and the start of the 公示; the village's responsible person signs."""
    _load(actor, case_id, Action.ELIM_VILLAGE_REVIEW)
    errors = {}
    if review_date is None:
        errors["review_date"] = "请填写评议日期"
    elif review_date > today:
        errors["review_date"] = "评议日期不能晚于今天"
    if not participants.strip():
        errors["participants"] = "请填写参加人员"
    if not result.strip():
        errors["result"] = "请填写评议结果"
    if notice_start is None:
        errors["notice_start"] = "请填写公示开始日期"
    elif notice_start > today:
        errors["notice_start"] = "公示开始后再登记，开始日期不能晚于今天"
    elif review_date is not None and notice_start < review_date:
        errors["notice_start"] = "公示应在民主评议之后开始"
    if not signed:
        errors["signed"] = "须由村级责任人签字担责"
    if errors:
        raise ValidationFailed(errors)
    step = StepInput(review={"date": review_date.isoformat(), "participants": participants.strip(),
                             "result": result.strip()},
                     notice_start=notice_start, signed=True, comment=comment, evidence=list(minutes))
    return cases.perform(actor, case_id, Action.ELIM_VILLAGE_REVIEW, step, today=today)


def close_notice(actor: User, case_id: int, *, notice_end: date | None, no_objection: bool,
                 notice_record: list[Evidence] = (), comment: str = "", today: date) -> Case:
    """Step 3b, 公示结束. An objection is checked first; if it stands, the case goes back."""
    _load(actor, case_id, Action.ELIM_CLOSE_NOTICE)
    errors = {}
    if notice_end is None:
        errors["notice_end"] = "请填写公示结束日期"
    if not no_objection:
        errors["no_objection"] = "公示期间有异议的，请先核实；异议成立的，请“退回继续帮扶”"
    if errors:
        raise ValidationFailed(errors)
    step = StepInput(notice_end=notice_end, comment=comment, evidence=list(notice_record),
                     data={"notes": ["公示期间无异议"]})
    return cases.perform(actor, case_id, Action.ELIM_CLOSE_NOTICE, step, today=today)


def township_approve(actor: User, case_id: int, *, papers: list[Evidence], opinion: str, signed: bool,
                     today: date) -> Case:
    """Step 4, 乡镇审核 with the complete papers (checked by the domain against what is attached
    to this elimination so far plus what comes with this form)."""
    _load(actor, case_id, Action.ELIM_TOWNSHIP_APPROVE)
    if not opinion.strip():
        raise ValidationFailed({"opinion": "请填写审核意见"})
    step = StepInput(signed=signed, comment=_lines(("审核意见", opinion.strip())), evidence=list(papers))
    return cases.perform(actor, case_id, Action.ELIM_TOWNSHIP_APPROVE, step, today=today)


def county_approve(actor: User, case_id: int, *, household_survey: str, department_survey: str,
                   survey_files: list[Evidence], doubts_remain: bool | None, onsite_notes: str,
                   onsite_files: list[Evidence], opinion: str, signed: bool, today: date) -> Case:
    """Step 5, 县级审定: a phone survey of the household and the departments (both written
    down, or a survey record file); where doubts remain, an on-site check record."""
    _load(actor, case_id, Action.ELIM_COUNTY_APPROVE)
    errors = {}
    if doubts_remain is None:
        errors["doubts_remain"] = "请选择电话调查后是否仍有疑虑"
    if not opinion.strip():
        errors["opinion"] = "请填写审定意见"
    if errors:
        raise ValidationFailed(errors)
    phone_done = bool(survey_files) or bool(household_survey.strip() and department_survey.strip())
    step = StepInput(
        signed=signed, phone_survey_done=phone_done, doubts_remain=bool(doubts_remain),
        onsite_check_done=bool(onsite_files),
        comment=_lines(("电话调查（农户）", household_survey.strip()),
                       ("电话调查（行业部门）", department_survey.strip()),
                       ("入户调查", onsite_notes.strip()), ("审定意见", opinion.strip())),
        evidence=[*survey_files, *onsite_files])
    return cases.perform(actor, case_id, Action.ELIM_COUNTY_APPROVE, step, today=today)


def announce(actor: User, case_id: int, *, files: list[Evidence] = (), comment: str = "",
             today: date) -> Case:
    """公告: the household is marked eliminated today; the look-back clock starts."""
    _load(actor, case_id, Action.ANNOUNCE)
    return cases.perform(actor, case_id, Action.ANNOUNCE, StepInput(comment=comment, evidence=list(files)),
                         today=today)


def send_back(actor: User, case_id: int, *, reason: str, today: date) -> Case:
    """退回继续帮扶, by whoever holds the step now."""
    _load(actor, case_id, Action.ELIM_RETURN)
    if not reason.strip():
        raise ValidationFailed({"reason": "请填写退回理由"})
    return cases.perform(actor, case_id, Action.ELIM_RETURN, StepInput(reason=reason), today=today)


# --- what the case page shows beside the steps -----------------------------------------------

@dataclass(frozen=True)
class FileRow:
    id: int
    label: str


@dataclass(frozen=True)
class PaperRow:
    field: str  # the upload field of the township form
    label: str
    files: list[FileRow]


@dataclass(frozen=True)
class Conditions:
    """风险消除条件: the recorded facts each precondition is judged on, in words."""

    state: str
    monitored_since: str
    min_months: int
    earliest: str
    earliest_reached: bool
    income: str                # the latest record's per-capita income; "" when none counts
    income_year: str           # "2026年（2026-05-10核定）"
    line: str
    income_above: bool | None
    income_since: str          # "2025-11-20起，已满7个月": how long it has stayed above the line
    without_labour: bool
    unfinished_measures: tuple[str, ...]  # "名称（已安排）": not yet 已落实 or 已取消
    evaluation: str
    on_list: bool
    blockers: tuple[str, ...]
    offer_natural: bool
    original_verifier: str
    verifier_available: bool
    in_elimination: bool
    papers: list[PaperRow]
    papers_missing: tuple[str, ...]
    eliminated_on: str
    lookback_due: str
    lookback_on: str


def name_of(user_id: int | None) -> str:
    """A staff member's name by id (a case's relationships may predate a step that set the id)."""
    user = db.session.get(User, user_id) if user_id else None
    return user.full_name if user else ""


def paper_field(kind: EvidenceKind) -> str:
    return f"paper_{kind.value}"


def papers_of_current_elimination(case: Case) -> list[PaperRow]:
    """Each required paper with the files attached to it since the elimination was proposed."""
    events = list(case.events)
    starts = [i for i, e in enumerate(events) if e.action == Action.PROPOSE_ELIMINATION.value]
    current = events[starts[-1]:] if starts else []
    rows = []
    for kind in ELIMINATION_PAPERS:
        files = [FileRow(ev.id, ev.label) for e in current for ev in e.evidence if ev.kind == kind.value]
        rows.append(PaperRow(paper_field(kind), kind.label, files))
    return rows


def _evaluation_text(case: Case) -> tuple[str, bool]:
    latest = case_facts.latest_evaluation(case)
    if latest is None:
        return "尚无季度帮扶效果评估", False
    parts = ["措施已落实" if latest.measures_in_place else "措施未落实",
             "措施有效" if latest.measures_working else "措施效果不明显",
             "风险已消除" if latest.risk_gone else "风险未消除"]
    on_list = bool(latest.risk_gone and latest.propose_elimination)
    parts.append("列入拟风险消除名单" if on_list else "未列入拟风险消除名单")
    return f"{latest.quarter}（{latest.evaluated_on.isoformat()}）：{'，'.join(parts)}", on_list


def conditions(actor: User, case: Case, today: date) -> Conditions | None:
    """For monitored and eliminated cases: why elimination may or may not go ahead."""
    state = case.state_enum
    if not (state.is_monitored or state is CaseState.ELIMINATED) or case.identified_on is None:
        return None
    policy = settings.policy_for(case.region)
    facts = cases.elimination_facts(case, today)
    earliest = earliest_elimination(case.identified_on, policy)
    evaluation, on_list = _evaluation_text(case)
    blockers = elimination_blockers(facts, today, policy)
    stability = income_stability(facts.incomes, facts.lines, case.identified_on, today, policy)
    latest = stability.latest
    natural_blockers = elimination_blockers(cases.elimination_facts(case, today, natural=True), today, policy)
    may_propose = Action.PROPOSE_ELIMINATION in actions_for_role(state, actor.role_enum)
    papers = papers_of_current_elimination(case) if state.in_elimination else []
    provided = {row.field.removeprefix("paper_") for row in papers if row.files}
    lookback_due = case.due_date.isoformat() if case.deadline_kind == DeadlineKind.LOOKBACK.value and case.due_date else ""
    return Conditions(
        state=state.value, monitored_since=case.identified_on.isoformat(),
        min_months=policy.min_monitoring_months, earliest=earliest.isoformat(),
        earliest_reached=today >= earliest,
        income=format_yuan_cents(latest.per_capita) if latest else "",
        income_year=(f"{latest.year}年（{latest.measured_on.isoformat()}核定"
                     f"{'' if stability.measured_after_inclusion else '，在纳入监测之前'}）" if latest else ""),
        line=format_yuan(stability.line) if stability.line is not None else "",
        income_above=stability.above,
        income_since=(f"{stability.counted_from.isoformat()}起，已满{stability.months}个月"
                      if stability.counted_from else ""),
        without_labour=facts.whole_household_without_labour,
        unfinished_measures=facts.unfinished_measures, evaluation=evaluation, on_list=on_list,
        blockers=blockers,
        offer_natural=(may_propose and on_list and bool(blockers) and not natural_blockers),
        original_verifier=name_of(case.original_verifier_id),
        verifier_available=cases.original_verifier_available(case),
        in_elimination=state.in_elimination, papers=papers,
        papers_missing=missing_papers(provided) if state.in_elimination else (),
        eliminated_on=case.eliminated_on.isoformat() if case.eliminated_on else "",
        lookback_due=lookback_due,
        lookback_on=case.lookback_on.isoformat() if case.lookback_on else "")


# --- the printable announcement (公告) ---------------------------------------------------------

@dataclass(frozen=True)
class AnnouncedRow:
    village: str
    head: str
    id_number: str  # masked
    size: int
    category: str
    eliminated_on: str


@dataclass(frozen=True)
class Announcement:
    region: str
    start: str
    end: str
    rows: list[AnnouncedRow]


def announcement(actor: User, start: date, end: date) -> Announcement:
    """Households marked eliminated between ``start`` and ``end`` in the actor's area: village,
    head of household, masked ID number, size and category. No phone, health or income."""
    if actor.role not in DESK_ROLES:
        raise PermissionDenied("风险消除公告由村、乡镇、县级工作人员打印")
    if start > end:
        raise ValidationFailed({"start": "开始日期不能晚于结束日期"})
    query = (scoping.cases(actor)
             .where(Case.state == CaseState.ELIMINATED.value, Case.eliminated_on >= start,
                    Case.eliminated_on <= end, Case.household_id.is_not(None))
             .options(selectinload(Case.household).options(
                 selectinload(Household.members), selectinload(Household.region).selectinload(Region.parent)))
             .order_by(Case.region_path, Case.eliminated_on, Case.id))
    rows = []
    for case in db.session.execute(query).scalars():
        household = case.household
        head = household.head
        rows.append(AnnouncedRow(
            village=household.region.village.name, head=head.name if head else "",
            id_number=head.id_number_masked if head else "", size=household.size,
            category=MonitoringCategory(case.category).label if case.category else "",
            eliminated_on=case.eliminated_on.isoformat()))
    audit.record(actor, "read", "announcement", None, f"start={start} end={end} rows={len(rows)}")
    return Announcement(region=actor.region.name, start=start.isoformat(), end=end.isoformat(), rows=rows)


__all__ = [
    "Announcement", "Conditions", "announce", "announcement", "close_notice", "conditions",
    "county_approve", "ensure_turn", "papers_of_current_elimination", "propose", "send_back",
    "township_approve", "verify", "village_review",
]
