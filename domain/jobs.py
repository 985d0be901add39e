"""Long work done by the job queue: the kinds of job, their states and when one is stuck.

Plain rules, no clock: the caller passes ``now``. A job is *stuck* when it claims to be running
but has not reported progress for ``STALE_AFTER`` (its consumer was killed, or its machine
lost): it is put back on the queue while it has tries left, and marked failed after that, so
nothing stays "running" forever. A job that stays *queued* as long is handed to the queue again,
so nothing stays "queued" forever either.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from domain.enums import LabelledEnum


class JobState(LabelledEnum):
    QUEUED = ("queued", "排队中")
    RUNNING = ("running", "进行中")
    DONE = ("done", "已完成")
    FAILED = ("failed", "失败")

    @property
    def finished(self) -> bool:
        return self in (JobState.DONE, JobState.FAILED)


class JobKind(LabelledEnum):
    TOWNSHIP_SHEETS = ("township_sheets", "乡镇明白纸（PDF）")
    REMINDERS = ("reminders", "每日期限提醒")
    FILE_SWEEP = ("file_sweep", "清理无主文件")
    REGISTER_CHECK = ("register_check", "农户档案导入检查")
    REGISTER_IMPORT = ("register_import", "农户档案导入")
    REGISTER_EXPORT = ("register_export", "农户台账导出")
    AUDIT_EXPORT = ("audit_export", "审计日志导出")
    AUDIT_ARCHIVE = ("audit_archive", "审计日志归档")
    DEPARTMENT_CHECK = ("department_check", "部门名单检查")
    DEPARTMENT_COMPARE = ("department_compare", "部门名单比对")
    DEPARTMENT_MONTHLY = ("department_monthly", "部门名单每月比对")
    CAMPAIGN_EXPORT = ("campaign_export", "集中排查表格导出")
    OVERDUE_EXPORT = ("overdue_export", "逾期清单导出")


# A running job reports progress at least this often; silence this long means its consumer died.
STALE_AFTER = timedelta(minutes=10)
# How many times a job is started in all (the first run and the retries after a lost consumer).
MAX_ATTEMPTS = 3


def is_stale(state: JobState | str, heartbeat_at: datetime | None, now: datetime) -> bool:
    """A running job whose last sign of life is older than ``STALE_AFTER``."""
    return JobState(state) is JobState.RUNNING and (heartbeat_at is None or now - heartbeat_at > STALE_AFTER)


def lost_in_queue(state: JobState | str, handed_at: datetime | None, now: datetime) -> bool:
    """A queued job that no consumer has taken for ``STALE_AFTER`` since it was last handed to
    the queue: its message may be gone (a Redis restarted without persistence keeps nothing),
    so it is handed again. Handing it twice is harmless: only one consumer can claim it."""
    return JobState(state) is JobState.QUEUED and (handed_at is None or now - handed_at > STALE_AFTER)


def after_stale(attempts: int) -> JobState:
    """What a stuck job becomes: queued again while it has tries left, else failed."""
    return JobState.QUEUED if attempts < MAX_ATTEMPTS else JobState.FAILED


def percent(done: int, total: int | None) -> int:
    """Progress for the bar: 0–100, never past 100, 0 while the total is unknown."""
    if not total or total <= 0:
        return 0
    return max(0, min(100, done * 100 // total))


# The message shown when a consumer vanished and the job is given up (no stack trace, no data).
LOST_MESSAGE = "任务执行中断（处理程序停止），已多次重试仍未完成，请稍后重试"
FAILED_MESSAGE = "任务执行出错，请稍后重试；如仍失败请联系系统管理员"
