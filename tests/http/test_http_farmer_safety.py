import gzip
import re

import pytest

from core.extensions import db
from conftest import make_app
from farmer_support import form_token, report_data, world_committed


def test_static_files_have_hashed_names_and_long_cache(client):
    world = world_committed()
    page = client.get(f"/q/{world.village_a.code}").get_data(as_text=True)
    css = re.search(r'href="(/assets/farmer\.[0-9a-f]{10}\.css)"', page).group(1)
    response = client.get(css)
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get("/assets/farmer.0000000000.css").status_code == 404  # stale name
    assert client.get("/assets/..%2Fconfig.0000000000.css").status_code == 404


def test_html_is_never_cached_and_is_gzipped(client):
    world = world_committed()
    response = client.get(f"/report?village={world.village_a.code}", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Encoding"] == "gzip"
    assert "我要申报" in gzip.decompress(response.data).decode()


def test_landing_and_form_fit_in_30_kb_transferred(client):
    """The budget of the issue, measured as bytes on the wire with gzip."""
    world = world_committed()
    total = 0
    for path in (f"/q/{world.village_a.code}", f"/report?village={world.village_a.code}"):
        response = client.get(path, headers={"Accept-Encoding": "gzip"})
        total += len(response.data)
        html = gzip.decompress(response.data).decode()
        for asset in re.findall(r'(?:href|src)="(/assets/[^"]+)"', html):
            total += len(client.get(asset, headers={"Accept-Encoding": "gzip"}).data)
        assert not re.search(r'(?:href|src)="(?:https?:)?//', html)  # nothing from outside
    assert total <= 30 * 1024, total


@pytest.fixture
def csrf_app(database_url, tmp_path):
    app = make_app(database_url, tmp_path, WTF_CSRF_ENABLED=True)
    with app.app_context():  # the schema is in place; the database_url fixture empties it
        yield app
        db.session.remove()
        db.engine.dispose()


def test_report_needs_the_csrf_token(csrf_app):
    world = world_committed()
    client = csrf_app.test_client()
    token = form_token(client, world.village_a.code)
    refused = client.post("/report", data=report_data(token, world.village_a.code))
    assert refused.status_code == 400 and "页面已过期" in refused.get_data(as_text=True)
    page = client.get(f"/report?village={world.village_a.code}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    accepted = client.post("/report", data={**report_data(token, world.village_a.code), "csrf_token": csrf})
    assert accepted.status_code == 302


def test_a_forged_form_token_cannot_reach_the_file_system(client):
    world = world_committed()
    response = client.post("/report", data=report_data("../../etc/passwd-aaaaaaaaaaaaaaaa", world.village_a.code))
    assert response.status_code == 400 and "页面已过期" in response.get_data(as_text=True)


def test_report_over_the_limit_gets_its_form_back(database_url, tmp_path):
    app = make_app(database_url, tmp_path, SHOUDI_REPORT_RATE_LIMIT="1 per minute")
    with app.app_context():
        world = world_committed()
        client = app.test_client()
        client.post("/report", data=report_data(form_token(client), world.village_a.code))
        second = client.post("/report", data=report_data(form_token(client), world.village_a.code,
                                                         description="第二次填写的内容"))
        assert second.status_code == 429
        text = second.get_data(as_text=True)
        assert "提交太频繁" in text and "第二次填写的内容" in text
        db.session.remove()
        db.engine.dispose()
