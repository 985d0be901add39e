"""What every provider answers, and the one HTTP call they make.

A provider's ``send`` never raises for what the provider or the network did: it answers an
``Outcome`` — sent, try again later (rate limits, busy, 5xx, timeouts), failed for good, or
refused by the person (not subscribed). Only codes are kept, never the provider's message
text (it may quote the number).
"""
from __future__ import annotations

import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum


class Result(str, Enum):
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    REFUSED = "refused"
    DELIVERED = "delivered"  # a status poll: the handset has it
    WAITING = "waiting"  # a status poll: no receipt yet


@dataclass(frozen=True)
class Outcome:
    result: Result
    code: str = ""
    provider_id: str | None = None
    request_id: str | None = None
    wait: timedelta = timedelta(0)  # at least this long before the next try (rate limits)


# What a network failure or a 5xx is recorded as.
UNREACHABLE = "unreachable"
SERVER_ERROR = "http_5xx"
BAD_ANSWER = "bad_answer"


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict | None  # None: no JSON object came back


class Unreachable(Exception):
    """No answer: refused connection, DNS, timeout. Carries no URL (it may hold a number)."""


def call(method: str, url: str, *, query: dict | None = None, form: dict | None = None,
         body: dict | None = None, timeout: float = 10) -> Answer:
    """One HTTP request; the JSON object of the answer, whatever the status."""
    if query:
        url = f"{url}{'&' if '?' in url else '?'}{urllib.parse.urlencode(query)}"
    data, headers = None, {"Accept": "application/json"}
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers["Content-Type"] = "application/json; charset=utf-8"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError, OSError):
        raise Unreachable() from None
    try:
        parsed = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        parsed = None
    return Answer(status, parsed if isinstance(parsed, dict) else None)
