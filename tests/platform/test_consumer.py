"""A real consumer (``flask jobs-worker`` in a process of its own) takes jobs from the queue,
in SQLite as ``make run`` has it and in Redis as production has it; one killed mid-job leaves
no job running forever."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

import factories
from conftest import TEST_DATA_KEY, worker_number
from core.extensions import db
from domain.jobs import STALE_AFTER, JobState
from models import Job, Notification
from models.types import utcnow
from services.platform import jobs

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = f"redis://127.0.0.1:6379/{11 - worker_number()}"  # a database per test process
TOWNSHIP = "341599101000"
LAST_LOG: list[Path] = []  # the running consumer's log, shown when it does not get there


def _redis_or_skip():
    import redis  # the client the queue uses
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    except redis.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return REDIS_URL


@pytest.fixture(params=["sqlite-queue", "redis-queue"])
def queue_config(request, tmp_path):
    config = {"SHOUDI_JOBS_IMMEDIATE": False, "SHOUDI_QUEUE_FILE": str(tmp_path / "queue.db")}
    if request.param == "redis-queue":
        config["SHOUDI_REDIS_URL"] = _redis_or_skip()
    return config


@pytest.fixture
def app_config(queue_config):
    return queue_config


class Consumer:
    """``flask jobs-worker`` against the test's database, queue and files."""

    def __init__(self, app, tmp_path):
        self.env = {**os.environ,
                    "SHOUDI_ENV": "development", "SHOUDI_INSTANCE_PATH": str(tmp_path / "worker-instance"),
                    "SHOUDI_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                    "SHOUDI_SECRET_KEY": app.config["SECRET_KEY"], "SHOUDI_DATA_KEY": TEST_DATA_KEY,
                    "SHOUDI_UPLOAD_FOLDER": app.config["SHOUDI_UPLOAD_FOLDER"],
                    "SHOUDI_QUEUE_FILE": app.config["SHOUDI_QUEUE_FILE"], "SHOUDI_JOBS_IMMEDIATE": "0",
                    "SHOUDI_REDIS_URL": app.config["SHOUDI_REDIS_URL"] or "",
                    "SHOUDI_CJK_FONT": app.config["SHOUDI_CJK_FONT"]}
        self.log = tmp_path / "worker.log"
        self.process = None
        LAST_LOG[:] = [self.log]

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "shoudi", "jobs-worker", "--workers", "1", "--no-periodic"],
            cwd=ROOT, env=self.env, stdout=open(self.log, "ab"), stderr=subprocess.STDOUT)
        return self

    def stop(self, sig=signal.SIGINT):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=30)


@pytest.fixture
def consumer(app, tmp_path):
    made = Consumer(app, tmp_path)
    yield made
    made.stop(signal.SIGKILL)


def _wait_for(check, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.rollback()  # read what the consumer committed
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"the consumer did not get there in time; its log:\n{LAST_LOG[0].read_text() if LAST_LOG else ''}")


def signed_in(app, name):
    client = app.test_client()
    client.post("/login", data={"login": name, "password": factories.PASSWORD})
    return client


def _job(job_id):
    return db.session.get(Job, job_id)


def test_a_consumer_runs_a_queued_job_and_sends_notifications(app, consumer):
    world = factories.build_world()
    db.session.commit()
    client = signed_in(app, "county")
    job_id = int(client.post(f"/sheets/township/{TOWNSHIP}/pdf").headers["Location"].rsplit("/", 1)[1])
    db.session.rollback()
    assert _job(job_id).state == JobState.QUEUED.value  # nobody runs it yet

    consumer.start()
    job = _wait_for(lambda: _job(job_id) if _job(job_id).state == JobState.DONE.value else None)
    assert (job.done, job.total) == (2, 2)
    # It yields the CPU to requests: its priority is lowered by SHOUDI_WORKER_NICE (10).
    assert os.getpriority(os.PRIO_PROCESS, consumer.process.pid) == min(19, os.getpriority(os.PRIO_PROCESS, 0) + 10)
    assert client.get(f"/jobs/{job_id}/result").data.startswith(b"%PDF")

    # A step's notification reaches the centre through the same consumer.
    report = app.test_client().post("/api/v1/reports", json=_report(world))
    assert report.status_code == 202, report.get_json()  # recorded as a case by the consumer
    village = world.users["village_a"].id
    _wait_for(lambda: db.session.execute(select(Notification).where(Notification.user_id == village)).first())
    consumer.stop()


def _report(world):
    return {"token": "consumer-test-token-0001", "name": "张三", "id_number": factories.new_id(),
            "phone": "13912345678", "village_code": world.village_a.code, "hardships": ["illness"],
            "description": "老人住院", "consent": True, "urgent": "no"}


def test_a_consumer_killed_mid_job_leaves_it_to_be_run_again(app, consumer):
    factories.build_world()
    csv = "code,name,parent_code,level\n" + "".join(
        f"3415991010{n:02d},第{n}村,{TOWNSHIP},村\n" for n in range(10, 40))
    result = app.test_cli_runner().invoke(args=["import-regions", "-"], input=csv)
    assert result.exit_code == 0, result.output
    db.session.commit()
    client = signed_in(app, "county")
    job_id = int(client.post(f"/sheets/township/{TOWNSHIP}/pdf").headers["Location"].rsplit("/", 1)[1])

    consumer.start()
    _wait_for(lambda: _job(job_id).state == JobState.RUNNING.value and _job(job_id).done >= 2, seconds=120)
    consumer.stop(signal.SIGKILL)  # the machine lost power mid-PDF
    time.sleep(0.5)
    db.session.rollback()
    assert _job(job_id).state == JobState.RUNNING.value and _job(job_id).done < 32

    # The reaper (every five minutes in production) finds it once its heartbeat is stale.
    assert jobs.reap_stale(utcnow() + STALE_AFTER + timedelta(minutes=1)) == 1
    db.session.commit()  # back on the queue
    assert _job(job_id).state == JobState.QUEUED.value

    consumer.start()
    job = _wait_for(lambda: _job(job_id) if _job(job_id).state == JobState.DONE.value else None, seconds=120)
    assert (job.done, job.total, job.attempts) == (32, 32, 2)
    consumer.stop()
