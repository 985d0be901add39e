"""Lists and records: pagination, search without full numbers in the URL, the audited full
record, the case timeline, the work lists and the screening form."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core import clock
import factories
from api_support import API, assert_error, bearer, build_scene, token_for, user, visit_body
from core.extensions import db
from domain.screening import QUESTIONS
from models import AuditLog, Region, ScreeningRound


@pytest.fixture
def scene(app):
    return build_scene()


@pytest.fixture
def grid(scene):
    return bearer(token_for(scene.users["grid_a1"]))


def _grid_a1() -> Region:
    return db.session.execute(select(Region).where(Region.code == "A1")).scalar_one()


def _more_households(n: int) -> list[int]:
    made = [factories.household(_grid_a1(), clock.today(), size=1) for _ in range(n)]
    db.session.commit()
    return [h.id for h in made]


def test_households_are_paged_by_id(client, scene, grid):
    ids = [scene.h_a1, *_more_households(24)]
    first = client.get(f"{API}/households", headers=grid).get_json()
    assert (first["page"], first["per_page"], first["total"]) == (1, 20, 25)
    assert [row["id"] for row in first["items"]] == ids[:20]
    second = client.get(f"{API}/households?page=2&per_page=10", headers=grid).get_json()
    assert (second["page"], second["per_page"], second["total"]) == (2, 10, 25)
    assert [row["id"] for row in second["items"]] == ids[10:20]
    last = client.get(f"{API}/households?page=3&per_page=10", headers=grid).get_json()
    assert [row["id"] for row in last["items"]] == ids[20:]
    assert client.get(f"{API}/households?page=9", headers=grid).get_json()["items"] == []


def test_household_rows_are_masked(client, scene, grid):
    row = client.get(f"{API}/households", headers=grid).get_json()["items"][0]
    assert set(row) == {"id", "head", "id_masked", "phone_masked", "address", "region", "last_visit"}
    assert row["phone_masked"] == "138****1111" and "*" in row["id_masked"]
    assert row["region"] == "青山村一组" and row["last_visit"] is None


@pytest.mark.parametrize("query, fields", [
    ("page=0", {"page"}), ("page=two", {"page"}), ("per_page=101", {"per_page"}),
    ("per_page=0", {"per_page"}), ("sort=name", {"sort"}),
])
def test_bad_paging_is_400_with_fields(client, grid, query, fields):
    assert_error(client.get(f"{API}/households?{query}", headers=grid), 400, "invalid", fields)
    assert_error(client.get(f"{API}/cases?{query}", headers=grid), 400, "invalid", fields)


def test_search_by_name_and_tail_pages_too(client, scene, grid):
    _more_households(12)  # every head is named 户主青山村一组
    found = client.get(f"{API}/households", headers=grid, query_string={"q": "户主", "per_page": 5, "page": 3})
    body = found.get_json()
    assert body["total"] == 13 and len(body["items"]) == 3
    by_tail = client.get(f"{API}/households", headers=grid, query_string={"q": "1111"}).get_json()
    assert [row["id"] for row in by_tail["items"]] == [scene.h_a1]


def test_search_refuses_full_numbers(client, scene, grid):
    for text in ("13800001111", factories.new_id(), "3415 9919"):
        error = assert_error(client.get(f"{API}/households", headers=grid, query_string={"q": text}),
                             400, "invalid", {"q"})
        assert "后四位" in error["fields"]["q"]


def test_cases_are_paged(client, scene):
    county = bearer(token_for(scene.users["county"]))
    body = client.get(f"{API}/cases?per_page=2&page=2", headers=county).get_json()
    assert (body["total"], body["page"]) == (3, 2)
    assert [c["id"] for c in body["items"]] == [scene.case_b]
    row = body["items"][0]
    assert row["state"] == "reported" and row["state_label"] == "已提交" and "events" not in row


def test_full_household_record_is_audited(client, scene, grid):
    record = client.get(f"{API}/households/{scene.h_a1}", headers=grid).get_json()
    head = record["members"][0]
    assert head["relation"] == "head" and head["relation_label"] == "户主"
    assert len(head["id_number"]) == 18 and head["phone"] == "13800001111"
    assert record["visits"] == []
    db.session.expire_all()
    reads = db.session.execute(select(AuditLog).where(AuditLog.action == "read")).scalars().all()
    assert [(r.object_type, r.object_id, r.user_id) for r in reads] == [
        ("household", str(scene.h_a1), scene.users["grid_a1"])]
    # the audit entry carries no personal data
    assert head["id_number"] not in (reads[0].detail or "")


def test_full_record_lists_visits_newest_first(client, scene, grid):
    older = visit_body(scene.h_a1, visited_at=(clock.today() - timedelta(days=3)).isoformat() + "T10:00:00+08:00")
    newer = visit_body(scene.h_a1)
    for body in (older, newer):
        assert client.post(f"{API}/visits", json=body, headers=grid).status_code == 201
    visits = client.get(f"{API}/households/{scene.h_a1}", headers=grid).get_json()["visits"]
    assert [v["client_uuid"] for v in visits] == [newer["client_uuid"], older["client_uuid"]]
    assert visits[1]["method"] == "home" and visits[1]["visited_at"].endswith("+00:00")


def test_case_record_has_its_timeline(client, scene):
    staff = bearer(token_for(scene.users["village_a"]))
    case = client.get(f"{API}/cases/{scene.case_a1}", headers=staff).get_json()
    assert case["household_id"] == scene.h_a1 and case["source"] == "self_report"
    assert case["events"] == [{"at": case["events"][0]["at"], "action": None, "action_label": "提交线索",
                               "state": "reported", "state_label": "已提交", "actor": "农户本人"}]


def test_work_lists(client, scene, grid):
    county = user(scene.users["county"]).region
    db.session.add(ScreeningRound(county_id=county.id, name="2026年集中排查", starts_on=clock.today() - timedelta(days=5),
                                  ends_on=clock.today() + timedelta(days=5)))
    quiet = _more_households(1)[0]
    work = client.get(f"{API}/work", headers=grid).get_json()
    assert work["round"] == "2026年集中排查"
    assert [h["id"] for h in work["not_visited"]] == [scene.h_a1, quiet]
    flagged = visit_body(quiet, answers={"should_monitor": "yes"})
    assert client.post(f"{API}/visits", json=flagged, headers=grid).status_code == 201
    work = client.get(f"{API}/work", headers=grid).get_json()
    assert [h["id"] for h in work["not_visited"]] == [scene.h_a1]
    assert [h["id"] for h in work["follow_ups"]] == [quiet]
    assert work["follow_ups"][0]["last_visit"] == date.fromisoformat(
        flagged["visited_at"][:10]).isoformat()


def test_screening_form(client, grid):
    form = client.get(f"{API}/screening/form", headers=grid).get_json()
    assert [q["key"] for q in form["questions"]] == [q.key for q in QUESTIONS]
    assert form["questions"][0] == {"key": "rigid_spending_or_drop", "label": "是否刚性支出较大或收入大幅缩减",
                                    "group": "收入支出", "kind": "yes_no"}
    assert {m["code"]: m["remote"] for m in form["methods"]} == {
        "home": False, "phone": True, "wechat": True, "qq": True, "video": True}
    assert {"key": "wages", "label": "工资性收入"} in form["income_items"]
    assert {"code": "work", "label": "务工"} in form["away_reasons"]

