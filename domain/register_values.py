"""What the cells of the national register export say, in the project's vocabulary.

The national system writes relations as ``之子`` or ``之孙女``, schooling as the grade, yes/no as
是/否; staff who edit the file write ``儿子``, ``初中`` or ``Y``. Each reader here takes a cell (text,
a number, or a date as a spreadsheet gives it) and returns the value, None for an empty cell, or
raises ``BadValue`` with a Chinese reason that never repeats an ID number or a phone number.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from domain.validation import fold_full_width
from domain.enums import (Gender, Health, HouseholdAttribute, LabourCapacity, MonitoringCategory,
                          Relation, RiskType, Schooling)


class BadValue(ValueError):
    """A cell that cannot be read; the message says why, in Chinese, without the value."""


def text(cell: object) -> str:
    """The cell as trimmed text (half-width forms); a whole float from Excel loses its ``.0``."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return fold_full_width(str(cell)).strip()


def _label_map(enum, extra: dict[str, object]) -> dict[str, object]:
    found = {member.label: member for member in enum}
    found.update(extra)
    return found


RELATIONS = _label_map(Relation, {
    "本人": Relation.HEAD, "户主本人": Relation.HEAD,
    "妻": Relation.SPOUSE, "夫": Relation.SPOUSE, "妻子": Relation.SPOUSE, "丈夫": Relation.SPOUSE,
    **{k: Relation.CHILD for k in ("之子", "之女", "子", "女", "儿子", "女儿", "长子", "次子", "长女", "次女",
                                   "养子", "养女", "继子", "继女")},
    **{k: Relation.CHILD_IN_LAW for k in ("之儿媳", "之女婿", "儿媳", "女婿")},
    **{k: Relation.GRANDCHILD for k in ("之孙子", "之孙女", "之外孙子", "之外孙女", "孙子", "孙女", "外孙子",
                                        "外孙女", "之曾孙子", "之曾孙女")},
    **{k: Relation.PARENT for k in ("之父", "之母", "父亲", "母亲", "父", "母", "之岳父", "之岳母", "之公公", "之婆婆")},
    **{k: Relation.GRANDPARENT for k in ("之祖父", "之祖母", "之外祖父", "之外祖母", "祖父", "祖母", "外祖父", "外祖母")},
    **{k: Relation.SIBLING for k in ("之兄弟姐妹", "兄弟姐妹", "之兄", "之弟", "之姐", "之妹", "兄", "弟", "姐", "妹")},
    "其他": Relation.OTHER,
})

HEALTH = _label_map(Health, {"大病": Health.SERIOUS_ILLNESS, "慢性病": Health.CHRONIC,
                             "患有慢性病": Health.CHRONIC, "长期慢性病患者": Health.CHRONIC})

LABOUR = _label_map(LabourCapacity, {
    "弱劳动力": LabourCapacity.WEAK, "半劳动力": LabourCapacity.WEAK, "弱劳动力/半劳动力": LabourCapacity.WEAK,
    "劳动力": LabourCapacity.ORDINARY, "普通劳力": LabourCapacity.ORDINARY, "技能劳力": LabourCapacity.SKILLED,
})

# 在校生状况: the grade or the stage; 非在校生 and the like are "not at school".
NOT_AT_SCHOOL = frozenset({"非在校生", "不在校", "否", "无", "未上学", "毕业", "已毕业", "辍学"})
_SCHOOL_STAGES = (
    (Schooling.PRESCHOOL, ("学前", "幼儿园")),
    (Schooling.VOCATIONAL, ("中职", "中专", "技校", "职高", "职业高中")),
    (Schooling.COLLEGE, ("高职", "大专", "专科", "本科", "研究生", "硕士", "博士", "大学", "高校")),
    (Schooling.HIGH_SCHOOL, ("高中", "高一", "高二", "高三")),
    (Schooling.COMPULSORY, ("小学", "初中", "义务教育", "年级", "初一", "初二", "初三")),
)

ATTRIBUTES = _label_map(HouseholdAttribute, {"脱贫户（监测户）": HouseholdAttribute.MONITORED,
                                              "监测对象": HouseholdAttribute.MONITORED,
                                              "一般户": HouseholdAttribute.ORDINARY,
                                              "非贫困户": HouseholdAttribute.ORDINARY})
CATEGORIES = _label_map(MonitoringCategory, {})
RISKS = _label_map(RiskType, {label.removeprefix("因"): member for member in RiskType
                              for label in (member.label,) if label.startswith("因")})

YES = frozenset({"是", "Y", "YES", "1", "有", "√", "TRUE"})
NO = frozenset({"否", "N", "NO", "0", "无", "×", "FALSE"})
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_RISK_SEPARATORS = re.compile(r"[、,，;；/\s]+")


