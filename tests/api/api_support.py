"""Shared helpers for the /api/v1 tests (not a conftest: see tests/http/http_support.py)."""
from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from PIL import Image
from sqlalchemy import func, select

from core import clock
import factories
from conftest import serving  # noqa: F401  (re-exported for the race tests)
from core.extensions import db
from domain.enums import CaseSource
from domain.workflow import Action
from models import Case, PhotoUpload, User, Visit
from services.accounts import tokens
from services.workflow import cases
from services.workflow.cases import StepInput

API = "/api/v1"


@dataclass(frozen=True)
class Scene:
    """Plain ids (no ORM objects, which expire between requests)."""

    users: dict[str, int]
    h_a1: int     # in grid A1 (the grid worker's grid)
    h_a2: int     # in grid A2, same village
    h_a: int      # registered directly in village A (above the grid)
    h_b: int      # in village B
    case_a1: int  # open, about h_a1, not yet assigned to anyone
    case_a2: int
    case_b: int


def build_scene() -> Scene:
    today = clock.today()
    world = factories.build_world()
    h_a1 = factories.household(world.grid_a1, today, phone="13800001111")
    h_a2 = factories.household(world.grid_a2, today)
    h_a = factories.household(world.village_a, today)
    h_b = factories.household(world.village_b, today)
    opened = [cases.open_case(None, world.village_a, CaseSource.SELF_REPORT, today=today, household=h)
              for h in (h_a1, h_a2, h_b)]
    db.session.commit()
    return Scene({name: u.id for name, u in world.users.items()}, h_a1.id, h_a2.id, h_a.id, h_b.id,
                 *(c.id for c in opened))


def user(user_id: int) -> User:
    return db.session.get(User, user_id)


def token_for(user_id: int) -> str:
    """A bearer token as login would give, without spending the login rate limit."""
    token, _ = tokens.issue(user(user_id))
    db.session.commit()
    return token


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def assign_verifier(scene: Scene, case_id: int, who: str = "grid_a1") -> None:
    """Village A's staff accept the clue and send ``who`` to verify it at home."""
    staff = user(scene.users["village_a"])
    cases.perform(staff, case_id, Action.ACCEPT, StepInput(), today=clock.today())
    cases.perform(staff, case_id, Action.ASSIGN_VERIFIER, StepInput(assignee_id=scene.users[who]),
                  today=clock.today())
    db.session.commit()


def new_uuid() -> str:
    return str(uuid.uuid4())


def visit_body(household_id: int, **changes) -> dict:
    body = {"client_uuid": new_uuid(), "household_id": household_id, "method": "home",
            "visited_at": (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat(),
            "answers": {"housing_safe": "yes", "water_safe": "yes", "should_monitor": "no"},
            "income": {"wages": 24000, "business": "3000.50", "business_costs": 1000},
            "household_size": 2, "gps": {"lat": 30.5, "lng": 117.2, "accuracy": 12}}
    body.update(changes)
    return body


def jpeg(colour: str = "red", size=(64, 48)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "JPEG")
    return buf.getvalue()


def upload(client, headers: dict, client_uuid: str, data: bytes):
    return client.post(f"{API}/photos", headers=headers, content_type="multipart/form-data",
                       data={"client_uuid": client_uuid, "file": (io.BytesIO(data), "p.jpg")})


def visits_with(client_uuid: str) -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count(Visit.id)).where(Visit.client_uuid == client_uuid)).scalar_one()


def photos_with(client_uuid: str) -> int:
    db.session.expire_all()
    return db.session.execute(
        select(func.count(PhotoUpload.id)).where(PhotoUpload.client_uuid == client_uuid)).scalar_one()


def case_row(case_id: int) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case_id)


def assert_error(response, status: int, code: str, fields: set | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code and body["error"]["message"]
    if fields is not None:
        assert set(body["error"]["fields"]) == fields, body["error"]["fields"]
    return body["error"]


# --- a real server, for concurrent requests -----------------------------------------------------

def post_json(url: str, body: dict, headers: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


# --- responses against the OpenAPI document ----------------------------------------------------

def conforms(doc: dict, schema: dict, value, where: str = "$") -> list[str]:
    """Problems of ``value`` against an OpenAPI schema of this API's subset (refs, allOf, oneOf,
    objects without extra keys, arrays, nullable scalars)."""
    if "$ref" in schema:
        return conforms(doc, doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]], value, where)
    if value is None:
        return [] if schema.get("nullable") else [f"{where}: null not allowed"]
    if "allOf" in schema:
        return conforms(doc, schema["allOf"][0], value, where)
    if "oneOf" in schema:
        return [] if any(not conforms(doc, s, value, where) for s in schema["oneOf"]) else [f"{where}: no oneOf"]
    kind = schema.get("type")
    checks = {"string": str, "boolean": bool, "array": list, "object": dict}
    if kind == "integer" and not (isinstance(value, int) and not isinstance(value, bool)):
        return [f"{where}: not an integer"]
    if kind == "number" and not (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return [f"{where}: not a number"]
    if kind in checks and not isinstance(value, checks[kind]):
        return [f"{where}: not {kind}"]
    problems = []
    if kind == "array":
        for i, item in enumerate(value):
            problems += conforms(doc, schema.get("items", {}), item, f"{where}[{i}]")
    if kind == "object" and "properties" in schema:
        extra = set(value) - set(schema["properties"])
        missing = set(schema["properties"]) - set(value)
        problems += [f"{where}: extra {sorted(extra)}"] * bool(extra) + [f"{where}: missing {sorted(missing)}"] * bool(missing)
        for key, prop in schema["properties"].items():
            if key in value:
                problems += conforms(doc, prop, value[key], f"{where}.{key}")
    return problems


def response_schema(doc: dict, path: str, method: str, status: int) -> dict:
    content = doc["paths"][path][method]["responses"][str(status)]["content"]
    return content["application/json"]["schema"]
