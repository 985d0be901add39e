"""Guards of the case workflow: each checks one fact and returns a Chinese reason when it fails.

The facts arrive in a ``TransitionContext`` built by the caller; facts that need the database
(help-plan checks, elimination preconditions, missing papers) are computed elsewhere and passed
in as lists of problems, so the guards stay pure. Sources: "谁核查、谁签字、谁负责" (seed 003/
DOMAIN), the five musts of risk elimination (seed 000), the green channel (seed 000).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable

from .enums import MonitoringCategory, RiskType, Role

Guard = Callable[["TransitionContext"], "str | None"]


@dataclass(frozen=True)
class TransitionContext:
    actor_id: int | None = None
    actor_role: str | None = None  # Role code of the person acting (who may stand in for whom)
    today: date | None = None
    urgent: bool = False
    green_channel_started: bool = False
    assigned_verifier_id: int | None = None
    original_verifier_id: int | None = None
    # The original verifier's account is still active and still covers the household's area.
    original_verifier_active: bool = True
    pair_cadre_id: int | None = None
    assignee_id: int | None = None
    target_case_id: int | None = None
    reason: str = ""
    signed: bool = False
    review_recorded: bool = False
    notice_start: date | None = None
    notice_end: date | None = None
    notice_min_days: int = 5
    category: str | None = None
    risk_types: tuple[str, ...] = ()
    plan_problems: tuple[str, ...] = ()
    elimination_blockers: tuple[str, ...] = ()
    from_quarterly_evaluation: bool = False
    household_signed: bool = False
    papers_missing: tuple[str, ...] = ()
    phone_survey_done: bool = False
    doubts_remain: bool = False
    onsite_check_done: bool = False
    already_recorded: bool = False
    # The household's income and spending, measured against the year's line, give no reason to
    # monitor it (domain.eligibility.assess found none); None when it could not be measured.
    assessed_out_of_scope: bool = False
    # The farmer asked for a re-review (申请复核) of the refusal and it awaits the township.
    review_open: bool = False


# --- who -----------------------------------------------------------------------------------

def actor_is_assigned_verifier(ctx: TransitionContext) -> str | None:
    if ctx.assigned_verifier_id is None:
        return "尚未指派核实人"
    if ctx.actor_id != ctx.assigned_verifier_id:
        return "只有被指派的核实人才能提交入户核实结果"
    return None


# Who may stand in for the original verifier when that person is gone (see below).
VERIFIER_STAND_IN_ROLE = Role.TOWNSHIP_STAFF.value


def actor_is_original_verifier(ctx: TransitionContext) -> str | None:
    """Seed 000: "入户核实原则上由监测户识别时的核查员负责" — in principle, so not always.

    While the original verifier is available (recorded, account active, still covering the
    area) only they verify. When they are not — deactivated, moved away, or never recorded for
    an imported household — township staff (who take part in the visit anyway) verify in their
    place and write down why; ``ctx.reason`` carries that written reason.
    """
    if ctx.original_verifier_id is not None and ctx.original_verifier_active:
        if ctx.actor_id != ctx.original_verifier_id:
            return "风险消除入户核实应由识别时的核查员负责"
        return None
    if ctx.actor_role != VERIFIER_STAND_IN_ROLE:
        if ctx.original_verifier_id is None:
            return "未记录识别时的核查员，无法确定风险消除入户核实人"
        return "识别时的核查员已不在岗，应由乡镇工作人员写明原因后代为入户核实"
    if not (ctx.reason and ctx.reason.strip()):
        return "乡镇工作人员代为入户核实的，请写明原核查员不能负责的原因"
    return None


def actor_is_pair_cadre(ctx: TransitionContext) -> str | None:
    if ctx.pair_cadre_id is None:
        return "尚未明确结对帮扶干部"
    if ctx.actor_id != ctx.pair_cadre_id:
        return "只有本户的结对帮扶干部才能登记首次走访"
    return None


def need_assignee(ctx: TransitionContext) -> str | None:
    return None if ctx.assignee_id is not None else "请选择要指派的人员"


def assignee_is_new_verifier(ctx: TransitionContext) -> str | None:
    if ctx.assignee_id is not None and ctx.assignee_id == ctx.assigned_verifier_id:
        return "新核实人与当前核实人相同"
    return None


def assignee_is_new_pair_cadre(ctx: TransitionContext) -> str | None:
    if ctx.assignee_id is not None and ctx.assignee_id == ctx.pair_cadre_id:
        return "新结对干部与当前结对干部相同"
    return None


# --- what is recorded ----------------------------------------------------------------------

def need_reason(ctx: TransitionContext) -> str | None:
    # The reason is shown to the applicant, so it must say something.
    return None if ctx.reason and ctx.reason.strip() else "请填写理由"


def reason_against_assessment(ctx: TransitionContext) -> str | None:
    """The county may confirm a household that the measurement puts outside the monitoring
    scope only with a written reason (the measurement is a help, the decision is the county's;
    seed 003: 县级确定, and 应纳尽纳 without 规模控制, seed 004)."""
    if ctx.assessed_out_of_scope and not (ctx.reason and ctx.reason.strip()):
        return "按收入和支出测算，该户不符合监测范围条件；如仍确定纳入，请写明理由"
    return None


def need_signed(ctx: TransitionContext) -> str | None:
    return None if ctx.signed else "须由经办人签字确认（谁核查、谁签字、谁负责）"


def need_review_recorded(ctx: TransitionContext) -> str | None:
    return None if ctx.review_recorded else "请先登记民主评议的日期、参加人员和结果"


def need_notice_start(ctx: TransitionContext) -> str | None:
    return None if ctx.notice_start is not None else "请填写公示开始日期"


def notice_long_enough(ctx: TransitionContext) -> str | None:
    if ctx.notice_start is None or ctx.notice_end is None:
        return "请填写公示的开始和结束日期"
    earliest = ctx.notice_start + timedelta(days=ctx.notice_min_days)
    if ctx.notice_end < earliest:
        return f"公示期不少于{ctx.notice_min_days}天，最早于{earliest:%Y年%m月%d日}结束"
    if ctx.today is not None and ctx.notice_end > ctx.today:
        return "公示尚未到结束日期"
    return None


def need_open_review(ctx: TransitionContext) -> str | None:
    # A refusal is looked at again only when the farmer asked for it (申请复核, from /track).
    return None if ctx.review_open else "农户没有待答复的复核申请（农户在进度查询页申请复核后才能办理）"


def need_target_case(ctx: TransitionContext) -> str | None:
    return None if ctx.target_case_id is not None else "请选择要合并到的线索"


def need_urgent(ctx: TransitionContext) -> str | None:
    # Seed 000: green channel only for sudden severe hardship (因灾因疫因病等).
    return None if ctx.urgent else "仅因灾、因疫、因病等突发严重困难可启动绿色通道"


def green_channel_not_started(ctx: TransitionContext) -> str | None:
    return "已启动绿色通道" if ctx.green_channel_started else None


def not_yet_recorded(ctx: TransitionContext) -> str | None:
    return "已录入全国防返贫监测信息系统" if ctx.already_recorded else None


def valid_category(ctx: TransitionContext) -> str | None:
    if not ctx.category:
        return "请选择监测对象类别"
    if ctx.category not in MonitoringCategory.codes():
        return "监测对象类别无效"
    return None


def valid_risk_types(ctx: TransitionContext) -> str | None:
    if not ctx.risk_types:
        return "请至少选择一项风险类型"
    if any(code not in RiskType.codes() for code in ctx.risk_types):
        return "风险类型无效"
    return None


# --- help and elimination ------------------------------------------------------------------

def no_plan_problems(ctx: TransitionContext) -> str | None:
    if ctx.plan_problems:
        return "帮扶计划不符合要求：" + "；".join(ctx.plan_problems)
    return None


def from_quarterly_evaluation(ctx: TransitionContext) -> str | None:
    # Seed 000: "提出名单必须研判" — the list is decided collectively at the quarterly evaluation.
    return None if ctx.from_quarterly_evaluation else "拟风险消除名单须经季度帮扶效果评估集体研判提出"


def no_elimination_blockers(ctx: TransitionContext) -> str | None:
    if ctx.elimination_blockers:
        return "尚不符合风险消除条件：" + "；".join(ctx.elimination_blockers)
    return None


def household_has_signed(ctx: TransitionContext) -> str | None:
    # Seed 000: "农户必须签字认可".
    return None if ctx.household_signed else "须由农户签字认可风险消除"


def papers_complete(ctx: TransitionContext) -> str | None:
    if ctx.papers_missing:
        return "上报资料不齐全，缺少：" + "、".join(ctx.papers_missing)
    return None


def phone_survey_done(ctx: TransitionContext) -> str | None:
    # Seed 000: "县级审定必须调查" — phone survey of the household and the departments first.
    return None if ctx.phone_survey_done else "请先对农户和相关行业部门开展电话调查"


def onsite_check_if_doubts(ctx: TransitionContext) -> str | None:
    if ctx.doubts_remain and not ctx.onsite_check_done:
        return "电话调查后仍有疑虑，须先入户调查"
    return None
