"""Load for the HTTP benchmarks: gunicorn servers started and stopped on 127.0.0.1, endpoints
fired at by a few client threads with keep-alive connections, latencies and rates.

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
