"""A local stand-in for Aliyun 短信服务 and the WeChat mini program API, for the channel tests.

It speaks their documented request and response shapes over real HTTP (http.server in a
thread, on a free port): it checks Aliyun's RPC signature (HMAC-SHA1 over the canonical query,
the secret + "&" as key) and parameters, WeChat's access token, and answers with what a test
scripts: success, the providers' error codes, or an HTTP 5xx. Every request is recorded.

Lives at the top of tests/ (on sys.path), so service, API and portal tests share it.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core.extensions import db
from factories import build_world


STAFF_PHONE = "13912345678"  # grid_a1's phone in the ``world`` fixture
KEY_ID, SECRET, SIGN_NAME = "test-key-id", "test-secret", "守底测试"
SMS_STAFF, SMS_FARMER = "SMS_100001", "SMS_100002"
APPID, APP_SECRET = "wx-test-app", "wx-test-secret"
WX_STAFF, WX_FARMER = "tpl-staff-0001", "tpl-farmer-0001"


@dataclass
class Provider:
    """The scripted answers and what was asked. ``sms``/``wechat``: answers to give in turn
    (then success); ``receipts``: the SendStatus QuerySendDetails reports, in turn (then 1)."""

    sms: deque = field(default_factory=deque)
    wechat: deque = field(default_factory=deque)
    receipts: deque = field(default_factory=deque)
    tried: list = field(default_factory=list)  # every SendSms, whatever it was answered
    sent: list = field(default_factory=list)  # SendSms parameters answered OK
    queries: list = field(default_factory=list)  # QuerySendDetails parameters
    pushed: list = field(default_factory=list)  # subscribe/send bodies
    tokens_issued: int = 0
    bad_signatures: int = 0
    port: int = 0

    @property
    def token(self) -> str:
        return f"token-{self.tokens_issued}"

    def config(self, sms: bool = True, wechat: bool = True, **more) -> dict:
        base = f"http://127.0.0.1:{self.port}"
        cfg: dict = {}
        if sms:
            cfg.update(SHOUDI_SMS_ENDPOINT=base + "/", SHOUDI_SMS_ACCESS_KEY_ID=KEY_ID,
                       SHOUDI_SMS_ACCESS_KEY_SECRET=SECRET, SHOUDI_SMS_SIGN_NAME=SIGN_NAME,
                       SHOUDI_SMS_TEMPLATE_STAFF=SMS_STAFF, SHOUDI_SMS_TEMPLATE_FARMER=SMS_FARMER)
        if wechat:
            cfg.update(SHOUDI_WECHAT_API_BASE=base, SHOUDI_WECHAT_APPID=APPID, SHOUDI_WECHAT_SECRET=APP_SECRET,
                       SHOUDI_WECHAT_TEMPLATE_STAFF=WX_STAFF, SHOUDI_WECHAT_TEMPLATE_FARMER=WX_FARMER)
        cfg.update(more)
        return cfg


# Scripted SMS answers: (HTTP status, Code).
SMS_OK = (200, "OK")
SMS_RATE_LIMITED = (200, "isv.BUSINESS_LIMIT_CONTROL")
SMS_BAD_NUMBER = (200, "isv.MOBILE_NUMBER_ILLEGAL")
SMS_MISSING_PARAMETER = (200, "isv.TEMPLATE_MISSING_PARAMETERS")
SMS_NO_MONEY = (200, "isv.AMOUNT_NOT_ENOUGH")
SMS_BAD_KEY = (404, "InvalidAccessKeyId.NotFound")
SMS_5XX = (503, None)


def aliyun_signature(params: dict, secret: str) -> str:
    """Written from Aliyun's description (not the app's code): sort the parameters, percent-encode
    names and values (RFC 3986, space as %20), join with & and =, then sign
    "POST&%2F&" + the encoded query with HMAC-SHA1 keyed by the secret and "&"."""
    def enc(text: str) -> str:
        return urllib.parse.quote(text, safe="~")
    canonical = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(params.items()))
    digest = hmac.new((secret + "&").encode(), ("POST&%2F&" + enc(canonical)).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _handler(provider: Provider):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet: requests carry numbers
            pass

        def _answer(self, status: int, body: dict | None) -> None:
            data = json.dumps(body, ensure_ascii=False).encode() if body is not None else b"<html>busy</html>"
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if body is not None else "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _read(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(url.query))
            if url.path == "/cgi-bin/token":
                if (query.get("grant_type"), query.get("appid"), query.get("secret")) != (
                        "client_credential", APPID, APP_SECRET):
                    return self._answer(200, {"errcode": 40013, "errmsg": "invalid appid"})
                provider.tokens_issued += 1
                return self._answer(200, {"access_token": provider.token, "expires_in": 7200})
            if url.path == "/sns/jscode2session":
                code = query.get("js_code", "")
                if query.get("grant_type") != "authorization_code" or query.get("appid") != APPID \
                        or query.get("secret") != APP_SECRET or not code.startswith("good-"):
                    return self._answer(200, {"errcode": 40029, "errmsg": "invalid code"})
                return self._answer(200, {"openid": "openid-" + code[5:], "session_key": "never-kept"})
            return self._answer(404, {"errcode": 404})

        def do_POST(self):
            url = urllib.parse.urlsplit(self.path)
            raw = self._read()
            if url.path == "/cgi-bin/message/subscribe/send":
                return self._wechat_send(dict(urllib.parse.parse_qsl(url.query)), json.loads(raw))
            if url.path == "/":
                return self._aliyun(dict(urllib.parse.parse_qsl(raw.decode())))
            return self._answer(404, {})

        def _wechat_send(self, query: dict, body: dict):
            if query.get("access_token") != provider.token:
                return self._answer(200, {"errcode": 40001, "errmsg": "invalid credential"})
            assert set(body) == {"touser", "template_id", "page", "data"}, body
            assert all(set(v) == {"value"} and len(v["value"]) <= 20 for v in body["data"].values())
            scripted = provider.wechat.popleft() if provider.wechat else 0
            if scripted == "5xx":
                return self._answer(502, None)
            if scripted == "expire":  # the token is revoked (another process renewed it)
                provider.tokens_issued += 1
                return self._answer(200, {"errcode": 42001, "errmsg": "access_token expired"})
            if scripted == 0:
                provider.pushed.append(body)
                return self._answer(200, {"errcode": 0, "errmsg": "ok", "msgid": 7000 + len(provider.pushed)})
            return self._answer(200, {"errcode": scripted, "errmsg": "scripted"})

        def _aliyun(self, params: dict):
            given = params.pop("Signature", "")
            if params.get("AccessKeyId") != KEY_ID or given != aliyun_signature(params, SECRET) \
                    or params.get("SignatureMethod") != "HMAC-SHA1" or params.get("SignatureVersion") != "1.0" \
                    or not params.get("SignatureNonce") or params.get("Version") != "2017-05-25" \
                    or params.get("Format") != "JSON" or not params.get("Timestamp", "").endswith("Z"):
                provider.bad_signatures += 1
                return self._answer(400, {"Code": "SignatureDoesNotMatch", "RequestId": "r-bad"})
            if params.get("Action") == "QuerySendDetails":
                provider.queries.append(params)
                status = provider.receipts.popleft() if provider.receipts else 1
                detail = {"SendStatus": status, "ErrCode": {3: "DELIVERED", 2: "MK:0001"}.get(status, ""),
                          "PhoneNum": params["PhoneNumber"], "TemplateCode": SMS_STAFF}
                return self._answer(200, {"Code": "OK", "Message": "OK", "RequestId": "r-q", "TotalCount": 1,
                                          "SmsSendDetailDTOs": {"SmsSendDetailDTO": [detail]}})
            assert params.get("Action") == "SendSms", params
            assert {"PhoneNumbers", "SignName", "TemplateCode", "TemplateParam"} <= set(params)
            json.loads(params["TemplateParam"])
            provider.tried.append(params)
            status, code = provider.sms.popleft() if provider.sms else SMS_OK
            if code is None:
                return self._answer(status, None)
            body = {"Code": code, "Message": "scripted", "RequestId": f"r-{len(provider.sent) + 1}"}
            if code == "OK":
                provider.sent.append(params)
                body["BizId"] = f"{900000 + len(provider.sent)}^0"
            return self._answer(status, body)

    return Handler


class ProviderServer:
    def __init__(self):
        self.provider = Provider()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.provider))
        self.provider.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Provider:
        self.thread.start()
        return self.provider

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- fixtures (a test module imports them: ``from channels_support import app_config, provider, world``)

@pytest.fixture
def provider():
    with ProviderServer() as running:
        yield running


@pytest.fixture
def app_config(provider):
    return provider.config()


@pytest.fixture
def world(app):
    """The factories' world, with a phone on file for grid_a1."""
    made = build_world()
    made.users["grid_a1"].phone = STAFF_PHONE
    db.session.commit()
    return made
