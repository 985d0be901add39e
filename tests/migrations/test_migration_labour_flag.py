"""Migration 0025 (整户无劳动力 kept on the household) on a database that already holds
households at 0024, on SQLite and PostgreSQL: the flag is set from the present members; and back
down and up again."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from core.extensions import db
from test_migration_dibao import _insert_household, _region_id
from test_migration_upgrade import NOW, downgrade, fresh_app, fresh_database_url, upgrade  # noqa: F401

pytestmark = pytest.mark.needs_db

MEMBER = text("INSERT INTO member (household_id, name, is_head, relation, health, labour_capacity, status, left_on) "
              "VALUES (:h, '成员', false, 'spouse', 'healthy', :labour, :status, :left_on)")


def _household(conn, region: int, *people: tuple[str, str]) -> int:
    household = _insert_household(conn, region)
    for labour, status in people:
        conn.execute(MEMBER, {"h": household, "labour": labour, "status": status,
                              "left_on": None if status == "present" else NOW.date()})
    return household


def _flags(conn) -> dict[int, bool]:
    return {i: bool(f) for i, f in conn.execute(text("SELECT id, without_labour FROM household"))}


def test_0025_flags_the_households_whose_present_members_all_lack_labour(fresh_app):
    upgrade("0024")
    with db.engine.begin() as conn:
        region = _region_id(conn)
        lost_and_none = _household(conn, region, ("lost", "present"), ("none", "present"))
        one_weak = _household(conn, region, ("lost", "present"), ("weak", "present"))
        worker_left = _household(conn, region, ("none", "present"), ("ordinary", "deceased"))
        nobody_present = _household(conn, region, ("none", "moved_out"))
        nobody_at_all = _insert_household(conn, region)

    upgrade("0025")
    with db.engine.begin() as conn:
        assert _flags(conn) == {lost_and_none: True, one_weak: False, worker_left: True,
                                nobody_present: False, nobody_at_all: False}
        assert "ix_household_without_labour" in {i["name"] for i in inspect(conn).get_indexes("household")}

    downgrade("0024")
    with db.engine.begin() as conn:
        assert "without_labour" not in {c["name"] for c in inspect(conn).get_columns("household")}
        assert conn.execute(text("SELECT count(*) FROM household")).scalar_one() == 5
    upgrade("0025")
    with db.engine.begin() as conn:
        assert sum(_flags(conn).values()) == 2
