"""How long audit entries stay in the live table before the retention job archives them.

网络安全法第二十一条：网络运营者应当"采取监测、记录网络运行状态、网络安全事件的技术措施，并按照
规定留存相关的网络日志不少于六个月". The setting (``SHOUDI_AUDIT_RETENTION_DAYS``) may not go
below 180 days, and whatever it says, an entry is never archived before it is six calendar
months old (six months can be up to 184 days). Archiving moves entries to the file store, where
they are kept; nothing here ever deletes a log.

Plain rules: the caller passes ``now``.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from domain.deadlines import add_months

MINIMUM_DAYS = 180
DEFAULT_DAYS = 365
MINIMUM_MONTHS = 6
LAW = "网络安全法第二十一条：留存相关的网络日志不少于六个月"


def retention_problem(days: object) -> str | None:
    """Why ``days`` cannot be the retention setting, in Chinese; None when it can."""
    if isinstance(days, bool) or not isinstance(days, int):
        return "SHOUDI_AUDIT_RETENTION_DAYS 应为整数（天数）"
    if days < MINIMUM_DAYS:
        return (f"SHOUDI_AUDIT_RETENTION_DAYS 不能少于 {MINIMUM_DAYS} 天（现为 {days}）：{LAW}")
    return None


def archive_cutoff(now: datetime, days: int) -> datetime:
    """Entries written before this moment may be archived: ``days`` before ``now``, and never
    later than six calendar months before it. Refuses a setting below the floor."""
    problem = retention_problem(days)
    if problem:
        raise ValueError(problem)
    by_days = now - timedelta(days=days)
    six_months = datetime.combine(add_months(now.date(), -MINIMUM_MONTHS), now.timetz())
    return min(by_days, six_months)


def may_archive(at: datetime, cutoff: datetime) -> bool:
    """An entry written at ``at`` is old enough to leave the live table."""
    return at < cutoff
