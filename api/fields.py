"""marshmallow fields for a JSON API: strict JSON types, Chinese messages, and their OpenAPI type.

marshmallow's own fields accept ``"3"`` for an integer and ``"yes"`` for a boolean; the phone
sends real JSON, so these refuse anything but the JSON type. Each field says how it appears in
the OpenAPI document (``openapi``), which api/openapi.py reads.
"""
from __future__ import annotations

import functools
import math
import numbers
from datetime import timezone

from marshmallow import Schema, fields

NOT_NULL = "不能为空（null）"


class _Chinese:
    """Mixed in first, so these messages replace marshmallow's English defaults."""

    default_error_messages = {"required": "缺少此项", "null": NOT_NULL, "validator_failed": "取值无效"}
    openapi: dict = {}


class String(_Chinese, fields.String):
    default_error_messages = {"invalid": "应为文字（字符串）", "invalid_utf8": "应为文字（字符串）"}
    openapi = {"type": "string"}


class Integer(_Chinese, fields.Integer):
    """A JSON integer: no strings, no booleans, no fractions."""

    default_error_messages = {"invalid": "应为整数", "too_large": "数字太大"}
    openapi = {"type": "integer"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class QueryInteger(_Chinese, fields.Integer):
    """An integer from the query string (which is always text)."""

    default_error_messages = {"invalid": "应为整数", "too_large": "数字太大"}
    openapi = {"type": "integer"}


class Float(_Chinese, fields.Float):
    default_error_messages = {"invalid": "应为数字", "special": "应为数字", "too_large": "数字太大"}
    openapi = {"type": "number"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class Boolean(_Chinese, fields.Boolean):
    """true or false only (not "yes", 1 or "on")."""

    default_error_messages = {"invalid": "应为 true 或 false"}
    openapi = {"type": "boolean"}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class Text(_Chinese, fields.Field):
    """Loaded as text from a JSON string or number (money, counts typed on a form); numbers
    become their decimal text, so 1200 and "1200" are the same answer."""

    default_error_messages = {"invalid": "应为数字或文字"}
    openapi = {"oneOf": [{"type": "string"}, {"type": "number"}]}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            return value
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise self.make_error("invalid")
        return str(int(value)) if float(value).is_integer() else repr(float(value))


class Date(_Chinese, fields.Date):
    default_error_messages = {"invalid": "日期格式不对", "format": "日期格式不对"}
    openapi = {"type": "string", "format": "date"}


class DateTime(_Chinese, fields.DateTime):
    """Dumped in UTC, so a record reads the same whichever session wrote or reloaded it."""

    default_error_messages = {"invalid": "时间格式不对", "invalid_awareness": "时间缺少时区",
                              "format": "时间格式不对"}
    openapi = {"type": "string", "format": "date-time"}

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.astimezone(timezone.utc).isoformat()


class Decimal(_Chinese, fields.Decimal):
    """Money as a decimal string ("1234.50"), never a binary float."""

    default_error_messages = {"invalid": "应为数字", "special": "应为数字"}
    openapi = {"type": "string", "format": "decimal"}

    def __init__(self, **kwargs):
        super().__init__(as_string=True, **kwargs)


class List(_Chinese, fields.List):
    default_error_messages = {"invalid": "应为列表（数组）"}
    openapi = {"type": "array"}


class Dict(_Chinese, fields.Dict):
    default_error_messages = {"invalid": "应为JSON对象"}
    openapi = {"type": "object"}


class Nested(_Chinese, fields.Nested):
    default_error_messages = {"type": "应为JSON对象"}


class ApiSchema(Schema):
    """Base of every schema: unknown fields are refused, by name, in Chinese."""

    error_messages = {"unknown": "不认识的字段，请删去", "type": "应为JSON对象"}


@functools.cache
def shared(schema: type[Schema], many: bool = False) -> Schema:
    """The one instance of ``schema`` that every request loads and dumps through.

    Building a schema deep-copies each of its fields (about 0.3 ms for the visit body, as much
    as the rest of its validation); an instance keeps no state between calls, so it is built
    once per process and reused."""
    return schema(many=many)
