"""Kinds of files that back a step, and the papers each step requires.

Seed 000, risk elimination step 4: the township reviews "with complete papers": the meeting
minutes, the notice record, the elimination information form, the measure-implementation
table, the evaluation form and the help handbook.
"""
from __future__ import annotations

from .enums import LabelledEnum


class EvidenceKind(LabelledEnum):
    REVIEW_MINUTES = ("review_minutes", "民主评议会议记录")
    NOTICE_RECORD = ("notice_record", "公示记录（照片）")
    OBJECTION_RECORD = ("objection_record", "异议处理记录")
    VERIFICATION_FORM = ("verification_form", "入户核实表")
    CONFIRMATION_NOTICE = ("confirmation_notice", "纳入监测书面通知")
    ELIMINATION_FORM = ("elimination_form", "风险消除信息采集表")
    MEASURE_TABLE = ("measure_table", "帮扶措施落实情况表")
    EVALUATION_FORM = ("evaluation_form", "帮扶效果评估表")
    HELP_HANDBOOK = ("help_handbook", "帮扶手册")
    HOUSEHOLD_SIGNATURE = ("household_signature", "农户签字认可书")
    PHONE_SURVEY = ("phone_survey", "电话调查记录")
    ONSITE_CHECK = ("onsite_check", "入户调查记录")
    ANNOUNCEMENT = ("announcement", "风险消除公告")
    OTHER = ("other", "其他材料")


# What the township must have in hand before approving a risk elimination (seed 000, step 4).
ELIMINATION_PAPERS: tuple[EvidenceKind, ...] = (
    EvidenceKind.REVIEW_MINUTES,
    EvidenceKind.NOTICE_RECORD,
    EvidenceKind.ELIMINATION_FORM,
    EvidenceKind.MEASURE_TABLE,
    EvidenceKind.EVALUATION_FORM,
    EvidenceKind.HELP_HANDBOOK,
)


def missing_papers(provided: set[str] | frozenset[str]) -> tuple[str, ...]:
    """Labels of the required elimination papers not among ``provided`` (evidence kind codes)."""
    return tuple(k.label for k in ELIMINATION_PAPERS if k.value not in provided)
