"""Migration 0012 (clue sources, 清退, the farmer's re-review) on a database that already holds
data, on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError

from core.extensions import db
from test_migration_upgrade import NOW, downgrade, fresh_app, fresh_database_url, upgrade  # noqa: F401
from test_migration_upgrade import _insert_region

CASE = text("INSERT INTO case_file (source, state, urgent, risk_types, region_id, clue_date, created_at, updated_at) "
            "VALUES (:source, :state, :urgent, '[]', 1, :day, :at, :at)")


def _case(conn, source: str = "self_report", state: str = "reported") -> None:
    conn.execute(CASE, {"source": source, "state": state, "urgent": False, "day": NOW.date(), "at": NOW})


def test_0012_admits_the_new_sources_and_清退_and_still_refuses_unknown_codes(fresh_app):
    upgrade("0011")
    with db.engine.begin() as conn:
        _insert_region(conn, "341599000000", "county")
        _case(conn)
    for source, state in (("hotline", "reported"), ("self_report", "cleared")):
        with pytest.raises(DatabaseError):
            with db.engine.begin() as conn:
                _case(conn, source, state)
    upgrade("0012")
    with db.engine.begin() as conn:
        for source in ("petition", "media", "hotline"):
            _case(conn, source)
        _case(conn, "self_report", "cleared")
    with pytest.raises(DatabaseError):
        with db.engine.begin() as conn:
            _case(conn, "rumour")


def test_0012_downgrades_cleanly_mapping_the_new_codes_back(fresh_app):
    upgrade("0012")
    with db.engine.begin() as conn:
        _insert_region(conn, "341599000000", "county")
        _case(conn, "hotline", "cleared")
    downgrade("0011")
    with db.engine.connect() as conn:
        assert "review_request" not in inspect(conn).get_table_names()
        assert tuple(conn.execute(text("SELECT source, state FROM case_file")).one()) == ("petition_media", "rejected")
    upgrade()
