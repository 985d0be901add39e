"""WeChat mini program: subscribe messages (订阅消息) and binding a WeChat to a person.

- ``GET cgi-bin/token?grant_type=client_credential&appid&secret`` → ``{"access_token",
  "expires_in"}``: kept in this process until a minute before it expires.
- ``POST cgi-bin/message/subscribe/send?access_token`` with ``{"touser": openid, "template_id",
  "page", "data": {"thing1": {"value": …}, …}}`` → ``{"errcode": 0, "errmsg", "msgid"}``.
  40001/42001/40014 (token invalid or expired): a fresh token, and the message once more.
  43101 (not subscribed or refused): refused, not tried again. 45009 (rate limit) and -1
  (busy): tried again later. Other codes fail the message.
- ``GET sns/jscode2session?appid&secret&js_code&grant_type=authorization_code`` → ``{"openid",
  "session_key"}`` (the session key is dropped at once) or ``{"errcode": 40029, …}``.
"""
from __future__ import annotations

import threading
from datetime import datetime, timedelta

from services.notifications.channels.base import (BAD_ANSWER, SERVER_ERROR, UNREACHABLE, Outcome, Result,
                                                  Unreachable, call)

TOKEN_EXPIRED = {40001, 42001, 40014}
REFUSED = 43101
_RETRY = {45009: timedelta(minutes=30), -1: timedelta(0)}
THING_MAX = 20  # a "thing" field holds at most 20 characters


class WechatLoginFailed(Exception):
    """The ``wx.login`` code was not accepted (used, expired, or not of this mini program)."""


class WechatUnavailable(Exception):
    """WeChat did not answer; the person may try again."""


class WechatMiniProgram:
    name = "wechat"

    def __init__(self, base: str, appid: str, secret: str, timeout: float = 10):
        self.base, self.appid, self.secret, self.timeout = base.rstrip("/"), appid, secret, timeout
        self._token: tuple[str, datetime] | None = None
        self._lock = threading.Lock()

    def _fresh_token(self, now: datetime) -> str | None:
        answer = call("GET", f"{self.base}/cgi-bin/token", timeout=self.timeout, query={
            "grant_type": "client_credential", "appid": self.appid, "secret": self.secret})
        body = answer.body or {}
        token = body.get("access_token")
        if not token:
            return None
        lifetime = body.get("expires_in") if isinstance(body.get("expires_in"), int) else 7200
        self._token = (str(token), now + timedelta(seconds=max(lifetime - 60, 0)))
        return self._token[0]

    def token(self, now: datetime, renew: bool = False) -> str | None:
        with self._lock:
            if not renew and self._token and self._token[1] > now:
                return self._token[0]
            return self._fresh_token(now)

    def send(self, openid: str, template_id: str, page: str, data: dict[str, str], now: datetime) -> Outcome:
        payload = {"touser": openid, "template_id": template_id, "page": page,
                   "data": {key: {"value": value[:THING_MAX]} for key, value in data.items()}}
        try:
            for attempt in (0, 1):
                token = self.token(now, renew=attempt == 1)
                if token is None:
                    return Outcome(Result.RETRY, "token_refused", wait=timedelta(minutes=30))
                answer = call("POST", f"{self.base}/cgi-bin/message/subscribe/send", query={"access_token": token},
                              body=payload, timeout=self.timeout)
                if answer.status >= 500:
                    return Outcome(Result.RETRY, SERVER_ERROR)
                code = (answer.body or {}).get("errcode")
                if code not in TOKEN_EXPIRED:
                    break
        except Unreachable:
            return Outcome(Result.RETRY, UNREACHABLE)
        body = answer.body or {}
        if code == 0:
            return Outcome(Result.SENT, "0", str(body.get("msgid") or "")[:64] or None)
        if not isinstance(code, int):
            return Outcome(Result.RETRY, BAD_ANSWER)
        if code == REFUSED:
            return Outcome(Result.REFUSED, str(code))
        if code in _RETRY:
            return Outcome(Result.RETRY, str(code), wait=_RETRY[code])
        if code in TOKEN_EXPIRED:  # refused even when fresh: another process renewed it meanwhile
            return Outcome(Result.RETRY, str(code))
        return Outcome(Result.FAILED, str(code))

    def openid_for(self, code: str) -> str:
        """The openid of the person whose ``wx.login`` gave ``code``."""
        try:
            answer = call("GET", f"{self.base}/sns/jscode2session", timeout=self.timeout, query={
                "appid": self.appid, "secret": self.secret, "js_code": code, "grant_type": "authorization_code"})
        except Unreachable:
            raise WechatUnavailable() from None
        if answer.status >= 500:
            raise WechatUnavailable()
        openid = (answer.body or {}).get("openid")
        if not openid or not isinstance(openid, str) or len(openid) > 128:
            raise WechatLoginFailed(str((answer.body or {}).get("errcode", "")))
        return openid
