"""The database connection: on PostgreSQL without JIT compilation (short indexed queries only),
each prepared statement planned for its values, server-side preparing as configured."""
import pytest
from sqlalchemy import text

from conftest import make_app
from core.extensions import db


def test_postgresql_sessions_run_without_jit(app):
    if db.engine.dialect.name != "postgresql":
        assert "connect_args" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]
        return
    assert db.session.execute(text("SHOW jit")).scalar_one() == "off"
    # Prepared statements are planned for their values each time (a LIKE prefix, a partial index).
    assert db.session.execute(text("SHOW plan_cache_mode")).scalar_one() == "force_custom_plan"


def _prepared_after_eight_runs(app) -> int:
    with app.app_context():
        try:
            with db.engine.connect() as conn:
                for _ in range(8):  # past psycopg's default of 5
                    conn.execute(text("SELECT 1 WHERE 1 = :one"), {"one": 1})
                return conn.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar_one()
        finally:
            db.engine.dispose()


def test_postgresql_statements_are_not_prepared_when_told_off(database_url, tmp_path):
    if not database_url.startswith("postgresql"):
        pytest.skip("psycopg's server-side preparing is PostgreSQL's")
    assert _prepared_after_eight_runs(make_app(database_url, tmp_path / "default")) >= 1
    assert _prepared_after_eight_runs(make_app(database_url, tmp_path / "off", SHOUDI_DB_PREPARE_THRESHOLD="off")) == 0
