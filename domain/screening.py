"""The household screening table (附件1 到户排查表, seed 004) as data, and its income helper.

Each question keeps the column wording of the official form, so exports can reproduce it
exactly; ``key`` is the stable code stored with a visit.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import income
from .income import IncomeResult

YES_NO = ("yes", "no")


@dataclass(frozen=True)
class Question:
    key: str
    label: str  # the form's own column text
    group: str
    kind: str = "yes_no"  # yes_no | text


def _q(group: str, *pairs: tuple[str, str], kind: str = "yes_no") -> list[Question]:
    return [Question(key, label, group, kind) for key, label in pairs]


QUESTIONS: tuple[Question, ...] = tuple(
    _q("收入支出",
       ("rigid_spending_or_drop", "是否刚性支出较大或收入大幅缩减"))
    + _q("“三保障”及饮水安全",
         ("housing_safe", "现有住房是否安全"), ("medical_secured", "医疗是否得到保障"),
         ("compulsory_education_secured", "义务教育是否得到保障"), ("water_safe", "饮水是否安全"))
    + _q("重点人群和特殊群体",
         ("whole_household_no_labour", "是否整户无劳动力"),
         ("lifted_in_2020", "是否2020年脱贫"), ("income_falling_3_years", "是否近三年家庭人均纯收入持续减少"),
         ("minimum_living", "是否低保户"), ("new_minimum_living", "是否近两年新识别和申请低保"),
         ("extreme_poverty", "是否分散特困供养户"), ("single_person", "是否单人户"),
         ("disabled_family", "是否残疾人家庭"), ("newly_disabled", "是否新致残家庭"),
         ("severely_disabled", "是否重度残疾人家庭（一、二级）"),
         ("many_minor_children", "是否多未成年子女家庭"),
         ("many_children_non_compulsory", "是否非义务教育阶段在读子女较多"),
         ("elderly_alone", "是否分户独居老人户"), ("children_able_to_support", "子女是否有赡养能力"),
         ("children_supporting", "子女是否履行赡养义务"),
         ("unstable_migrant_income", "是否务工收入占比高且务工时间不稳定"),
         ("sudden_hardship", "是否因病因灾因意外事故导致基本生活出现严重困难"))
    + _q("实际困难和风险",
         ("practical_difficulties", "就医、上学、就业、产业等方面是否存在实际困难和潜在风险"),
         ("epidemic_impact", "是否因疫情导致产业受损或就业不稳"))
    + _q("已消除风险监测对象",
         ("marked_eliminated", "是否已标注风险消除户"), ("income_stable_half_year", "收入是否半年内持续稳定"),
         ("risk_stably_eliminated", "返贫致贫风险是否稳定消除"))
    + _q("脱贫户和监测对象帮扶措施落实",
         ("measures_in_place", "是否落实帮扶措施"), ("measures_targeted", "帮扶措施是否有针对性"),
         ("one_off_handouts", "是否存在“一兑了之”现象"), ("over_help", "是否过度帮扶和福利陷阱"))
    + _q("信息核实",
         ("system_data_accurate", "系统数据信息是否全面准确（脱贫户监测户填写）"),
         ("should_monitor", "该户是否应纳入监测对象（非监测对象填写）"))
    + _q("困难和诉求",
         ("difficulties_and_requests", "该户还存在哪些困难和诉求"), ("remarks", "备注"), kind="text")
)
QUESTION_KEYS = {q.key: q for q in QUESTIONS}
MAX_TEXT = 1000

# The answers a reviewer reads first when deciding on a verification, in the form's order, each
# with the answer that points to a risk. The form asks some questions as "is the need met"
# (现有住房是否安全, 医疗是否得到保障…: "否" is the risk) and others as "is there a hardship"
# (是否刚性支出较大或收入大幅缩减, 是否整户无劳动力, 是否因病因灾…导致基本生活出现严重困难: "是" is
# the risk); 该户是否应纳入监测对象 "是" is the visitor's own call to monitor. Free text has none.
KEY_ANSWERS: tuple[tuple[str, str | None], ...] = (
    ("rigid_spending_or_drop", "yes"), ("housing_safe", "no"), ("medical_secured", "no"),
    ("compulsory_education_secured", "no"), ("water_safe", "no"), ("whole_household_no_labour", "yes"),
    ("sudden_hardship", "yes"), ("practical_difficulties", "yes"), ("should_monitor", "yes"),
    ("difficulties_and_requests", None))


def signals_risk(key: str, value: str | None) -> bool:
    """Whether this answer to a key question points to a risk (``KEY_ANSWERS``)."""
    risky = dict(KEY_ANSWERS).get(key)
    return risky is not None and value == risky

# Last 12 months' income (e.g. 2021-05-01 to 2022-04-30 for a May 2022 screening), by source, as
# the visit form asks it; the rule that adds it up is ``domain.income``.
INCOME_ITEMS: tuple[tuple[str, str], ...] = income.SOURCES + ((income.COSTS[0], "生产经营性支出（扣除）"),)


def check_answers(answers: dict) -> tuple[dict[str, str], dict[str, str]]:
    """Keep known answers; return (clean answers, errors by question key). Unanswered is fine:
    a remote check may not get through every question."""
    clean: dict[str, str] = {}
    errors: dict[str, str] = {}
    for key, value in (answers or {}).items():
        question = QUESTION_KEYS.get(key)
        if question is None:
            errors[key] = "没有这个排查项目"
            continue
        if value in (None, ""):
            continue
        value = str(value).strip()
        if question.kind == "yes_no" and value not in YES_NO:
            errors[key] = f"“{question.label}”只能填“是”或“否”"
        elif question.kind == "text" and len(value) > MAX_TEXT:
            errors[key] = f"不超过{MAX_TEXT}字"
        else:
            clean[key] = value
    return clean, errors


def net_income(items: dict, household_size: int) -> tuple[IncomeResult | None, dict[str, str]]:
    """The visit's income items added up by ``domain.income.compute`` (errors by item key)."""
    return income.compute({k: v for k, v in (items or {}).items() if k in _VISIT_KEYS}, household_size)


_VISIT_KEYS = {key for key, _ in INCOME_ITEMS}
