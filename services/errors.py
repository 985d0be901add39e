"""Errors services raise, and the one table of how the web pages and the API answer them.

``answer_for`` is the error contract: both ``shoudi`` (pages) and ``api.errors`` (JSON) use it,
so a refusal answers the same status on the web and in the API:

- outside the user's scope, or no such thing: 404 (``not_found``);
- bad input: 400 (``invalid``), each message beside its field;
- a page or endpoint the role never uses: 403 (``forbidden``);
- a workflow step the role may not take (``wrong_role``), one not possible in the case's state,
  taken already or not yet (``wrong_state``), or one whose conditions are not met (``refused``):
  409 with the reason;
- a client id already naming other content: 409 (``conflict``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from domain.workflow import TransitionRefused


class NotFound(LookupError):
    """The object does not exist, or lies outside the user's region (indistinguishable on purpose)."""


class ValidationFailed(ValueError):
    """Input was refused. ``fields`` maps a field name to its Chinese message."""

    def __init__(self, fields: dict[str, str] | str):
        if isinstance(fields, str):
            fields = {"": fields}
        self.fields = fields
        super().__init__("；".join(fields.values()))


class PermissionDenied(Exception):
    """The user's role may not do this (the message says why, in Chinese)."""


class Conflict(Exception):
    """A client id already names a record with different content (the message says so, in Chinese)."""


INVALID = "填写的内容有误，请按提示修改"
NOT_FOUND = "没有找到您要的内容"
FORBIDDEN = "您没有权限进行此操作"
CONFLICT = "该编号已被内容不同的记录使用"


@dataclass(frozen=True)
class ErrorAnswer:
    status: int
    code: str
    message: str
    fields: dict[str, str] = field(default_factory=dict)


def _refused(exc: TransitionRefused) -> ErrorAnswer:
    return ErrorAnswer(409, exc.kind, str(exc))


# The contract: error type -> its answer. NotFound never repeats its (internal) message.
CONTRACT = {
    NotFound: lambda exc: ErrorAnswer(404, "not_found", NOT_FOUND),
    ValidationFailed: lambda exc: ErrorAnswer(400, "invalid", INVALID, dict(exc.fields)),
    PermissionDenied: lambda exc: ErrorAnswer(403, "forbidden", str(exc) or FORBIDDEN),
    TransitionRefused: _refused,
    Conflict: lambda exc: ErrorAnswer(409, "conflict", str(exc) or CONFLICT),
}


def answer_for(exc: Exception) -> ErrorAnswer:
    """How a web page or the API answers ``exc`` (one of the CONTRACT's types, or a subclass)."""
    for kind in type(exc).__mro__:
        if kind in CONTRACT:
            return CONTRACT[kind](exc)
    raise TypeError(f"no answer for {type(exc).__name__}")
