"""Throughput of the two submit endpoints of /api/v1 against a bare Flask insert, on PostgreSQL.

Run: .venv/bin/python bench/bench_submit.py [requests] [clients] [rounds]   (defaults: 2400, 4, 8;
about a minute and a half; shorter runs swing by ±0.1× on a shared 2-core machine)

Needs PostgreSQL and Redis on 127.0.0.1 (exit status 2 when either is unreachable):
  BENCH_PG_URL     the server, default postgresql+psycopg://postgres@127.0.0.1:5432/
  BENCH_REDIS_URL  default redis://127.0.0.1:6379/5 (the app keeps its rate limits there)

The scratch database ``shoudi_bench`` is dropped and created again, migrated
(``flask db upgrade``) and given the demo county (``flask seed-demo``, run as development: production refuses
demo data); it is dropped at the end.
Two servers run side by side, started by gunicorn with the same settings (GUNICORN_ARGS):
  - the project (``wsgi:app``, SHOUDI_ENV=production, Redis rate limits, the report limit raised
    so it never answers 429);
  - a bare Flask + Flask-SQLAlchemy app defined below (``bare_app()``): parse the JSON body,
    INSERT one row into its own table ``bench_bare_submission``, commit, answer 201 — the floor
    any submit endpoint on this stack pays.
Endpoints measured: ``POST /api/v1/reports`` (farmer self-report, a new one-time token and a new
ID number each time, so every request makes a case: the request stores the report, and the
project's job-queue consumer, running beside the servers for the whole run as it is deployed
(``flask jobs-worker``, which lowers its own CPU priority), records it as a case and sends the
notifications; the run fails if any side effect is still waiting five minutes after the load, and
says how long after the load the consumer caught up), ``POST /api/v1/visits`` (the demo grid worker
``grid`` with a bearer token, a new client UUID each time, over the households of their grid)
and ``POST /bare`` (the visit body, a new UUID each time).

The load: ``clients`` threads with http.client connections to 127.0.0.1 (gunicorn's sync workers
close each connection, so a client reconnects per request, the same for every endpoint). After a
warm-up, ``requests`` per endpoint are sent in ``rounds`` rounds; within a round the endpoints take
turns, in a rotating order, so drift on this shared machine hits them alike. A request counts only
when it answers 201 (or 202, accepted for later) with a JSON body; anything else is an error,
the first few shown — a 200 included, since it would mean the request was taken for a resend.
Afterwards the rows written are counted in the database: at least one per 201 and never more than
one per success. Exit status 1 on any error.
Prints req/s, p50 and p99 latency per endpoint, and the ratio project / bare. The servers and the
load generator are in ``http_load.py``.
"""
from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import JSON, DateTime, Integer, String
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Mapped, mapped_column

from http_load import (BIN, GUNICORN_ARGS, HOST, ROOT, TIME_BUDGET, Endpoint, Fatal, Server, call_json, fire,
                       ms, percentile, start_server, stop_server)

DB_NAME = "shoudi_bench"
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
DEMO_LOGIN, DEMO_PASSWORD = "grid", "shoudi-demo-2026"
VILLAGE = "341599101001"  # 青山村 of the demo county
WARMUP = 30               # requests per endpoint before measuring
DRAIN_BUDGET = 300        # seconds the consumer gets to catch up with the load




# --- the bare baseline: one INSERT through Flask-SQLAlchemy --------------------------------------

bare_db = SQLAlchemy()


class BareSubmission(bare_db.Model):
    __tablename__ = "bench_bare_submission"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def bare_app() -> Flask:
    """``gunicorn 'bench_submit:bare_app()'``; the database comes from BENCH_BARE_DATABASE_URL."""
    app = Flask("bench_bare")
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["BENCH_BARE_DATABASE_URL"]
    bare_db.init_app(app)

    @app.get("/health")
    def health():
        return "ok"

    @app.post("/bare")
    def bare():
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("client_uuid"), str):
            return jsonify(error="client_uuid"), 400
        row = BareSubmission(client_uuid=body["client_uuid"], payload=body,
                             created_at=datetime.now(timezone.utc))
        bare_db.session.add(row)
        bare_db.session.flush()
        answer = {"id": row.id, "client_uuid": row.client_uuid}
        bare_db.session.commit()
        return jsonify(answer), 201

    return app


