"""The case page as plain data: what happened, what is due, and which steps this person may
take now, with the reason when a step is blocked. Templates hold no logic."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from core.clock import WORK_TZ
from domain.consent import CHANNEL_LABELS
from domain.deadlines import DUE_SOON_DAYS, CaseDates, DeadlineKind, notice_deadline
from domain.department_lists import ListKind
from domain.enums import CaseSource, Department, MonitoringCategory, RiskType, Role
from domain.evidence import EvidenceKind
from domain.warnings import Feedback, Grade
from domain.workflow import Action, CaseState, actions_for_role
from models import Case, User
from services.regions import settings
from services.warnings.case_panel import WARNING_EVENT_KEY
from services.workflow import cases


@dataclass(frozen=True)
class EvidenceRow:
    id: int
    label: str
    kind: str
    size_kb: int
    inline: bool = False  # a household's signature as an image: shown on the step itself


@dataclass(frozen=True)
class EventRow:
    at: str
    action: str
    state: str
    actor: str
    comment: str
    signed: bool
    details: list[str]
    evidence: list[EvidenceRow]
    consent: str = ""  # a report's recorded consent, in words
    raised_warning: bool = False  # a department warning came in with this event


@dataclass(frozen=True)
class StepRow:
    action: str
    label: str
    blocked: tuple[str, ...]


@dataclass(frozen=True)
class CaseHeader:
    id: int
    state: str
    state_code: str
    source: str
    urgent: bool
    green_channel: bool
    region: str
    risk_types: str
    category: str
    claimed: str
    words: str
    household_id: int | None
    rejection_reason: str
    verifier: str
    original_verifier: str
    pair_cadre: str
    deadline_label: str
    due: str
    days_left: int | None
    overdue: bool
    due_soon: bool              # not overdue, at most DUE_SOON_DAYS left
    notice_earliest_end: str
    merged_into: int | None


def _name(user: User | None) -> str:
    return user.full_name if user else ""


def _labels(enum, codes) -> str:
    return "、".join(enum(c).label for c in codes)


_DETAIL_LABELS = {"date": "评议日期", "participants": "参加人员", "result": "评议结果"}


def _details(data: dict) -> list[str]:
    """Structured facts of an event in words (dates, review, category); never personal data."""
    lines: list[str] = []
    review = data.get("review") or {}
    lines += [f"{_DETAIL_LABELS[k]}：{v}" for k, v in review.items() if k in _DETAIL_LABELS]
    if data.get("notice_start"):
        lines.append(f"公示开始：{data['notice_start']}")
    if data.get("notice_end"):
        lines.append(f"公示结束：{data['notice_end']}")
    if data.get("category"):
        lines.append(f"监测对象类别：{MonitoringCategory(data['category']).label}")
    if data.get("risk_types"):
        lines.append(f"风险类型：{_labels(RiskType, data['risk_types'])}")
    for key, text in (("household_signed", "农户已签字认可"), ("phone_survey", "已开展电话调查"),
                      ("onsite_check", "已入户调查"), ("natural", "风险自然消除")):
        if data.get(key):
            lines.append(text)
    if data.get("merged_into"):
        lines.append(f"已合并到案件 {data['merged_into']}")
    if data.get("merged_case"):
        lines.append(f"案件 {data['merged_case']} 已合并到本案")
    if data.get("matched_household"):
        lines.append("线索已关联到农户档案")
    if data.get("joined_report"):
        lines.append(f"同一农户的又一条线索（{CaseSource(data['joined_report']).label}）并入本案")
    lines += _warning_details(data)
    for line in data.get("notes", ()):
        lines.append(str(line))
    return lines


def _label_of(enum, code) -> str:
    try:
        return enum(code).label
    except ValueError:
        return ""


def _warning_details(data: dict) -> list[str]:
    """A department warning that came in, or the answer sent back (the list and line name the
    person to the department; the figures stay on the warning)."""
    lines: list[str] = []
    raised = data.get(WARNING_EVENT_KEY)
    if isinstance(raised, dict):
        lines.append(f"部门筛查预警：{_label_of(Department, raised.get('department'))}部门名单"
                     f"（{_label_of(ListKind, raised.get('kind'))}，名单编号 {raised.get('list_id')}，"
                     f"第{raised.get('line')}行），{_label_of(Grade, raised.get('grade'))}")
    answered = data.get("warning_feedback")
    if isinstance(answered, dict):
        lines.append(f"核实反馈（预警 {answered.get('warning_id')}）：{_label_of(Feedback, answered.get('result'))}"
                     f"，已反馈{_label_of(Department, answered.get('department'))}部门")
    if data.get("warnings_moved"):
        lines.append(f"合并进来的线索带来部门预警 {data['warnings_moved']} 条，在本案核实反馈")
    return lines


def _event_label(event) -> str:
    if event.action:
        return Action(event.action).label
    # Events without a step: the report that opened the case, or a record added later (a
    # further report joined, a duplicate merged in, the household matched).
    return "提交线索" if event.from_state is None else "补充记录"


def _shown_inline(evidence) -> bool:
    return evidence.kind == EvidenceKind.HOUSEHOLD_SIGNATURE.value and evidence.content_type.startswith("image/")


def _consent(data: dict | None, actor: User | None) -> str:
    """When and how the reporter consented, to which wording, and who took it for 代申报."""
    if not isinstance(data, dict):
        return ""
    try:
        at = datetime.fromisoformat(data["at"]).astimezone(WORK_TZ).strftime("%Y-%m-%d %H:%M")
        channel = CHANNEL_LABELS[data["channel"]]
    except (KeyError, TypeError, ValueError):
        return ""
    taken = ""
    if data.get("taken_by") is not None:
        taken = f"，由{actor.full_name if actor and actor.id == data['taken_by'] else '工作人员'}听取"
    return f"{at}，{channel}{taken}，同意内容版本 {data.get('version', '')}"


def events(case: Case) -> list[EventRow]:
    rows = []
    for e in cases.events_of(case, with_evidence=True):
        actor = f"{e.actor.full_name}（{Role(e.actor_role).label}）" if e.actor else "农户本人"
        rows.append(EventRow(
            at=e.at.astimezone(WORK_TZ).strftime("%Y-%m-%d %H:%M"),
            action=_event_label(e),
            state=CaseState(e.to_state).label, actor=actor, comment=e.comment or "", signed=e.signed,
            details=_details(e.data or {}),
            evidence=[EvidenceRow(ev.id, ev.label, EvidenceKind(ev.kind).label if ev.kind else "",
                                  max(1, ev.size // 1024), _shown_inline(ev)) for ev in e.evidence],
            consent=_consent((e.data or {}).get("consent"), e.actor),
            raised_warning=bool({WARNING_EVENT_KEY, "warnings_moved"} & set(e.data or {}))))
    return rows


def header(case: Case, today: date) -> CaseHeader:
    policy = settings.policy_for(case.region)
    dates = CaseDates(clue_date=case.clue_date, notice_start=case.notice_start)
    notice = notice_deadline(case.state_enum, dates, policy)
    claimed = " ".join(p for p in (case.claimed_name or "", case.claimed_id_number_masked) if p)
    return CaseHeader(
        id=case.id, state=case.state_enum.label, state_code=case.state, source=CaseSource(case.source).label,
        urgent=case.urgent, green_channel=case.green_channel_at is not None, region=case.region.name,
        risk_types=_labels(RiskType, case.risk_types),
        category=MonitoringCategory(case.category).label if case.category else "",
        claimed=claimed, words=case.reporter_words or "", household_id=case.household_id,
        rejection_reason=case.rejection_reason or "", verifier=_name(case.verifier),
        original_verifier=_name(case.original_verifier), pair_cadre=_name(case.pair_cadre),
        deadline_label=DeadlineKind(case.deadline_kind).label if case.deadline_kind else "",
        due=case.due_date.isoformat() if case.due_date else "",
        days_left=(case.due_date - today).days if case.due_date else None,
        overdue=bool(case.due_date and today > case.due_date),
        due_soon=bool(case.due_date and 0 <= (case.due_date - today).days <= DUE_SOON_DAYS),
        notice_earliest_end=notice.due.isoformat() if notice else "",
        merged_into=case.merged_into_id)


# Side actions, not steps of the procedure: offered only when they can be taken, so a
# non-urgent case does not carry a blocked "green channel" on every page.
SIDE_ACTIONS = frozenset({Action.GREEN_CHANNEL, Action.RECORD_ENTRY})


def steps(actor: User, case: Case, today: date, offered: set[Action]) -> list[StepRow]:
    """The steps this person's role may take in the case's state and that have a form here."""
    rows = []
    for action in actions_for_role(case.state_enum, actor.role_enum):
        if action not in offered:
            continue
        blocked = cases.preview(actor, case, action, today=today)
        if blocked and action in SIDE_ACTIONS:
            continue
        rows.append(StepRow(action.value, action.label, blocked))
    return rows
