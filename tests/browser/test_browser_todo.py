"""我的待办 in a real browser: a township reviewer on a phone opens the list from the nav,
sees the overdue review first in red, and expands its facts (fetched when opened: the
verification, the eligibility figures and the village review) without leaving the page."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from browser_support import browser, phone, phones, shot  # noqa: F401  (fixtures)
from browser_support import serving
from conftest import TODAY
from factories import PASSWORD
from office_support import Calendar
from todo_support import build_todo_scene

pytestmark = pytest.mark.browser


def test_a_township_reviewer_expands_the_facts(app, monkeypatch, phone, shot):
    Calendar(monkeypatch, TODAY)
    scene = build_todo_scene()
    with serving(app) as url:
        phone.goto(f"{url}/login")
        phone.fill("#login", "township")
        phone.fill("#password", PASSWORD)
        phone.get_by_role("button", name="登录").click()
        phone.get_by_role("link", name="我的待办").first.click()
        expect(phone.get_by_role("heading", name="我的待办")).to_be_visible()
        first = phone.locator('[data-testid="rows-township"] > li').first
        expect(first).to_have_attribute("data-case", str(scene.township_late))
        expect(first.locator('[data-testid="clock"]')).to_have_class("tag overdue")
        first.locator("summary").click()
        facts = first.locator('[data-testid="facts-content"]')
        expect(facts).to_contain_text("入户核实")
        expect(facts.locator('[data-testid="eligibility"]')).to_contain_text("家庭人均纯收入")
        expect(facts.locator('[data-testid="review"]')).to_contain_text("同意")
        shot(phone, "01-facts")
