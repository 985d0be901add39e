"""Several app nodes on one machine, as ``deploy/cluster/local_cluster.py up`` runs them: nginx in
front of two gunicorn nodes, one job-queue consumer, PostgreSQL, Redis and an S3-API file store
(moto).

What must hold when requests land on any node: a session made on one node works on the other, a
file stored through one is served by the other, a job started on one is done by the consumer and
watched from the other, a rate limit counts the requests of both, and nginx hands requests to
both.

One test, not several: ``make test`` spreads tests over two processes, and each would start a
cluster of its own. It uses PostgreSQL itself, so it runs in the PostgreSQL pass only (it skips in
the SQLite pass, and when nginx or Redis is missing).
"""
from __future__ import annotations

import re
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest

from cluster_support import (HOUSEHOLDS, NEW_PASSWORD, REDIS_URL, Browser, FieldApp, cluster_database_url, jpeg, log_tails,
                             reason_to_skip, register_csv, shoudi_cluster, visit_body)

# It uses PostgreSQL itself: picked by make test's PostgreSQL pass (-m needs_db), skipped in the SQLite pass.
pytestmark = pytest.mark.needs_db
INITIAL_PASSWORD = shoudi_cluster.INITIAL_PASSWORD
VILLAGE, GROUP = "青山村", "一组"  # deploy/cluster/regions.csv: the grid worker's grid


@pytest.fixture
def cluster():
    reason = reason_to_skip()
    if reason:
        pytest.skip(reason)
    # Not pytest's tmp_path: nginx's workers (nobody, when started by root) could not reach it.
    folder = Path(tempfile.mkdtemp(prefix="shoudi-cluster-test-"))
    running = shoudi_cluster.Cluster(cluster_database_url(), REDIS_URL, folder, node_workers=1, say=print)
    try:
        running.start()
        yield running
    finally:
        print(log_tails(running))  # shown when the test fails
        running.stop()
        shutil.rmtree(folder, ignore_errors=True)
        running.drop_data()


def test_two_nodes_behind_nginx_share_sessions_files_jobs_and_rate_limits(cluster):
    a, b = cluster.node_url("a"), cluster.node_url("b")
    county = _log_in_on_a_then_work_on_b(a, b)
    _register_check_started_on_a_is_done_by_the_consumer_and_watched_on_b(cluster, county, a, b)
    _photo_sent_through_a_is_served_by_b(cluster, county, a, b)
    _lookups_spread_over_both_nodes_share_one_limit(cluster, a, b)
    _nginx_hands_requests_to_both_nodes(cluster, county)


def _log_in_on_a_then_work_on_b(a: str, b: str) -> Browser:
    county = Browser()
    login = county.submit(f"{a}/login", {"login": "county", "password": INITIAL_PASSWORD})
    assert login.status_code == 302 and login.headers["Location"].startswith("/password"), login.status_code
    changed = county.submit(f"{a}/password", {"old_password": INITIAL_PASSWORD, "new_password": NEW_PASSWORD,
                                             "confirm": NEW_PASSWORD})
    assert changed.status_code == 302, changed.text[-500:]

    inbox = county.get(f"{b}/inbox")
    assert inbox.status_code == 200 and "线索受理" in inbox.text
    # Without the cookie node B sends the request to the login page: the 200 was the session's.
    assert Browser().get(f"{b}/inbox").status_code == 302
    return county


