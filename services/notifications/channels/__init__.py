"""Messages beyond the app: SMS (Aliyun 短信服务) and WeChat subscribe messages (订阅消息).

``install(app)`` builds the channels from configuration and registers the staff notifier; the
farmer's milestone hook and the outbox handlers register on import. See ``ledger`` for the
queue, retries, rate limit and status polling.
"""
from __future__ import annotations

from flask import Flask

from services.notifications.channels import farmers, ledger  # noqa: F401  (register outbox handlers)
from services.notifications.channels.registry import CHANNELS_EXTENSION, from_config
from services.notifications.channels.staff import StaffChannels
from services.notifications.notify import NOTIFIERS_EXTENSION


def install(app: Flask) -> None:
    app.extensions[CHANNELS_EXTENSION] = from_config(app.config)
    app.extensions[NOTIFIERS_EXTENSION].append(StaffChannels())
