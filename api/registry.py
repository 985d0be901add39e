"""The route table: each endpoint is declared once, with what it reads and answers.

``Registry.route`` records an operation (rule, method, schemas, responses, rate limit) and
``install`` puts it on the blueprint behind one wrapper that authenticates, parses and validates.
api/openapi.py writes the OpenAPI document from the same table, so the two cannot drift apart.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Callable

from flask import Blueprint, current_app, request
from marshmallow import ValidationError

from api.auth import require_user
from api.errors import ApiError, BadJson, flatten, invalid
from api.fields import shared
from core.extensions import limiter


@dataclass(frozen=True)
class Answer:
    """One documented response: a schema (JSON), a media type (files), or nothing (204)."""

    description: str
    schema: type | None = None
    many: bool = False
    media_type: str = "application/json"


@dataclass(frozen=True)
class RateLimit:
    """A limit beyond the plain one (``Op.limit``: the config key, counted per client address)."""

    config_key: str
    key: Callable[[], str] | None = None  # what is counted; None: the client address
    scope: str | None = None  # routes naming the same scope count together
    failures_only: bool = False  # count only refused requests (4xx)
    per: str = "每个客户端地址"  # what the docs say it is counted per


@dataclass
class Op:
    rule: str
    method: str
    view: Callable
    summary: str
    tag: str
    answers: dict[int, Answer]
    auth: bool = True
    query: type | None = None
    body: type | None = None
    form: type | None = None
    files: tuple[str, ...] = ()
    errors: tuple[int, ...] = ()
    limit: str | None = None  # the config key holding the rate limit
    limits: tuple[RateLimit, ...] = ()
    # Reachable while the caller must change a password someone else chose (login, logout,
    # /me, the change itself); everything else answers 403 password_change_required.
    before_password_change: bool = False
    description: str = ""
    params: dict[str, str] = field(default_factory=dict)  # path parameter descriptions

    @property
    def endpoint(self) -> str:
        return self.view.__name__

    @property
    def rate_limits(self) -> tuple[RateLimit, ...]:
        return ((RateLimit(self.limit),) if self.limit else ()) + self.limits

    @property
    def error_statuses(self) -> list[int]:
        implied = set(self.errors)
        if self.auth:
            implied.add(401)
            if not self.before_password_change:
                implied.add(403)
        if self.query or self.body or self.form:
            implied.add(400)
        if self.body:
            implied.add(415)
        if self.body or self.form:
            implied.add(413)
        if self.rate_limits:
            implied.add(429)
        return sorted(implied)


def read_json() -> dict:
    """The request's JSON object, or a 400 ``bad_json`` (415 when it is not sent as JSON)."""
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "请以JSON格式提交（Content-Type: application/json）")
    try:
        payload = json.loads(request.get_data(cache=True))
    except ValueError:
        raise BadJson() from None
    if not isinstance(payload, dict):
        raise BadJson("请求内容应为一个JSON对象")
    return payload


def _load_form(op: Op) -> dict:
    """The text parts of a multipart form through its schema; file parts other than ``op.files``
    are refused like unknown fields (a text part named like a file part is ignored here)."""
    problems = {name: "不认识的字段，请删去" for name in sorted(set(request.files) - set(op.files))}
    text = {k: v for k, v in request.form.to_dict().items() if k not in op.files}
    try:
        form = shared(op.form).load(text)
    except ValidationError as exc:
        problems.update(flatten(exc.messages))
    if problems:
        raise invalid(problems)
    return form


class Registry:
    def __init__(self) -> None:
        self.ops: list[Op] = []

    def route(self, rule: str, method: str, *, summary: str, tag: str, answers: dict[int, Answer],
              **spec) -> Callable:
        def decorator(view: Callable) -> Callable:
            self.ops.append(Op(rule=rule, method=method, view=view, summary=summary, tag=tag,
                               answers=answers, **spec))
            return view
        return decorator

    def install(self, bp: Blueprint) -> None:
        endpoints = [op.endpoint for op in self.ops]
        duplicates = {e for e in endpoints if endpoints.count(e) > 1}
        if duplicates:
            raise RuntimeError(f"API endpoints declared twice: {sorted(duplicates)}")
        for op in self.ops:
            bp.add_url_rule(op.rule, endpoint=op.endpoint, view_func=_wrap(op), methods=[op.method])


def _wrap(op: Op) -> Callable:
    @functools.wraps(op.view)
    def view(**path):
        kwargs = dict(path)
        if op.auth:
            kwargs["user"] = require_user()
            if kwargs["user"].must_change_password and not op.before_password_change:
                raise ApiError(403, "password_change_required",
                               "这个密码是别人为您设置的，请先修改密码（POST /api/v1/auth/password）")
        if op.query is not None:
            kwargs["query"] = shared(op.query).load(request.args.to_dict())
        if op.body is not None:
            kwargs["body"] = shared(op.body).load(read_json())
        if op.form is not None:
            kwargs["form"] = _load_form(op)
        return op.view(**kwargs)

    for rate in reversed(op.rate_limits):
        view = _limited(view, rate)
    return view


def _limited(view: Callable, rate: RateLimit) -> Callable:
    def value(key=rate.config_key) -> str:
        return current_app.config[key]

    failed = (lambda response: response.status_code >= 400) if rate.failures_only else None
    if rate.scope:
        return limiter.shared_limit(value, scope=rate.scope, key_func=rate.key, deduct_when=failed)(view)
    return limiter.limit(value, key_func=rate.key, deduct_when=failed)(view)


api = Registry()