def _register_check_started_on_a_is_done_by_the_consumer_and_watched_on_b(cluster, county: Browser, a: str,
                                                                          b: str) -> None:
    """The uploaded file goes to the bucket on A; the consumer reads it from there; B shows the
    report and confirms; A watches the import, done by the consumer too."""
    sent = county.submit(f"{a}/register/import", {},
                         files={"file": ("户成员信息.csv", register_csv(VILLAGE, GROUP), "text/csv")})
    assert sent.status_code == 303, sent.text[-500:]
    check_id = int(sent.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    status = county.job_when_finished(f"{b}/jobs/{check_id}/status")
    assert status["state"] == "done", status
    report = county.get(f"{b}/register/import/{check_id}")
    assert report.status_code == 200 and f'data-testid="count-new">{HOUSEHOLDS}<' in report.text

    confirmed = county.submit(f"{b}/register/import/{check_id}/confirm", {},
                              form_page=f"{b}/register/import/{check_id}")
    assert confirmed.status_code == 303, confirmed.text[-500:]
    import_id = int(confirmed.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert import_id != check_id
    status = county.job_when_finished(f"{a}/jobs/{import_id}/status")
    assert status["state"] == "done", status
    # The nodes queue jobs and never run them (production has no immediate mode): the consumer did.
    consumer_log = cluster.running("consumer").log.read_text(encoding="utf-8", errors="replace")
    assert consumer_log.count("jobs.run") >= 2


def _photo_sent_through_a_is_served_by_b(cluster, county: Browser, a: str, b: str) -> None:
    field = FieldApp()
    login = field.call("POST", f"{a}/api/v1/auth/login", json={"login": "grid", "password": INITIAL_PASSWORD})
    assert login.status_code == 200 and login.json()["must_change_password"] is True
    field.token = login.json()["token"]
    changed = field.call("POST", f"{b}/api/v1/auth/password",
                         json={"old_password": INITIAL_PASSWORD, "new_password": NEW_PASSWORD})
    assert changed.status_code == 200, changed.text
    field.token = changed.json()["token"]

    listed = field.call("GET", f"{b}/api/v1/households").json()
    assert listed["total"] == HOUSEHOLDS  # the import is in the database both nodes read
    household_id = listed["items"][0]["id"]
    photo_uuid = str(uuid.uuid4())
    uploaded = field.call("POST", f"{a}/api/v1/photos", data={"client_uuid": photo_uuid},
                          files={"file": ("visit.jpg", jpeg(), "image/jpeg")})
    assert uploaded.status_code == 201, uploaded.text
    visit = field.call("POST", f"{a}/api/v1/visits", json=visit_body(str(uuid.uuid4()), household_id, [photo_uuid]))
    assert visit.status_code == 201, visit.text

    from_a = field.call("GET", f"{a}/api/v1/photos/{photo_uuid}")
    from_b = field.call("GET", f"{b}/api/v1/photos/{photo_uuid}")
    assert from_b.status_code == 200 and from_b.headers["Content-Type"] == "image/jpeg"
    assert from_b.content == from_a.content and from_b.content.startswith(b"\xff\xd8")

    # County staff see it on the household page on B, and open it there.
    page = county.get(f"{b}/households/{household_id}")
    assert page.status_code == 200
    photo_path = re.search(r'href="(/photos/\d+)"', page.text).group(1)
    shown = county.get(f"{b}{photo_path}")
    assert shown.status_code == 200 and shown.content == from_a.content

    # It lives in the shared bucket, not in a node's folder.
    keys = [item["Key"] for item in shoudi_cluster.s3_client(cluster.s3_url)
            .list_objects_v2(Bucket=shoudi_cluster.S3_BUCKET).get("Contents", [])]
    assert any(key.startswith("photos/") for key in keys), keys
    assert not (cluster.folder / "instance" / "uploads").exists()


def _lookups_spread_over_both_nodes_share_one_limit(cluster, a: str, b: str) -> None:
    """/track allows 6 lookups a minute per address in the cluster: three on each node pass,
    the seventh is refused on either node and through nginx."""
    farmer = Browser()
    token = farmer.token(f"{a}/track")
    lookup = {"code": "ABCD2345EF", "phone_tail": "1234", "csrf_token": token}
    answers = [farmer.post(f"{node}/track", lookup).status_code for node in (a, b) * 3]
    assert answers == [404] * 6  # no such case; neither node has seen more than three
    assert farmer.post(f"{a}/track", lookup).status_code == 429
    assert farmer.post(f"{b}/track", lookup).status_code == 429
    assert farmer.post(f"{cluster.nginx_url}/track", lookup).status_code == 429


def _nginx_hands_requests_to_both_nodes(cluster, county: Browser) -> None:
    answered = [county.get(f"{cluster.nginx_url}/inbox") for _ in range(4)]
    assert [r.status_code for r in answered] == [200] * 4  # the session holds through nginx too
    assert {r.headers["X-Shoudi-Node"] for r in answered} == {"a", "b"}
    access = (cluster.logs / "nginx-access.log").read_text(encoding="utf-8")
    for node in ("a", "b"):
        assert f"node={node} upstream=127.0.0.1:{cluster.ports[node]}" in access
