"""Shared fixtures. Tests that use ``app`` run against SQLite, or against the PostgreSQL named
by ``TEST_DATABASE_URL``; they are marked ``needs_db`` so CI can run them on both.

The schema is built once per session. On SQLite it goes into a template file, and each test
gets its own copy of that file (copying a file costs far less than ``create_all``). On
PostgreSQL it is created once in the shared database, and after each test the tables it filled
are emptied and every sequence restarts at 1 (``_Schema.empty``). Requests and services commit, so a rollback per test cannot undo
their work; "schema once, clean copy or truncate per test" is the equivalent.

Every app built here gets an instance folder under the test's tmp dir, so a
``instance/shoudi.env`` written by ``make run`` is never read by the tests.

``make test`` runs the suite in two processes (pytest-xdist). Each process has a PostgreSQL
database of its own (``<name>_gw0``, ``<name>_gw1``: created when missing) and a Redis database
number of its own (``worker_number()``), so they never empty each other's tables.
"""
from __future__ import annotations

import base64
import contextvars
import os
import re
import shutil
import threading
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from flask import Flask, has_app_context, request_started
from flask.globals import app_ctx
from flask.testing import FlaskClient
from werkzeug.routing import Rule
from werkzeug.serving import make_server

from core.extensions import db
from shoudi import create_app

class _RuleSharingItsBuilders(Rule):
    """The suite builds an app per test, and each app compiles a URL builder for each of its
    ~170 routes (Werkzeug writes each as Python source and compiles it): two thirds of the
    cost of building an app. A builder depends only on the rule's text, its defaults and
    whether it appends unknown arguments, and takes the rule itself as its first argument, so
    one builder compiled in this process serves the same rule of every later app."""

    _builders: dict = {}

    def _compile_builder(self, append_unknown: bool = True):
        host = self.host if self.map.host_matching else self.subdomain
        key = (self.rule, host, self.merge_slashes, append_unknown,
               tuple((k, type(v), repr(v)) for k, v in (self.defaults or {}).items()))
        builder = self._builders.get(key)
        if builder is None:
            builder = self._builders[key] = super()._compile_builder(append_unknown)
        return builder


Flask.url_rule_class = _RuleSharingItsBuilders


def worker_number() -> int:
    """0 for the first (or only) test process, 1 for the second, ..."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(worker[2:]) if worker[2:].isdigit() else 0


def _database_of_this_worker(url: str | None) -> str | None:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    name = f"{make_url(url).database}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


TEST_DATABASE_URL = _database_of_this_worker(os.environ.get("TEST_DATABASE_URL"))
TEST_DATA_KEY = base64.urlsafe_b64encode(b"0123456789abcdef0123456789abcdef").decode()
TODAY = date(2026, 11, 20)


DATABASE_FIXTURES = {"app", "database_url", "fresh_database_url"}


def pytest_collection_modifyitems(items):
    for item in items:
        if DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.needs_db)


def make_app(database_url: str, tmp_path, **extra):
    config = {
        "SHOUDI_ENV": "testing",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-000",
        "SHOUDI_DATA_KEY": TEST_DATA_KEY,
        "SHOUDI_UPLOAD_FOLDER": str(tmp_path / "uploads"),
        # Never the project's instance/ folder: make run writes shoudi.env there.
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "WTF_CSRF_ENABLED": False,
        # Salted but cheap: the suite creates hundreds of accounts.
        "SHOUDI_PASSWORD_HASH": "pbkdf2:sha256:1000",
    }
    config.update(extra)
    app = create_app(config)
    app.test_client_class = IsolatedClient
    return app


class _Schema:
    """Where the session's schema lives: a template file (SQLite) or the shared PostgreSQL."""

    def __init__(self, tmp_dir):
        self.postgres = bool(TEST_DATABASE_URL)
        self.template = tmp_dir / "template.db"
        url = TEST_DATABASE_URL or f"sqlite:///{self.template}"
        self.engine = None
        if self.postgres:
            # Start every session from an empty schema (the database is shared with CI).
            self.engine = create_engine(TEST_DATABASE_URL)
            with self.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        app = make_app(url, tmp_dir)
        with app.app_context():
            db.create_all()
            db.engine.dispose()

    def database_for(self, tmp_path) -> str:
        if self.postgres:
            return TEST_DATABASE_URL
        copy = tmp_path / "test.db"
        shutil.copyfile(self.template, copy)
        return f"sqlite:///{copy}"

    def empty(self) -> None:
        """Empty every table of the shared PostgreSQL (a SQLite copy is simply left behind) and
        start every sequence at 1 again.

        A test fills a handful of tables: one statement finds which, and only those are emptied,
        children first. (TRUNCATE of every table took 0.4 s a test, DELETE of the few filled ones
        a hundredth of that.) The audit log's trigger refuses DELETE; TRUNCATE passes it, and no
        table refers to the audit log."""
        if not self.postgres:
            return
        names = [t.name for t in db.metadata.sorted_tables]
        with self.engine.begin() as conn:
            # A connection left idle in a transaction would make the emptying wait for ever.
            conn.execute(text("SET LOCAL lock_timeout = '30s'"))
            quote = conn.dialect.identifier_preparer.quote
            probe = " UNION ALL ".join(f"SELECT '{n}' WHERE EXISTS (SELECT 1 FROM {quote(n)})" for n in names)
            filled = set(conn.exec_driver_sql(probe).scalars())
            for name in reversed(names):
                if name in filled:
                    verb = "TRUNCATE" if name == "audit_log" else "DELETE FROM"
                    conn.exec_driver_sql(f"{verb} {quote(name)}")
            conn.exec_driver_sql("SELECT setval(c.oid, 1, false) FROM pg_class c WHERE c.relkind = 'S'")


