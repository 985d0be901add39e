"""The readable API page: the OpenAPI document turned into plain rows for a template."""
from __future__ import annotations

from dataclasses import dataclass, field

from api.openapi import ERRORS, REF

METHOD_ORDER = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class TypeRef:
    text: str                 # "string (date)", "array of", "integer"
    ref: str | None = None    # a schema name to link to


@dataclass(frozen=True)
class Row:
    name: str
    type: TypeRef
    required: bool
    nullable: bool
    description: str
    place: str = ""           # path | query (parameters only)


@dataclass(frozen=True)
class Reply:
    status: str
    description: str
    media_type: str
    type: TypeRef | None


@dataclass
class Operation:
    method: str
    path: str
    anchor: str
    summary: str
    description: str
    auth: bool
    rate_limit: str | None
    parameters: list[Row]
    body_media: str | None
    body_type: TypeRef | None
    body_rows: list[Row]
    replies: list[Reply]


@dataclass
class Group:
    tag: str
    description: str
    operations: list[Operation] = field(default_factory=list)


@dataclass(frozen=True)
class SchemaView:
    name: str
    description: str
    rows: list[Row]


def type_of(schema: dict) -> TypeRef:
    if "$ref" in schema:
        return TypeRef("", schema["$ref"].removeprefix(REF))
    if "allOf" in schema:
        return type_of(schema["allOf"][0])
    if "oneOf" in schema:
        return TypeRef(" 或 ".join(type_of(s).text for s in schema["oneOf"]))
    kind = schema.get("type", "任意")
    if kind == "array":
        inner = type_of(schema.get("items", {}))
        return TypeRef(f"array of {inner.text}".strip(), inner.ref)
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        inner = type_of(schema["additionalProperties"])
        return TypeRef(f"object（键 → {inner.text}）", inner.ref)
    text = f"{kind} ({schema['format']})" if "format" in schema else kind
    if "enum" in schema:
        text += "：" + " | ".join(str(v) for v in schema["enum"])
    return TypeRef(text)


def _describe(schema: dict) -> str:
    parts = [schema.get("description", "")]
    limits = [f"{label}{schema[key]}" for key, label in (("minLength", "最短"), ("maxLength", "最长"),
                                                          ("minimum", "最小"), ("maximum", "最大"))
              if key in schema]
    if "default" in schema:
        limits.append(f"默认 {schema['default']}")
    if "pattern" in schema:
        limits.append(f"格式 {schema['pattern']}")
    if limits:
        parts.append("（" + "，".join(limits) + "）")
    return "".join(p for p in parts if p)


def rows_of(schema: dict) -> list[Row]:
    required = set(schema.get("required", ()))
    return [Row(name, type_of(prop), name in required, bool(prop.get("nullable")), _describe(prop))
            for name, prop in schema.get("properties", {}).items()]


def _operation(path: str, method: str, op: dict, components: dict) -> Operation:
    params = [Row(p["name"], type_of(p["schema"]), p["required"], False,
                  _describe({**p["schema"], "description": p.get("description", "")}), p["in"])
              for p in op.get("parameters", [])]
    body_media = body_type = None
    body_rows: list[Row] = []
    if "requestBody" in op:
        body_media, content = next(iter(op["requestBody"]["content"].items()))
        schema = content["schema"]
        if "$ref" in schema:
            body_type = type_of(schema)
            schema = components[body_type.ref]
        body_rows = rows_of(schema)
    replies = []
    for status, reply in op["responses"].items():
        media, content = next(iter(reply.get("content", {"": {}}).items()))
        replies.append(Reply(status, reply["description"], media,
                             type_of(content["schema"]) if "schema" in content else None))
    return Operation(method.upper(), path, op["operationId"], op["summary"], op.get("description", ""),
                     bool(op["security"]), op.get("x-rate-limit"), params, body_media, body_type,
                     body_rows, replies)


def view(doc: dict) -> dict:
    groups = {tag["name"]: Group(tag["name"], tag["description"]) for tag in doc["tags"]}
    for path, item in doc["paths"].items():
        for method in METHOD_ORDER:
            if method in item:
                op = item[method]
                groups[op["tags"][0]].operations.append(
                    _operation(path, method, op, doc["components"]["schemas"]))
    schema_views = [SchemaView(name, body.get("description", ""), rows_of(body))
                    for name, body in doc["components"]["schemas"].items()]
    return {"info": doc["info"], "groups": [g for g in groups.values() if g.operations],
            "schemas": schema_views, "errors": ERRORS,
            "security": doc["components"]["securitySchemes"]}
