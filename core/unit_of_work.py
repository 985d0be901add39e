"""One unit of work per request: the request commits once, at the end, or rolls back.

Handlers and services only change the session. After the handler returns:

- a response below 400 (a page, a redirect, a download) commits the whole request's work;
- a refusal (4xx) or an error (5xx) rolls it back, so a half-done change never lands;
- ``keep_on_refusal()`` keeps a refusal's work: a failed login's audit entry must stay.

Side effects written to the outbox in the same transaction are handed to the queue only when
this commit succeeds (``services.platform.outbox``).
"""
from __future__ import annotations

from flask import Flask, g

from core.extensions import db

_KEEP = "shoudi_keep_on_refusal"


def keep_on_refusal() -> None:
    """Commit this request's work even though its answer is a 4xx (audit of a refused try)."""
    setattr(g, _KEEP, True)


def register_unit_of_work(app: Flask) -> None:
    @app.after_request
    def finish_unit_of_work(response):
        if response.status_code < 400 or (response.status_code < 500 and g.get(_KEEP)):
            db.session.commit()
        else:
            db.session.rollback()
        return response
