"""Visits by grid workers: how the household was reached (seed 004: 能入户的坚持到户排查；
对全家外出的，依托电话、微信、QQ等线上方式开展排查，不搞一刀切)."""
from __future__ import annotations

from domain.enums import LabelledEnum


class VisitMethod(LabelledEnum):
    HOME = ("home", "入户")
    PHONE = ("phone", "电话")
    WECHAT = ("wechat", "微信")
    QQ = ("qq", "QQ")
    VIDEO = ("video", "视频")

    @property
    def remote(self) -> bool:
        return self is not VisitMethod.HOME


class AwayReason(LabelledEnum):
    WORK = ("work", "务工")
    MEDICAL = ("medical", "就医")
    STUDY = ("study", "求学")
    FAMILY = ("family", "投亲")
    OTHER = ("other", "其他")


def remote_problems(method: VisitMethod, reached_person: str, reached_via: str,
                    away_reason: str | None) -> dict[str, str]:
    """A remote check must say who was reached, on what, and why the family is away."""
    if not method.remote:
        return {}
    problems = {}
    if not reached_person.strip():
        problems["reached_person"] = "请填写联系上的是谁（如：户主本人、儿子）"
    if not reached_via.strip():
        problems["reached_via"] = f"请填写{method.label}号码或账号"
    if away_reason not in AwayReason.codes():
        problems["away_reason"] = "请选择全家外出的原因"
    return problems
