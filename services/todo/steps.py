"""Which states wait for whom, read from ``notify.duty_for`` (the one place that decides it).

A desk list asks for the states whose next step is one of its actions and whose holder is its
desk level with no person named; a personal list asks for the states whose step names the
case field (``verifier``, ``original_verifier``, ``pair_cadre``) that must hold the person.
"""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import and_, false, or_

from domain.enums import Role
from domain.workflow import Action, CaseState, actions_for_role
from models import Case, User
from services.notifications.notify import NEXT_STEP, duty_for


def for_desk(role: Role, actions: Iterable[Action]) -> tuple[CaseState, ...]:
    wanted = set(actions)
    return tuple(s for s in NEXT_STEP
                 if (d := duty_for(s)) is not None and d.action in wanted and d.staff is role and d.person is None)


def for_person(*fields: str) -> tuple[CaseState, ...]:
    return tuple(s for s in NEXT_STEP if (d := duty_for(s)) is not None and d.person in fields)


def named_condition(actor: User, states: Iterable[CaseState]):
    """Over Case: in one of ``states`` and naming ``actor`` in the field that state's step names."""
    parts = [and_(Case.state == s.value, getattr(Case, f"{duty_for(s).person}_id") == actor.id) for s in states]
    return or_(*parts) if parts else false()


def task(state: CaseState | str) -> str:
    duty = duty_for(state)
    return duty.task if duty else ""


def decides_reviews(role: Role) -> bool:
    """Whether the role answers a farmer's re-review (申请复核) of a refusal: the workflow says."""
    return Action.REVIEW_UPHOLD in actions_for_role(CaseState.REJECTED, role)


# The lists of each desk, by the steps they hold (states derived above).
VILLAGE_CLUES = for_desk(Role.VILLAGE_STAFF, (Action.ACCEPT, Action.ASSIGN_VERIFIER))
VILLAGE_NOTICES = for_desk(Role.VILLAGE_STAFF, (Action.CLOSE_NOTICE, Action.ELIM_CLOSE_NOTICE))
TOWNSHIP_REVIEWS = for_desk(Role.TOWNSHIP_STAFF, (Action.TOWNSHIP_APPROVE, Action.ELIM_TOWNSHIP_APPROVE))
COUNTY_REVIEWS = for_desk(Role.COUNTY_STAFF, (Action.COUNTY_CONFIRM, Action.ELIM_COUNTY_APPROVE))
VERIFICATIONS = for_person("verifier", "original_verifier")
