"""The office and field pages at 10,000, 100,000 and 1,000,000 households on PostgreSQL: p50 and
p95 of each page for village, township and county staff and a grid worker, against the targets
(p95 ≤ 50 ms for lists, searches and the household page, ≤ 100 ms for the dashboard) and, at a
million, against twice the 10,000 figure of the same run.

Run: .venv/bin/python bench/bench_scale.py [--sizes 10k,100k,1m] [--requests 20]
         [--pg postgresql+psycopg://postgres@127.0.0.1:5432] [--db-prefix bench_scale]

Each size has a database of its own (``<prefix>_10k``, ``<prefix>_100k``, ``<prefix>_1m``), created
when missing, brought to the latest schema by the project's migrations and seeded once by
``flask seed-scale``'s generator (``services.demo.scale``; a million households take some
minutes); a database already seeded with that many households is used as it is. The dashboard's
roll-ups are refreshed before timing when the application has them
(``services.reporting.rollups``); a database seeded by the run is VACUUM ANALYZEd first, as
autovacuum would soon do in use, and the application's start-up objects are frozen
(``gc.freeze``) as the production entry point ``wsgi.py`` does. Staff log in the real way — the login page, the API's token
login — and each page is requested once to warm up, then ``--requests`` times through the Flask
test client (the whole request: routing, queries, decryption, templates). Answers other than 200
are reported as errors. The time of the seed and the size of each database are printed as well.
"""
from __future__ import annotations

import argparse
import base64
import gc
import importlib
import sys
import tempfile
import time
from datetime import date

from flask_migrate import upgrade
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

import scale_support as support
from core import clock
from core.extensions import db
from models import Household
from services.demo import scale
from shoudi import create_app

SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
# The seeded databases are kept between runs, so their key is fixed (the data is fictitious).
DATA_KEY = base64.urlsafe_b64encode(b"shoudi-bench-scale-data-key-2026").decode()
ROLES = {"village": "s-village-1-1-1", "township": "s-township-1-1", "county": "s-county-1",
         "grid": "s-grid-1-1-1-1"}
PROGRESS_EVERY = 50_000


def database_url(base: str, name: str) -> str:
    """The size's database under the server of ``base``, created when missing."""
    admin = create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def make_app(url: str, tmp: str):
    return create_app({
        "SHOUDI_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "SHOUDI_DATA_KEY": DATA_KEY,
        "SECRET_KEY": "bench-scale-secret-key-long-enough-0000", "SHOUDI_UPLOAD_FOLDER": f"{tmp}/uploads",
        "INSTANCE_PATH": f"{tmp}/instance", "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
        "SHOUDI_LOG_LEVEL": "WARNING"})


def seed(households: int) -> tuple[float, float] | None:
    """Seed an empty database: (wall seconds, this process's CPU seconds); None when it already
    holds this many households. The CPU time is the generator's own (the database server works
    in its own processes): on a machine shared with other work the wall time says more about the
    neighbours."""
    present = db.session.execute(select(func.count(Household.id))).scalar_one()
    if present == households:
        print(f"  already seeded with {present:,} households", flush=True)
        return None
    if present:
        raise SystemExit(f"bench_scale: the database holds {present:,} households, not {households:,}; drop it")
    started, cpu = time.perf_counter(), time.process_time()
    shown = 0
    for progress in scale.seed_scale(households):
        db.session.commit()
        if progress.households - shown >= PROGRESS_EVERY or progress.finished:
            shown = progress.households
            elapsed = time.perf_counter() - started
            print(f"  {progress.households:,} households, {progress.members:,} members, {progress.cases:,} cases, "
                  f"{progress.events:,} events, {progress.visits:,} visits: {elapsed:,.0f} s", flush=True)
    return time.perf_counter() - started, time.process_time() - cpu


def vacuum(base: str, name: str) -> None:
    """VACUUM ANALYZE a database just seeded, as autovacuum would soon do on a database in use:
    the visibility map lets PostgreSQL answer from an index alone (index-only scans), and the
    planner sees the new rows and the expression indexes' statistics."""
    started = time.perf_counter()
    engine = create_engine(make_url(base).set(database=name), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("VACUUM ANALYZE"))
    finally:
        engine.dispose()
    print(f"  vacuumed and analysed in {time.perf_counter() - started:,.0f} s", flush=True)