@pytest.fixture(scope="session")
def _schema(tmp_path_factory):
    schema = _Schema(tmp_path_factory.mktemp("schema"))
    yield schema
    if schema.engine is not None:
        schema.engine.dispose()


@pytest.fixture
def database_url(tmp_path, _schema):
    """An empty database with the schema in place, for this test alone.

    Tests may build further apps on it with ``make_app``; on PostgreSQL it is emptied after
    the test whatever they did (they must not drop the schema: it is built once per session).
    """
    yield _schema.database_for(tmp_path)
    _schema.empty()


class IsolatedClient(FlaskClient):
    """A test client whose requests each get their own application context, as in production.

    The ``app`` fixture keeps an application context pushed for the whole test (service tests
    need it). Flask would reuse it for requests, sharing ``g`` (where Flask-Login caches the
    logged-in user) between requests and clients; an empty contextvars.Context per request
    hides the test's context from the request.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app_config():
    """Extra configuration for the ``app`` fixture; a test module may override it."""
    return {}


@pytest.fixture
def app(database_url, tmp_path, app_config):
    app = make_app(database_url, tmp_path, **app_config)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def today():
    return TODAY


class Statements(list):
    """SQL statements in the order they were sent; ``str()`` numbers them, briefly, for a
    failure message (long column lists shortened to "…"; the items keep the full text)."""

    @staticmethod
    def brief(sql: str) -> str:
        sql = " ".join(sql.split())
        select = re.match(r"SELECT (.+?) FROM (.*)$", sql)
        if select and len(select.group(1)) > 60:
            sql = f"SELECT … FROM {select.group(2)}"
        insert = re.match(r"INSERT INTO (\S+) \(.*$", sql)
        if insert:
            sql = f"INSERT INTO {insert.group(1)} …"
        return sql if len(sql) <= 240 else sql[:239] + "…"

    def __str__(self) -> str:
        lines = [f"{len(self)} statements:"]
        lines += [f"{n:3}. {self.brief(sql)}" for n, sql in enumerate(self, 1)]
        return "\n".join(lines)


@pytest.fixture
def count_statements(request):
    """``with count_statements() as statements: client.get(...)`` lists the SQL statements that
    the requests made in the block send to the database, in order (``count_statements(app)``
    for an app other than the ``app`` fixture's).

    By default only what a request issues itself is counted: the statements executed in the
    request's own application context (where Flask-SQLAlchemy scopes its session), from the
    first hook to the teardown, including what runs in it after its commit. The test's own
    set-up before or after the block is not counted, nor is work the request hands to the
    queue: the test queue runs a task at once in the same thread, but in an application context
    of its own, as the worker would. ``queued=True`` counts those tasks too (every statement
    sent from this thread while the block is open), for paths whose work happens in the queue.
    BEGIN, COMMIT and ROLLBACK are driver calls, not statements, and are never counted.
    """
    @contextmanager
    def counting(target=None, *, queued: bool = False):
        target = target or request.getfixturevalue("app")
        with target.app_context():
            engines = list(db.engines.values())
        statements = Statements()
        request_contexts: list = []
        thread = threading.get_ident()

        def request_started_(sender, **extra):
            request_contexts.append(app_ctx._get_current_object())

        def record(conn, cursor, statement, parameters, context, executemany):
            if queued:
                counted = threading.get_ident() == thread
            else:
                counted = has_app_context() and any(app_ctx._get_current_object() is c for c in request_contexts)
            if counted:
                statements.append(statement)

        request_started.connect(request_started_, target)
        for engine in engines:
            event.listen(engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            for engine in engines:
                event.remove(engine, "before_cursor_execute", record)
            request_started.disconnect(request_started_, target)
    return counting


@contextmanager
def serving(wsgi_app):
    """Serve a WSGI app from a thread (for browsers and concurrent clients); yields the base URL."""
    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="shoudi-test-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
