"""The API of the channels: a staff member binds their WeChat with a wx.login code and chooses
how to hear of their work; a farmer subscribes to their report with its token. Against the
local stand-in for WeChat (tests/channels_support.py)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from api_support import API, assert_error, bearer, token_for
from channels_support import WX_STAFF, app_config, provider, world  # noqa: F401  (fixtures)
from core.extensions import db
from domain.selfreport import ReportInput
from factories import new_id
from models import ChannelPreference, SubmissionWechat
from services.farmer import selfreport
from conftest import TODAY

PHONE = "13912345678"
TOKEN = "farmer-report-token-0002"



@pytest.fixture
def people(world):
    return {name: u.id for name, u in world.users.items()} | {"village_code": world.village_a.code}


def test_bind_then_choose_wechat(client, people):
    headers = bearer(token_for(people["grid_a1"]))
    answer = client.get(f"{API}/me/channels", headers=headers)
    assert answer.get_json() == {"choice": "in_app", "wechat_bound": False, "sms_available": True,
                                 "wechat_available": True, "wechat_template": WX_STAFF}
    assert_error(client.put(f"{API}/me/channels", headers=headers, json={"choice": "wechat"}), 400, "invalid", {"choice"})
    answer = client.post(f"{API}/me/wechat", headers=headers, json={"code": "good-g1"})
    assert answer.status_code == 200 and answer.get_json()["wechat_bound"] is True
    answer = client.put(f"{API}/me/channels", headers=headers, json={"choice": "wechat"})
    assert answer.status_code == 200 and answer.get_json()["choice"] == "wechat"
    db.session.expire_all()
    row = db.session.get(ChannelPreference, people["grid_a1"])
    assert row.choice == "wechat" and row.wechat_openid == "openid-g1"
    assert client.delete(f"{API}/me/wechat", headers=headers).status_code == 204
    assert client.get(f"{API}/me/channels", headers=headers).get_json()["choice"] == "in_app"


def test_bad_codes_and_choices_answer_400_with_chinese_messages(client, people):
    headers = bearer(token_for(people["village_a"]))
    error = assert_error(client.post(f"{API}/me/wechat", headers=headers, json={"code": "used"}), 400, "invalid", {"code"})
    assert "微信" in error["fields"]["code"]
    assert_error(client.post(f"{API}/me/wechat", headers=headers, json={"code": ""}), 400, "invalid", {"code"})
    assert_error(client.post(f"{API}/me/wechat", headers=headers, json={"code": 12}), 400, "invalid", {"code"})
    assert_error(client.post(f"{API}/me/wechat", headers=headers, json={"code": "x" * 500}), 400, "invalid", {"code"})
    error = assert_error(client.put(f"{API}/me/channels", headers=headers, json={"choice": "sms"}), 400, "invalid")
    assert error["fields"] == {"choice": "您的账号没有登记手机号，请联系管理员登记后再选短信"}
    assert_error(client.put(f"{API}/me/channels", headers=headers, json={"choice": "pigeon"}), 400, "invalid", {"choice"})
    assert_error(client.put(f"{API}/me/channels", headers=headers, json={"choice": "sms\u0000"}), 400, "bad_request")
    assert_error(client.post(f"{API}/me/wechat", json={"code": "good-x"}), 401, "unauthorized")


@pytest.mark.parametrize("app_config", [{}])
def test_wechat_off_answers_409(client, people):
    headers = bearer(token_for(people["grid_a1"]))
    error = assert_error(client.post(f"{API}/me/wechat", headers=headers, json={"code": "good-g1"}), 409, "channel_off")
    assert "尚未开通" in error["message"]
    assert client.get(f"{API}/me/channels", headers=headers).get_json()["wechat_available"] is False


def test_a_farmer_subscribes_with_the_reports_token(client, people):
    raw = ReportInput(name="王大山", id_number=new_id(), phone=PHONE, village_code=people["village_code"],
                      hardships=["illness"], description="生病", consent=True, urgent="no")
    selfreport.submit(raw, None, TOKEN, TODAY)
    db.session.commit()
    assert client.post(f"{API}/reports/wechat", json={"token": TOKEN, "code": "good-f1"}).status_code == 204
    db.session.expire_all()
    [bound] = db.session.execute(select(SubmissionWechat)).scalars().all()
    assert bound.openid == "openid-f1"
    assert_error(client.post(f"{API}/reports/wechat", json={"token": "x" * 24, "code": "good-f1"}), 404, "not_found")
    assert_error(client.post(f"{API}/reports/wechat", json={"token": TOKEN, "code": "stale"}), 400, "invalid", {"code"})
    assert_error(client.post(f"{API}/reports/wechat", json={"token": "short", "code": "good"}), 400, "invalid", {"token"})
