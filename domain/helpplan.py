"""The rules a help plan (帮扶计划) must follow, checked before it is saved.

Sources (seed 000, DOMAIN.md "After inclusion"): measures are chosen from the county library
and follow the risk types (缺什么补什么); a single risk gets a single measure, to avoid the
welfare trap (福利陷阱); a household with labour capacity, weak labour included, gets at least
one 开发式 measure; a whole household without labour gets 保障式 measures; for a household
without a sanitary toilet, 户厕改造 is the first 改善式 measure after inclusion.

Who makes the plan (seed 000, 000_b8ef52531082bb4c.txt): "由村支两委、网格员、驻村工作队和结对帮扶责任人
共同商议，按照“五帮”思路，从县级帮扶措施库中选取切实可行的帮扶措施，形成帮扶计划". Decision: "共同商议"
needs at least two of the four, and always the village committee (村支两委), which answers for
the plan (``check_makers``).

The household's will to develop (seed 000: "根据监测对象的风险类别、发展需求等开展有效帮扶"; seed 004:
"对有劳动能力的监测对象，要优先落实产业就业等开发式帮扶措施"): the 开发式 rule applies to a household
with labour *and* the will to develop (有发展意愿). A household with labour but no will is not
held to it, and the check says why ("无发展意愿"); a household whose will is not recorded (plans
made before it was asked) is held to it as before.

Pure: the caller passes the members' labour capacities, the case's risk types, the toilet
fact and the chosen measures in plan order. Problems block the plan; warnings are shown and
the plan may still be saved.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from .enums import HelpKind, LabelledEnum, LabourCapacity, RiskType


class PlanMaker(LabelledEnum):
    """Who made the plan together (seed 000 "共同商议")."""

    VILLAGE_COMMITTEE = ("village_committee", "村支两委")
    GRID_WORKER = ("grid_worker", "网格员")
    WORK_TEAM = ("work_team", "驻村工作队")
    PAIR_CADRE = ("pair_cadre", "结对帮扶责任人")


MAKERS_QUOTE = "由村支两委、网格员、驻村工作队和结对帮扶责任人共同商议，按照“五帮”思路，从县级帮扶措施库中选取切实可行的帮扶措施，形成帮扶计划"
RULE_MAKERS = f"种子文件000：“{MAKERS_QUOTE}”"
MIN_MAKERS = 2


def check_makers(codes: Iterable[str]) -> str | None:
    """None when the makers are enough; otherwise what is missing. Unknown codes raise ValueError."""
    makers = {PlanMaker(c) for c in codes}
    if PlanMaker.VILLAGE_COMMITTEE not in makers:
        return f"帮扶计划须由村支两委牵头共同商议，请勾选“{PlanMaker.VILLAGE_COMMITTEE.label}”"
    if len(makers) < MIN_MAKERS:
        return f"帮扶计划须由村支两委与网格员、驻村工作队、结对帮扶责任人共同商议，至少勾选{MIN_MAKERS}方"
    return None


def makers_words(codes: Iterable[str] | None) -> str:
    known = [PlanMaker(c).label for c in PlanMaker.codes() if c in set(codes or ())]
    return "、".join(known)


# Why the 开发式 rule does or does not apply.
DEV_APPLIES = "applies"
DEV_NO_LABOUR = "no_labour"
DEV_NO_WILL = "no_will"
DEV_UNKNOWN = "unknown"
DEVELOPMENT_WORDS = {
    DEV_APPLIES: "适用：有劳动能力且有发展意愿，须至少安排一项开发式措施",
    DEV_NO_LABOUR: "不适用：无劳动能力",
    DEV_NO_WILL: "不适用：无发展意愿",
    DEV_UNKNOWN: "未登记家庭成员的劳动能力，无法判断",
}


@dataclass(frozen=True)
class PlannedMeasure:
    """One chosen measure as the rules see it."""

    name: str
    kind: HelpKind | str
    risk_types: tuple[str, ...] = ()
    toilet_upgrade: bool = False

    @property
    def kind_enum(self) -> HelpKind:
        return HelpKind(self.kind)


@dataclass(frozen=True)
class Finding:
    """A problem or warning: what is wrong with this plan, and the rule it comes from."""

    code: str
    text: str
    rule: str

    def __str__(self) -> str:
        return f"{self.text}（依据：{self.rule}）"


@dataclass(frozen=True)
class PlanCheck:
    problems: tuple[Finding, ...]
    warnings: tuple[Finding, ...]
    development: str = DEV_APPLIES  # whether the 开发式 rule applies, and why not

    @property
    def development_words(self) -> str:
        return DEVELOPMENT_WORDS[self.development]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def problem_texts(self) -> tuple[str, ...]:
        """The problems as the reasons a refused step shows."""
        return tuple(str(p) for p in self.problems)


RULE_NOT_EMPTY = "帮扶计划须从县级帮扶措施库中选择措施"
RULE_DEVELOPMENT = "有劳动能力（含弱劳动力、半劳动力）且有发展意愿的户至少安排一项开发式帮扶措施"
RULE_SECURITY = "整户无劳动能力的户安排保障式帮扶措施（兜底保障）"
RULE_RISKS = "缺什么补什么：每一种风险类型都要有针对性的帮扶措施"
RULE_SINGLE = "单一风险原则上单一措施，复杂风险才综合帮扶，避免福利陷阱"
RULE_TOILET = "无卫生厕所的户，户厕改造作为纳入后的第一项改善式帮扶措施"


def _labels(codes: Iterable[str]) -> str:
    return "、".join(RiskType(c).label for c in codes)


def _names(measures: Iterable[PlannedMeasure]) -> str:
    return "、".join(m.name for m in measures)


def check_plan(labour: Sequence[LabourCapacity | str], risk_types: Sequence[str],
               lacks_toilet: bool | None, measures: Sequence[PlannedMeasure],
               development_will: bool | None = None) -> PlanCheck:
    """Check a plan.

    ``labour``: the labour capacity of every member (empty when no member is registered).
    ``lacks_toilet``: True when the household has no sanitary toilet, False when it has one,
    None when nobody has checked yet.
    ``measures``: the chosen measures in plan order.
    ``development_will``: the household's will to develop (有发展意愿) as the plan records it;
    None when not recorded (the 开发式 rule then applies to a household with labour, as before).
    """
    problems: list[Finding] = []
    warnings: list[Finding] = []
    capacities = [LabourCapacity(c) for c in labour]
    risks = list(dict.fromkeys(RiskType(r).value for r in risk_types))
    kinds = [m.kind_enum for m in measures]

    if not measures:
        problems.append(Finding("empty", "帮扶计划还没有选择任何措施", RULE_NOT_EMPTY))

    # --- labour capacity: 开发式 or 保障式 -------------------------------------------------
    workers = sum(1 for c in capacities if c.can_work)
    if not capacities:
        development = DEV_UNKNOWN
        warnings.append(Finding(
            "labour_unknown", "本户未登记家庭成员的劳动能力，无法核对开发式、保障式措施的要求，请先补全农户档案",
            RULE_DEVELOPMENT))
    elif not workers:
        development = DEV_NO_LABOUR
        if HelpKind.SECURITY not in kinds:
            problems.append(Finding(
                "needs_security", "本户整户无劳动能力，须至少安排一项保障式措施（如低保、特困供养、托管托养）",
                RULE_SECURITY))
    elif development_will is False:
        development = DEV_NO_WILL
    else:
        development = DEV_APPLIES
        if HelpKind.DEVELOPMENT not in kinds:
            problems.append(Finding(
                "needs_development",
                f"本户有{workers}人有劳动能力（含弱劳动力、半劳动力）且有发展意愿，须至少安排一项开发式措施"
                "（如庭院经济、公益岗位、就业帮扶、小额信贷），不能只靠兜底保障",
                RULE_DEVELOPMENT))

    # --- every risk answered; no pile-up on one risk --------------------------------------
    unanswered = [r for r in risks if not any(r in m.risk_types for m in measures)]
    if unanswered and measures:
        problems.append(Finding(
            "risk_unanswered", f"风险类型“{_labels(unanswered)}”还没有对应的帮扶措施", RULE_RISKS))
    elif unanswered:
        problems.append(Finding(
            "risk_unanswered", f"须为风险类型“{_labels(unanswered)}”选择对应的帮扶措施", RULE_RISKS))
    toilet_required = lacks_toilet is True
    for risk in risks:
        # The toilet upgrade a household without a toilet must get is not a pile-up.
        on_risk = [m for m in measures if risk in m.risk_types
                   and not (toilet_required and m.toilet_upgrade)]
        if len(on_risk) > 1:
            warnings.append(Finding(
                "piled_up",
                f"“{RiskType(risk).label}”一项风险安排了{len(on_risk)}项措施（{_names(on_risk)}），"
                "请确认确有必要叠加；单一风险一般只需一项措施",
                RULE_SINGLE))
    for m in measures:
        targeted = any(r in m.risk_types for r in risks)
        serves_labour = m.kind_enum is HelpKind.DEVELOPMENT and workers > 0 and development_will is not False
        serves_toilet = m.toilet_upgrade and toilet_required
        if risks and not (targeted or serves_labour or serves_toilet):
            warnings.append(Finding(
                "untargeted", f"措施“{m.name}”不针对本户的任何风险类型，请确认是否需要", RULE_RISKS))

    # --- the toilet upgrade first among 改善式 ---------------------------------------------
    improvements = [m for m in measures if m.kind_enum is HelpKind.IMPROVEMENT or m.toilet_upgrade]
    if toilet_required:
        if not any(m.toilet_upgrade for m in measures):
            problems.append(Finding(
                "needs_toilet", "本户没有卫生厕所，须把户厕改造列入帮扶计划", RULE_TOILET))
        elif not improvements[0].toilet_upgrade:
            before = improvements[:next(i for i, m in enumerate(improvements) if m.toilet_upgrade)]
            problems.append(Finding(
                "toilet_not_first", f"户厕改造须排在其他改善式措施（{_names(before)}）之前", RULE_TOILET))
    elif lacks_toilet is None:
        warnings.append(Finding(
            "toilet_unknown", "农户档案未登记是否有卫生厕所；如没有，须先安排户厕改造", RULE_TOILET))
    elif any(m.toilet_upgrade for m in measures):
        warnings.append(Finding(
            "toilet_not_needed", "农户档案登记本户已有卫生厕所，请确认是否需要户厕改造", RULE_TOILET))

    return PlanCheck(tuple(problems), tuple(warnings), development)
