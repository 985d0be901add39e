"""Field mapping for the API: objects already loaded by services (scoping applies there) shaped
into the plain dicts the schemas dump. Nothing here queries."""
from __future__ import annotations

from flask import url_for

from domain import visit_proof
from domain.enums import CaseSource, Health, HouseholdAttribute, LabourCapacity, Relation, Role, Schooling
from domain.workflow import Action, CaseState
from models import Case, CaseEvent, Household, PhotoUpload, User, Visit


def _label(enum, code: str | None) -> str | None:
    return enum(code).label if code else None


def user(u: User) -> dict:
    return {"id": u.id, "name": u.full_name, "role": u.role, "role_label": Role(u.role).label,
            "region": {"code": u.region.code, "name": u.region.name}}


# --- households ---------------------------------------------------------------------------------

def household_record(household: Household, visits: list[Visit]) -> dict:
    """The full record (numbers in full): only after ``records.read_household``; its visits from
    ``visits.visits_of``."""
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

def case_summary(case: Case) -> dict:
    return {
        "id": case.id, "state": case.state, "state_label": case.state_enum.label,
        "source": case.source, "source_label": CaseSource(case.source).label, "urgent": case.urgent,
        "risk_types": list(case.risk_types), "due_date": case.due_date, "household_id": case.household_id,
        "claimed_name": case.claimed_name, "claimed_id_masked": case.claimed_id_number_masked or None,
    }


def case_record(case: Case, events: list[CaseEvent]) -> dict:
    """A case with its timeline: only after ``cases.read_case``; its events from ``cases.events_of``."""
    timeline = [{
        "at": e.at, "action": e.action, "action_label": Action(e.action).label if e.action else "提交线索",
        "state": e.to_state, "state_label": CaseState(e.to_state).label,
        "actor": f"{e.actor.full_name}（{Role(e.actor_role).label}）" if e.actor else "农户本人",
    } for e in events]
    return {**case_summary(case), "events": timeline}


# --- visits and photos --------------------------------------------------------------------------

def visit(v: Visit) -> dict:
    return {
        "client_uuid": v.client_uuid, "id": v.id, "household_id": v.household_id, "case_id": v.case_id,
        "method": v.method, "visited_at": v.visited_at, "should_monitor": v.should_monitor,
        "per_capita_income": v.per_capita_income, "photos": [p.client_uuid for p in v.photos],
        "signed": v.signature_file is not None, "case_state": v.case.state if v.case is not None else None,
        "signature_url": url_for("api_v1.visit_signature", client_uuid=v.client_uuid) if v.signature_file else None,
        "received_at": v.created_at, "late": visit_proof.is_late(v.visited_at, v.created_at),
        "gps": _position(v.gps),
    }


def _position(stored: str | None) -> dict | None:
    position = visit_proof.stored_position(stored)
    if position is None:
        return None
    return {"lat": position.lat, "lng": position.lng, "accuracy": position.accuracy, "text": position.words()}


def photo(p: PhotoUpload) -> dict:
    return {"client_uuid": p.client_uuid, "width": p.width, "height": p.height,
            "url": url_for("api_v1.photo_file", client_uuid=p.client_uuid),
            "thumb_url": url_for("api_v1.photo_thumb", client_uuid=p.client_uuid)}
