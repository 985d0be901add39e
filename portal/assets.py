"""Static files under content-hashed names, cached for a year.

``asset("farmer.css")`` gives ``/assets/farmer.3f9a1c0d2e.css``. A changed file gets a new
name, so phones never keep an old stylesheet, and WeChat can cache the current one forever.
"""
from __future__ import annotations

import hashlib
import os

from flask import Blueprint, Response, abort, url_for

STATIC_DIR = os.path.join(os.path.dirname(__file__), "static")
ONE_YEAR = 365 * 24 * 3600
_TYPES = {".css": "text/css", ".js": "application/javascript", ".svg": "image/svg+xml",
          ".png": "image/png", ".ico": "image/x-icon"}

bp = Blueprint("assets", __name__)
_hashes: dict[str, tuple[float, str]] = {}


def _digest(filename: str) -> str:
    path = os.path.join(STATIC_DIR, filename)
    mtime = os.path.getmtime(path)
    cached = _hashes.get(filename)
    if cached is None or cached[0] != mtime:
        with open(path, "rb") as fh:
            cached = (mtime, hashlib.sha256(fh.read()).hexdigest()[:10])
        _hashes[filename] = cached
    return cached[1]


@bp.app_template_global()
def asset(filename: str) -> str:
    stem, ext = os.path.splitext(filename)
    return url_for("assets.serve", name=f"{stem}.{_digest(filename)}{ext}")


@bp.get("/assets/<name>")
def serve(name: str):
    stem_hash, ext = os.path.splitext(name)
    stem, _, digest = stem_hash.rpartition(".")
    filename = stem + ext
    if not stem or ext not in _TYPES or os.path.basename(filename) != filename \
            or not os.path.isfile(os.path.join(STATIC_DIR, filename)) or _digest(filename) != digest:
        abort(404)
    with open(os.path.join(STATIC_DIR, filename), "rb") as fh:
        response = Response(fh.read(), mimetype=_TYPES[ext])
    response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    return response
