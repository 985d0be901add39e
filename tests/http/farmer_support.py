"""Helpers for the farmer-portal HTTP tests (not a conftest: see http_support.py)."""
from __future__ import annotations

import io
import re

from PIL import Image

from core.extensions import db
import factories

WECHAT_UA = ("Mozilla/5.0 (Linux; Android 12; M2012K11AC Build/SKQ1.211006.001; wv) AppleWebKit/537.36 "
             "(KHTML, like Gecko) Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5075 "
             "MicroMessenger/8.0.37.2380(0x2800253D) WeChat/arm64 Weixin NetType/4G Language/zh_CN")
ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"


def world_committed():
    world = factories.build_world()
    db.session.commit()
    return world


def form_token(client, village_code: str = "") -> str:
    page = client.get(f"/report?village={village_code}").get_data(as_text=True)
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def report_data(token: str, village_code: str, **changes) -> dict:
    data = {"token": token, "name": "王大山", "id_number": ID_NUMBER, "phone": PHONE,
            "village_code": village_code, "hardships": ["illness", "schooling"],
            "description": "老伴住院花了五万多", "urgent": "no", "consent": "yes"}
    data.update(changes)
    return data


def jpeg(size=(2400, 1800), colour="red", exif: bytes | None = None) -> bytes:
    buf = io.BytesIO()
    kwargs = {"exif": exif} if exif else {}
    Image.new("RGB", size, colour).save(buf, "JPEG", **kwargs)
    return buf.getvalue()


def lookup_code(client) -> str | None:
    page = client.get("/report/done").get_data(as_text=True)
    found = re.search(r'data-testid="lookup-code">([^<]+)<', page)
    return found.group(1) if found else None
