"""What a client sends is checked once, here, before any view runs.

- Ids in the path: ``<int:…>`` takes ASCII digits only, 1 to 2³¹−1 (the databases' INTEGER);
  anything else does not match the route, so the answer is a 404, never a database error.
- NUL characters anywhere a client can type (path, query, form fields, JSON strings) are
  refused with a 400 in Chinese: PostgreSQL cannot store them, and no one types them.

Numbers inside forms and JSON are parsed strictly by ``domain.numbers`` where they are read.
"""
from __future__ import annotations

from flask import Flask, abort, request
from werkzeug.routing import BaseConverter, ValidationError

LARGEST_ID = 2**31 - 1
NUL_MESSAGE = "提交的内容含有不允许的控制字符（NUL），请删除后重新提交"


class IdConverter(BaseConverter):
    """``<int:…>`` for record ids: ASCII digits, within the databases' INTEGER."""

    regex = r"[0-9]{1,10}"
    weight = 50

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= LARGEST_ID:
            raise ValidationError()
        return number

    def to_url(self, value) -> str:
        return str(int(value))


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _refuse_nul():
    if "\x00" in request.path or any(_has_nul(k) or _has_nul(v) for k, v in request.args.items(multi=True)):
        abort(400, NUL_MESSAGE)
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.is_json:
            if _has_nul(request.get_json(silent=True)):
                abort(400, NUL_MESSAGE)
        elif any(_has_nul(k) or _has_nul(v) for k, v in request.form.items(multi=True)):
            abort(400, NUL_MESSAGE)


def install(app: Flask) -> None:
    """Call before any blueprint is registered: routes take their converters when added."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(_refuse_nul)
