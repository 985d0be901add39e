"""The OpenAPI 3.0.3 document, written from the route table (api/registry.py) and the marshmallow
schemas (api/schemas.py), and the view model of the readable docs page made from it."""
from __future__ import annotations

import re

from flask import current_app
from marshmallow import fields, missing, validate

from api import schemas
from api.registry import Op, Registry

PREFIX = "/api/v1"
REF = "#/components/schemas/"
RULE_PARAM = re.compile(r"<(?:([a-z]+):)?(\w+)>")
ERRORS = {
    400: "内容有误：fields 逐项说明（缺项、类型不对、不认识的字段、JSON 无效）",
    401: "未登录，或令牌无效、已过期、已作废（unauthorized）",
    403: "角色无权进行此操作（forbidden），或须先修改别人为您设置的密码（password_change_required）",
    404: "不存在，或不在您的辖区内（两者不加区分）",
    409: "编号已被内容不同的记录使用（conflict），或流程不允许这一步：须由其他角色办理（wrong_role）、"
         "当前状态不能办理（wrong_state）、条件不满足（refused）；message 说明原因",
    413: "上传的内容太大（too_large）",
    415: "请求不是 JSON（Content-Type 应为 application/json）",
    429: "操作太频繁（rate_limited），或密码错误次数过多、账号暂时锁定（account_locked）；Retry-After 给出秒数",
}
TAGS = {
    "登录": "令牌登录：Authorization: Bearer <token>；H5 页面也可用登录后的会话 Cookie，并须带 X-Shoudi-Client: h5",
    "外业": "网格员的工作清单、农户、线索和排查表（只含本人辖区）",
    "走访": "走访记录和照片：按手机生成的 UUID 幂等，重发不会重复记录",
    "待办": "我的待办：现在由我办理的环节，与网页相同的清单和范围",
    "农户": "农户无需登录：村列表、明白纸、自主申报、进度查询",
    "说明": "接口说明和健康检查",
}


def _nested_class(field: fields.Nested) -> type:
    return type(field.schema)


def component(cls: type, components: dict) -> str:
    name = cls.__name__
    if name not in components:
        components[name] = {}  # placeholder first: a schema may refer to itself
        instance = cls()
        properties, required = {}, []
        for field_name, field in instance.fields.items():
            key = field.data_key or field_name
            properties[key] = field_schema(field, components)
            if field.required:
                required.append(key)
        body = {"type": "object", "properties": properties, "additionalProperties": False}
        if getattr(cls, "always_present", False):
            required = list(properties)  # answers always carry every field
        if required:
            body["required"] = required
        doc = cls.__dict__.get("__doc__")
        if doc:
            body["description"] = doc.strip().splitlines()[0]
        components[name] = body
    return name


def field_schema(field: fields.Field, components: dict) -> dict:
    if isinstance(field, fields.Nested):
        ref = {"$ref": REF + component(_nested_class(field), components)}
        out = {"type": "array", "items": ref} if field.many else ({"allOf": [ref]} if _has_extras(field) else ref)
    elif isinstance(field, fields.List):
        out = {"type": "array", "items": field_schema(field.inner, components)}
    elif isinstance(field, fields.Dict):
        out = {"type": "object"}
        if field.value_field is not None:
            out["additionalProperties"] = field_schema(field.value_field, components)
    else:
        out = dict(getattr(field, "openapi", None) or {})
    if "$ref" in out:
        return out
    for validator in field.validators:
        _constrain(out, validator)
    meta = field.metadata
    for key in ("description", "format", "pattern", "default", "example"):
        if key in meta:
            out[key] = meta[key]
    if "enum" in meta:
        target = out["items"] if out.get("type") == "array" else out
        target["enum"] = list(meta["enum"])
    if field.load_default is not missing and not callable(field.load_default):
        out.setdefault("default", field.load_default)
    if field.allow_none:
        out["nullable"] = True
    return out


def _has_extras(field: fields.Field) -> bool:
    return field.allow_none or "description" in field.metadata


