"""Today's date where the work happens.

Deadlines are counted in Chinese calendar days, so "today" is the date in Beijing, not the
server's UTC date (a step taken at 07:00 Beijing time is still on that day). Domain rules never
read the clock: handlers call ``today()`` once per request and pass the date down.

Times are stored in UTC and shown in the same zone, ``WORK_TZ`` (mainland China keeps one).
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

WORK_TZ = ZoneInfo("Asia/Shanghai")


def today() -> date:
    return datetime.now(WORK_TZ).date()


def now() -> datetime:
    """This moment, in UTC (how times are stored). Read through the module (``clock.now()``) so
    a test can move the clock forward instead of sleeping: session lifetimes and account locks
    are measured with it."""
    return datetime.now(timezone.utc)


def local_text(moment: datetime) -> str:
    """A stored time as people read it: Beijing time, to the minute."""
    return moment.astimezone(WORK_TZ).strftime("%Y-%m-%d %H:%M")
