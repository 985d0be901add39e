"""Migration 0019 (the dashboard's roll-ups: dashboard_rollup, dashboard_risk, dashboard_trend and
dashboard_refresh) on a database that already holds a county with a case at 0018, on SQLite and
PostgreSQL: the tables start empty, keep one row per key, and go back down and up again."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError

from core.extensions import db
from test_migration_upgrade import NOW, downgrade, fresh_app, fresh_database_url, upgrade  # noqa: F401
from test_migration_upgrade import _insert_region

pytestmark = pytest.mark.needs_db

NEW_TABLES = {"dashboard_rollup", "dashboard_risk", "dashboard_trend", "dashboard_refresh"}
ROLLUP = text("INSERT INTO dashboard_rollup (region_id, state, category, cases, overdue, due_soon, long_unresolved) "
              "VALUES (:r, 'helping', '', 3, 1, 0, 1)")
RISK = text("INSERT INTO dashboard_risk (region_id, risk_type, households) VALUES (:r, 'illness', 2)")
TREND = text("INSERT INTO dashboard_trend (region_id, month, series, number) VALUES (:r, '2026-11-01', 'opened', 4)")
REFRESH = text("INSERT INTO dashboard_refresh (region_id, as_of, refreshed_at, duration_ms) "
               "VALUES (:r, '2026-11-20', :at, 12)")


def _county_with_a_case(conn) -> int:
    _insert_region(conn, "341599000000", "county")
    county = conn.execute(text("SELECT id FROM region")).scalar_one()
    conn.execute(text("INSERT INTO case_file (source, state, urgent, risk_types, region_id, region_path, clue_date, "
                      "created_at, updated_at) VALUES ('grid_visit', 'helping', false, '[\"illness\"]', :r, '/', "
                      "'2026-11-01', :at, :at)"), {"r": county, "at": NOW})
    return county


def test_0019_adds_empty_roll_ups_with_one_row_per_key_and_goes_back(fresh_app):
    upgrade("0018")
    with db.engine.begin() as conn:
        county = _county_with_a_case(conn)
        assert not NEW_TABLES & set(inspect(conn).get_table_names())
    upgrade("0019")
    with db.engine.begin() as conn:
        assert NEW_TABLES <= set(inspect(conn).get_table_names())
        for table in NEW_TABLES:
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM case_file")).scalar_one() == 1
        for statement in (ROLLUP, RISK, TREND, REFRESH):
            conn.execute(statement, {"r": county, "at": NOW})
    for statement in (ROLLUP, RISK, TREND, REFRESH):  # the same key twice: a refresh ran twice at once
        with pytest.raises(DatabaseError):
            with db.engine.begin() as conn:
                conn.execute(statement, {"r": county, "at": NOW})
    with db.engine.begin() as conn:  # another category is another key
        conn.execute(text(ROLLUP.text.replace("'helping', ''", "'helping', 'marginal'")), {"r": county})
        assert conn.execute(text("SELECT count(*) FROM dashboard_rollup")).scalar_one() == 2

    downgrade("0018")
    with db.engine.begin() as conn:
        assert not NEW_TABLES & set(inspect(conn).get_table_names())
        assert conn.execute(text("SELECT count(*) FROM case_file")).scalar_one() == 1
    upgrade("0019")
    with db.engine.begin() as conn:
        assert NEW_TABLES <= set(inspect(conn).get_table_names())
        conn.execute(ROLLUP, {"r": county})


def test_a_region_with_roll_up_rows_can_still_be_deleted(fresh_app):
    """No foreign key to the region: a merge deletes the merged node, whose rows the next
    refresh drops."""
    upgrade("0019")
    with db.engine.begin() as conn:
        _insert_region(conn, "341599000000", "county")
        county = conn.execute(text("SELECT id FROM region")).scalar_one()
        for statement in (ROLLUP, RISK, TREND, REFRESH):
            conn.execute(statement, {"r": county, "at": NOW})
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM region WHERE id = :r"), {"r": county})
        assert conn.execute(text("SELECT count(*) FROM region")).scalar_one() == 0
