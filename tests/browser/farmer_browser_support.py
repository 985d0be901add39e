"""The farmer's side in the browser, shared by the farmer's browser tests: the test world served
from a thread (``site``), the form's fixed answers, and the helpers that fill and read the form.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import func, select

from core import clock
import factories
from browser_support import MIN_TAP_HEIGHT, MIN_TEXT_PX, PHONE_WIDTH, serving
from core.extensions import db
from domain.selfreport import CONSENT_TEXT
from models import Case
from services.farmer import policy

PHOTO_MAX_SIDE = 1600
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"

NAME = "王大山"
ID_NUMBER = "11010519491231002X"
BAD_ID_NUMBER = "110105194912310021"          # the same number with a wrong check digit
PHONE = "13812345678"
HARDSHIPS = ("家人生病，看病花钱多", "孩子上学负担重")
DESCRIPTION = "老伴住院花了五万多，家里没有收入了"
BAD_ID_MESSAGE = "身份证号校验位不正确，请核对后重新填写"
CONSENT_MESSAGE = "需要您同意后才能提交"


@dataclass
class Site:
    url: str
    village_code: str
    place: str                      # 示范县青山镇青山村
    line_text: str                  # the monitoring line as the policy page words it
    upload_folder: Path
    seen: list = field(default_factory=list)  # (method, path) of every request the server got

    def posts(self, path: str) -> int:
        return sum(1 for method, p in self.seen if method == "POST" and p == path)


@pytest.fixture
def site(app):
    """The test world (two villages, a user of each role), served from a thread."""
    world = factories.build_world()
    db.session.commit()
    page = policy.policy_page(world.village_a, clock.today())
    seen: list = []

    def recording(environ, start_response):
        seen.append((environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")))
        return app(environ, start_response)

    with serving(recording) as url:
        yield Site(url, page.village_code, page.place, page.line_text,
                   Path(app.config["SHOUDI_UPLOAD_FOLDER"]), seen)




# --- helpers ------------------------------------------------------------------------------------

def _path(page) -> str:
    return urlsplit(page.url).path


def _cases() -> list[Case]:
    db.session.rollback()  # see what the server threads committed
    return list(db.session.execute(select(Case)).scalars())


def _count(column) -> int:
    db.session.rollback()
    return db.session.execute(select(func.count(column))).scalar_one()


def _open_form(page, site) -> None:
    page.goto(f"{site.url}/report?village={site.village_code}")
    expect(page.locator("h1")).to_have_text("我要申报")


def _fill_report(page, *, id_number: str = ID_NUMBER, consent: bool = True) -> None:
    page.get_by_label("姓名", exact=True).fill(NAME)
    page.get_by_label("身份证号", exact=True).fill(id_number)
    page.get_by_label("手机号", exact=True).fill(PHONE)
    for label in HARDSHIPS:
        page.get_by_label(label).check()
    page.get_by_label("简单说说情况").fill(DESCRIPTION)
    page.get_by_label("否", exact=True).check()
    if consent:
        page.get_by_label(CONSENT_TEXT[:12]).check()


def _submit_button(page):
    return page.get_by_role("button", name="提交申报")


def _lookup_code(page) -> str:
    code = page.get_by_test_id("lookup-code")
    expect(code).to_have_text(re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$"))
    return code.inner_text()


def _qr_target(png: bytes) -> str:
    image = Image.open(io.BytesIO(png))
    found = [b for b in zxingcpp.read_barcodes(image) if b.format == zxingcpp.BarcodeFormat.QRCode]
    assert len(found) == 1, f"{len(found)} QR codes on the sheet"
    return found[0].text


# Plain text links inside running text: the easiest tap targets to leave too small.
TEXT_LINKS = {"footer.foot a[href^='tel:']": "咨询热线 12317 in the footer of every farmer page",
              "footer.foot a[href$='/privacy']": "个人信息保护说明 in the footer of every farmer page",
               "main p.center > a": "已经申报过？查询办理进度 on the policy page"}

_READABILITY = """([minText, minTap, skip]) => {
  const shown = e => e.checkVisibility({visibilityProperty: true, opacityProperty: true})
    && e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().height > 0;
  const name = e => {
    const text = (e.innerText || e.value || e.getAttribute('aria-label') || '').trim().replace(/\\s+/g, ' ');
    return `<${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${e.className ? '.' + String(e.className).replace(/ /g, '.') : ''}`
      + `${e.type && e.tagName === 'INPUT' ? ' type=' + e.type : ''}> "${text.slice(0, 18)}"`;
  };
  const small = [], short = [];
  let targets = 0;
  for (const e of document.body.querySelectorAll('*')) {
    if (!shown(e)) continue;
    const ownText = Array.from(e.childNodes).some(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    const field = e.matches('input:not([type=checkbox]):not([type=radio]):not([type=hidden]), select, textarea, button');
    const size = parseFloat(getComputedStyle(e).fontSize);
    if ((ownText || field) && size < minText) small.push(`${name(e)}: font-size ${size}px`);
    if (e.matches('a[href], button, input:not([type=hidden]), select, textarea, summary') && !(skip && e.matches(skip))) {
      targets += 1;
      const target = e.matches('input[type=checkbox], input[type=radio]') ? (e.closest('label') || e) : e;
      const height = target.getBoundingClientRect().height;
      if (height < minTap) short.push(`${name(target)}: ${Math.round(height * 10) / 10}px tall`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, small: small, short: short, targets: targets};
}"""


def _readability_problems(page) -> list[str]:
    """Everything on the page that breaks the phone rules, described precisely (empty: none)."""
    found = page.evaluate(_READABILITY, [MIN_TEXT_PX, MIN_TAP_HEIGHT, ""])
    assert found["targets"] > 0, "no link, button or field found: the check looked at nothing"
    problems = []
    if found["scrollWidth"] > PHONE_WIDTH:
        problems.append(f"scrolls sideways: scrollWidth {found['scrollWidth']} > {PHONE_WIDTH}")
    problems += [f"text under {MIN_TEXT_PX}px: {s}" for s in found["small"]]
    problems += [f"tap target under {MIN_TAP_HEIGHT}px: {s}" for s in sorted(set(found["short"]))]
    return problems
