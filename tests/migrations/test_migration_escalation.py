"""Migration 0023 (逾期升级: the 'escalated' notification, the escalation recorded on the case, the
roll-up's escalated figure) on a database that already holds a case, a roll-up row and a
notification at 0022, on SQLite and PostgreSQL; and back down and up again."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError

from core.extensions import db
from test_migration_department_warnings import NOTIFICATION, _data_at_0015
from test_migration_upgrade import NOW, downgrade, fresh_app, fresh_database_url, upgrade  # noqa: F401

pytestmark = pytest.mark.needs_db

CASE_COLUMNS = {"escalated_at", "escalated_due", "escalated_state"}
ROLLUP = text("INSERT INTO dashboard_rollup (region_id, state, category, cases, overdue, due_soon, long_unresolved) "
              "VALUES (:r, 'helping', '', 3, 1, 0, 1)")


def _columns(conn, table: str) -> set[str]:
    return {c["name"] for c in inspect(conn).get_columns(table)}


def test_0023_adds_the_escalation_and_goes_back(fresh_app):
    upgrade("0022")
    with db.engine.begin() as conn:
        ids = _data_at_0015(conn)
        conn.execute(ROLLUP, {"r": ids["county"]})
        assert not CASE_COLUMNS & _columns(conn, "case_file") and "escalated" not in _columns(conn, "dashboard_rollup")
    with pytest.raises(DatabaseError):  # not a kind yet
        with db.engine.begin() as conn:
            conn.execute(NOTIFICATION, {"u": ids["user"], "kind": "escalated", "key": "e0", "at": NOW})

    upgrade("0023")
    with db.engine.begin() as conn:
        assert CASE_COLUMNS <= _columns(conn, "case_file")
        # The rows already there: nothing escalated yet, a roll-up row counts 0 until the next refresh.
        assert conn.execute(text("SELECT escalated_at, escalated_due, escalated_state FROM case_file")).one() == (
            None, None, None)
        assert conn.execute(text("SELECT escalated FROM dashboard_rollup")).scalar_one() == 0
        conn.execute(NOTIFICATION, {"u": ids["user"], "kind": "escalated", "key": "e1", "at": NOW})
        conn.execute(text("UPDATE case_file SET escalated_at = :at, escalated_due = '2026-11-16', "
                          "escalated_state = 'helping'"), {"at": NOW})
        assert sorted(conn.execute(text("SELECT kind FROM notification")).scalars()) == ["escalated", "overdue"]
    with pytest.raises(DatabaseError):  # the CHECK still refuses what is not a kind
        with db.engine.begin() as conn:
            conn.execute(NOTIFICATION, {"u": ids["user"], "kind": "escalate", "key": "e2", "at": NOW})

    downgrade("0022")
    with db.engine.begin() as conn:
        assert not CASE_COLUMNS & _columns(conn, "case_file") and "escalated" not in _columns(conn, "dashboard_rollup")
        assert conn.execute(text("SELECT kind FROM notification")).scalars().all() == ["overdue"]
        assert conn.execute(text("SELECT count(*) FROM case_file")).scalar_one() == 1
    upgrade("0023")
    with db.engine.begin() as conn:
        conn.execute(NOTIFICATION, {"u": ids["user"], "kind": "escalated", "key": "e3", "at": NOW})
