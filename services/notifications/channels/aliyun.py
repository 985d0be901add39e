"""Aliyun 短信服务 (dysmsapi, API version 2017-05-25), RPC style with signature v1.

SendSms: the common parameters (AccessKeyId, Action, Format, RegionId, SignatureMethod
HMAC-SHA1, SignatureNonce, SignatureVersion 1.0, Timestamp, Version) and PhoneNumbers,
SignName, TemplateCode, TemplateParam (a JSON object), OutId, sent as a form POST. The
signature is Base64(HMAC-SHA1(secret + "&", "POST&%2F&" + percent-encoded canonical query))
with Aliyun's percent-encoding (RFC 3986: space %20, "~" kept). The answer is
``{"Code": "OK", "BizId", "RequestId", "Message"}`` or another Code.

QuerySendDetails: PhoneNumber, BizId, SendDate (yyyyMMdd), PageSize, CurrentPage; the answer's
``SmsSendDetailDTOs.SmsSendDetailDTO[]`` carries SendStatus 1 (waiting), 2 (failed, with
ErrCode), 3 (delivered).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.parse
import uuid
from datetime import date, datetime, timedelta, timezone

from services.notifications.channels.base import (BAD_ANSWER, SERVER_ERROR, UNREACHABLE, Outcome, Result,
                                                  Unreachable, call)

API_VERSION = "2017-05-25"
# The provider's own per-number flow control: the number has had its share for now.
RATE_LIMITED = "isv.BUSINESS_LIMIT_CONTROL"
# Codes an operator puts right (top-up, keys, throttling): the message waits and is tried again.
_RETRY = {
    RATE_LIMITED: timedelta(minutes=30),
    "isv.AMOUNT_NOT_ENOUGH": timedelta(hours=1),
    "InvalidAccessKeyId.NotFound": timedelta(minutes=30),
    "SignatureDoesNotMatch": timedelta(minutes=30),
    "Throttling.User": timedelta(minutes=1),
    "Throttling": timedelta(minutes=1),
    "ServiceUnavailable": timedelta(0),
    "InternalError": timedelta(0),
    "isp.SYSTEM_ERROR": timedelta(0),
}
# Every other code (isv.MOBILE_NUMBER_ILLEGAL, isv.TEMPLATE_MISSING_PARAMETERS, …) fails the
# message for good: trying the same message again would fail the same way.


def percent_encode(value: str) -> str:
    return urllib.parse.quote(str(value), safe="-_.~")


def canonical_query(params: dict[str, str]) -> str:
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))


def signature(params: dict[str, str], secret: str, method: str = "POST") -> str:
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical_query(params))}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSms:
    name = "aliyun"

    def __init__(self, endpoint: str, key_id: str, secret: str, sign_name: str, timeout: float = 10):
        self.endpoint, self.key_id, self.secret = endpoint, key_id, secret
        self.sign_name, self.timeout = sign_name, timeout

    def _request(self, action: str, params: dict[str, str], now: datetime):
        signed = {"AccessKeyId": self.key_id, "Action": action, "Format": "JSON", "RegionId": "cn-hangzhou",
                  "SignatureMethod": "HMAC-SHA1", "SignatureNonce": uuid.uuid4().hex,
                  "SignatureVersion": "1.0", "Timestamp": now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                  "Version": API_VERSION, **params}
        signed["Signature"] = signature(signed, self.secret)
        return call("POST", self.endpoint, form=signed, timeout=self.timeout)

    def send(self, phone: str, template_code: str, params: dict[str, str], out_id: str, now: datetime) -> Outcome:
        try:
            answer = self._request("SendSms", {
                "PhoneNumbers": phone, "SignName": self.sign_name, "TemplateCode": template_code,
                "TemplateParam": json.dumps(params, ensure_ascii=False), "OutId": out_id}, now)
        except Unreachable:
            return Outcome(Result.RETRY, UNREACHABLE)
        if answer.status >= 500:
            return Outcome(Result.RETRY, SERVER_ERROR)
        body = answer.body or {}
        code = str(body.get("Code") or BAD_ANSWER)[:64]
        request_id = _short(body.get("RequestId"))
        if code == "OK":
            return Outcome(Result.SENT, code, _short(body.get("BizId")), request_id)
        if code in _RETRY:
            return Outcome(Result.RETRY, code, request_id=request_id, wait=_RETRY[code])
        return Outcome(Result.FAILED, code, request_id=request_id)

    def status(self, phone: str, provider_id: str, sent_on: date, now: datetime) -> Outcome:
        try:
            answer = self._request("QuerySendDetails", {
                "PhoneNumber": phone, "BizId": provider_id, "SendDate": sent_on.strftime("%Y%m%d"),
                "PageSize": "10", "CurrentPage": "1"}, now)
        except Unreachable:
            return Outcome(Result.WAITING, UNREACHABLE)
        body = answer.body or {}
        if answer.status >= 500 or body.get("Code") != "OK":
            return Outcome(Result.WAITING, str(body.get("Code") or SERVER_ERROR)[:64])
        details = (body.get("SmsSendDetailDTOs") or {}).get("SmsSendDetailDTO") or []
        mine = [d for d in details if isinstance(d, dict)]
        if not mine:
            return Outcome(Result.WAITING, "no_record")
        send_status, err = mine[0].get("SendStatus"), str(mine[0].get("ErrCode") or "")[:64]
        if send_status == 3:
            return Outcome(Result.DELIVERED, err or "DELIVERED")
        if send_status == 2:
            return Outcome(Result.FAILED, err or "failed")
        return Outcome(Result.WAITING, err)


def _short(value) -> str | None:
    return str(value)[:64] if value else None