def refresh_rollups(today: date) -> str:
    """The dashboard's roll-ups refreshed county by county, when the application has them."""
    try:
        rollups = importlib.import_module("services.reporting.rollups")
    except ModuleNotFoundError:
        return "no roll-ups in this version (skipped)"
    started = time.perf_counter()
    each = getattr(rollups, "refresh_each", None)
    if each is not None:
        for _ in each(today):
            db.session.commit()
        db.session.commit()  # what follows the last county (its statistics), as the queue's task does
    else:
        rollups.refresh(today)
        db.session.commit()
    return f"roll-ups refreshed in {time.perf_counter() - started:,.1f} s"


def measure(app, requests: int) -> list[support.Timing]:
    timings = []
    with app.app_context():
        terms = {role: support.terms_for(username) for role, username in ROLES.items()}
    gc.freeze()  # as the production entry point (wsgi.py) does once the application is built
    for role, username in ROLES.items():
        client = app.test_client()
        support.log_in(client, username, scale.DEFAULT_PASSWORD)
        if role in support.DESK:
            pages = support.desk_pages(terms[role])
        else:
            pages = support.field_pages(terms[role], support.api_token(app.test_client(), username,
                                                                       scale.DEFAULT_PASSWORD))
        for page in pages:
            timings.append(support.time_page(client, role, page, requests))
    return timings


def run_size(label: str, base: str, prefix: str, requests: int) -> dict:
    households = SIZES[label]
    name = f"{prefix}_{label}"
    print(f"{households:,} households ({name}):", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench_scale_") as tmp:
        app = make_app(database_url(base, name), tmp)
        with app.app_context():
            upgrade()
            seconds = seed(households)
            if seconds is not None:
                vacuum(base, name)
            print(f"  {refresh_rollups(clock.today())}", flush=True)
            size = db.session.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
            db.session.remove()
        timings = measure(app, requests)
        with app.app_context():
            db.engine.dispose()
    return {"label": label, "households": households, "seconds": seconds, "bytes": size, "timings": timings}


def report(results: list[dict], requests: int) -> None:
    print("\nSeeds and databases (PostgreSQL):")
    for r in results:
        took = (f"seeded in {r['seconds'][0] / 60:,.1f} min ({r['seconds'][1] / 60:,.1f} min of the generator's CPU)"
                if r["seconds"] is not None else "seeded before this run")
        print(f"  {r['households']:>9,} households: {took}, database {r['bytes'] / 2**30:,.2f} GB")
    base = {(t.role, t.page): t for t in results[0]["timings"]} if results[0]["households"] == 10_000 else {}
    print(f"\nPages, {requests} requests each after one to warm up (ms; growth: p95 against 10,000 households):")
    print(f"{'households':>10} {'role':<9} {'page':<22} {'p50':>7} {'p95':>7} {'growth':>7}  verdict")
    for r in results:
        for t in r["timings"]:
            first = base.get((t.role, t.page))
            growth = f"x{t.p95 / first.p95:.1f}" if first is not None and r["households"] > 10_000 else ""
            judged = support.verdict(t, first if r["households"] >= 1_000_000 else None,
                                     largest=r["households"] >= 1_000_000)
            print(f"{r['households']:>10,} {t.role:<9} {t.page:<22} {t.p50:>7.1f} {t.p95:>7.1f} {growth:>7}  {judged}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,100k,1m", help="comma-separated, of 10k, 100k, 1m")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432",
                        help="the PostgreSQL server (no database name)")
    parser.add_argument("--db-prefix", default="bench_scale")
    args = parser.parse_args(argv[1:])
    labels = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in labels if s not in SIZES]
    if unknown:
        parser.error(f"unknown sizes: {', '.join(unknown)} (choose from {', '.join(SIZES)})")
    results = [run_size(label, args.pg, args.db_prefix, args.requests)
               for label in sorted(set(labels), key=SIZES.get)]
    report(results, args.requests)
    failed = [t for r in results for t in r["timings"] if t.errors]
    for t in failed:
        print(f"bench_scale: {t.role} {t.page}: answers {', '.join(t.errors)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