# --- services, database, servers -------------------------------------------------------------------

def pg_urls() -> tuple[str, str, str]:
    """(SQLAlchemy URL of the scratch database, libpq URL of it, libpq URL of ``postgres``)."""
    base = make_url(PG_URL)
    if base.host not in (HOST, "localhost"):
        raise Fatal(f"BENCH_PG_URL must point at {HOST}, not {base.host}")
    scratch = base.set(database=DB_NAME)
    libpq = scratch.set(drivername="postgresql")
    return (scratch.render_as_string(hide_password=False), libpq.render_as_string(hide_password=False),
            libpq.set(database="postgres").render_as_string(hide_password=False))


def check_services(maintenance_url: str) -> str:
    import psycopg
    import redis

    try:
        with psycopg.connect(maintenance_url, connect_timeout=5) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
    except psycopg.Error as exc:
        raise Fatal(f"PostgreSQL is unreachable ({PG_URL}): {exc}") from exc
    if urlsplit(REDIS_URL).hostname not in (HOST, "localhost"):
        raise Fatal(f"BENCH_REDIS_URL must point at {HOST}")
    try:
        # Emptied: no queued tasks or rate-limit counters left from an earlier run.
        redis.Redis.from_url(REDIS_URL, socket_timeout=5, socket_connect_timeout=5).flushdb()
    except redis.RedisError as exc:
        raise Fatal(f"Redis is unreachable ({REDIS_URL}): {exc}") from exc
    return version


