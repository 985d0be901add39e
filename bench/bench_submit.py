"""Throughput of the two submit endpoints of /api/v1 against a bare Flask insert, on PostgreSQL,
on the demo county or on a generated county or province of any size.

Run: .venv/bin/python bench/bench_submit.py [requests] [clients] [rounds]   (defaults: 2400, 4, 8;
about a minute and a half; shorter runs swing by ±0.1× on a shared 2-core machine)
         [--households N | --from-database NAME] [--data-key KEY] [--database NAME]

Needs PostgreSQL and Redis on 127.0.0.1 (exit status 2 when either is unreachable):
  BENCH_PG_URL     the server, default postgresql+psycopg://postgres@127.0.0.1:5432/
  BENCH_REDIS_URL  default redis://127.0.0.1:6379/5 (the app keeps its rate limits there)

The scratch database (``--database``, default ``shoudi_bench``) is dropped and made again, migrated
(``flask db upgrade``) and given its data; it is dropped at the end. The data:
  - by default the demo county (``flask seed-demo``, run as development: production refuses demo
    data); the visits are the demo grid worker ``grid``'s, the self-reports name 青山村;
  - ``--households N``: ``flask seed-scale --households N`` (a county, or from 200,000 households
    a province of 100,000-household counties; a million take half an hour or more);
  - ``--from-database NAME``: a copy of a database seeded so before (``CREATE DATABASE … TEMPLATE
    NAME``, refused while anyone is connected to NAME), then migrated: minutes instead of the seed.
  On generated data the visits are the grid worker ``s-grid-1-1-1-1``'s and the self-reports name
  that worker's village. Its personal data are encrypted, so the servers need the key it was
  seeded with: ``--data-key`` (or BENCH_DATA_KEY); by default the keys ``bench_scale.py`` (which
  this bench seeds with too) and ``bench/load`` seed with are tried on a stored ciphertext.
Two servers run side by side, started by gunicorn with the same settings (GUNICORN_ARGS):
  - the project (``wsgi:app``, SHOUDI_ENV=production, Redis rate limits, the report limit raised
    so it never answers 429);
  - a bare Flask + Flask-SQLAlchemy app defined below (``bare_app()``): parse the JSON body,
    INSERT one row into its own table ``bench_bare_submission``, commit, answer 201 — the floor
    any submit endpoint on this stack pays. Its table sits in the same database, so it grows
    no larger than the load makes it, whatever the size of the project's tables.
Endpoints measured: ``POST /api/v1/reports`` (farmer self-report, a new one-time token and a new
ID number each time, so every request makes a case: the request stores the report, and the
project's job-queue consumer, running beside the servers for the whole run as it is deployed
(``flask jobs-worker``, which lowers its own CPU priority), records it as a case and sends the
notifications; the run fails if any side effect is still waiting five minutes after the load, and
says how long after the load the consumer caught up), ``POST /api/v1/visits`` (the grid worker
with a bearer token, a new client UUID each time, over the households of their grid) and
``POST /bare`` (the visit body, a new UUID each time).

The load: ``clients`` threads with http.client connections to 127.0.0.1 (gunicorn's sync workers
close each connection, so a client reconnects per request, the same for every endpoint). After a
warm-up, ``requests`` per endpoint are sent in ``rounds`` rounds; within a round the endpoints take
turns, in a rotating order, so drift on this shared machine hits them alike. A request counts only
when it answers 201 (or 202, accepted for later) with a JSON body; anything else is an error,
the first few shown — a 200 included, since it would mean the request was taken for a resend.
Afterwards the rows written are counted in the database (those past the largest id before the
warm-up's end): at least one per 201 and never more than one per success. Exit status 1 on any
error. Prints req/s, p50 and p99 latency per endpoint, and the ratio project / bare. The servers
and the load generator, and the scratch database's making, are in ``http_load.py``.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import JSON, DateTime, Integer, String
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Mapped, mapped_column

from http_load import (BIN, GUNICORN_ARGS, HOST, ROOT, TIME_BUDGET, Endpoint, Fatal, Server, call_json, fire,
                       flask_command, last_ids, ms, percentile, recreate_database, rows_since, start_server,
                       stop_server, wait_for_outbox)

DEFAULT_DATABASE = "shoudi_bench"
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
DEMO_LOGIN, DEMO_PASSWORD = "grid", "shoudi-demo-2026"
VILLAGE = "341599101001"  # 青山村 of the demo county
# Generated data (services/demo/scale_staff.py): the worker of grid 1 of village 1 of township 1 of
# county 1, with seed-scale's default password.
SCALE_LOGIN, SCALE_PASSWORD = "s-grid-1-1-1-1", "shoudi-scale-2026"
# The keys the other benchmarks seed their generated databases with (the data is fictitious), so
# that those can be copied here as they are: bench_scale.py's (the one this bench seeds with too)
# and bench/load's.
SCALE_DATA_KEYS = tuple(base64.urlsafe_b64encode(key).decode() for key in (
    b"shoudi-bench-scale-data-key-2026", hashlib.sha256(b"shoudi load test: fictitious data only").digest()))
WARMUP = 30               # requests per endpoint before measuring
DRAIN_BUDGET = 300        # seconds the consumer gets to catch up with the load
SEED_BUDGET = 4 * 3600    # seconds flask seed-scale may take (a million households: 30-60 minutes)
COUNTED = ("form_submission", "visit", "bench_bare_submission")
DATABASE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class World:
    """Whose visits and which village's self-reports are sent."""
    description: str
    login: str
    password: str
    village_code: str


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

