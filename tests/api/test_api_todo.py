"""GET /api/v1/todo and /api/v1/todo/facts/<id>: the same lists, scope, masking and order as
the page; 401 without a token, 403 for roles without steps, 404 outside the scope."""
import pytest

from conftest import TODAY
from office_support import Calendar
from todo_support import build_todo_scene, read_audits

API = "/api/v1"


@pytest.fixture
def scene(app, monkeypatch):
    Calendar(monkeypatch, TODAY)
    return build_todo_scene()


def _token(client, login_name: str) -> dict:
    answer = client.post(f"{API}/auth/login", json={"login": login_name, "password": "correct-horse-9"})
    assert answer.status_code == 200, answer.get_json()
    return {"Authorization": f"Bearer {answer.get_json()['token']}"}


def _sections(client, name: str, **args) -> dict:
    answer = client.get(f"{API}/todo", headers=_token(client, name), query_string=args)
    assert answer.status_code == 200, answer.get_json()
    return {s["key"]: s for s in answer.get_json()["sections"]}


def test_township_rows(client, scene):
    review = _sections(client, "township")["township"]
    assert [r["case_id"] for r in review["rows"]] == [scene.township_late, scene.township_soon]
    assert (review["total"], review["overdue"]) == (2, 1)
    first = review["rows"][0]
    assert (first["step"], first["tone"], first["days_left"], first["facts"]) == ("乡镇审核", "overdue", -5, True)
    assert "*" in first["name"] and "*" in first["id_masked"]
    assert scene.neighbour not in [r["case_id"] for r in review["rows"]]


@pytest.mark.parametrize("name, key, expected", [
    ("village_a", "clues", ("received", "reported")),
    ("county", "county", ("county",)),
    ("cadre_a", "paired", ("paired", "helping")),
    ("dept", "measures", ("helping",)),
])
def test_each_role(client, scene, name, key, expected):
    rows = _sections(client, name)[key]["rows"]
    assert [r["case_id"] for r in rows] == [getattr(scene, e) for e in expected]


def test_facts_are_audited_and_scoped(client, scene):
    headers = _token(client, "township")
    answer = client.get(f"{API}/todo/facts/{scene.township_soon}", headers=headers)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["review"]["result"] == "同意" and body["eligibility"]["known"] is True
    assert read_audits(scene.users["township"]) == [(str(scene.township_soon), "full record")]
    assert client.get(f"{API}/todo/facts/{scene.neighbour}", headers=headers).status_code == 404
    assert client.get(f"{API}/todo/facts/{2**40}", headers=headers).status_code == 404


def test_refusals(client, scene):
    assert client.get(f"{API}/todo").status_code == 401
    answer = client.get(f"{API}/todo", headers=_token(client, "admin"))
    assert answer.status_code == 403 and answer.get_json()["error"]["code"] == "forbidden"
    bad = client.get(f"{API}/todo", headers=_token(client, "township"), query_string={"page": "x"})
    assert bad.status_code == 400 and "page" in bad.get_json()["error"]["fields"]


def test_documented(client, scene):
    doc = client.get(f"{API}/openapi.json").get_json()
    assert doc["paths"][f"{API}/todo"]["get"]["tags"] == ["待办"]
    assert "TodoBoard" in doc["components"]["schemas"] and "TodoFacts" in doc["components"]["schemas"]
