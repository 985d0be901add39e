"""The field pages that keep the whole grid on the phone: the 下载本网格 box on 我的工作 (grid
workers only), the generic visit form the service worker keeps (/field/visit-shell), and the
numbers of a remote check on the visit form (masked; the button for the full number only for
the worker assigned)."""
from __future__ import annotations

import re

import pytest

from core import clock
import factories
from core.extensions import db
from http_support import signed_in
from portal.assets import asset


def _asset(app, name: str) -> str:
    with app.test_request_context():
        return asset(name)

PHONE = "13755556666"


@pytest.fixture
def home(app) -> int:
    world = factories.build_world()
    made = factories.household(world.grid_a1, clock.today(), size=2, phone=PHONE)
    db.session.commit()
    return made.id


def _call_panel(html: str) -> str:
    start = html.index('data-testid="call"')
    return html[start:html.index("</div>", html.index("call-status", start))]


def test_my_work_offers_the_grid_to_grid_workers_only(app, home):
    page = signed_in(app, "grid_a1").get("/field/").get_data(as_text=True)
    assert 'data-testid="grid"' in page and "下载本网格" in page
    assert "还没发送的走访记录和草稿不会被清除" in page
    other = signed_in(app, "village_a").get("/field/").get_data(as_text=True)
    assert 'data-testid="grid"' not in other and "我的工作" in other


def test_the_generic_visit_form_names_no_household_and_its_reader(app, home):
    worker = signed_in(app, "grid_a1")
    answer = worker.get("/field/visit-shell")
    assert answer.status_code == 200 and answer.headers["X-Shoudi-User"]
    page = answer.get_data(as_text=True)
    assert re.search(r'<form id="visit"[^>]*data-shell', page) and 'data-household=""' in page
    assert "户主青山村一组" not in page and "请从“我的工作”打开要走访的农户" in page
    for key in ("housing_safe", "should_monitor"):
        assert f'name="answers.{key}"' in page
    assert _asset(app, "field-grid.js") in page


def test_the_generic_visit_form_needs_a_login(app, home):
    answer = app.test_client().get("/field/visit-shell")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_the_assigned_worker_sees_the_number_masked_with_a_button_for_it_in_full(app, home):
    page = signed_in(app, "grid_a1").get(f"/field/households/{home}/visit").get_data(as_text=True)
    panel = _call_panel(page)
    assert "137****6666" in panel and 'data-may-call="1"' in panel
    assert re.search(r'<button type="button" class="secondary" id="call-show">', panel)
    assert PHONE not in page and "tel:" not in page


def test_staff_not_assigned_see_the_number_masked_without_the_button(app, home):
    page = signed_in(app, "village_a").get(f"/field/households/{home}/visit").get_data(as_text=True)
    panel = _call_panel(page)
    assert "137****6666" in panel and 'data-may-call="0"' in panel
    assert re.search(r'id="call-show" hidden', panel)
    assert PHONE not in page


def test_the_service_worker_keeps_the_grid_script_and_the_generic_form(app):
    source = app.test_client().get("/field/sw.js").get_data(as_text=True)
    assert _asset(app, "field-grid.js") in source and '"/field/visit-shell"' in source
