"""Migration 0015 (临时救助 amount and kind on the plan measure, the library's relief flag, the
plan's makers and the household's will to develop) on a database that already holds a library,
on SQLite and PostgreSQL; and back down."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError

from core.extensions import db
from test_migration_upgrade import NOW, downgrade, fresh_app, fresh_database_url, upgrade  # noqa: F401
from test_migration_upgrade import _insert_region

pytestmark = pytest.mark.needs_db


def _county(conn, code="341599000000") -> int:
    _insert_region(conn, code, "county")
    return conn.execute(text("SELECT id FROM region WHERE code = :code"), {"code": code}).scalar_one()


def _measure(conn, county: int, name: str) -> int:
    conn.execute(text("INSERT INTO measure (county_id, name, kind, department, risk_types, active, toilet_upgrade) "
                      "VALUES (:c, :n, 'security', 'civil_affairs', '[]', true, false)"), {"c": county, "n": name})
    return conn.execute(text("SELECT id FROM measure WHERE name = :n"), {"n": name}).scalar_one()


def _case_and_row(conn, county: int, measure: int) -> int:
    conn.execute(text("INSERT INTO case_file (source, state, urgent, risk_types, region_id, clue_date, created_at, "
                      "updated_at) VALUES ('grid_visit', 'helping', false, '[]', :r, '2026-11-01', :at, :at)"),
                 {"r": county, "at": NOW})
    case = conn.execute(text("SELECT max(id) FROM case_file")).scalar_one()
    conn.execute(text("INSERT INTO plan_measure (case_id, measure_id, position, status, planned_on, created_at, "
                      "updated_at) VALUES (:c, :m, 0, 'planned', '2026-11-02', :at, :at)"),
                 {"c": case, "m": measure, "at": NOW})
    return conn.execute(text("SELECT max(id) FROM plan_measure")).scalar_one()


def test_0015_marks_the_relief_measure_and_checks_what_it_adds(fresh_app):
    upgrade("0014")
    with db.engine.begin() as conn:
        county = _county(conn)
        relief = _measure(conn, county, "临时救助")
        other = _measure(conn, county, "农村低保兜底")
        row = _case_and_row(conn, county, relief)
    upgrade("0015")
    with db.engine.begin() as conn:
        flags = dict(conn.execute(text("SELECT id, is_temporary_relief FROM measure")).all())
        assert bool(flags[relief]) is True and bool(flags[other]) is False
        assert conn.execute(text("SELECT amount, relief_kind FROM plan_measure WHERE id = :id"),
                            {"id": row}).one() == (None, None)
        assert conn.execute(text("SELECT plan_makers, development_will FROM case_file")).one() == (None, None)
        conn.execute(text("UPDATE plan_measure SET amount = 4600, relief_kind = 'emergency' WHERE id = :id"),
                     {"id": row})
        conn.execute(text("UPDATE case_file SET plan_makers = '[\"village_committee\", \"grid_worker\"]', "
                          "development_will = false"))
    for statement in ("UPDATE plan_measure SET relief_kind = 'other' WHERE id = :id",
                      "UPDATE plan_measure SET amount = 0 WHERE id = :id",
                      "UPDATE plan_measure SET amount = -5 WHERE id = :id"):
        with pytest.raises(DatabaseError):
            with db.engine.begin() as conn:
                conn.execute(text(statement), {"id": row})


def test_0015_downgrades_cleanly_and_upgrades_again(fresh_app):
    upgrade("0015")
    with db.engine.begin() as conn:
        county = _county(conn)
        row = _case_and_row(conn, county, _measure(conn, county, "临时救助"))
        conn.execute(text("UPDATE plan_measure SET amount = 4600, relief_kind = 'expense' WHERE id = :id"), {"id": row})
    downgrade("0014")
    with db.engine.connect() as conn:
        assert not {"amount", "relief_kind"} & {c["name"] for c in inspect(conn).get_columns("plan_measure")}
        assert "is_temporary_relief" not in {c["name"] for c in inspect(conn).get_columns("measure")}
        assert not {"plan_makers", "development_will"} & {c["name"] for c in inspect(conn).get_columns("case_file")}
        assert conn.execute(text("SELECT count(*) FROM plan_measure")).scalar_one() == 1
    upgrade()
    with db.engine.connect() as conn:
        assert "amount" in {c["name"] for c in inspect(conn).get_columns("plan_measure")}
