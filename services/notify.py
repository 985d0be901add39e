"""Notifications about case changes, behind a notifier interface.

Only a logging notifier exists now; in-app, SMS and WeChat template messages plug in here
by implementing ``Notifier`` and registering it in the application factory. Messages carry
case ids and states, never personal data.
"""
from __future__ import annotations

import logging
from typing import Protocol

from flask import current_app

from models import Case

log = logging.getLogger("shoudi.notify")
NOTIFIERS_EXTENSION = "shoudi_notifiers"


class Notifier(Protocol):
    def case_changed(self, case: Case, action: str | None) -> None: ...


class LoggingNotifier:
    def case_changed(self, case: Case, action: str | None) -> None:
        log.info("case %s now %s after %s (due %s)", case.id, case.state, action or "report",
                 case.due_date)


def case_changed(case: Case, action) -> None:
    for notifier in current_app.extensions.get(NOTIFIERS_EXTENSION, ()):
        notifier.case_changed(case, getattr(action, "value", action))
