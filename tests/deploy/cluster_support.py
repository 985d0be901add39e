"""The local cluster of deploy/cluster/ for the smoke test, a client that acts as a browser across
its nodes, and the files it sends.

deploy/cluster/ is not a package: the cluster's module (shoudi_cluster.py) is loaded from its
path. The cluster needs a PostgreSQL database of its own: the one of ``TEST_DATABASE_URL`` with
``_cluster`` added to its name (created, migrated and dropped by the test), so it runs in the
PostgreSQL pass of ``make test``.
"""
from __future__ import annotations

import csv
import importlib.util
import io
import os
import re
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import redis
import requests
from PIL import Image
from sqlalchemy.engine import make_url

from domain.validation import make_id_number

ROOT = Path(__file__).resolve().parents[2]
_SPEC = importlib.util.spec_from_file_location("shoudi_cluster", ROOT / "deploy" / "cluster" / "shoudi_cluster.py")
shoudi_cluster = importlib.util.module_from_spec(_SPEC)
sys.modules["shoudi_cluster"] = shoudi_cluster  # dataclasses look their module up by name
_SPEC.loader.exec_module(shoudi_cluster)

REDIS_URL = os.environ.get("CLUSTER_REDIS_URL", shoudi_cluster.DEFAULT_REDIS_URL)
NEW_PASSWORD = "Shoudi-Nodes-2027"  # what each account chooses at its forced first change
TIMEOUT = 30  # seconds for one request, and for the consumer to finish a job
HOUSEHOLDS = 2  # in register_csv()
_CSRF = re.compile(r'name="csrf_token"[^>]*? value="([^"]+)"')


def reason_to_skip() -> str | None:
    if not os.environ.get("TEST_DATABASE_URL"):
        return ("the cluster runs on PostgreSQL: it runs in the PostgreSQL pass of make test "
                "(set TEST_DATABASE_URL)")
    if shoudi_cluster.nginx_binary() is None:
        return "nginx is not installed (make nginx-deps, or apt-get install nginx)"
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        return f"Redis is not running at {REDIS_URL}"
    return None


def cluster_database_url() -> str:
    url = make_url(os.environ["TEST_DATABASE_URL"])
    return url.set(database=f"{url.database}_cluster").render_as_string(hide_password=False)


def log_tails(cluster, chars: int = 1500) -> str:
    """The end of every log of the cluster, for a failure's captured output."""
    parts = []
    for log in sorted(cluster.logs.glob("*.log")):
        parts.append(f"--- {log.name}\n{log.read_text(encoding='utf-8', errors='replace')[-chars:]}")
    return "\n".join(parts)


class Browser:
    """One cookie jar for every node, as a browser has: cookies go by host, not by port, so the
    session cookie set by one node is sent to the others and to nginx."""

    def __init__(self):
        self.http = requests.Session()

    def get(self, url: str) -> requests.Response:
        return self.http.get(url, allow_redirects=False, timeout=TIMEOUT)

    def token(self, page_url: str) -> str:
        page = self.get(page_url)
        assert page.status_code == 200, (page_url, page.status_code)
        found = _CSRF.search(page.text)
        assert found, f"no CSRF token on {page_url}"
        return found.group(1)

    def post(self, url: str, data: dict, files=None) -> requests.Response:
        return self.http.post(url, data=data, files=files, allow_redirects=False, timeout=TIMEOUT)

    def submit(self, url: str, fields: dict, *, form_page: str | None = None, files=None) -> requests.Response:
        """Fill in the form on ``form_page`` (``url`` itself by default) and send it to ``url``."""
        return self.post(url, {**fields, "csrf_token": self.token(form_page or url)}, files)

    def job_when_finished(self, status_url: str) -> dict:
        deadline = time.monotonic() + TIMEOUT
        while True:
            answer = self.get(status_url)
            assert answer.status_code == 200, (status_url, answer.status_code)
            status = answer.json()
            if status["finished"] or time.monotonic() > deadline:
                return status
            time.sleep(0.3)


class FieldApp:
    """The field workers' API, as the mini program uses it: a bearer token."""

    def __init__(self):
        self.http = requests.Session()
        self.token = ""

    def call(self, method: str, url: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return self.http.request(method, url, headers=headers, timeout=TIMEOUT, allow_redirects=False, **kwargs)


def register_csv(village: str, group: str) -> bytes:
    """A national-export-like register file: two households of one group (fictitious people)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["户编号", "乡（镇）", "行政村", "自然村（组）", "姓名", "证件号码", "与户主关系", "劳动技能",
                     "家庭纯收入（元）"])
    people = (("H001", "王大山", "户主", 26000), ("H001", "李秀英", "配偶", None), ("H002", "赵四", "户主", 9000))
    for seq, (household, name, relation, income) in enumerate(people, start=1):
        writer.writerow([household, "青山镇", village, group, name, make_id_number("341599", date(1970, 5, seq), seq),
                         relation, "普通劳动力", income or ""])
    return out.getvalue().encode("utf-8")


def jpeg(size=(320, 240)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, "green").save(buf, "JPEG")
    return buf.getvalue()


def visit_body(client_uuid: str, household_id: int, photos: list[str]) -> dict:
    return {"client_uuid": client_uuid, "household_id": household_id, "method": "home",
            "visited_at": (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat(),
            "answers": {"housing_safe": "yes", "water_safe": "yes", "should_monitor": "no"},
            "household_size": 2, "photos": photos}
