"""Shared fixtures. Tests that use ``app`` run against SQLite, or against the PostgreSQL named
by ``TEST_DATABASE_URL``; they are marked ``needs_db`` so CI can run them on both."""
from __future__ import annotations

import base64
import contextvars
import os
import threading
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import create_engine, text

from flask.testing import FlaskClient
from werkzeug.serving import make_server

from core.extensions import db
from shoudi import create_app

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_DATA_KEY = base64.urlsafe_b64encode(b"0123456789abcdef0123456789abcdef").decode()
TODAY = date(2026, 11, 20)


def pytest_collection_modifyitems(items):
    for item in items:
        if "app" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.needs_db)


@pytest.fixture(scope="session")
def _postgres_ready():
    """Start every PostgreSQL session from an empty schema (the database is shared with CI)."""
    if not TEST_DATABASE_URL:
        return None
    engine = create_engine(TEST_DATABASE_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return TEST_DATABASE_URL


@pytest.fixture
def database_url(tmp_path, _postgres_ready):
    return _postgres_ready or f"sqlite:///{tmp_path / 'test.db'}"


class IsolatedClient(FlaskClient):
    """A test client whose requests each get their own application context, as in production.

    The ``app`` fixture keeps an application context pushed for the whole test (service tests
    need it). Flask would reuse it for requests, sharing ``g`` (where Flask-Login caches the
    logged-in user) between requests and clients; an empty contextvars.Context per request
    hides the test's context from the request.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


def make_app(database_url: str, tmp_path, **extra):
    config = {
        "SHOUDI_ENV": "testing",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-000",
        "SHOUDI_DATA_KEY": TEST_DATA_KEY,
        "SHOUDI_UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "WTF_CSRF_ENABLED": False,
        # Salted but cheap: the suite creates hundreds of accounts.
        "SHOUDI_PASSWORD_HASH": "pbkdf2:sha256:1000",
    }
    config.update(extra)
    app = create_app(config)
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture
def app_config():
    """Extra configuration for the ``app`` fixture; a test module may override it."""
    return {}


@pytest.fixture
def app(database_url, tmp_path, app_config):
    app = make_app(database_url, tmp_path, **app_config)
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        if database_url.startswith("postgresql"):
            tables = ", ".join(t.name for t in db.metadata.sorted_tables)
            with db.engine.begin() as conn:  # TRUNCATE passes the audit log's row triggers
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def today():
    return TODAY


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
