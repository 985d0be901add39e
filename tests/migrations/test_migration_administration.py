"""Migration 0011 (province and city levels, the new roles, setting history, audit archive runs)
on a database that already holds data, on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError

from core.extensions import db
from test_migration_upgrade import NOW, downgrade, fresh_app, fresh_database_url, upgrade  # noqa: F401
from test_migration_upgrade import _insert_audit_row, _insert_region


def test_0011_admits_a_province_and_a_city_and_still_refuses_unknown_levels(fresh_app):
    upgrade("0010")
    with pytest.raises(DatabaseError):
        with db.engine.begin() as conn:
            _insert_region(conn, "340000000000", "province")
    upgrade("0011")
    with db.engine.begin() as conn:
        _insert_region(conn, "340000000000", "province")
        _insert_region(conn, "341500000000", "city")
    with pytest.raises(DatabaseError):
        with db.engine.begin() as conn:
            _insert_region(conn, "341599000000", "planet")


def test_an_audit_entry_leaves_the_table_only_inside_an_archived_range(fresh_app):
    upgrade("0010")
    with db.engine.begin() as conn:
        old, kept = _insert_audit_row(conn), _insert_audit_row(conn)
    upgrade("0011")

    with pytest.raises(DatabaseError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": old})
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_archive (first_id, last_id, entries, cutoff, file_key, created_at) "
                          "VALUES (:id, :id, 1, :at, 'audit-archive/1.csv.gz', :at)"), {"id": old, "at": NOW})
        conn.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": old})
    with pytest.raises(DatabaseError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": kept})
    with pytest.raises(DatabaseError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE audit_log SET action = 'tampered' WHERE id = :id"), {"id": kept})
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT id FROM audit_log")).scalars().all() == [kept]


def test_0011_downgrades_cleanly_and_upgrades_again(fresh_app):
    upgrade("0011")
    downgrade("0010")
    with db.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
    assert not {"setting_change", "audit_archive"} & tables
    with db.engine.begin() as conn:
        row_id = _insert_audit_row(conn)
    with pytest.raises(DatabaseError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": row_id})
    upgrade()
    with db.engine.connect() as conn:
        assert {"setting_change", "audit_archive"} <= set(inspect(conn).get_table_names())
