"""States of a case (one clue about one household) and the actions that move it.

The steps follow DOMAIN.md: identification (seed 003, seed 004: clue, home verification, village
democratic review and notice, township review, county confirmation, entry in the national
system), help (seed 000: pair cadre in 3 days, first visit in 7, help plan in 10, quarterly
evaluation) and the five-step risk elimination with look-back (seed 000, seed 004).

Member order matters: it is the order of the process and of lists shown to people.
"""
from __future__ import annotations

from .enums import LabelledEnum


class CaseState(LabelledEnum):
    REPORTED = ("reported", "已提交")
    RECEIVED = ("received", "已受理")
    VERIFYING = ("verifying", "入户核实中")
    VERIFIED = ("verified", "已核实待评议")
    PUBLICIZING = ("publicizing", "村级公示中")
    TOWNSHIP_REVIEW = ("township_review", "待乡镇审核")
    COUNTY_REVIEW = ("county_review", "待县级确定")
    MONITORED = ("monitored", "已纳入监测")
    PAIRED = ("paired", "已结对")
    VISITED = ("visited", "已走访")
    HELPING = ("helping", "帮扶中")
    ELIM_PROPOSED = ("elim_proposed", "拟风险消除")
    ELIM_VERIFIED = ("elim_verified", "消除已核实")
    ELIM_PUBLICIZING = ("elim_publicizing", "消除公示中")
    ELIM_TOWNSHIP_REVIEW = ("elim_township_review", "消除待乡镇审核")
    ELIM_COUNTY_REVIEW = ("elim_county_review", "消除待县级审定")
    ELIM_APPROVED = ("elim_approved", "消除已审定")
    ELIMINATED = ("eliminated", "风险已消除")
    REJECTED = ("rejected", "未纳入")
    MERGED = ("merged", "已合并")
    # 清退 (seed 004): a household included by mistake, removed by the county with a reason.
    # Not a risk elimination: nothing was eliminated, the inclusion itself was wrong.
    CLEARED = ("cleared", "已清退")

    @property
    def is_terminal(self) -> bool:
        """Nothing more happens to the case (a new clue opens a new case)."""
        return self in _TERMINAL

    @property
    def is_open(self) -> bool:
        """Still needs work; an eliminated case only waits for the look-back."""
        return not self.is_terminal and self is not CaseState.ELIMINATED

    @property
    def in_identification(self) -> bool:
        return self in _IDENTIFICATION

    @property
    def is_monitored(self) -> bool:
        """The household counts as a monitored household (监测户) in this state."""
        return self in _MONITORED

    @property
    def in_elimination(self) -> bool:
        """One of the five elimination steps is under way."""
        return self in _ELIMINATION


_ORDER = list(CaseState)


def _span(first: CaseState, last: CaseState) -> frozenset[CaseState]:
    return frozenset(_ORDER[_ORDER.index(first): _ORDER.index(last) + 1])


_TERMINAL = frozenset({CaseState.REJECTED, CaseState.MERGED, CaseState.CLEARED})
_IDENTIFICATION = _span(CaseState.REPORTED, CaseState.COUNTY_REVIEW)
_MONITORED = _span(CaseState.MONITORED, CaseState.ELIM_APPROVED)
_ELIMINATION = _span(CaseState.ELIM_PROPOSED, CaseState.ELIM_APPROVED)

IDENTIFICATION_STATES = _IDENTIFICATION
MONITORED_STATES = _MONITORED
ELIMINATION_STATES = _ELIMINATION


class Action(LabelledEnum):
    # identification (识别纳入)
    ACCEPT = ("accept", "受理")
    MERGE = ("merge", "合并重复线索")
    ASSIGN_VERIFIER = ("assign_verifier", "指派核实人")
    REASSIGN_VERIFIER = ("reassign_verifier", "更换核实人")
    VERIFY = ("verify", "入户核实")
    VILLAGE_REVIEW_PASS = ("village_review_pass", "民主评议通过")
    VILLAGE_REVIEW_FAIL = ("village_review_fail", "民主评议未通过")
    CLOSE_NOTICE = ("close_notice", "公示结束")
    NOTICE_OBJECTION = ("notice_objection", "公示有异议")
    TOWNSHIP_APPROVE = ("township_approve", "乡镇审核通过")
    TOWNSHIP_RETURN = ("township_return", "乡镇退回补充核实")
    TOWNSHIP_REJECT = ("township_reject", "乡镇审核不通过")
    COUNTY_CONFIRM = ("county_confirm", "县级确定纳入")
    COUNTY_REJECT = ("county_reject", "县级不予纳入")
    GREEN_CHANNEL = ("green_channel", "启动绿色通道")
    RECORD_ENTRY = ("record_entry", "录入全国系统")
    # help (帮扶)
    ASSIGN_PAIR_CADRE = ("assign_pair_cadre", "明确结对干部")
    FIRST_VISIT = ("first_visit", "结对干部首次走访")
    MAKE_HELP_PLAN = ("make_help_plan", "制定帮扶计划")
    REVISE_HELP_PLAN = ("revise_help_plan", "调整帮扶计划")
    QUARTERLY_EVALUATION = ("quarterly_evaluation", "季度帮扶效果评估")
    # risk elimination (风险消除五步法) and look-back (回头看)
    PROPOSE_ELIMINATION = ("propose_elimination", "村提出风险消除名单")
    ELIM_VERIFY = ("elim_verify", "风险消除入户核实")
    ELIM_VILLAGE_REVIEW = ("elim_village_review", "风险消除民主评议")
    ELIM_CLOSE_NOTICE = ("elim_close_notice", "风险消除公示结束")
    ELIM_TOWNSHIP_APPROVE = ("elim_township_approve", "风险消除乡镇审核")
    ELIM_COUNTY_APPROVE = ("elim_county_approve", "风险消除县级审定")
    ELIM_RETURN = ("elim_return", "退回继续帮扶")
    ANNOUNCE = ("announce", "风险消除公告")
    LOOKBACK_STABLE = ("lookback_stable", "回头看：稳定")
    LOOKBACK_REVERT = ("lookback_revert", "回头看：回退")
    REIDENTIFY = ("reidentify", "重新识别")
    # corrections
    CLEAR_OUT = ("clear_out", "县级清退")
    # the farmer's re-review of a refusal (申请复核)
    REVIEW_UPHOLD = ("review_uphold", "复核：维持不纳入")
    REVIEW_REOPEN = ("review_reopen", "复核：重新核实")