def _constrain(out: dict, validator) -> None:
    array = out.get("type") == "array"
    if isinstance(validator, validate.Length):
        if validator.min is not None:
            out["minItems" if array else "minLength"] = validator.min
        if validator.max is not None:
            out["maxItems" if array else "maxLength"] = validator.max
    elif isinstance(validator, validate.Range):
        if validator.min is not None:
            out["minimum"] = validator.min
        if validator.max is not None:
            out["maximum"] = validator.max
    elif isinstance(validator, validate.OneOf):
        out["enum"] = list(validator.choices)
    elif isinstance(validator, validate.Regexp):
        out["pattern"] = validator.regex.pattern


def openapi_path(rule: str) -> str:
    return PREFIX + RULE_PARAM.sub(lambda m: "{" + m.group(2) + "}", rule)


def _parameters(op: Op, components: dict) -> list[dict]:
    params = []
    for converter, name in RULE_PARAM.findall(op.rule):
        params.append({"name": name, "in": "path", "required": True,
                       "description": op.params.get(name, ""),
                       "schema": {"type": "integer" if converter == "int" else "string"}})
    if op.query is not None:
        for name, field in op.query().fields.items():
            schema = field_schema(field, components)
            description = schema.pop("description", "")
            params.append({"name": field.data_key or name, "in": "query", "required": field.required,
                           "description": description, "schema": schema})
    return params


def _request_body(op: Op, components: dict) -> dict | None:
    if op.body is not None:
        return {"required": True, "content": {"application/json": {
            "schema": {"$ref": REF + component(op.body, components)}}}}
    if op.form is not None:
        form = {k: dict(v) for k, v in components[component(op.form, components)]["properties"].items()}
        required = list(components[op.form.__name__].get("required", []))
        for name in op.files:
            form[name] = {"type": "string", "format": "binary", "description": "文件"}
            required.append(name)
        return {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "properties": form, "required": required}}}}
    return None


def _responses(op: Op, components: dict) -> dict:
    out = {}
    for status, answer in sorted(op.answers.items()):
        entry: dict = {"description": answer.description}
        if answer.schema is not None:
            ref = {"$ref": REF + component(answer.schema, components)}
            entry["content"] = {answer.media_type: {"schema": {"type": "array", "items": ref} if answer.many else ref}}
        elif answer.media_type != "application/json":
            entry["content"] = {answer.media_type: {"schema": {"type": "string", "format": "binary"}}}
        out[str(status)] = entry
    error_ref = {"$ref": REF + component(schemas.ErrorResponse, components)}
    for status in op.error_statuses:
        out[str(status)] = {"description": ERRORS[status], "content": {"application/json": {"schema": error_ref}}}
    return out


def document(registry: Registry) -> dict:
    components: dict = {}
    component(schemas.ErrorResponse, components)
    paths: dict = {}
    for op in registry.ops:
        operation = {"operationId": op.endpoint, "summary": op.summary, "tags": [op.tag],
                     "parameters": _parameters(op, components), "responses": _responses(op, components),
                     "security": [{"bearerAuth": []}, {"h5Session": [], "h5Client": []}] if op.auth else []}
        if op.description:
            operation["description"] = op.description
        if op.rate_limits:
            operation["x-rate-limit"] = "；".join(
                f"{current_app.config[rate.config_key]}（{rate.per}{'，只计失败的请求' if rate.failures_only else ''}）"
                for rate in op.rate_limits)
        body = _request_body(op, components)
        if body is not None:
            operation["requestBody"] = body
        paths.setdefault(openapi_path(op.rule), {})[op.method.lower()] = operation
    return {
        "openapi": "3.0.3",
        "info": {"title": "守底 Shoudi API", "version": "1",
                 "description": "防止返贫动态监测和帮扶：网格员小程序与农户的 JSON 接口。"
                                "出错时一律答 {\"error\": {\"code\", \"message\", \"fields\"}}。"
                                "个人信息（身份证号、手机号）从不放进地址。"},
        "tags": [{"name": name, "description": text} for name, text in TAGS.items()],
        "paths": paths,
        "components": {"schemas": dict(sorted(components.items())), "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer", "description": "POST /api/v1/auth/login 得到的令牌"},
            "h5Session": {"type": "apiKey", "in": "cookie", "name": current_app.config["SESSION_COOKIE_NAME"],
                          "description": "网页登录后的会话 Cookie（须同时带 X-Shoudi-Client: h5）"},
            "h5Client": {"type": "apiKey", "in": "header", "name": "X-Shoudi-Client",
                         "description": "固定为 h5：用 Cookie 调用时必须带，挡住跨站表单提交"}}},
    }