def _choice(cell: object, labels: dict[str, object], what: str):
    value = text(cell)
    if not value:
        return None
    found = labels.get(value)
    if found is None:
        raise BadValue(f"{what}“{value[:20]}”不认识，应为：{'、'.join(_first_labels(labels))}")
    return found


def _first_labels(labels: dict[str, object]) -> list[str]:
    """The canonical label of each value, for the message (not every accepted variant)."""
    shown: list[str] = []
    for member in dict.fromkeys(labels.values()):
        shown.append(getattr(member, "label", str(member)))
    return shown


def relation(cell: object) -> Relation | None:
    return _choice(cell, RELATIONS, "与户主关系")


def health(cell: object) -> Health | None:
    return _choice(cell, HEALTH, "健康状况")


def labour(cell: object) -> LabourCapacity | None:
    return _choice(cell, LABOUR, "劳动技能")


def attribute(cell: object) -> HouseholdAttribute | None:
    return _choice(cell, ATTRIBUTES, "户类型")


def category(cell: object) -> MonitoringCategory | None:
    return _choice(cell, CATEGORIES, "监测对象类别")


def schooling(cell: object) -> Schooling | None:
    value = text(cell)
    if not value or value in NOT_AT_SCHOOL:
        return None
    for stage, words in _SCHOOL_STAGES:
        if any(word in value for word in words):
            return stage
    raise BadValue(f"在校生状况“{value[:20]}”不认识，应为非在校生、学前、小学、初中、高中、中职或高职、本科等")


def risk_types(cell: object) -> list[RiskType]:
    """Several risks in one cell, separated by 、 , ， ; or spaces; each once, in file order."""
    found: list[RiskType] = []
    for part in _RISK_SEPARATORS.split(text(cell)):
        if not part:
            continue
        risk = RISKS.get(part)
        if risk is None:
            raise BadValue(f"风险类型“{part[:20]}”不认识，应为：{'、'.join(r.label for r in RiskType)}")
        if risk not in found:
            found.append(risk)
    return found


GENDERS = {"男": Gender.MALE, "男性": Gender.MALE, "女": Gender.FEMALE, "女性": Gender.FEMALE}


def gender(cell: object) -> Gender | None:
    value = text(cell)
    if not value:
        return None
    if value not in GENDERS:
        raise BadValue("性别应填“男”或“女”")
    return GENDERS[value]


def short_text(cell: object, what: str, longest: int) -> str | None:
    """Free text kept as written (民族, 文化程度, 务工状况): the national system's words vary by
    year and are shown back, not reasoned on."""
    value = text(cell)
    if not value:
        return None
    if len(value) > longest or any(ord(c) < 32 for c in value):
        raise BadValue(f"{what}不超过{longest}个字，且不能含控制字符")
    return value


def yes_no(cell: object, what: str) -> bool | None:
    if isinstance(cell, bool):
        return cell
    value = text(cell).upper()
    if not value:
        return None
    if value in YES:
        return True
    if value in NO:
        return False
    raise BadValue(f"{what}应填“是”或“否”")


def disability_grade(cell: object) -> int | None:
    """一级 to 四级 (1 is the most severe), however it is written: ``二级``, ``2``, ``肢体二级``."""
    value = text(cell)
    if not value or value in ("无", "否"):
        return None
    grades = {_CN_DIGITS[c] for c in re.findall(r"[一二三四1-4]", value)}
    if len(grades) != 1 or not re.search(r"[一二三四1-4]级?|^[1-4]$", value):
        raise BadValue("残疾等级应为一级、二级、三级或四级")
    return grades.pop()


def whole_number(cell: object, what: str, low: int, high: int) -> int | None:
    value = text(cell)
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise BadValue(f"{what}应为整数") from None
    if number != number.to_integral_value() or not low <= number <= high:
        raise BadValue(f"{what}应为{low}到{high}之间的整数")
    return int(number)


def money(cell: object, what: str) -> Decimal | None:
    """Yuan, to the fen; thousands separators and a trailing 元 are allowed. May be negative
    (a family's business can lose money in a year)."""
    value = text(cell).replace(",", "").removesuffix("元")
    if not value:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise BadValue(f"{what}应为金额（元）") from None
    if not amount.is_finite() or abs(amount) >= Decimal("100000000"):
        raise BadValue(f"{what}应为金额（元）")
    return amount.quantize(Decimal("0.01"))


def day(cell: object, what: str) -> date | None:
    """A date as a spreadsheet gives it, or written 2023-05-01, 2023/5/1, 2023.5.1, 2023年5月1日
    or 20230501."""
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    value = text(cell)
    if not value:
        return None
    match = (re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:\s.*)?", value)
             or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", value))
    if match:
        try:
            return date(*(int(g) for g in match.groups()))
        except ValueError:
            pass
    raise BadValue(f"{what}应为日期，如 2023-05-01")
