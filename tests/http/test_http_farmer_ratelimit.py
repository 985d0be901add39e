"""Guessing lookup codes is rate-limited (a small limit here so the test stays short)."""
import pytest
import redis

from conftest import make_app, worker_number
from core.extensions import db
from farmer_support import world_committed


@pytest.fixture
def app_config():
    return {"SHOUDI_TRACK_RATE_LIMIT": "3 per minute"}


def test_guessing_is_rate_limited(client):
    world_committed()
    answers = [client.post("/track", data={"code": "ABCDEFGH", "phone_tail": f"{n:04d}"}).status_code
               for n in range(5)]
    assert answers == [404, 404, 404, 429, 429]
    page = client.post("/track", data={"code": "ABCDEFGH", "phone_tail": "1111"})
    assert "操作太频繁" in page.get_data(as_text=True)
    assert client.get("/track").status_code == 200  # reading the form is not limited


def test_limits_are_shared_through_redis_when_configured(database_url, tmp_path):
    """Two app instances (two gunicorn workers) count against one Redis."""
    url = f"redis://127.0.0.1:6379/{15 - worker_number()}"  # a database per test process
    store = redis.Redis.from_url(url)
    store.flushdb()
    apps = [make_app(database_url, tmp_path, SHOUDI_REDIS_URL=url, SHOUDI_TRACK_RATE_LIMIT="3 per minute")
            for _ in range(2)]
    try:
        answers = []
        for n in range(4):
            app = apps[n % 2]
            with app.app_context():
                answers.append(app.test_client().post(
                    "/track", data={"code": "ABCDEFGH", "phone_tail": "1234"}).status_code)
        assert answers == [404, 404, 404, 429]
        assert any(b"LIMITS" in key or b"limiter" in key.lower() for key in store.keys("*"))
    finally:
        store.flushdb()
        for app in apps:  # the database_url fixture empties the database
            with app.app_context():
                db.engine.dispose()
