"""Rules about the people of a household (DOMAIN: households and people).

Who counts: only the members present (在户). People who died, married out or moved out stay on
record (自然变更) but no longer count in the household's size, labour or welfare.

- ``whole_household_without_labour``: 整户无劳动能力 — present members, none of whom can work
  (``LabourCapacity.can_work``: 普通、技能、弱劳动力 can; 丧失劳动力、无劳动力 cannot). Seed 004:
  "对整户无劳动能力的监测对象，落实兜底保障措施后，暂不标注风险消除" and "对风险消除不稳定和整户
  无劳动力的监测对象进行回退" (``domain.elimination``, the look-back list).
- ``welfare_labels``: the household is a 低保户 / 特困户 when any present member is covered; the
  national system records 低保 and 特困供养 per person, the household is derived from them.
- ``joining_problems`` / ``departure_problems``: the dates and reasons of a natural change.
- ``text_problem``: free text typed by staff (names, addresses, notes) that a database keeps.

Plain Python: dates are passed in, nothing reads the clock. Messages are Chinese, safe to show,
and never repeat what was typed.
"""
from __future__ import annotations

import unicodedata
from datetime import date
from typing import Iterable, Protocol

from domain.enums import JoinReason, LabourCapacity, MemberStatus

MINIMUM_LIVING_HOUSEHOLD = "低保户"
EXTREME_POVERTY_HOUSEHOLD = "特困户"
NOTE_LONGEST = 200


class Person(Protocol):
    status: str
    minimum_living: bool | None
    extreme_poverty: bool | None


def is_present(person: Person) -> bool:
    return (person.status or MemberStatus.PRESENT.value) == MemberStatus.PRESENT.value


def whole_household_without_labour(people: Iterable) -> bool:
    """Every present member lacks labour capacity (and someone is present: a household whose
    people all left is not judged here). Departed members no longer count either way."""
    present = [p for p in people if is_present(p)]
    return bool(present) and not any(LabourCapacity(p.labour_capacity).can_work for p in present)


def welfare_labels(people: Iterable[Person]) -> tuple[str, ...]:
    """("低保户", "特困户"), either or neither: what the present members' own records make of the
    household. A departed member's 低保 no longer makes the household a 低保户."""
    present = [p for p in people if is_present(p)]
    labels = []
    if any(p.minimum_living for p in present):
        labels.append(MINIMUM_LIVING_HOUSEHOLD)
    if any(p.extreme_poverty for p in present):
        labels.append(EXTREME_POVERTY_HOUSEHOLD)
    return tuple(labels)


def text_problem(value: str, label: str, longest: int, *, required: bool = False) -> str:
    """Why a trimmed piece of typed text cannot be kept ('' when it can): empty when required,
    longer than the column, or holding control characters (a NUL byte, a line break in a name)
    or broken characters that no database stores."""
    if not value:
        return f"请填写{label}" if required else ""
    if len(value) > longest:
        return f"{label}不超过{longest}个字"
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in value):
        return f"{label}含有无法保存的字符，请重新输入"
    return ""


DEPARTURES = tuple(s for s in MemberStatus if s is not MemberStatus.PRESENT)


def joining_problems(reason: str | None, joined_on: date | None, today: date,
                     birth_date: date | None = None) -> dict[str, str]:
    """A person who joins after registration (新生儿、婚入、迁入): a known reason and the date,
    not after today nor before the person was born (by the ID number, when given)."""
    errors: dict[str, str] = {}
    if reason not in JoinReason.codes():
        errors["join_reason"] = "请选择增加原因"
    if joined_on is None:
        errors["joined_on"] = "请填写增加日期"
    elif joined_on > today:
        errors["joined_on"] = "增加日期不能晚于今天"
    elif birth_date is not None and joined_on < birth_date:
        errors["joined_on"] = "增加日期不能早于身份证号中的出生日期"
    return errors


def departure_problems(status: str | None, left_on: date | None, note: str, today: date, *,
                       joined_on: date | None = None, birth_date: date | None = None) -> dict[str, str]:
    """A member who dies, marries out or moves out: the kind of change, its date (not after today,
    not before the person joined or was born) and a note, required when the kind is 其他."""
    errors: dict[str, str] = {}
    if status not in [s.value for s in DEPARTURES]:
        errors["status"] = "请选择减少原因（死亡、婚出、迁出或其他）"
    if left_on is None:
        errors["left_on"] = "请填写减少日期"
    elif left_on > today:
        errors["left_on"] = "减少日期不能晚于今天"
    elif joined_on is not None and left_on < joined_on:
        errors["left_on"] = "减少日期不能早于此人加入本户的日期"
    elif birth_date is not None and left_on < birth_date:
        errors["left_on"] = "减少日期不能早于身份证号中的出生日期"
    problem = text_problem(note, "情况说明", NOTE_LONGEST,
                           required=status == MemberStatus.OTHER_LEFT.value)
    if problem:
        errors["left_note"] = problem
    return errors


def needs_new_head(is_head: bool, others_present: int) -> bool:
    """The head cannot simply leave: while anyone else stays, one of them becomes the head.
    The last person of a household leaves without a successor (the household ends)."""
    return is_head and others_present > 0
