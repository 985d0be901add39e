"""Whom a step can be given to: the people in scope who may take it, for pickers."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import contains_eager

from core.extensions import db
from domain.enums import Role
from models import Case, Region, User
from services.accounts import scoping
from services.workflow.case_effects import VERIFIER_ROLES


@dataclass(frozen=True)
class Person:
    id: int
    label: str  # "李娟（网格员，青山村第1网格）": no phone, no ID number


def _people(actor: User, case: Case, roles: tuple[str, ...]) -> list[Person]:
    query = (scoping.users(actor).where(User.role.in_(roles), User.active.is_(True))
             .options(contains_eager(User.region)).order_by(User.role, User.full_name))
    found = []
    for user in db.session.execute(query).scalars():
        if user.region.contains(case.region) or case.region.contains(user.region):
            found.append(Person(user.id, f"{user.full_name}（{user.role_enum.label}，{user.region.name}）"))
    return found


def verifiers_for(actor: User, case: Case) -> list[Person]:
    return _people(actor, case, VERIFIER_ROLES)


def pair_cadres_for(actor: User, case: Case) -> list[Person]:
    return _people(actor, case, (Role.PAIR_CADRE.value,))


def verifiers_in_region(actor: User, region: Region) -> list[Person]:
    """For bulk assignment across cases: everyone in scope who may verify in ``region``."""
    query = (scoping.users(actor).where(User.role.in_(VERIFIER_ROLES), User.active.is_(True))
             .options(contains_eager(User.region)).order_by(User.role, User.full_name))
    return [Person(u.id, f"{u.full_name}（{u.role_enum.label}，{u.region.name}）")
            for u in db.session.execute(query).scalars()
            if u.region.contains(region) or region.contains(u.region)]
