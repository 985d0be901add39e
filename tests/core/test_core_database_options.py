"""The database connection: on PostgreSQL without JIT compilation (short indexed queries only)."""
from sqlalchemy import text

from core.extensions import db


def test_postgresql_sessions_run_without_jit(app):
    if db.engine.dialect.name != "postgresql":
        assert "connect_args" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]
        return
    assert db.session.execute(text("SHOW jit")).scalar_one() == "off"
