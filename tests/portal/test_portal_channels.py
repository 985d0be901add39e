"""消息接收方式: the page lists the three choices with why one cannot be picked, refuses a choice
that cannot work with a Chinese message beside the field (400, the choice kept), saves one that
can, and is linked from the notification centre."""
from __future__ import annotations

import re

import pytest

from channels_support import app_config, provider, world  # noqa: F401  (fixtures)
from core.extensions import db
from factories import PASSWORD
from models import ChannelPreference, User
from services.notifications.channels import staff

PHONE = "13912345678"


def login(client, name: str):
    assert client.post("/login", data={"login": name, "password": PASSWORD}).status_code == 302


def text_of(response) -> str:
    return response.get_data(as_text=True)


def by_testid(html: str, name: str) -> str:
    match = re.search(rf'data-testid="{name}"[^>]*>([^<]*)<', html)
    assert match, name
    return match.group(1).strip()



@pytest.fixture
def people(world):
    return {name: u.id for name, u in world.users.items()}


def test_the_page_is_linked_from_the_notification_centre_and_lists_the_choices(client, people):
    login(client, "grid_a1")
    assert 'href="/notifications/channels"' in text_of(client.get("/notifications"))
    page = client.get("/notifications/channels")
    html = text_of(page)
    assert page.status_code == 200
    assert "只在系统内接收" in html and "发到 139****5678" in html and PHONE not in html
    assert "请先在守底小程序中绑定微信" in html  # WeChat: not bound yet
    assert 'value="in_app" checked' in html


def test_a_choice_that_cannot_work_is_refused_beside_the_field(client, people):
    login(client, "village_a")  # no phone on file
    answer = client.post("/notifications/channels", data={"choice": "sms"})
    assert answer.status_code == 400
    html = text_of(answer)
    assert by_testid(html, "choice-error") == "您的账号没有登记手机号，请联系管理员登记后再选短信"
    assert 'value="sms" checked' in html  # what was picked is kept
    for bad in ("", "fax", "x" * 5000, "9" * 40):
        answer = client.post("/notifications/channels", data={"choice": bad})
        assert answer.status_code == 400 and by_testid(text_of(answer), "choice-error") == "请选择一种接收方式"
    assert client.post("/notifications/channels", data={"choice": "sms\x00"}).status_code == 400
    db.session.expire_all()
    assert db.session.get(ChannelPreference, people["village_a"]) is None


def test_a_possible_choice_is_saved(client, people):
    login(client, "grid_a1")
    answer = client.post("/notifications/channels", data={"choice": "sms"})
    assert answer.status_code == 303
    page = text_of(client.get(answer.headers["Location"]))
    assert "已保存" in page and 'value="sms" checked' in page
    db.session.expire_all()
    assert db.session.get(ChannelPreference, people["grid_a1"]).choice == "sms"


def test_unbinding_falls_back_to_in_app(client, people):
    grid = db.session.get(User, people["grid_a1"])
    staff.bind_wechat(grid, "good-g1")
    staff.choose(grid, "wechat")
    db.session.commit()
    login(client, "grid_a1")
    assert by_testid(text_of(client.get("/notifications/channels")), "wechat-state") == "已绑定微信。"
    answer = client.post("/notifications/channels/wechat/unbind")
    assert answer.status_code == 303
    page = text_of(client.get(answer.headers["Location"]))
    assert "已解除微信绑定" in page and 'value="in_app" checked' in page


def test_staff_must_log_in(client, people):
    answer = client.get("/notifications/channels")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
