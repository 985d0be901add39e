"""/api/v1: the JSON API of the grid workers' mini program and H5 app, and of farmers.

One error shape for every answer, ``{"error": {"code", "message", "fields"}}``. The endpoints are
declared in the route modules on ``api.registry.api`` (which also writes the OpenAPI document)
and installed here on the blueprint.
"""
from __future__ import annotations

from flask import Blueprint

from api import errors, routes_auth, routes_channels, routes_farmer, routes_field, routes_meta, routes_todo, routes_visits  # noqa: F401
from api.registry import api

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")
api.install(bp)
errors.register(bp)
