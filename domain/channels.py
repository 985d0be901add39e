"""Messages beyond the app (SMS, WeChat subscribe messages): the pure rules.

What each delivery's status may be, how long to wait before trying again, how many messages
one number may receive in a window, and what a farmer is told at each milestone of their case
(the words only: no name, no ID number, no health, no amount). No clock is read here: moments
are passed in.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable

from domain.enums import LabelledEnum
from domain.workflow import Action


class Channel(LabelledEnum):
    SMS = ("sms", "短信")
    WECHAT = ("wechat", "微信订阅消息")


class DeliveryStatus(LabelledEnum):
    QUEUED = ("queued", "等待发送")
    SENT = ("sent", "已发出")
    DELIVERED = ("delivered", "已送达")
    FAILED = ("failed", "发送失败")
    REFUSED = ("refused", "对方未订阅或拒收")

    @property
    def final(self) -> bool:
        return self in (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED, DeliveryStatus.REFUSED)


class StaffChoice(LabelledEnum):
    """What a staff member picks on 消息接收方式: the in-app centre always, and at most one more."""

    IN_APP = ("in_app", "只在系统内接收")
    SMS = ("sms", "系统内 + 短信")
    WECHAT = ("wechat", "系统内 + 微信订阅消息")

    @property
    def channel(self) -> Channel | None:
        return {StaffChoice.SMS: Channel.SMS, StaffChoice.WECHAT: Channel.WECHAT}.get(self)


class Template(LabelledEnum):
    """Our two message shapes; each maps to a provider template in configuration."""

    STAFF = ("staff", "工作人员待办")
    FARMER = ("farmer", "农户办理进展")


# --- retries ----------------------------------------------------------------------------------

FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)


def next_attempt(now: datetime, attempts: int, at_least: timedelta = timedelta(0)) -> datetime:
    """When to try again after ``attempts`` tries: 1, 2, 4, 8 … minutes, at most six hours;
    ``at_least`` for a provider's rate limit, which asks for a longer pause."""
    wait = min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)
    return now + max(wait, at_least)


# --- per-number rate limit --------------------------------------------------------------------

_UNITS = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}
_WINDOW = re.compile(r"^\s*(\d+)\s*/\s*(minute|hour|day)\s*$")
DEFAULT_RATE_LIMIT = "1/minute;5/hour;10/day"


@dataclass(frozen=True)
class Window:
    count: int
    length: timedelta


def parse_rate_limit(text: str) -> tuple[Window, ...]:
    """``"1/minute;5/hour;10/day"`` → windows; raises ValueError on anything else."""
    windows = []
    for part in (p for p in (text or "").split(";") if p.strip()):
        match = _WINDOW.match(part)
        if not match or int(match.group(1)) < 1:
            raise ValueError(part)
        windows.append(Window(int(match.group(1)), _UNITS[match.group(2)]))
    if not windows:
        raise ValueError(text)
    return tuple(windows)


def rate_limited_until(sent: Iterable[datetime], now: datetime, windows: tuple[Window, ...]) -> datetime | None:
    """None when one more message may go to the number now; otherwise the moment the fullest
    window frees a place. ``sent``: when earlier messages went to the same number."""
    moments = sorted(sent)
    until = None
    for window in windows:
        inside = [m for m in moments if m > now - window.length]
        if len(inside) >= window.count:
            free = inside[len(inside) - window.count] + window.length
            until = free if until is None or free > until else until
    return until


# --- what a farmer is told ----------------------------------------------------------------------

class Milestone(LabelledEnum):
    ACCEPTED = ("accepted", "已受理")
    INCLUDED = ("included", "已纳入监测")
    NOT_INCLUDED = ("not_included", "暂未纳入监测")
    HELP = ("help", "帮扶已开始")


# The step that refused a case, in the words /track uses (domain.tracking), by its action code.
_REFUSAL_GIST = {
    Action.VILLAGE_REVIEW_FAIL: "村级评议未通过",
    Action.TOWNSHIP_REJECT: "乡镇审核未通过",
    Action.COUNTY_REJECT: "县级确定不予纳入",
}
_MILESTONE_OF = {
    Action.ACCEPT: Milestone.ACCEPTED,
    Action.COUNTY_CONFIRM: Milestone.INCLUDED,
    Action.MAKE_HELP_PLAN: Milestone.HELP,
    Action.GREEN_CHANNEL: Milestone.HELP,
    **{action: Milestone.NOT_INCLUDED for action in _REFUSAL_GIST},
}
# At most 20 characters each: a WeChat "thing" field holds no more.
_NOTES = {
    Milestone.ACCEPTED: "将入户核实，可凭查询码查看进度",
    Milestone.INCLUDED: "将为您明确帮扶干部",
    Milestone.HELP: "帮扶措施已落实，有困难可联系村里",
}


def milestone_of(action: Action | str | None) -> Milestone | None:
    """The milestone a step marks for the farmer, if any."""
    try:
        return _MILESTONE_OF.get(Action(action)) if action else None
    except ValueError:
        return None


@dataclass(frozen=True)
class FarmerText:
    progress: str
    note: str

    def as_params(self) -> dict[str, str]:
        return {"progress": self.progress, "note": self.note}


def farmer_text(milestone: Milestone, refused_by: Action | str | None = None) -> FarmerText:
    """The two fields of the farmer's message. A refusal says which step refused it (the gist of
    the reason, from its code) and that a re-review may be asked for; never the staff's words."""
    if milestone is Milestone.NOT_INCLUDED:
        gist = _REFUSAL_GIST.get(Action(refused_by)) if refused_by else None
        return FarmerText(milestone.label, f"{gist or '经审核'}，如有异议可申请复核")
    return FarmerText(milestone.label, _NOTES[milestone])


def staff_params(case_id: int | None, step: str, due: str | None) -> dict[str, str]:
    """A staff message's template fields: what the in-app title carries, nothing more."""
    return {"case": str(case_id or "-"), "step": (step or "待办")[:20], "due": due or "无"}
