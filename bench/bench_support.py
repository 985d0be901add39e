"""A throw-away application for benchmarks: SQLite in a temporary folder, fresh keys, quick
password hashing, quiet logs. Benchmarks run as scripts, so this folder is on sys.path."""
from __future__ import annotations

import base64
import tempfile
from contextlib import contextmanager
from typing import Iterator

from flask import Flask

from core.extensions import db
from shoudi import create_app


@contextmanager
def scratch_app() -> Iterator[Flask]:
    """An app on an empty database with every table created; yielded outside its app context."""
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({
            "SHOUDI_ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db",
            "SHOUDI_DATA_KEY": base64.urlsafe_b64encode(b"b" * 32).decode(),
            "SHOUDI_UPLOAD_FOLDER": f"{tmp}/uploads", "SHOUDI_PASSWORD_HASH": "pbkdf2:sha256:1000",
            "SHOUDI_LOG_LEVEL": "WARNING"})
        with app.app_context():
            db.create_all()
        yield app
