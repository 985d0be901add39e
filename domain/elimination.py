"""Preconditions for proposing risk elimination (风险消除, seed 004 and seed 000).

- income stable and above the monitoring line for the minimum monitored period (a setting:
  half a year in seed 004, one year of tracking in seed 001);
- large rigid spending resolved; 三保障 and safe water secure;
- a whole household without labour capacity is not marked eliminated after 兜底 measures;
- risk that vanished by itself (风险自然消除) needs no minimum period and is not held back by
  the no-labour rule.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.deadlines import earliest_elimination
from domain.settings import PolicySettings


@dataclass(frozen=True)
class EliminationFacts:
    monitored_since: date | None
    per_capita_income: Decimal | None
    line: Decimal | None
    whole_household_without_labour: bool
    natural: bool = False  # 风险自然消除
    guarantees_secure: bool | None = None  # 三保障和饮水安全; None: not yet assessed
    rigid_spending_resolved: bool | None = None


def elimination_blockers(facts: EliminationFacts, today: date, s: PolicySettings) -> tuple[str, ...]:
    """Every reason the household cannot yet be proposed for elimination (empty: it can)."""
    blockers: list[str] = []
    if facts.monitored_since is None:
        return ("尚未纳入监测，不能启动风险消除",)
    earliest = earliest_elimination(facts.monitored_since, s, natural=facts.natural)
    if today < earliest:
        blockers.append(f"纳入监测未满{s.min_monitoring_months}个月，最早可于{earliest.isoformat()}启动风险消除")
    if not facts.natural:
        if facts.per_capita_income is None or facts.line is None:
            blockers.append("尚未核定家庭人均纯收入，无法判断是否稳定超过监测范围")
        elif facts.per_capita_income <= facts.line:
            blockers.append(f"家庭人均纯收入{facts.per_capita_income:,.2f}元，未超过监测范围{facts.line:,.0f}元")
        if facts.whole_household_without_labour:
            blockers.append("整户无劳动能力的监测对象落实兜底保障后，暂不标注风险消除")
    if facts.rigid_spending_resolved is False:
        blockers.append("大额刚性支出尚未稳定解决")
    if facts.guarantees_secure is False:
        blockers.append("“三保障”和饮水安全尚未持续巩固")
    return tuple(blockers)