def pg_urls(name: str) -> tuple[str, str, str]:
    """(SQLAlchemy URL of the scratch database, libpq URL of it, libpq URL of ``postgres``)."""
    base = make_url(PG_URL)
    if base.host not in (HOST, "localhost"):
        raise Fatal(f"BENCH_PG_URL must point at {HOST}, not {base.host}")
    scratch = base.set(database=name)
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


def scale_world(libpq_url: str, data_keys: tuple[str, ...]) -> tuple[World, str]:
    """The grid worker and village of a database made by ``flask seed-scale``, and which of
    ``data_keys`` opens what it holds (a wrong key would fail later, in the servers and the consumer)."""
    import psycopg
    from core.config import DEV_DATA_KEY, ConfigError, decode_data_key
    from core.crypto import DataProtector, DecryptionError

    with psycopg.connect(libpq_url) as conn:
        village = conn.execute(
            "SELECT v.code FROM user_account u JOIN region g ON g.id = u.region_id "
            "JOIN region v ON v.id = g.parent_id WHERE u.username = %s", (SCALE_LOGIN,)).fetchone()
        sealed = conn.execute("SELECT phone_enc FROM user_account WHERE phone_enc IS NOT NULL "
                              "ORDER BY id LIMIT 1").fetchone()
        households = conn.execute("SELECT count(*) FROM household").fetchone()[0]
    if village is None or sealed is None:
        raise Fatal(f"the database has no grid worker {SCALE_LOGIN}: it was not made by flask seed-scale")

    def opens(key: str) -> bool:
        try:
            DataProtector(decode_data_key(key)).decrypt(sealed[0], "user.phone")
        except (ConfigError, DecryptionError):
            return False
        return True

    key = next((k for k in data_keys if opens(k)), None)
    if key is None:
        hint = (" (it was seeded with the development key, which production refuses: seed with SHOUDI_DATA_KEY "
                "set)" if opens(DEV_DATA_KEY) else "")
        raise Fatal(f"no data key known here opens the database's personal data: pass the key it was seeded "
                    f"with (--data-key or BENCH_DATA_KEY){hint}")
    return World(f"{households:,} households generated by flask seed-scale", SCALE_LOGIN, SCALE_PASSWORD,
                 village[0]), key


