"""Health check, the OpenAPI document and the readable docs page."""
from __future__ import annotations

from flask import jsonify, render_template
from sqlalchemy import text

from api import docs, schemas
from api.openapi import document
from api.registry import Answer, api
from core.extensions import db

TAG = "说明"


@api.route("/health", "GET", summary="健康检查", tag=TAG, auth=False,
           answers={200: Answer("服务和数据库可用", schemas.Health)})
def health():
    """Liveness and database reachability, for the deployment's health check."""
    db.session.execute(text("SELECT 1"))
    return jsonify({"status": "ok"})


@api.route("/openapi.json", "GET", summary="OpenAPI 3.0.3 文档", tag=TAG, auth=False,
           answers={200: Answer("本接口的 OpenAPI 文档（JSON）")})
def openapi_json():
    return jsonify(document(api))


@api.route("/docs", "GET", summary="接口说明（网页）", tag=TAG, auth=False,
           answers={200: Answer("由 OpenAPI 文档生成的说明页", media_type="text/html")})
def api_docs():
    return render_template("api_docs.html", **docs.view(document(api)))
