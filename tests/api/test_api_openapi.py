"""The OpenAPI document covers every route, resolves every $ref, and tells the truth about the
answers; the docs page is made from it."""
import re

import pytest

from api_support import (API, assign_verifier, bearer, build_scene, conforms, jpeg, new_uuid,
                         response_schema, token_for, upload, visit_body)

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def doc(client):
    answer = client.get(f"{API}/openapi.json")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    return answer.get_json()


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def test_document_shape(doc):
    assert doc["openapi"] == "3.0.3"
    assert doc["info"]["title"] and doc["info"]["version"]
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": doc["components"]["securitySchemes"]["bearerAuth"]["description"]}
    operation_ids = []
    for path, item in doc["paths"].items():
        assert path.startswith(API + "/")
        declared = set(re.findall(r"{(\w+)}", path))
        for method, op in item.items():
            assert method in METHODS
            operation_ids.append(op["operationId"])
            assert op["summary"] and op["tags"] and op["responses"]
            assert {p["name"] for p in op["parameters"] if p["in"] == "path"} == declared
            for param in op["parameters"]:
                assert param["in"] in ("path", "query") and "schema" in param
            for status, answer in op["responses"].items():
                assert re.fullmatch(r"[1-5]\d\d", status) and answer["description"]
                if int(status) >= 400:
                    assert answer["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/ErrorResponse"}
            if op["security"]:
                assert {"bearerAuth": []} in op["security"] and "401" in op["responses"]
            if "requestBody" in op:
                assert "400" in op["responses"]
    assert len(operation_ids) == len(set(operation_ids))


def test_every_route_is_documented(app, doc):
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API + "/") or rule.rule == API:
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes and routes == documented


def test_every_ref_resolves(doc):
    schemas = doc["components"]["schemas"]
    refs = set(_refs(doc))
    assert refs
    for ref in refs:
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas, ref
    for name, schema in schemas.items():
        assert schema["type"] == "object"
        assert set(schema.get("required", ())) <= set(schema["properties"]), name


def test_inputs_and_outputs_are_described(doc):
    visit = doc["components"]["schemas"]["VisitBody"]
    assert visit["additionalProperties"] is False
    assert set(visit["required"]) == {"client_uuid", "household_id", "method", "visited_at"}
    assert visit["properties"]["method"]["enum"] == ["home", "phone", "wechat", "qq", "video"]
    assert visit["properties"]["gps"]["nullable"] is True
    photos = doc["paths"][f"{API}/photos"]["post"]
    form = photos["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["properties"]["file"]["format"] == "binary" and set(form["required"]) == {"client_uuid", "file"}
    assert set(photos["responses"]) >= {"200", "201", "400", "401", "409", "413"}
    listing = doc["paths"][f"{API}/households"]["get"]
    per_page = next(p for p in listing["parameters"] if p["name"] == "per_page")
    assert per_page["schema"]["maximum"] == 100 and per_page["schema"]["default"] == 20
    assert "429" in doc["paths"][f"{API}/reports"]["post"]["responses"]
    assert doc["paths"][f"{API}/villages"]["get"]["security"] == []


def test_real_answers_match_their_documented_schemas(client, doc):
    scene = build_scene()
    assign_verifier(scene, scene.case_a1)
    grid = bearer(token_for(scene.users["grid_a1"]))
    photo = new_uuid()
    checks = [("/photos", "post", 201, upload(client, grid, photo, jpeg()))]
    visit = visit_body(scene.h_a1, case_id=scene.case_a1, photos=[photo])
    checks.append(("/visits", "post", 201, client.post(f"{API}/visits", json=visit, headers=grid)))
    for path, url in [("/me", "/me"), ("/work", "/work"), ("/households", "/households"),
                      ("/households/{household_id}", f"/households/{scene.h_a1}"), ("/cases", "/cases"),
                      ("/cases/{case_id}", f"/cases/{scene.case_a1}"), ("/screening/form", "/screening/form"),
                      ("/visits/{client_uuid}", f"/visits/{visit['client_uuid']}"), ("/villages", "/villages"),
                      ("/policy/{village_code}", "/policy/341599101001"), ("/health", "/health")]:
        checks.append((path, "get", 200, client.get(f"{API}{url}", headers=grid)))
    checks.append(("/households/{household_id}", "get", 404, client.get(f"{API}/households/{scene.h_b}", headers=grid)))
    for path, method, status, answer in checks:
        assert answer.status_code == status, (path, answer.get_json())
        problems = conforms(doc, response_schema(doc, API + path, method, status), answer.get_json())
        assert problems == [], (path, problems)


def test_docs_page_lists_every_path(client, doc):
    answer = client.get(f"{API}/docs")
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    page = answer.get_data(as_text=True)
    for heading in ("接口一览", "登录与调用方式", "出错时的回答", "数据结构"):
        assert heading in page
    for path, item in doc["paths"].items():
        for method in item:
            assert f'{method.upper()}</span><span class="path">{path}</span>' in page, (method, path)
    for name in doc["components"]["schemas"]:
        assert f'id="schema-{name}"' in page
    assert not re.search(r'(src|href)="(https?:)?//', page)  # no CDN, nothing external
