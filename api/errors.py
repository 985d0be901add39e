"""The API's error answers: always ``{"error": {"code", "message", "fields"}}``, and never a
half-done change (every handler rolls the request's transaction back).

The factory already answers 404/405/413/429/500 in this shape for /api/ paths; the handlers here
cover what the API's own views raise.
"""
from __future__ import annotations

from flask import Blueprint, jsonify
from marshmallow import ValidationError

from services.errors import CONTRACT, INVALID, answer_for


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

    def contract_error(exc: Exception):  # the same status as on the web (services.errors)
        answer = answer_for(exc)
        return error_response(answer.status, answer.code, answer.message, answer.fields)

    for exc_type in CONTRACT:
        bp.register_error_handler(exc_type, contract_error)
