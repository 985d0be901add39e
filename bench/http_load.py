"""Load for the HTTP benchmarks: gunicorn servers started and stopped on 127.0.0.1, endpoints
fired at by a few client threads with keep-alive connections, latencies and rates; the scratch
database made (empty, or a copy of a seeded one), and the rows written to it counted.

Only 127.0.0.1 is ever sent to; every loop is bounded in count and in time.
"""
from __future__ import annotations

import http.client
import json
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"  # the only address these benchmarks ever send to
GUNICORN_ARGS = ["--workers", "2", "--threads", "1", "--worker-class", "sync",
                 "--timeout", "60", "--graceful-timeout", "5", "--log-level", "warning"]
REQUEST_TIMEOUT = 30      # seconds per request
SHOWN_ERRORS = 5
TIME_BUDGET = 900         # seconds for all measured rounds; requests not sent by then are errors


class Fatal(Exception):
    """The benchmark cannot run (a service is missing, set-up failed); exit status 2."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log: Path

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""


def start_server(name: str, app_spec: str, env: dict[str, str], logdir: Path, ready_path: str,
                 extra: tuple[str, ...] = ()) -> Server:
    port = free_port()
    log = logdir / f"{name}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), *GUNICORN_ARGS, "--bind", f"{HOST}:{port}", *extra, app_spec],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(name, port, process, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise Fatal(f"gunicorn ({name}) exited with {process.returncode}:\n{server.tail()}")
        conn = http.client.HTTPConnection(HOST, port, timeout=5)
        try:
            if send(conn, "GET", ready_path)[0] == 200:
                return server
        except (OSError, http.client.HTTPException):
            pass
        finally:
            conn.close()
        time.sleep(0.2)
    stop_server(server)
    raise Fatal(f"gunicorn ({name}) did not answer within 60 s:\n{server.tail()}")


def stop_server(server: Server) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


# --- the scratch database and the project's commands -------------------------------------------

def recreate_database(maintenance_url: str, name: str, drop_only: bool = False, template: str | None = None) -> None:
    """Drop the scratch database and make it again, empty or as a copy of ``template``."""
    assert name != "test"  # the test suite's database is never touched
    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if drop_only:
            return
        if template is None:
            conn.execute(f'CREATE DATABASE "{name}"')
            return
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (template,)).fetchone() is None:
            raise Fatal(f"there is no database {template}")
        # Never forced: whoever is connected to the template is doing their own work.
        busy = (f"{template} cannot be copied while anyone is connected to it; try again later, "
                f"or seed with --households")
        if conn.execute("SELECT 1 FROM pg_stat_activity WHERE datname = %s", (template,)).fetchone():
            raise Fatal(busy)
        # A seeded million is gigabytes: copied file by file (PostgreSQL 15+) it takes a minute or
        # two; block by block through the WAL (15's default) many times that.
        strategy = " STRATEGY = FILE_COPY" if conn.info.server_version >= 150000 else ""
        try:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"{strategy}')
        except psycopg.errors.ObjectInUse:
            raise Fatal(busy) from None


def last_ids(libpq_url: str, tables: tuple[str, ...]) -> dict[str, int]:
    with psycopg.connect(libpq_url) as conn:
        return {t: conn.execute(f"SELECT coalesce(max(id), 0) FROM {t}").fetchone()[0] for t in tables}


def rows_since(libpq_url: str, marks: dict[str, int]) -> dict[str, int]:
    """Rows written past the marks (through the primary keys: the tables may hold millions)."""
    with psycopg.connect(libpq_url) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t} WHERE id > %s", (mark,)).fetchone()[0]
                for t, mark in marks.items()}


def flask_command(env: dict[str, str], *args: str, timeout: float = 600, show: bool = False) -> None:
    """``flask`` with ``args``; its output is kept for the error message, or shown as it goes."""
    done = subprocess.run([str(BIN / "flask"), "--app", "shoudi", *args], cwd=ROOT, env=env,
                          capture_output=not show, text=True, timeout=timeout)
    if done.returncode != 0:
        raise Fatal(f"flask {' '.join(args)} failed (exit status {done.returncode}):\n"
                    + (f"{done.stdout}\n{done.stderr}" if not show else "its output is above"))


def wait_for_outbox(libpq_url: str, mark: int, seconds: float) -> tuple[int, int, float]:
    """(rows past ``mark`` carried out, rows still waiting, seconds taken) once the consumer has
    caught up with the load, or the budget ran out."""
    started = time.monotonic()
    while True:
        with psycopg.connect(libpq_url) as conn:
            done, waiting = conn.execute("SELECT count(dispatched_at), count(*) - count(dispatched_at) "
                                         "FROM outbox WHERE id > %s", (mark,)).fetchone()
        elapsed = time.monotonic() - started
        if waiting == 0 or elapsed > seconds:
            return done, waiting, elapsed
        time.sleep(0.5)


# --- requests ----------------------------------------------------------------------------------

def send(conn: http.client.HTTPConnection, method: str, path: str, body: bytes | None = None,
         headers: dict | None = None) -> tuple[int, bytes]:
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    return response.status, response.read()


def call_json(port: int, method: str, path: str, body: dict | None = None, headers: dict | None = None):
    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        status, data = send(conn, method, path, json.dumps(body).encode() if body is not None else None,
                            {"Content-Type": "application/json", **(headers or {})})
    finally:
        conn.close()
    if status != 200:
        raise Fatal(f"{method} {path} answered {status}: {data[:500]!r}")
    return json.loads(data)


@dataclass(eq=False)
class Endpoint:
    label: str
    port: int
    path: str
    headers: dict
    make_body: object  # callable: index -> dict
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    sent: int = 0
    errors: int = 0
    samples: list[str] = field(default_factory=list)
    round_rates: list[float] = field(default_factory=list)
    deferred: int = 0  # answers of 202

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0


def fire(endpoint: Endpoint, bodies: list[bytes], clients: int, deadline: float, record: bool = True) -> float:
    """Send every body once from ``clients`` threads; time the whole batch and each request.
    Returns the batch's successful requests per second."""
    headers = {"Content-Type": "application/json", **endpoint.headers}
    lock = threading.Lock()
    queue = iter(bodies)
    latencies: list[float] = []
    failures: list[str] = []
    deferred: list[int] = []

    def worker() -> None:
        conn = http.client.HTTPConnection(HOST, endpoint.port, timeout=REQUEST_TIMEOUT)
        while True:
            with lock:
                body = next(queue, None)
            if body is None or time.monotonic() > deadline:
                break
            start = time.perf_counter()
            try:
                status, data = send(conn, "POST", endpoint.path, body, headers)
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                failures.append(f"{type(exc).__name__}: {exc}")
                continue
            took = time.perf_counter() - start
            if status in (201, 202) and data.startswith(b"{"):
                latencies.append(took)
                if status == 202:
                    deferred.append(1)
            else:
                failures.append(f"{status} {data[:300].decode(errors='replace')}")
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    unsent = len(bodies) - len(latencies) - len(failures)
    errors = len(failures) + unsent
    if unsent:
        failures.append(f"{unsent} requests not sent: the {TIME_BUDGET} s budget ran out")
    if not record:
        if errors:
            raise Fatal(f"warm-up of {endpoint.label} failed ({errors} of {len(bodies)}):\n  "
                        + "\n  ".join(failures[:SHOWN_ERRORS]))
        return 0.0
    endpoint.latencies += latencies
    endpoint.deferred += len(deferred)
    endpoint.elapsed += elapsed
    endpoint.sent += len(bodies)
    endpoint.errors += errors
    endpoint.samples += failures[:max(SHOWN_ERRORS - len(endpoint.samples), 0)]
    endpoint.round_rates.append(len(latencies) / elapsed)
    return endpoint.round_rates[-1]


# --- bodies ------------------------------------------------------------------------------------

def ms(seconds: float) -> float:
    return seconds * 1000


def percentile(values: list[float], q: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]
