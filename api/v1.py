"""/api/v1: one error shape for every answer, ``{"error": {"code", "message", "fields"}}``."""
from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from core.extensions import db

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")


@bp.get("/health")
def health():
    """Liveness and database reachability, for the deployment's health check."""
    db.session.execute(text("SELECT 1"))
    return jsonify({"status": "ok"})
