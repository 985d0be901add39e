"""登记农户并关联: a clue whose family is not on the register gets its household registered from
the case page, by village or township staff, and linked in the same step, so the county can
confirm it.

The form starts from the claim: the name as reported, the reported ID number and phone used as
they are (shown masked; the full numbers never reach the page), or typed anew when the clue had
them wrong. The household goes in the clue's village or one of its groups.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.enums import Health, LabourCapacity, RegionLevel, Relation
from models import Case, Region, User
from services.accounts import scoping
from services.errors import ValidationFailed
from services.households import matching, records
from services.households.records import MemberInput
from services.workflow import cases


@dataclass(frozen=True)
class NewHousehold:
    region_code: str = ""
    name: str = ""
    labour_capacity: str = ""
    health: str = Health.HEALTHY.value
    use_claimed_id: bool = True
    id_number: str = ""
    use_claimed_phone: bool = True
    phone: str = ""
    address: str = ""


def places(actor: User, case: Case) -> list[tuple[str, str]]:
    """Where the household may be registered: the clue's village and its groups, in scope."""
    village = case.region.village
    found = [village, *[g for g in village.children if g.level == RegionLevel.GRID.value]]
    return [(r.code, r.name) for r in found if scoping.in_scope(actor, r)]


def form_for(case: Case) -> NewHousehold:
    """The form as it first appears: the claim's name, its numbers used as reported."""
    return NewHousehold(name=case.claimed_name or "", use_claimed_id=bool(case.claimed_id_number_index),
                        use_claimed_phone=bool(case.claimed_phone_index))


def register_and_link(actor: User, case_id: int, form: NewHousehold, today: date) -> Case:
    matching.require_matcher(actor)
    case = scoping.get(actor, Case, case_id)
    reason = matching.not_awaiting_reason(case)
    if reason:
        raise ValidationFailed({"": reason})
    errors: dict[str, str] = {}
    region = _region(actor, case, form.region_code, errors)
    id_number = case.claimed_id_number if form.use_claimed_id and case.claimed_id_number_index else form.id_number
    if not (id_number or "").strip():
        errors["id_number"] = "请填写户主的身份证号"
    phone = case.claimed_phone if form.use_claimed_phone and case.claimed_phone_index else form.phone
    if errors:
        raise ValidationFailed(errors)
    try:
        household = records.register_household(
            actor, region, [MemberInput(name=form.name, relation=Relation.HEAD.value,
                                        labour_capacity=form.labour_capacity, health=form.health,
                                        id_number=id_number, phone=(phone or "").strip() or None)],
            today=today, address=form.address)
    except ValidationFailed as exc:  # the register's keys name the first member: the form's fields
        raise ValidationFailed({key.removeprefix("members[0]."): message
                                for key, message in exc.fields.items()}) from None
    return cases.match_household(actor, case.id, household.id)


def _region(actor: User, case: Case, code: str, errors: dict) -> Region | None:
    allowed = dict(places(actor, case))
    if code not in allowed:
        errors["region_code"] = "请选择本线索所在的村或其下的组"
        return None
    return scoping.region_by_code(actor, code)


LABOUR_CHOICES = LabourCapacity.choices()
HEALTH_CHOICES = Health.choices()
