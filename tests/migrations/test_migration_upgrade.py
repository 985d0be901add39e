"""The Alembic migrations, run with Flask-Migrate from an empty database, on SQLite and (when
TEST_DATABASE_URL is set) on PostgreSQL in a throwaway database of their own.

These tests build their own apps instead of using the ``app`` fixture (which runs
``create_all``), so they are marked ``needs_db`` by hand for the PostgreSQL pass.
"""
from __future__ import annotations

import logging
import os
import secrets
from contextlib import contextmanager
from datetime import datetime, timezone

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError

from conftest import make_app
from core.extensions import db

pytestmark = pytest.mark.needs_db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
NOW = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)


@contextmanager
def _logging_left_alone():
    """The migration env.py calls logging.config.fileConfig, which disables every logger that
    already exists (the app's own, e.g. ``shoudi.notify``), resets the root level and swaps the
    root handlers. Undo that so tests running later in this process still get their logs."""
    loggers = {name: logger for name, logger in logging.root.manager.loggerDict.items()
               if isinstance(logger, logging.Logger)}
    saved = {name: (lg.disabled, lg.level, lg.propagate) for name, lg in loggers.items()}
    root = logging.getLogger()
    root_level, root_handlers = root.level, list(root.handlers)
    try:
        yield
    finally:
        for name, (disabled, level, propagate) in saved.items():
            logger = loggers[name]
            logger.disabled, logger.propagate = disabled, propagate
            logger.setLevel(level)
        for handler in list(root.handlers):
            if handler not in root_handlers:
                root.removeHandler(handler)
        for handler in root_handlers:
            if handler not in root.handlers:
                root.addHandler(handler)
        root.setLevel(root_level)


def upgrade(revision: str = "head") -> None:
    with _logging_left_alone():
        flask_migrate.upgrade(revision=revision)


def downgrade(revision: str) -> None:
    with _logging_left_alone():
        flask_migrate.downgrade(revision=revision)


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    if not TEST_DATABASE_URL:
        pytest.skip("TEST_DATABASE_URL is not set: no PostgreSQL to migrate")
    # A database of our own: the shared one is emptied and refilled by the other tests.
    name = f"shoudi_mig_{secrets.token_hex(6)}"
    admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def fresh_app(fresh_database_url, tmp_path):
    """An app on an empty database, inside its app context; nothing created yet."""
    app = make_app(fresh_database_url, tmp_path)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def migrated_app(fresh_app):
    upgrade()
    return fresh_app


def _schema_differences() -> list:
    args = current_app.extensions["migrate"].configure_args
    opts = {k: args[k] for k in ("compare_type", "render_as_batch") if k in args}
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts=opts)
        return compare_metadata(context, db.metadata)


def _table_names() -> set[str]:
    with db.engine.connect() as conn:
        return set(inspect(conn).get_table_names())


def _insert_audit_row(conn, action: str = "login") -> int:
    conn.execute(text("INSERT INTO audit_log (at, action, object_type, detail) "
                      "VALUES (:at, :action, 'user', '')"), {"at": NOW, "action": action})
    return conn.execute(text("SELECT max(id) FROM audit_log")).scalar_one()


def _insert_region(conn, code: str, level: str) -> None:
    conn.execute(text("INSERT INTO region (code, name, level, path, active, created_at) "
                      "VALUES (:code, '测试', :level, '/', :active, :at)"),
                 {"code": code, "level": level, "active": True, "at": NOW})


# --- upgrade from nothing ------------------------------------------------------------------------

def test_upgrade_from_empty_matches_the_models(fresh_app):
    # Before: the comparison sees every table missing, so an empty answer later means something.
    before = _schema_differences()
    added = {diff[1].name for diff in before if diff[0] == "add_table"}
    assert added == set(db.metadata.tables)

    upgrade()

    assert _schema_differences() == []


def test_upgrade_creates_every_table_and_reaches_head(migrated_app):
    assert set(db.metadata.tables) <= _table_names()

    config = current_app.extensions["migrate"].migrate.get_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    with db.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head


# --- what the database itself enforces -------------------------------------------------------------

def test_audit_log_is_append_only_in_sql(migrated_app):
    with db.engine.begin() as conn:
        row_id = _insert_audit_row(conn)

    with pytest.raises(DatabaseError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE audit_log SET action = 'tampered' WHERE id = :id"),
                         {"id": row_id})
    with pytest.raises(DatabaseError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": row_id})

    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, action FROM audit_log")).all()
    assert [tuple(r) for r in rows] == [(row_id, "login")]


def test_region_level_check_constraint(migrated_app):
    with db.engine.begin() as conn:
        _insert_region(conn, "341599000000", "county")  # the same insert passes with a real level

    with pytest.raises(DatabaseError):
        with db.engine.begin() as conn:
            _insert_region(conn, "341599000001", "planet")

    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM region")).scalar_one() == 1


def test_department_account_must_name_its_department(migrated_app):
    with db.engine.begin() as conn:
        _insert_region(conn, "341599000000", "county")
        region_id = conn.execute(text("SELECT id FROM region")).scalar_one()
    insert = text("INSERT INTO user_account (username, full_name, password_hash, role, region_id, "
                  "department, active, created_at, session_token) VALUES (:u, '某某', 'x', :role, "
                  ":region, :dept, :active, :at, :u)")
    values = {"region": region_id, "active": True, "at": NOW}

    with db.engine.begin() as conn:
        conn.execute(insert, {**values, "u": "ok", "role": "department", "dept": "civil_affairs"})
    for bad in ({"u": "no_dept", "role": "department", "dept": None},
                {"u": "bad_role", "role": "emperor", "dept": None},
                {"u": "bad_dept", "role": "department", "dept": "navy"}):
        with pytest.raises(DatabaseError):
            with db.engine.begin() as conn:
                conn.execute(insert, {**values, **bad})


# --- downgrade and back ----------------------------------------------------------------------------

def _postgres_trigger_function_exists() -> bool:
    with db.engine.connect() as conn:
        return conn.execute(text(
            "SELECT count(*) FROM pg_proc WHERE proname = 'audit_log_append_only'")).scalar_one() > 0


def test_downgrade_to_base_removes_the_tables_and_upgrade_works_again(migrated_app):
    postgres = db.engine.dialect.name == "postgresql"
    if postgres:
        assert _postgres_trigger_function_exists()

    downgrade("base")

    assert _table_names() & set(db.metadata.tables) == set()
    if postgres:
        assert not _postgres_trigger_function_exists()

    upgrade()

    assert set(db.metadata.tables) <= _table_names()
    assert _schema_differences() == []
    # The trigger came back with the table.
    with db.engine.begin() as conn:
        row_id = _insert_audit_row(conn)
    with pytest.raises(DatabaseError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": row_id})


def test_migrations_leave_the_app_loggers_enabled(fresh_app):
    """Guards the helper above: a disabled app logger would silently break later tests."""
    logger = logging.getLogger("shoudi.notify")
    assert not logger.disabled

    upgrade()

    assert not logger.disabled
