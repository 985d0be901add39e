"""The services a load run needs and the processes it starts: PostgreSQL databases (a seeded
template kept between runs, a fresh copy per run), the Redis database of the rate limits and the
queue, ``flask`` commands, gunicorn and the job-queue consumer. Only 127.0.0.1 is ever used.

Every process started here is stopped by its own handle (``Started.stop``), never by name.
"""
from __future__ import annotations

import base64
import hashlib
import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
PG_SERVER = f"postgresql://postgres@{HOST}:5432"
REDIS_URL = f"redis://{HOST}:6379/8"
# The load databases' names start with this; nothing else is ever created or dropped.
DB_PREFIX = "h4_"
# The seeds are fictitious people, but their personal fields are still encrypted: a fixed key
# lets a seeded template be copied and served by later runs. Never a real deployment's key.
DATA_KEY = base64.urlsafe_b64encode(hashlib.sha256(b"shoudi load test: fictitious data only").digest()).decode()
COMPLETE = "seeded"  # the comment on a template database once its seed has finished


class Fatal(Exception):
    """The run cannot go on (a service is missing, a step failed); exit status 2."""


# --- PostgreSQL and Redis ---------------------------------------------------------------------

def sqlalchemy_url(database: str) -> str:
    return f"postgresql+psycopg://postgres@{HOST}:5432/{database}"


def _own(database: str) -> str:
    if not database.startswith(DB_PREFIX) or not database.replace("_", "").isalnum():
        raise Fatal(f"refusing to touch the database {database!r}: load databases start with {DB_PREFIX}")
    return database


def maintenance():
    return psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=5)


def server_version() -> str:
    try:
        with maintenance() as conn:
            return conn.execute("SHOW server_version").fetchone()[0]
    except psycopg.Error as exc:
        raise Fatal(f"PostgreSQL is unreachable at {PG_SERVER}: {exc}") from exc


def is_seeded(database: str) -> bool:
    """The database exists and its seed ran to the end (its comment says so)."""
    with maintenance() as conn:
        row = conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                           (database,)).fetchone()
    return row is not None and row[0] == COMPLETE


def mark_seeded(database: str) -> None:
    with maintenance() as conn:
        conn.execute(f"COMMENT ON DATABASE \"{_own(database)}\" IS '{COMPLETE}'")


def create_database(database: str, template: str | None = None) -> None:
    """Create ``database`` afresh (dropping any earlier one), empty or as a copy of ``template``
    (a file copy: nobody may be connected to the template meanwhile)."""
    drop_database(database)
    with maintenance() as conn:
        conn.execute(f'CREATE DATABASE "{_own(database)}"' + (f' TEMPLATE "{template}"' if template else ""))


def drop_database(database: str) -> None:
    with maintenance() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{_own(database)}" WITH (FORCE)')


def database_size(database: str) -> str:
    with maintenance() as conn:
        return conn.execute("SELECT pg_size_pretty(pg_database_size(%s))", (database,)).fetchone()[0]


def count_rows(database: str, tables: tuple[str, ...]) -> dict[str, int]:
    with psycopg.connect(f"{PG_SERVER}/{database}") as conn:
        return {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in tables}


def last_outbox_id(database: str) -> int:
    with psycopg.connect(f"{PG_SERVER}/{database}") as conn:
        return conn.execute("SELECT coalesce(max(id), 0) FROM outbox").fetchone()[0]


def outbox_waiting(database: str, after_id: int) -> int:
    """Side effects of the load (outbox rows after ``after_id``) the consumer has not carried out."""
    with psycopg.connect(f"{PG_SERVER}/{database}") as conn:
        return conn.execute("SELECT count(*) FROM outbox WHERE id > %s AND dispatched_at IS NULL",
                            (after_id,)).fetchone()[0]


def analyze(database: str) -> None:
    """Statistics for the planner, as a county's database in use has them."""
    with psycopg.connect(f"{PG_SERVER}/{database}", autocommit=True) as conn:
        conn.execute("ANALYZE")


