"""Rows of the national register export, read and grouped into households.

Each row is one person. ``read_row`` turns its cells into a ``PersonRow`` or the reasons it
cannot be used, per column; ``group`` puts people into households by 户编号 and checks what can
only be checked across rows: one head per household, the same place and household facts on
every row, nobody twice. A household with any bad row is left out whole (half a family on the
register would be worse than none: the head's income would be divided by the wrong size), and
every one of its rows says why.

Reasons never repeat an ID number or a phone number: they are shown on screens and written
into the file of rejected rows (PIPL).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from datetime import date
from decimal import Decimal
from typing import Iterable, Mapping

from domain import register_values as values
from domain.enums import (Gender, Health, HouseholdAttribute, LabourCapacity, MonitoringCategory,
                          Relation, RiskType, Schooling)
from domain.register_values import BadValue
from domain.validation import InvalidIdNumber, InvalidPhone, normalize_mobile, parse_id_number


# Households registered here (from a clue, or by staff) have no national 户编号 until the national
# system gives them one; the register's export names them by a local code instead, which an
# import of that file matches back to the same household (and never stores as a 户编号).
LOCAL_CODE_PREFIX = "本地"
_LOCAL_CODE = re.compile(LOCAL_CODE_PREFIX + r"(\d{1,10})")
_LARGEST_ID = 2**31 - 1


def local_code(household_id: int) -> str:
    return f"{LOCAL_CODE_PREFIX}{household_id:08d}"


def local_household_id(code: str) -> int | None:
    """The household id a local code names; None for a national 户编号 (or a malformed code)."""
    match = _LOCAL_CODE.fullmatch(code or "")
    if match is None or not 1 <= int(match.group(1)) <= _LARGEST_ID:
        return None
    return int(match.group(1))


@dataclass(frozen=True)
class Place:
    county: str = ""
    township: str = ""
    village: str = ""
    group: str = ""
    village_code: str = ""


@dataclass(frozen=True)
class HouseholdFacts:
    """What a row says about its whole household (the national export repeats it on each row)."""

    attribute: HouseholdAttribute | None = None
    category: MonitoringCategory | None = None
    risk_types: tuple[RiskType, ...] = ()
    net_income: Decimal | None = None
    per_capita_income: Decimal | None = None
    risk_eliminated: bool | None = None
    eliminated_on: date | None = None
    size: int | None = None


@dataclass(frozen=True)
class PersonRow:
    line: int  # the row's number in the file, as Excel shows it
    household_code: str
    name: str
    id_number: str
    relation: Relation
    place: Place
    facts: HouseholdFacts
    health: Health = Health.HEALTHY
    disability_grade: int | None = None
    labour: LabourCapacity | None = None
    schooling: Schooling | None = None
    phone: str | None = None
    insured: bool | None = None
    minimum_living: bool | None = None
    extreme_poverty: bool | None = None
    work_months: int | None = None
    gender: Gender | None = None  # from the ID number; a 性别 cell must agree with it
    ethnicity: str | None = None
    education: str | None = None
    work_status: str | None = None


@dataclass(frozen=True)
class RowProblem:
    line: int
    column: str  # the column's key (``domain.register_columns.COLUMNS``); "" for the whole row
    reason: str


@dataclass(frozen=True)
class ReadRow:
    """A row as read: its household code (read even from a bad row, so that its whole household
    is left out), and the person or the problems."""

    line: int
    household_code: str
    person: PersonRow | None
    problems: tuple[RowProblem, ...] = ()


@dataclass
class HouseholdDraft:
    code: str
    place: Place
    facts: HouseholdFacts
    people: list[PersonRow] = field(default_factory=list)

    @property
    def head(self) -> PersonRow:
        return next(p for p in self.people if p.relation is Relation.HEAD)

    @property
    def lines(self) -> list[int]:
        return [p.line for p in self.people]

    @property
    def net_income(self) -> Decimal | None:
        """家庭纯收入, or where the file gives only 人均纯收入, that times the household's size
        (人数 where given: the national system divided by it)."""
        if self.facts.net_income is not None:
            return self.facts.net_income
        if self.facts.per_capita_income is None:
            return None
        return (self.facts.per_capita_income * (self.facts.size or len(self.people))).quantize(Decimal("0.01"))

    def notes(self) -> list[str]:
        """What looks wrong but does not stop the import: staff check it."""
        found: list[str] = []
        size, people = self.facts.size, len(self.people)
        if size is not None and size != people:
            found.append(f"人数填写为{size}人，文件中这一户有{people}人，以文件中的人员为准")
        net, per_capita = self.facts.net_income, self.facts.per_capita_income
        if net is not None and per_capita is not None:
            computed = net / (size or people)
            if abs(computed - per_capita) > 1:
                found.append(f"人均纯收入{per_capita}元与家庭纯收入除以人数（{computed:.2f}元）不一致，"
                             "以家庭纯收入为准")
        return found


def read_row(line: int, cells: Mapping[str, object], today: date) -> ReadRow:
    """One person from the cells of a row (column key → cell), or the problems found in it."""
    problems: list[RowProblem] = []

    def read(key: str, reader, *args):
        try:
            return reader(cells.get(key), *args)
        except BadValue as exc:
            problems.append(RowProblem(line, key, str(exc)))
            return None

    def required(key: str, what: str) -> str:
        value = values.text(cells.get(key))
        if not value:
            problems.append(RowProblem(line, key, f"{what}不能为空"))
        return value

    household_code = required("household_code", "户编号")
    name = required("name", "姓名")
    id_number, born_gender = _id_number(line, cells.get("id_number"), today, problems)
    said_gender = read("gender", values.gender)
    if said_gender is not None and born_gender is not None and said_gender is not born_gender:
        problems.append(RowProblem(line, "gender", "性别与证件号码不符"))
    relation = read("relation", values.relation)
    if relation is None and not any(p.column == "relation" for p in problems):
        problems.append(RowProblem(line, "relation", "与户主关系不能为空"))
    health = read("health", values.health) or Health.HEALTHY
    grade = read("disability_grade", values.disability_grade)
    if grade is not None and health is not Health.DISABLED:
        health = Health.DISABLED  # a disability grade says more than a health cell left at 健康
    facts = HouseholdFacts(
        attribute=read("attribute", values.attribute), category=read("category", values.category),
        risk_types=tuple(read("risk_types", values.risk_types) or ()),
        net_income=read("net_income", values.money, "家庭纯收入"),
        per_capita_income=read("per_capita_income", values.money, "人均纯收入"),
        risk_eliminated=read("risk_eliminated", values.yes_no, "是否风险消除"),
        eliminated_on=read("eliminated_on", values.day, "风险消除时间"),
        size=read("size", values.whole_number, "人数", 1, 50))
    person = dict(
        health=health, disability_grade=grade, labour=read("labour", values.labour),
        schooling=read("schooling", values.schooling), phone=_phone(line, cells.get("phone"), problems),
        insured=read("insured", values.yes_no, "是否参加城乡居民基本医疗保险"),
        minimum_living=read("minimum_living", values.yes_no, "是否享受低保"),
        extreme_poverty=read("extreme_poverty", values.yes_no, "是否特困供养"),
        work_months=read("work_months", values.whole_number, "务工时间（月）", 0, 12),
        gender=born_gender or said_gender,
        ethnicity=read("ethnicity", values.short_text, "民族", 16),
        education=read("education", values.short_text, "文化程度", 24),
        work_status=read("work", values.short_text, "务工状况", 24))
    if facts.risk_eliminated is False and facts.eliminated_on is not None:
        problems.append(RowProblem(line, "eliminated_on", "未消除风险的农户不应填写风险消除时间"))
    place = Place(**{k: values.text(cells.get(k)) for k in ("county", "township", "village", "group",
                                                             "village_code")})
    if not (place.village or place.village_code):
        problems.append(RowProblem(line, "village", "行政村不能为空"))
    if problems:
        return ReadRow(line, household_code, None, tuple(problems))
    return ReadRow(line, household_code, PersonRow(
        line=line, household_code=household_code, name=name, id_number=id_number, relation=relation,
        place=place, facts=facts, **person))


def _id_number(line: int, cell: object, today: date, problems: list[RowProblem]) -> tuple[str, Gender | None]:
    """The normalised number and the gender it encodes."""
    value = values.text(cell)
    if not value:
        problems.append(RowProblem(line, "id_number", "证件号码不能为空"))
        return "", None
    try:
        parsed = parse_id_number(value, today)
    except InvalidIdNumber as exc:
        problems.append(RowProblem(line, "id_number", str(exc)))
        return "", None
    return parsed.value, values.GENDERS[parsed.gender]


def _phone(line: int, cell: object, problems: list[RowProblem]) -> str | None:
    value = values.text(cell)
    if not value:
        return None
    try:
        return normalize_mobile(value)
    except InvalidPhone as exc:
        problems.append(RowProblem(line, "phone", str(exc)))
        return None


# --- households ---------------------------------------------------------------------------------

@dataclass
class Grouped:
    households: list[HouseholdDraft]
    problems: list[RowProblem]  # every row of a household left out, with its reasons

    @property
    def people(self) -> int:
        return sum(len(h.people) for h in self.households)


def group(rows: Iterable[ReadRow]) -> Grouped:
    """Households from read rows, in file order."""
    drafts: dict[str, HouseholdDraft] = {}
    spoiled: dict[str, list[RowProblem]] = {}
    unplaced: list[RowProblem] = []
    seen_ids: dict[str, tuple[int, str]] = {}
    for row in rows:
        code, person = row.household_code, row.person
        if person is None:
            (spoiled.setdefault(code, []) if code else unplaced).extend(row.problems)
            continue
        draft = drafts.get(code)
        if draft is None:
            draft = drafts[code] = HouseholdDraft(code=code, place=person.place, facts=person.facts)
        else:
            draft.facts = _merged(draft.facts, person.facts)
        draft.people.append(person)
        earlier = seen_ids.get(person.id_number)
        if earlier is None:
            seen_ids[person.id_number] = (row.line, code)
            continue
        where = "同一户" if earlier[1] == code else f"户编号 {earlier[1]}"
        spoiled.setdefault(code, []).append(RowProblem(
            row.line, "id_number", f"此人已在第{earlier[0]}行（{where}）出现，一人只能在一户"))
        if earlier[1] != code:
            spoiled.setdefault(earlier[1], []).append(RowProblem(
                earlier[0], "id_number", f"此人在第{row.line}行又出现在另一户"))
    for code, draft in drafts.items():
        for problem in _household_problems(draft):
            spoiled.setdefault(code, []).append(problem)
    problems = list(unplaced)
    for code, found in spoiled.items():
        problems.extend(found)
        bad_lines = {p.line for p in found}
        draft = drafts.get(code)
        problems.extend(RowProblem(line, "", "同户其他行有错误，整户未导入")
                        for line in (draft.lines if draft else []) if line not in bad_lines)
    problems.sort(key=lambda p: (p.line, p.column))
    return Grouped([d for code, d in drafts.items() if code not in spoiled], problems)


def _merged(facts: HouseholdFacts, more: HouseholdFacts) -> HouseholdFacts:
    """A household's facts filled in from a later row where the earlier ones left them empty."""
    filled = {f.name: getattr(more, f.name) for f in fields(HouseholdFacts)
              if getattr(facts, f.name) in (None, ()) and getattr(more, f.name) not in (None, ())}
    return replace(facts, **filled) if filled else facts


def _household_problems(draft: HouseholdDraft) -> list[RowProblem]:
    problems: list[RowProblem] = []
    heads = [p for p in draft.people if p.relation is Relation.HEAD]
    if not heads:
        problems.append(RowProblem(draft.people[0].line, "relation", "这一户没有户主（与户主关系为“户主”的一行）"))
    for extra in heads[1:]:
        problems.append(RowProblem(extra.line, "relation", f"这一户已有户主（第{heads[0].line}行），一户只能有一位户主"))
    for person in draft.people[1:]:
        if person.place != draft.place:
            problems.append(RowProblem(person.line, "village", "同一户的各行所在乡镇、村、组应相同"))
        for f in fields(HouseholdFacts):
            mine, theirs = getattr(person.facts, f.name), getattr(draft.facts, f.name)
            if mine not in (None, ()) and theirs not in (None, ()) and mine != theirs:
                problems.append(RowProblem(person.line, f.name, "同一户的各行此项应相同"))
    return problems
