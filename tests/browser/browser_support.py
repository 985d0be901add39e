"""Shared browser-test pieces: Debian's Chromium through Playwright, posing as WeChat's browser
on a 360 px Android phone, against the app served from a thread on 127.0.0.1.

Test modules import the fixtures they use from here (not a conftest: see http_support.py).
"""
from __future__ import annotations

import os
import time
import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import sync_playwright

from conftest import serving  # noqa: F401  (re-exported for the browser tests)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
WECHAT_ANDROID_UA = (
    "Mozilla/5.0 (Linux; Android 12; M2012K11AC Build/SKQ1.211006.001; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5075 "
    "MMWEBSDK/20230504 MMWEBID/1234 MicroMessenger/8.0.37.2380(0x2800253D) WeChat/arm64 "
    "Weixin NetType/4G Language/zh_CN ABI/arm64")
PHONE_WIDTH = 360
MIN_TAP_HEIGHT = 44
MIN_TEXT_PX = 16
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"


def require_chromium() -> None:
    if os.access(CHROMIUM, os.X_OK):
        return
    message = (f"{CHROMIUM} not found: install Debian's chromium package "
               "(`make browser-deps`, or apt-get install chromium)")
    if os.environ.get("CI"):
        pytest.fail(message + " — CI must run the browser tests, not skip them", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phones(browser):
    """``phones()`` opens a page in a fresh phone context: no cookies shared with any other."""
    contexts = []

    def new(*, javascript: bool = True):
        context = browser.new_context(
            viewport={"width": PHONE_WIDTH, "height": 740}, device_scale_factor=2, is_mobile=True,
            has_touch=True, user_agent=WECHAT_ANDROID_UA, locale="zh-CN",
            java_script_enabled=javascript)
        contexts.append(context)
        return context.new_page()
    yield new
    for context in contexts:
        context.close()


@pytest.fixture
def phone(phones):
    return phones()


@pytest.fixture
def shot(request):
    """``shot(page, "01-step")`` saves a full-page screenshot named after the test."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", request.node.name)

    def take(page, step: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{name}-{step}.png"), full_page=True)
    return take


@pytest.fixture(scope="module")
def camera_photo(tmp_path_factory) -> Path:
    """A 3000 × 2000 JPEG of about 2.5 MB, like a cheap phone camera makes."""
    path = tmp_path_factory.mktemp("photos") / "照片.jpg"
    ramp = Image.linear_gradient("L").resize((3000, 2000))
    noise = Image.effect_noise((3000, 2000), 24)
    Image.merge("RGB", (ramp, noise, ramp.transpose(Image.Transpose.FLIP_LEFT_RIGHT))).save(
        path, "JPEG", quality=88)
    return path


def wait_until(page, expression: str, arg=None, timeout: float = 15.0) -> None:
    """Poll ``expression`` (a JS function, maybe async) until it answers truthy. Each poll is a
    DevTools evaluation; Playwright's own ``wait_for_function`` polls with ``eval`` inside the
    page, which the site's Content-Security-Policy (no 'unsafe-eval') rightly refuses."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression, arg):
        if time.monotonic() > deadline:
            raise TimeoutError(f"still false after {timeout} s: {expression[:80]}")
        time.sleep(0.1)


def small_text(page) -> dict[str, float]:
    """Visible elements holding text of their own below the minimum size."""
    return page.evaluate(
        """min => {
          const small = {};
          for (const e of document.querySelectorAll('body *')) {
            const own = Array.from(e.childNodes).some(
              n => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
            const box = e.getBoundingClientRect();
            const size = parseFloat(getComputedStyle(e).fontSize);
            if (own && box.width > 0 && box.height > 0 && size < min)
              small[`${e.tagName.toLowerCase()}.${e.className}: ${e.textContent.trim().slice(0, 20)}`] = size;
          }
          return small;
        }""", MIN_TEXT_PX)