def recreate_database(maintenance_url: str, drop_only: bool = False) -> None:
    import psycopg

    assert DB_NAME != "test"  # the test suite's database is never touched
    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def count_rows(libpq_url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(libpq_url) as conn:
        return {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("form_submission", "visit", "bench_bare_submission")}


def wait_for_outbox(libpq_url: str, seconds: float = DRAIN_BUDGET) -> tuple[int, int, float]:
    """(rows carried out, rows still waiting, seconds taken) once the consumer has caught up
    with the load, or the budget ran out."""
    import psycopg

    started = time.monotonic()
    while True:
        with psycopg.connect(libpq_url) as conn:
            done, waiting = conn.execute("SELECT count(dispatched_at), count(*) - count(dispatched_at) "
                                         "FROM outbox").fetchone()
        elapsed = time.monotonic() - started
        if waiting == 0 or elapsed > seconds:
            return done, waiting, elapsed
        time.sleep(0.5)


def project_env(database_url: str, uploads: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOUDI_")}
    env.update({
        "SHOUDI_ENV": "production",
        "SHOUDI_SECRET_KEY": secrets.token_urlsafe(48),
        "SHOUDI_DATA_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "SHOUDI_DATABASE_URL": database_url,
        "SHOUDI_REDIS_URL": REDIS_URL,
        "SHOUDI_UPLOAD_FOLDER": uploads,
        "SHOUDI_REPORT_RATE_LIMIT": "100000 per minute",
    })
    return env


def flask_command(env: dict[str, str], *args: str) -> None:
    done = subprocess.run([str(BIN / "flask"), "--app", "shoudi", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise Fatal(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


def report_body(i: int) -> dict:
    """A new one-time token and a new, valid ID number and phone: every report opens a case."""
    from domain.validation import make_id_number

    birth = date(1950, 1, 1) + timedelta(days=i // 1000)
    return {"token": secrets.token_urlsafe(24), "name": ("王大山", "李秀英", "张建国", "刘桂兰")[i % 4],
            "id_number": make_id_number("110105", birth, i % 1000), "phone": f"139{i:08d}",
            "village_code": VILLAGE, "hardships": ["illness", "schooling"],
            "description": "老伴住院花了五万多", "consent": True, "urgent": "no"}


def visit_body(household_id: int) -> dict:
    return {"client_uuid": str(uuid.uuid4()), "household_id": household_id, "method": "home",
            "visited_at": (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat(),
            "answers": {"housing_safe": "yes", "water_safe": "yes", "should_monitor": "no"},
            "income": {"wages": 24000, "business": "3000.50", "business_costs": 1000},
            "household_size": 2, "gps": {"lat": 30.5, "lng": 117.2, "accuracy": 12}}


# --- the run -----------------------------------------------------------------------------------

def measure(total: int, clients: int, rounds: int) -> int:
    database_url, libpq_url, maintenance_url = pg_urls()
    version = check_services(maintenance_url)
    recreate_database(maintenance_url)
    servers: list[Server] = []
    consumer = None
    try:
        with tempfile.TemporaryDirectory(prefix="bench_submit_") as tmp:
            env = project_env(database_url, f"{tmp}/uploads")
            print(f"PostgreSQL {version}, database {DB_NAME}; Redis {REDIS_URL}; {os.cpu_count()} CPUs, "
                  f"load average {os.getloadavg()[0]:.2f}")
            print("migrating and seeding the demo county ...", flush=True)
            flask_command(env, "db", "upgrade")
            # The demo county is seeded as development would: production refuses demo data.
            flask_command({**env, "SHOUDI_ENV": "development"}, "seed-demo")
            bare_env = {**env, "BENCH_BARE_DATABASE_URL": database_url}
            os.environ["BENCH_BARE_DATABASE_URL"] = database_url
            with bare_app().app_context():
                bare_db.create_all()
                bare_db.engine.dispose()

            # The project's side effects (notifications) run in its job-queue consumer, as in
            # production: it shares the machine with both servers for the whole run.
            consumer_log = open(Path(tmp) / "consumer.log", "wb")
            consumer = subprocess.Popen([str(BIN / "flask"), "--app", "shoudi", "jobs-worker", "--workers", "1",
                                         "--no-periodic"], cwd=ROOT, env=env, stdout=consumer_log,
                                        stderr=subprocess.STDOUT)
            try:
                servers.append(start_server("project", "wsgi:app", env, Path(tmp), "/api/v1/villages"))
                servers.append(start_server("bare", "bench_submit:bare_app()", bare_env, Path(tmp), "/health",
                                            ("--pythonpath", str(Path(__file__).resolve().parent))))
                project, bare = servers[0].port, servers[1].port
                token = call_json(project, "POST", "/api/v1/auth/login",
                                  {"login": DEMO_LOGIN, "password": DEMO_PASSWORD})["token"]
                # Outside the demo the published password is changed first; the answer is a new token.
                token = call_json(project, "POST", "/api/v1/auth/password",
                                  {"old_password": DEMO_PASSWORD, "new_password": "Bench-" + secrets.token_hex(8)},
                                  headers={"Authorization": f"Bearer {token}"})["token"]
                auth = {"Authorization": f"Bearer {token}"}
                page = call_json(project, "GET", "/api/v1/households?per_page=100", headers=auth)
                households = [row["id"] for row in page["items"]]
                if not households:
                    raise Fatal(f"the demo grid worker {DEMO_LOGIN!r} has no households")

                counter = iter(range(10**7))
                endpoints = [
                    Endpoint("bare insert   POST /bare", bare, "/bare", {},
                             lambda i: visit_body(households[i % len(households)])),
                    Endpoint("self-report   POST /api/v1/reports", project, "/api/v1/reports", {},
                             lambda i: report_body(next(counter))),
                    Endpoint("visit submit  POST /api/v1/visits", project, "/api/v1/visits", auth,
                             lambda i: visit_body(households[i % len(households)])),
                ]
                far = time.monotonic() + 600
                for endpoint in endpoints:
                    fire(endpoint, [json.dumps(endpoint.make_body(i)).encode() for i in range(WARMUP)],
                         clients, far, record=False)
                warmed = count_rows(libpq_url)
                print(f"warm-up: {WARMUP} requests per endpoint; {len(households)} households in "
                      f"{DEMO_LOGIN}'s grid; measuring {total} requests per endpoint, {clients} clients, "
                      f"{rounds} rounds, gunicorn {' '.join(GUNICORN_ARGS)}", flush=True)

                deadline = time.monotonic() + TIME_BUDGET
                sizes = [total // rounds + (1 if r < total % rounds else 0) for r in range(rounds)]
                for r, size in enumerate(sizes):
                    order = endpoints[r % 3:] + endpoints[:r % 3]
                    rates = {}
                    for endpoint in order:
                        bodies = [json.dumps(endpoint.make_body(endpoint.sent + i)).encode() for i in range(size)]
                        rates[endpoint.label.split()[0]] = fire(endpoint, bodies, clients, deadline)
                    print(f"  round {r + 1}/{rounds}: " + ", ".join(
                        f"{label} {rate:.0f}/s" for label, rate in rates.items()), flush=True)
                after = count_rows(libpq_url)
                for server in servers:
                    stop_server(server)
                carried, undelivered, drain = wait_for_outbox(libpq_url)
                logs = {s.name: s.tail() for s in servers}
                consumer_log.flush()
                logs["consumer"] = (Path(tmp) / "consumer.log").read_text(errors="replace")[-4000:]
            except Fatal as exc:
                for server in servers:
                    stop_server(server)
                raise Fatal(str(exc) + "".join(f"\n--- the end of the {s.name} server's log ---\n{s.tail()}"
                                               for s in servers)) from exc
    finally:
        for server in servers:
            stop_server(server)
        if consumer is not None and consumer.poll() is None:
            consumer.send_signal(signal.SIGINT)
            consumer.wait(timeout=60)
        recreate_database(maintenance_url, drop_only=True)

    bare_ep, reports, visits = endpoints
    written = {bare_ep: after["bench_bare_submission"] - warmed["bench_bare_submission"],
               reports: after["form_submission"] - warmed["form_submission"],
               visits: after["visit"] - warmed["visit"]}
    print()
    print(f"{'endpoint':<38}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'ok':>6}{'errors':>8}")
    for e in endpoints:
        print(f"{e.label:<38}{e.rate:>8.1f}{ms(percentile(e.latencies, 50)):>9.1f}"
              f"{ms(percentile(e.latencies, 99)):>9.1f}{e.ok:>6}{e.errors:>8}")
    print()
    for e in (reports, visits):
        per_round = sorted(a / b for a, b in zip(e.round_rates, bare_ep.round_rates) if b)
        print(f"ratio {e.label.split()[0]:<13}/ bare insert (req/s): "
              + (f"{e.rate / bare_ep.rate:.2f}x" if e.rate and bare_ep.rate else "n/a")
              + (f"   (per round {per_round[0]:.2f}x to {per_round[-1]:.2f}x)" if per_round else ""))

    print(f"side effects: {carried} carried out by the consumer; the last {drain:.0f} s after the load; "
          f"{undelivered} still waiting after {DRAIN_BUDGET // 60} minutes")
    failed = undelivered > 0
    if undelivered:
        print(f"the end of the consumer's log:\n{logs['consumer']}")
    for e in endpoints:
        if e.errors:
            failed = True
            print(f"\n{e.label}: {e.errors} errors; the first ones:")
            for sample in e.samples:
                print(f"  {sample}")
    for e, rows in written.items():
        if not e.ok - e.deferred <= rows <= e.ok:
            failed = True
            print(f"{e.label}: {rows} rows written for {e.ok - e.deferred} answers of 201 "
                  f"and {e.deferred} of 202")
        elif e.deferred:
            print(f"{e.label}: {e.deferred} answers of 202; {rows} rows were written by the end")
    for name, log in logs.items():
        if "Traceback" in log:
            failed = True
            print(f"\nthe {name} server logged a traceback; the end of its log:\n{log}")
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    total = int(argv[1]) if len(argv) > 1 else 2400
    clients = int(argv[2]) if len(argv) > 2 else 4
    rounds = int(argv[3]) if len(argv) > 3 else 8
    if not (1 <= clients <= 16 and 1 <= rounds <= total <= 20000):
        print("usage: bench_submit.py [requests 1-20000] [clients 1-16] [rounds <= requests]", file=sys.stderr)
        return 2
    try:
        return measure(total, clients, rounds)
    except Fatal as exc:
        print(f"bench_submit: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
