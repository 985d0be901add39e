"""The API's error answers: always ``{"error": {"code", "message", "fields"}}``, and never a
half-done change (every handler rolls the request's transaction back).

The factory already answers 404/405/413/429/500 in this shape for /api/ paths; the handlers here
cover what the API's own views raise.
"""
from __future__ import annotations

from flask import Blueprint, jsonify
from marshmallow import ValidationError

from domain.workflow import TransitionRefused
from services.errors import NotFound, PermissionDenied, ValidationFailed
from services.errors import Conflict

INVALID = "填写的内容有误，请按提示修改"


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, fields: dict | None = None,
                 headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields, self.headers = fields or {}, headers or {}


class BadJson(ApiError):
    def __init__(self, message: str = "请求内容不是有效的JSON"):
        super().__init__(400, "bad_json", message)


def unauthorized() -> ApiError:
    return ApiError(401, "unauthorized", "请先登录", headers={"WWW-Authenticate": 'Bearer realm="shoudi"'})


def invalid(fields: dict[str, str]) -> ApiError:
    return ApiError(400, "invalid", INVALID, fields)


def flatten(messages, prefix: str = "") -> dict[str, str]:
    """marshmallow's nested messages as ``{"answers.water_safe": "…"}``, one message per field.

    A dict field's per-entry errors come as ``{"key": …, "value": …}``; the entry's own name is
    kept and those two levels are dropped.
    """
    if isinstance(messages, list):
        if all(isinstance(m, str) for m in messages):
            return {prefix: "；".join(messages)}
        out: dict[str, str] = {}
        for m in messages:
            out.update(flatten(m, prefix))
        return out
    if isinstance(messages, dict):
        if messages and set(messages) <= {"key", "value"} and prefix:
            out = {}
            for m in messages.values():
                out.update(flatten(m, prefix))
            return out
        out = {}
        for key, value in messages.items():
            name = "" if key == "_schema" else str(key)
            out.update(flatten(value, f"{prefix}.{name}" if prefix and name else prefix or name))
        return out
    return {prefix: str(messages)}


def error_response(status: int, code: str, message: str, fields: dict | None = None,
                   headers: dict | None = None):
    # No rollback here: the request's unit of work rolls back every refusal it was not told to keep.
    response = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    response.status_code = status
    response.headers.update(headers or {})
    return response


def register(bp: Blueprint) -> None:
    @bp.errorhandler(ApiError)
    def api_error(exc: ApiError):
        return error_response(exc.status, exc.code, exc.message, exc.fields, exc.headers)

    @bp.errorhandler(ValidationError)
    def schema_error(exc: ValidationError):
        return error_response(400, "invalid", INVALID, flatten(exc.messages))

    @bp.errorhandler(ValidationFailed)
    def service_invalid(exc: ValidationFailed):
        return error_response(400, "invalid", INVALID, exc.fields)

    @bp.errorhandler(NotFound)
    def not_found(exc: NotFound):
        return error_response(404, "not_found", "没有找到您要的内容")

    @bp.errorhandler(PermissionDenied)
    def forbidden(exc: PermissionDenied):
        return error_response(403, "forbidden", str(exc) or "您没有权限进行此操作")

    @bp.errorhandler(Conflict)
    def conflict(exc: Conflict):
        return error_response(409, "conflict", str(exc) or "该编号已被内容不同的记录使用")

    @bp.errorhandler(TransitionRefused)
    def refused(exc: TransitionRefused):
        return error_response(409, "refused", str(exc))
