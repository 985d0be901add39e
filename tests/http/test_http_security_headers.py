"""Response headers: a Content-Security-Policy that allows no inline script, and nothing stored
by the browser but the content-hashed assets."""
import re
from pathlib import Path

from core.extensions import db
from farmer_support import world_committed

TEMPLATES = Path(__file__).resolve().parents[2] / "portal" / "templates"


def test_every_answer_carries_a_policy_without_inline_scripts(client):
    world = world_committed()
    for path in (f"/q/{world.village_a.code}", "/login", "/no-such-page", "/api/v1/openapi.json"):
        policy = client.get(path).headers["Content-Security-Policy"]
        script = re.search(r"script-src ([^;]*)", policy).group(1)
        assert script == "'self'" and "frame-ancestors 'none'" in policy and "object-src 'none'" in policy


def test_no_template_holds_an_inline_script_or_event_handler():
    for template in TEMPLATES.rglob("*.html"):
        html = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), template
        assert not re.search(r"\son[a-z]+\s*=", html), template
        assert "javascript:" not in html, template


def test_only_hashed_assets_may_be_stored(client):
    world = world_committed()
    page = client.get(f"/q/{world.village_a.code}")
    assert page.headers["Cache-Control"] == "no-store"
    css = re.search(r'href="(/assets/[^"]+\.css)"', page.get_data(as_text=True)).group(1)
    assert client.get(css).headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get("/field/sw.js").headers["Cache-Control"] == "no-store"
    db.session.remove()
