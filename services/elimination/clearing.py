"""清退: the county removes a household that was included by mistake (seed 004: "排查发现需要对
监测对象开展风险消除回退和监测对象清退的，上报镇乡村振兴工作站汇总，由镇乡村振兴工作站统一提出
申请").

Not a risk elimination: nothing was eliminated, the inclusion itself was wrong. The case ends
in 已清退 from any monitored state or after elimination; the household stops counting as a
monitored household (``services.workflow.case_effects``); the reason, required, is kept on the
case's timeline (encrypted, as every step's comment).
"""
from __future__ import annotations

from datetime import date

from domain.workflow import Action
from models import Case, User
from services.accounts import scoping
from services.elimination.procedure import ensure_turn
from services.errors import ValidationFailed
from services.workflow import cases
from services.workflow.case_events import Evidence, StepInput

REASON_MAX = 1000
APPLICATION_MAX = 200


def clear_out(actor: User, case_id: int, *, reason: str, application: str = "",
              files: list[Evidence] = (), today: date) -> Case:
    """县级清退: ``reason`` why the inclusion was wrong (required); ``application`` the township
    work station's application (its date or number), when there is one."""
    case = scoping.get(actor, Case, case_id)
    ensure_turn(actor, case, Action.CLEAR_OUT)  # county staff, on a monitored or eliminated case
    errors = {}
    reason, application = reason.strip(), application.strip()
    if not reason:
        errors["reason"] = "请填写清退理由（为什么该户不应纳入监测）"
    elif len(reason) > REASON_MAX:
        errors["reason"] = f"清退理由不超过{REASON_MAX}个字"
    if len(application) > APPLICATION_MAX:
        errors["application"] = f"乡镇申请不超过{APPLICATION_MAX}个字"
    if errors:
        raise ValidationFailed(errors)
    step = StepInput(reason=reason, comment=f"乡镇申请：{application}" if application else "",
                     evidence=list(files))
    return cases.perform(actor, case_id, Action.CLEAR_OUT, step, today=today)
