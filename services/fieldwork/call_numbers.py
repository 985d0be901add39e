"""The household's phone numbers for a remote check (电话、微信、QQ核查), as a tel: link.

A family that is away is checked by phone. The numbers are shown in full only to the worker the
household or the case is assigned to — the grid worker of the household's grid, or the verifier
the case was given to — and each showing is an audited read. Everyone else, and every list, sees
them masked. Nothing here is kept on the phone: the page shows the full number once, on request,
and the offline bundle (``grid_bundle``) carries the masked number only.
"""
from __future__ import annotations

from dataclasses import dataclass

from domain.enums import Relation
from domain.masking import mask_phone
from models import Case, Household, User
from services.accounts import scoping
from services.errors import NotFound, PermissionDenied
from services.platform import audit

_RELATIONS = dict(Relation.choices())


@dataclass(frozen=True)
class CallNumber:
    name: str
    relation: str
    phone: str        # in full (``numbers``) or masked (``masked``)


@dataclass(frozen=True)
class CallPanel:
    """What the visit form shows for a remote check: the numbers masked, and whether the reader
    may have them in full."""

    numbers: list[CallNumber]
    may_call: bool


def _household_and_assigned(actor: User, household_id: int, case_id: int | None) -> tuple[Household, bool]:
    household = scoping.get(actor, Household, household_id)
    # A grid worker: the households of their grid are theirs.
    assigned = scoping.reach(actor) is scoping.Reach.OWN_CASES
    if case_id is not None:
        case = scoping.get(actor, Case, case_id)
        if case.household_id != household.id:
            raise NotFound("case of another household")
        assigned = assigned or case.verifier_id == actor.id
    return household, assigned


def _numbers(household: Household, show) -> list[CallNumber]:
    return [CallNumber(m.name, _RELATIONS.get(m.relation, ""), show(m.phone))
            for m in household.members if m.phone]


def panel(actor: User, household_id: int, case_id: int | None) -> CallPanel:
    """For the visit form: masked numbers (no audit: nothing is read in full)."""
    household, assigned = _household_and_assigned(actor, household_id, case_id)
    numbers = _numbers(household, mask_phone)
    return CallPanel(numbers, assigned and bool(numbers))


def numbers(actor: User, household_id: int, case_id: int | None) -> list[CallNumber]:
    """The numbers in full, for the assigned worker only (PermissionDenied for anyone else in
    scope, NotFound outside it). Audited: which household, how many numbers, never the numbers."""
    household, assigned = _household_and_assigned(actor, household_id, case_id)
    if not assigned:
        raise PermissionDenied("只有负责这户的网格员或这条线索的核实人可以查看完整号码")
    found = _numbers(household, str)
    audit.record(actor, "read", "household", household.id, f"phones for a remote check: {len(found)}")
    return found
