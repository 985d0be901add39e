"""Migration 0014 (低保标准 per region and year, the household's 低保渐退期) on a database that
already holds households, on SQLite and PostgreSQL; and back down."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError

from core.extensions import db
from test_migration_upgrade import NOW, downgrade, fresh_app, fresh_database_url, upgrade  # noqa: F401
from test_migration_upgrade import _insert_region


def _region_id(conn, code="341599000000") -> int:
    _insert_region(conn, code, "county")
    return conn.execute(text("SELECT id FROM region WHERE code = :code"), {"code": code}).scalar_one()


def _insert_household(conn, region_id: int) -> int:
    conn.execute(text("INSERT INTO household (region_id, address, attribute, risk_types, key_groups, created_at, "
                      "updated_at) VALUES (:r, '', 'lifted', '[]', '[]', :at, :at)"), {"r": region_id, "at": NOW})
    return conn.execute(text("SELECT max(id) FROM household")).scalar_one()


def _standard(conn, region_id, year, rural="6000", urban="575"):
    conn.execute(text("INSERT INTO dibao_standard (region_id, year, rural_annual, urban_monthly) "
                      "VALUES (:r, :y, :rural, :urban)"), {"r": region_id, "y": year, "rural": rural, "urban": urban})


def test_0014_keeps_the_households_and_checks_what_it_adds(fresh_app):
    upgrade("0013")
    with db.engine.begin() as conn:
        region = _region_id(conn)
        kept = _insert_household(conn, region)
    upgrade("0014")
    with db.engine.begin() as conn:
        assert conn.execute(text("SELECT dibao_phaseout_start, dibao_phaseout_end FROM household WHERE id = :id"),
                            {"id": kept}).one() == (None, None)
        conn.execute(text("UPDATE household SET dibao_phaseout_start = '2026-03-15', "
                          "dibao_phaseout_end = '2027-03-15' WHERE id = :id"), {"id": kept})
        _standard(conn, region, 2026)
    indexes = {ix["name"] for ix in inspect(db.engine).get_indexes("household")}
    assert "ix_household_dibao_phaseout_end" in indexes
    refused = [
        "UPDATE household SET dibao_phaseout_end = NULL WHERE id = :id",                 # one date without the other
        "UPDATE household SET dibao_phaseout_end = '2026-03-15' WHERE id = :id",          # ends when it starts
    ]
    for statement in refused:
        with pytest.raises(DatabaseError):
            with db.engine.begin() as conn:
                conn.execute(text(statement), {"id": kept})
    for year, rural, urban in ((2026, "6500", "575"), (2027, "0", "575"), (2027, "6000", "-1")):
        with pytest.raises(DatabaseError):  # one per region and year; figures above nothing
            with db.engine.begin() as conn:
                _standard(conn, region, year, rural, urban)


def test_0014_downgrades_cleanly_and_upgrades_again(fresh_app):
    upgrade("0014")
    with db.engine.begin() as conn:
        region = _region_id(conn)
        _insert_household(conn, region)
        _standard(conn, region, 2026)
        conn.execute(text("INSERT INTO region_policy (region_id, key, value) VALUES (:r, 'dibao_phaseout_months', '9'),"
                          " (:r, 'pairing_days', '4')"), {"r": region})
    downgrade("0013")
    with db.engine.connect() as conn:
        assert "dibao_standard" not in set(inspect(conn).get_table_names())
        assert not {"dibao_phaseout_start", "dibao_phaseout_end"} & {
            c["name"] for c in inspect(conn).get_columns("household")}
        # the earlier code does not know the setting: its value goes, the others stay
        assert conn.execute(text("SELECT key FROM region_policy")).scalars().all() == ["pairing_days"]
        assert conn.execute(text("SELECT count(*) FROM household")).scalar_one() == 1
    upgrade()
    with db.engine.connect() as conn:
        assert "dibao_standard" in set(inspect(conn).get_table_names())
