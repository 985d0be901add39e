"""Which channels are on, built once from configuration by the application factory.

A channel is on when its keys are configured: SMS needs the AccessKey pair and the sign name,
WeChat the appid and secret; each message shape (staff, farmer) also needs its template. A
channel that is off is logged once per process at start-up and shown as unavailable on the staff page;
nothing is queued for it.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask import current_app

from domain.channels import Channel, Template, Window, parse_rate_limit
from services.notifications.channels.aliyun import AliyunSms
from services.notifications.channels.wechat import WechatMiniProgram

log = logging.getLogger("shoudi.channels")
CHANNELS_EXTENSION = "shoudi_channels"
# What this process has already said about its channels: a process that builds several apps
# (the CLI, tests) says it once.
_said: set[str] = set()


def _say_once(message: str) -> None:
    if message not in _said:
        _said.add(message)
        log.info(message)


@dataclass
class Setup:
    sms: AliyunSms | None = None
    wechat: WechatMiniProgram | None = None
    sms_templates: dict[Template, str] = field(default_factory=dict)
    wechat_templates: dict[Template, str] = field(default_factory=dict)
    wechat_pages: dict[Template, str] = field(default_factory=dict)
    windows: tuple[Window, ...] = ()
    max_attempts: int = 8

    def on(self, channel: Channel, template: Template | None = None) -> bool:
        adapter = self.sms if channel is Channel.SMS else self.wechat
        templates = self.sms_templates if channel is Channel.SMS else self.wechat_templates
        return adapter is not None and (template is None or bool(templates.get(template)))

    def template_id(self, channel: Channel, template: Template) -> str | None:
        return (self.sms_templates if channel is Channel.SMS else self.wechat_templates).get(template)


def from_config(config) -> Setup:
    timeout = config.get("SHOUDI_CHANNEL_TIMEOUT") or 10
    setup = Setup(windows=parse_rate_limit(config.get("SHOUDI_CHANNEL_RATE_LIMIT") or "1/minute"),
                  max_attempts=max(int(config.get("SHOUDI_CHANNEL_MAX_ATTEMPTS") or 8), 1))
    if all(config.get(k) for k in ("SHOUDI_SMS_ACCESS_KEY_ID", "SHOUDI_SMS_ACCESS_KEY_SECRET", "SHOUDI_SMS_SIGN_NAME")):
        setup.sms = AliyunSms(config["SHOUDI_SMS_ENDPOINT"], config["SHOUDI_SMS_ACCESS_KEY_ID"],
                              config["SHOUDI_SMS_ACCESS_KEY_SECRET"], config["SHOUDI_SMS_SIGN_NAME"], timeout)
        setup.sms_templates = _templates(config, "SHOUDI_SMS_TEMPLATE_")
    else:
        _say_once("短信通道未配置（SHOUDI_SMS_ACCESS_KEY_ID、SHOUDI_SMS_ACCESS_KEY_SECRET、SHOUDI_SMS_SIGN_NAME），未开启")
    if config.get("SHOUDI_WECHAT_APPID") and config.get("SHOUDI_WECHAT_SECRET"):
        setup.wechat = WechatMiniProgram(config["SHOUDI_WECHAT_API_BASE"], config["SHOUDI_WECHAT_APPID"],
                                         config["SHOUDI_WECHAT_SECRET"], timeout)
        setup.wechat_templates = _templates(config, "SHOUDI_WECHAT_TEMPLATE_")
        setup.wechat_pages = {t: config.get(f"SHOUDI_WECHAT_PAGE_{t.value.upper()}") or "" for t in Template}
    else:
        _say_once("微信订阅消息未配置（SHOUDI_WECHAT_APPID、SHOUDI_WECHAT_SECRET），未开启")
    return setup


def _templates(config, prefix: str) -> dict[Template, str]:
    return {t: config[prefix + t.value.upper()] for t in Template if config.get(prefix + t.value.upper())}


def current() -> Setup:
    return current_app.extensions.get(CHANNELS_EXTENSION) or Setup()


def wechat_data(template: Template, params: dict[str, str]) -> dict[str, str]:
    """Our fields as the WeChat template's keywords (set up the templates with these)."""
    if template is Template.STAFF:
        return {"thing1": params["step"], "character_string2": params["case"], "thing3": params["due"]}
    return {"thing1": params["progress"], "thing2": params["note"]}
