"""Migration 0005 (back office) on a database that already holds data, on SQLite and PostgreSQL:
existing measures get ``toilet_upgrade = false``, and the new CHECK constraints hold."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError

from core.extensions import db
from test_migration_upgrade import NOW, downgrade, fresh_app, fresh_database_url, upgrade  # noqa: F401


def _county(conn) -> int:
    conn.execute(text("INSERT INTO region (code, name, level, path, active, created_at) "
                      "VALUES ('341599000000', '示范县', 'county', '/', :active, :at)"), {"active": True, "at": NOW})
    return conn.execute(text("SELECT id FROM region")).scalar_one()


def test_existing_measures_are_not_toilet_upgrades_after_0005(fresh_app):
    upgrade("0004")
    with db.engine.begin() as conn:
        county = _county(conn)
        conn.execute(text("INSERT INTO measure (county_id, name, kind, risk_types, active) "
                          "VALUES (:c, '户厕改造', 'improvement', '[]', :active)"), {"c": county, "active": True})
    upgrade("0005")
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT toilet_upgrade FROM measure")).scalar_one() in (False, 0)


def test_new_check_constraints_refuse_unknown_codes(fresh_app):
    upgrade("0005")
    with db.engine.begin() as conn:
        county = _county(conn)
        conn.execute(text("INSERT INTO user_account (username, full_name, password_hash, role, region_id, "
                          "active, created_at, session_token) VALUES ('u', '某某', 'x', 'county_staff', :r, "
                          ":active, :at, 't')"), {"r": county, "active": True, "at": NOW})
        user = conn.execute(text("SELECT id FROM user_account")).scalar_one()
    notification = text("INSERT INTO notification (user_id, kind, title, dedupe_key, created_at) "
                        "VALUES (:u, :kind, '案件 1 即将到期', :key, :at)")
    with db.engine.begin() as conn:
        conn.execute(notification, {"u": user, "kind": "overdue", "key": "a", "at": NOW})
    with pytest.raises(DatabaseError):
        with db.engine.begin() as conn:
            conn.execute(notification, {"u": user, "kind": "telegram", "key": "b", "at": NOW})
    with pytest.raises(DatabaseError):  # the same reminder twice
        with db.engine.begin() as conn:
            conn.execute(notification, {"u": user, "kind": "overdue", "key": "a", "at": NOW})


def test_0005_downgrades_cleanly(fresh_app):
    upgrade("0005")
    downgrade("0004")
    with db.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        evidence_columns = {c["name"] for c in inspect(conn).get_columns("event_evidence")}
    assert "case_file" in tables and not {"plan_measure", "evaluation", "notification"} & tables
    assert "kind" not in evidence_columns
    upgrade()
