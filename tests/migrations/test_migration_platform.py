"""Migrations 0006 (outbox and jobs) and 0007 (self-reports recorded by the queue) on a database
that already holds data, on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError

from core.extensions import db
from test_migration_upgrade import NOW, downgrade, fresh_app, fresh_database_url, upgrade  # noqa: F401


def test_job_states_and_kinds_are_checked_in_sql(fresh_app):
    upgrade("0006")
    job = text("INSERT INTO job (kind, state, params, done, attempts, created_at) "
               "VALUES (:kind, :state, '{}', 0, 0, :at)")
    with db.engine.begin() as conn:
        conn.execute(job, {"kind": "township_sheets", "state": "queued", "at": NOW})
    for kind, state in (("township_sheets", "lost"), ("mining", "queued")):
        with pytest.raises(DatabaseError):
            with db.engine.begin() as conn:
                conn.execute(job, {"kind": kind, "state": state, "at": NOW})


def test_forms_submitted_before_0007_keep_their_case_and_flags(fresh_app):
    upgrade("0006")
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO form_submission (token, joined, show_code, created_at) "
                          "VALUES ('tok_aaaaaaaaaaaaaaaaaaaa', :joined, :show, :at)"),
                     {"joined": True, "show": False, "at": NOW})
    upgrade("0007")
    with db.engine.connect() as conn:
        row = conn.execute(text("SELECT token, joined, show_code, report, region_id FROM form_submission")).one()
    assert row.token == "tok_aaaaaaaaaaaaaaaaaaaa" and row.joined in (True, 1) and row.show_code in (False, 0)
    assert row.report is None and row.region_id is None


def test_0007_and_0006_downgrade_cleanly(fresh_app):
    upgrade("0007")
    downgrade("0006")
    with db.engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("form_submission")}
    assert not {"report", "region_id", "actor_id", "reported_on"} & columns
    downgrade("0005")
    with db.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
    assert not {"job", "outbox"} & tables and "form_submission" in tables
    upgrade()


def test_0008_admits_the_register_import_jobs_and_downgrades_cleanly(fresh_app):
    upgrade("0008")
    job = text("INSERT INTO job (kind, state, params, done, attempts, created_at) "
               "VALUES (:kind, 'queued', '{}', 0, 0, :at)")
    with db.engine.begin() as conn:
        conn.execute(job, {"kind": "register_check", "at": NOW})
        conn.execute(job, {"kind": "register_export", "at": NOW})
        conn.execute(job, {"kind": "township_sheets", "at": NOW})
    with pytest.raises(DatabaseError):
        with db.engine.begin() as conn:
            conn.execute(job, {"kind": "mining", "at": NOW})
    downgrade("0007")
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT kind FROM job")).scalars().all() == ["township_sheets"]
    with pytest.raises(DatabaseError):
        with db.engine.begin() as conn:
            conn.execute(job, {"kind": "register_import", "at": NOW})
    upgrade()