def empty_redis() -> None:
    """Database 8 is this load test's own: no queued tasks or rate-limit counters left over."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=5, socket_connect_timeout=5).flushdb()
    except redis.RedisError as exc:
        raise Fatal(f"Redis is unreachable at {REDIS_URL}: {exc}") from exc


# --- the app's environment and commands ----------------------------------------------------------

def app_env(database: str, scratch: Path, env: str = "production", data_key: str = DATA_KEY,
            redis_url: str | None = REDIS_URL) -> dict[str, str]:
    """The app as deployed behind nginx (one trusted proxy), on the run's own database and Redis
    (without it: the queue in a file of the scratch folder, as a seed wants: what a seed queues
    is not the load's). The session cookie is allowed over plain HTTP: the load comes from
    127.0.0.1, without TLS."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SHOUDI_")}
    environ.update({
        "SHOUDI_ENV": env,
        "SHOUDI_INSTANCE_PATH": str(scratch / "instance"),
        "SHOUDI_SECRET_KEY": secrets.token_urlsafe(48),
        "SHOUDI_DATA_KEY": data_key,
        "SHOUDI_DATABASE_URL": sqlalchemy_url(database),
        "SHOUDI_UPLOAD_FOLDER": str(scratch / "uploads"),
        "SHOUDI_TRUSTED_PROXIES": "1",
        "SHOUDI_SESSION_COOKIE_SECURE": "0",
        "SHOUDI_LOG_LEVEL": "WARNING",
    })
    if redis_url:
        environ["SHOUDI_REDIS_URL"] = redis_url
    return environ


def flask_command(env: dict[str, str], *args: str, timeout: float = 4 * 3600) -> str:
    done = subprocess.run([str(BIN / "flask"), "--app", "shoudi", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise Fatal(f"flask {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def flask_streamed(env: dict[str, str], *args: str) -> None:
    """A long command (a seed) whose progress lines go straight to this run's output."""
    done = subprocess.run([str(BIN / "flask"), "--app", "shoudi", *args], cwd=ROOT, env=env,
                          stdout=sys.stdout, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise Fatal(f"flask {' '.join(args)} failed:\n{done.stderr[-3000:]}")


# --- processes -------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Started:
    name: str
    process: subprocess.Popen
    log: Path
    stop_signal: int = signal.SIGTERM

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def stop(self, timeout: float = 30) -> None:
        if self.process.poll() is None:
            self.process.send_signal(self.stop_signal)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(name: str, command: list[str], env: dict[str, str], logdir: Path,
          stop_signal: int = signal.SIGTERM) -> Started:
    log = logdir / f"{name}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    return Started(name, process, log, stop_signal)


def start_consumer(env: dict[str, str], logdir: Path) -> Started:
    """The job-queue consumer as deployed (it lowers its own CPU priority); the daily schedule is
    left out, so a short run measures the mix and not a nightly job that happens to fall in it."""
    return start("consumer", [str(BIN / "flask"), "--app", "shoudi", "jobs-worker", "--workers", "2",
                              "--no-periodic"], env, logdir, stop_signal=signal.SIGINT)


def start_gunicorn(env: dict[str, str], logdir: Path, workers: int) -> tuple[Started, int]:
    port = free_port()
    server = start("gunicorn", [str(BIN / "gunicorn"), "--workers", str(workers), "--worker-class", "sync",
                                "--timeout", "120", "--graceful-timeout", "10", "--log-level", "warning",
                                "--bind", f"{HOST}:{port}", "wsgi:app"], env, logdir)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise Fatal(f"gunicorn exited with {server.process.returncode}:\n{server.tail()}")
        conn = http.client.HTTPConnection(HOST, port, timeout=5)
        try:
            conn.request("GET", "/api/v1/health")
            if conn.getresponse().status == 200:
                return server, port
        except (OSError, http.client.HTTPException):
            pass
        finally:
            conn.close()
        time.sleep(0.3)
    server.stop()
    raise Fatal(f"gunicorn did not answer within 60 s:\n{server.tail()}")
