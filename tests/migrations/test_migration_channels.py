"""Migration 0022 (the message channels: delivery, channel_preference, submission_wechat) on a
database holding an account at 0021, on SQLite and PostgreSQL: the tables start empty, their
checks refuse unknown codes and a row for nobody or for two, the key is unique, and they go
back down and up again."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError

from core.extensions import db
from test_migration_upgrade import NOW, downgrade, fresh_app, fresh_database_url, upgrade  # noqa: F401
from test_migration_upgrade import _insert_region

pytestmark = pytest.mark.needs_db

NEW_TABLES = {"delivery", "channel_preference", "submission_wechat"}
DELIVERY = text("INSERT INTO delivery (channel, recipient, user_id, submission_id, template, dedupe_key, params, "
                "status, attempts, created_at) VALUES (:channel, :recipient, :u, :s, 'staff', 'todo:1:1', 'x', "
                ":status, 0, :at)")


def _an_account(conn) -> int:
    _insert_region(conn, "341599000000", "county")
    county = conn.execute(text("SELECT id FROM region")).scalar_one()
    conn.execute(text("INSERT INTO user_account (username, full_name, password_hash, role, region_id, active, "
                      "created_at, session_token) VALUES ('u', '某某', 'x', 'county_staff', :r, :a, :at, 't')"),
                 {"r": county, "a": True, "at": NOW})
    return conn.execute(text("SELECT id FROM user_account")).scalar_one()


def _delivery(user, **changes) -> dict:
    return {"channel": "sms", "recipient": f"user:{user}", "u": user, "s": None, "status": "queued",
            "at": NOW, **changes}


def test_0022_adds_the_channel_tables_with_their_checks_and_goes_back(fresh_app):
    upgrade("0021")
    with db.engine.begin() as conn:
        user = _an_account(conn)
        assert not NEW_TABLES & set(inspect(conn).get_table_names())
    upgrade("0022")
    with db.engine.begin() as conn:
        assert NEW_TABLES <= set(inspect(conn).get_table_names())
        conn.execute(DELIVERY, _delivery(user))
        conn.execute(text("INSERT INTO channel_preference (user_id, choice, updated_at) VALUES (:u, 'sms', :at)"),
                     {"u": user, "at": NOW})
    for bad in (_delivery(user), _delivery(user, status="lost", recipient="user:x"),
                _delivery(user, channel="fax", recipient="user:y"), _delivery(None, recipient="nobody")):
        with pytest.raises(DatabaseError):
            with db.engine.begin() as conn:
                conn.execute(DELIVERY, bad)
    with pytest.raises(DatabaseError):
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE channel_preference SET choice = 'fax'"))
    downgrade("0021")
    with db.engine.begin() as conn:
        assert not NEW_TABLES & set(inspect(conn).get_table_names())
        assert conn.execute(text("SELECT count(*) FROM user_account")).scalar_one() == 1
    upgrade("0022")
    with db.engine.begin() as conn:
        conn.execute(DELIVERY, _delivery(user))