def project_env(database_url: str, uploads: str, data_key: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOUDI_")}
    env.update({
        "SHOUDI_ENV": "production",
        "SHOUDI_SECRET_KEY": secrets.token_urlsafe(48),
        "SHOUDI_DATA_KEY": data_key,
        "SHOUDI_DATABASE_URL": database_url,
        "SHOUDI_REDIS_URL": REDIS_URL,
        "SHOUDI_UPLOAD_FOLDER": uploads,
        "SHOUDI_REPORT_RATE_LIMIT": "100000 per minute",
    })
    return env


def prepare(options: argparse.Namespace, env: dict[str, str], libpq_url: str, maintenance_url: str) -> World:
    """The scratch database made, migrated and given its data; ``env`` learns the data's key."""
    started = time.monotonic()
    recreate_database(maintenance_url, options.database, template=options.from_database)
    if options.from_database:
        print(f"copied {options.from_database} in {time.monotonic() - started:.0f} s", flush=True)
    flask_command(env, "db", "upgrade")
    # Demo and generated data are seeded as development would: production refuses both.
    development = {**env, "SHOUDI_ENV": "development"}
    if not (options.households or options.from_database):
        flask_command(development, "seed-demo")
        return World("the demo county", DEMO_LOGIN, DEMO_PASSWORD, VILLAGE)
    if options.households:
        print(f"seeding {options.households:,} households (flask seed-scale) ...", flush=True)
        started = time.monotonic()
        flask_command(development, "seed-scale", "--households", str(options.households),
                      "--password", SCALE_PASSWORD, timeout=SEED_BUDGET, show=True)
        print(f"seeded in {time.monotonic() - started:,.0f} s", flush=True)
    world, env["SHOUDI_DATA_KEY"] = scale_world(
        libpq_url, (options.data_key,) if options.data_key else (env["SHOUDI_DATA_KEY"], *SCALE_DATA_KEYS))
    return world


def report_body(i: int, village_code: str) -> dict:
    """A new one-time token and a new, valid ID number and phone: every report opens a case."""
    from domain.validation import make_id_number

    birth = date(1950, 1, 1) + timedelta(days=i // 1000)
    return {"token": secrets.token_urlsafe(24), "name": ("王大山", "李秀英", "张建国", "刘桂兰")[i % 4],
            "id_number": make_id_number("110105", birth, i % 1000), "phone": f"139{i:08d}",
            "village_code": village_code, "hardships": ["illness", "schooling"],
            "description": "老伴住院花了五万多", "consent": True, "urgent": "no"}


def visit_body(household_id: int) -> dict:
    return {"client_uuid": str(uuid.uuid4()), "household_id": household_id, "method": "home",
            "visited_at": (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat(),
            "answers": {"housing_safe": "yes", "water_safe": "yes", "should_monitor": "no"},
            "income": {"wages": 24000, "business": "3000.50", "business_costs": 1000},
            "household_size": 2, "gps": {"lat": 30.5, "lng": 117.2, "accuracy": 12}}


# --- the run -----------------------------------------------------------------------------------

def measure(options: argparse.Namespace) -> int:
    total, clients, rounds = options.requests, options.clients, options.rounds
    database_url, libpq_url, maintenance_url = pg_urls(options.database)
    version = check_services(maintenance_url)
    # The demo's data is made in the run, so any key will do; generated data is seeded with a
    # known one (a copied database keeps its own: ``prepare`` finds it).
    if options.households or options.from_database:
        data_key = options.data_key or SCALE_DATA_KEYS[0]
    else:
        data_key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    servers: list[Server] = []
    consumer = None
    try:
        with tempfile.TemporaryDirectory(prefix="bench_submit_") as tmp:
            env = project_env(database_url, f"{tmp}/uploads", data_key)
            print(f"PostgreSQL {version}, database {options.database}; Redis {REDIS_URL}; {os.cpu_count()} CPUs, "
                  f"load average {os.getloadavg()[0]:.2f}", flush=True)
            world = prepare(options, env, libpq_url, maintenance_url)
            print(f"data: {world.description}; load average {os.getloadavg()[0]:.2f}", flush=True)
            outbox_mark = last_ids(libpq_url, ("outbox",))["outbox"]
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
                servers.append(start_server("project", "wsgi:app", env, Path(tmp), "/api/v1/counties"))
                servers.append(start_server("bare", "bench_submit:bare_app()", bare_env, Path(tmp), "/health",
                                            ("--pythonpath", str(Path(__file__).resolve().parent))))
                project, bare = servers[0].port, servers[1].port
                token = call_json(project, "POST", "/api/v1/auth/login",
                                  {"login": world.login, "password": world.password})["token"]
                # Outside the demo the published password is changed first; the answer is a new token.
                token = call_json(project, "POST", "/api/v1/auth/password",
                                  {"old_password": world.password, "new_password": "Bench-" + secrets.token_hex(8)},
                                  headers={"Authorization": f"Bearer {token}"})["token"]
                auth = {"Authorization": f"Bearer {token}"}
                page = call_json(project, "GET", "/api/v1/households?per_page=100", headers=auth)
                households = [row["id"] for row in page["items"]]
                if not households:
                    raise Fatal(f"the grid worker {world.login!r} has no households")

                counter = iter(range(10**7))
                endpoints = [
                    Endpoint("bare insert   POST /bare", bare, "/bare", {},
                             lambda i: visit_body(households[i % len(households)])),
                    Endpoint("self-report   POST /api/v1/reports", project, "/api/v1/reports", {},
                             lambda i: report_body(next(counter), world.village_code)),
                    Endpoint("visit submit  POST /api/v1/visits", project, "/api/v1/visits", auth,
                             lambda i: visit_body(households[i % len(households)])),
                ]
                far = time.monotonic() + 600
                for endpoint in endpoints:
                    fire(endpoint, [json.dumps(endpoint.make_body(i)).encode() for i in range(WARMUP)],
                         clients, far, record=False)
                marks = last_ids(libpq_url, COUNTED)
                print(f"warm-up: {WARMUP} requests per endpoint; {len(households)} households in "
                      f"{world.login}'s grid, reports naming village {world.village_code}; measuring {total} "
                      f"requests per endpoint, {clients} clients, {rounds} rounds, gunicorn "
                      f"{' '.join(GUNICORN_ARGS)}", flush=True)

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
                written = rows_since(libpq_url, marks)
                for server in servers:
                    stop_server(server)
                carried, undelivered, drain = wait_for_outbox(libpq_url, outbox_mark, DRAIN_BUDGET)
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
        recreate_database(maintenance_url, options.database, drop_only=True)

    bare_ep, reports, visits = endpoints
    written = {bare_ep: written["bench_bare_submission"], reports: written["form_submission"],
               visits: written["visit"]}
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


def options_from(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench_submit.py", description="Submit throughput against a bare insert.")
    parser.add_argument("requests", nargs="?", type=int, default=2400, help="per endpoint, 1-20000")
    parser.add_argument("clients", nargs="?", type=int, default=4, help="client threads, 1-16")
    parser.add_argument("rounds", nargs="?", type=int, default=8, help="at most the requests")
    data = parser.add_mutually_exclusive_group()
    data.add_argument("--households", type=int, help="seed this many households (flask seed-scale)")
    data.add_argument("--from-database", metavar="NAME", help="copy this database made by flask seed-scale")
    parser.add_argument("--data-key", default=os.environ.get("BENCH_DATA_KEY"),
                        help="the key the data was seeded with (default: bench_scale.py's or bench/load's)")
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="the scratch database, dropped and made again")
    options = parser.parse_args(argv)
    if not (1 <= options.clients <= 16 and 1 <= options.rounds <= options.requests <= 20000):
        parser.error("requests 1-20000, clients 1-16, rounds at most the requests")
    if options.households is not None and options.households < 1:
        parser.error("--households: at least 1")
    for name in filter(None, (options.database, options.from_database)):
        if not DATABASE_NAME.match(name):
            parser.error(f"{name!r}: lower-case letters, digits and _ only")
    if options.database in ("test", "postgres", "template0", "template1", options.from_database):
        parser.error(f"--database {options.database} would be dropped: name a scratch database")
    return options


def main(argv: list[str]) -> int:
    options = options_from(argv[1:])
    try:
        return measure(options)
    except Fatal as exc:
        print(f"bench_submit: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
