"""Read adapters for the API: they read through services (scoping applies) and shape plain dicts.

Three reads have no service function yet; they are here, each restricted exactly like its
service neighbour, and belong in services (see the report that came with the API):
``fieldwork.household_rows(actor, limit, offset)``, ``cases.list_in_scope(actor, limit, offset)``,
``visits.visits_of(household)`` and ``visits.visit_for(actor, client_uuid)``.
"""
from __future__ import annotations

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core.extensions import db
from domain.enums import CaseSource, Health, HouseholdAttribute, LabourCapacity, Relation, Role, Schooling
from domain.workflow import Action, CaseState
from models import Case, Household, PhotoUpload, User, Visit
from services.accounts import scoping
from services.errors import NotFound
from services.fieldwork import worklists
from services.households import records


def _label(enum, code: str | None) -> str | None:
    return enum(code).label if code else None


def user(u: User) -> dict:
    return {"id": u.id, "name": u.full_name, "role": u.role, "role_label": Role(u.role).label,
            "region": {"code": u.region.code, "name": u.region.name}}


# --- households ---------------------------------------------------------------------------------

def household_page(actor: User, q: str, page: int, per_page: int) -> tuple[list, int]:
    """(rows, total): a search by name or number tail, or every household in scope by id."""
    start = (page - 1) * per_page
    if q.strip():
        rows = worklists.search(actor, q)  # at most worklists.LIST_LIMIT matches
        return rows[start:start + per_page], len(rows)
    query = (scoping.households(actor).options(selectinload(Household.members), selectinload(Household.region))
             .order_by(Household.id).limit(per_page).offset(start))
    found = list(db.session.execute(query).scalars())
    return worklists._household_rows(found), records.count_in_scope(actor)


def household_record(household: Household) -> dict:
    """The full record (numbers in full): only after services.households.records.read_household."""
    visits = db.session.execute(select(Visit).where(Visit.household_id == household.id)
                                .order_by(Visit.visited_at.desc(), Visit.id.desc())).scalars()
    return {
        "id": household.id, "code": household.code, "region": household.region.name,
        "address": household.address, "attribute": household.attribute,
        "attribute_label": HouseholdAttribute(household.attribute).label,
        "members": [{
            "id": m.id, "name": m.name, "relation": m.relation, "relation_label": Relation(m.relation).label,
            "id_number": m.id_number, "phone": m.phone, "health": m.health,
            "health_label": Health(m.health).label, "labour_capacity": m.labour_capacity,
            "labour_capacity_label": LabourCapacity(m.labour_capacity).label,
            "schooling": m.schooling, "schooling_label": _label(Schooling, m.schooling),
            "disability_grade": m.disability_grade} for m in household.members],
        "visits": [{"client_uuid": v.client_uuid, "method": v.method, "visited_at": v.visited_at}
                   for v in visits],
    }


# --- cases --------------------------------------------------------------------------------------

def case_page(actor: User, page: int, per_page: int) -> tuple[list[dict], int]:
    query = scoping.cases(actor)
    total = db.session.execute(query.with_only_columns(func.count(Case.id)).order_by(None)).scalar_one()
    rows = db.session.execute(query.order_by(Case.id).limit(per_page).offset((page - 1) * per_page)).scalars()
    return [case_summary(c) for c in rows], total


def case_summary(case: Case) -> dict:
    return {
        "id": case.id, "state": case.state, "state_label": case.state_enum.label,
        "source": case.source, "source_label": CaseSource(case.source).label, "urgent": case.urgent,
        "risk_types": list(case.risk_types), "due_date": case.due_date, "household_id": case.household_id,
        "claimed_name": case.claimed_name, "claimed_id_masked": case.claimed_id_number_masked or None,
    }


def case_record(case: Case) -> dict:
    """A case with its timeline: only after services.workflow.cases.read_case."""
    events = [{
        "at": e.at, "action": e.action, "action_label": Action(e.action).label if e.action else "提交线索",
        "state": e.to_state, "state_label": CaseState(e.to_state).label,
        "actor": f"{e.actor.full_name}（{Role(e.actor_role).label}）" if e.actor else "农户本人",
    } for e in case.events]
    return {**case_summary(case), "events": events}


# --- visits and photos --------------------------------------------------------------------------

def visit_for(actor: User, client_uuid: str) -> Visit:
    """A visit the user may read: their own, or one of a household in their scope (like photo_for)."""
    visit = db.session.execute(select(Visit).where(Visit.client_uuid == client_uuid)).scalar_one_or_none()
    if visit is None or (visit.worker_id != actor.id and not scoping.in_scope(actor, visit.household.region)):
        raise NotFound("visit outside scope")
    return visit


def visit(v: Visit) -> dict:
    return {
        "client_uuid": v.client_uuid, "id": v.id, "household_id": v.household_id, "case_id": v.case_id,
        "method": v.method, "visited_at": v.visited_at, "should_monitor": v.should_monitor,
        "per_capita_income": v.per_capita_income, "photos": [p.client_uuid for p in v.photos],
        "signed": v.signature_file is not None, "case_state": v.case.state if v.case is not None else None,
    }


def photo(p: PhotoUpload) -> dict:
    return {"client_uuid": p.client_uuid, "width": p.width, "height": p.height,
            "url": url_for("api_v1.photo_file", client_uuid=p.client_uuid),
            "thumb_url": url_for("api_v1.photo_thumb", client_uuid=p.client_uuid)}
