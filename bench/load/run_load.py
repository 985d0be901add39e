"""A load test of one county with Locust: farmers, grid workers, village and county staff at once
(the mix is in ``locustfile.py``), against the app as deployed, at each data size asked for.

Run (one command; about 3 minutes per size once the seeds exist):

    .venv/bin/pip install -e '.[load]'
    .venv/bin/python bench/load/run_load.py --sizes 10000,1000000 [--users 40] [--duration 90]

Per size it:
  1. seeds a template database ``h4_seed_<size>`` once (``flask db upgrade``, then
     ``flask seed-demo`` for ``demo`` or ``flask seed-scale --households N``, then ANALYZE;
     kept for later runs with ``--keep-seed``), or takes ``--template SIZE=DATABASE`` (a database
     nobody is connected to, seeded with this test's data key);
  2. copies it into ``h4_load_<size>`` (CREATE DATABASE … TEMPLATE), brings it to the latest
     migration, empties Redis database 8 (the queue and the rate limits);
  3. finds the busiest county, its villages and a sample of its staff, changes those accounts'
     password when it is the demo's published one (production asks for that at the first
     login), and builds the dashboard's roll-ups as the consumer's 10-minute task would have;
  4. starts the job-queue consumer (``flask jobs-worker``, at its lowered CPU priority) and
     gunicorn (``wsgi:app``, sync workers) with SHOUDI_ENV=production, one trusted proxy (each
     simulated farmer has its own address through X-Forwarded-For, so the per-address report and
     lookup limits keep their defaults), Redis for the queue and the limits;
  5. runs ``locust --headless`` for the duration, then waits (at most 3 minutes) until the
     consumer has carried out every side effect of the load;
  6. prints requests per second, p50, p95 and the worst time per endpoint, the errors with their
     reasons, the rows written and the CPU seconds of the app, the consumer and Locust;
  7. stops every process it started and drops the copy (``--keep-db`` keeps it).
After the last size, the p95 of every endpoint is printed side by side.

Needs PostgreSQL (postgres@127.0.0.1:5432) and Redis (127.0.0.1:6379, database 8); exit status
2 when a service or a step fails, 1 when the load had errors, 0 otherwise.
"""
from __future__ import annotations

import argparse
import os
import resource
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from load_processes import (BIN, DATA_KEY, HOST, ROOT, Fatal, Started, analyze, app_env, count_rows,
                            create_database, database_size, drop_database, empty_redis, flask_command,
                            flask_streamed, is_seeded, last_outbox_id, mark_seeded, outbox_waiting,
                            server_version, start, start_consumer, start_gunicorn)
from load_report import Result, print_comparison, print_result, read
from population import DEMO, Population, seed_command, seed_password, size_label

HERE = Path(__file__).resolve().parent
DRAIN_BUDGET = 180  # seconds the consumer gets to catch up after the load
COUNTED = ("form_submission", "case_file", "visit", "photo_upload", "audit_log", "notification")


def seed_template(size: str, template: str | None, scratch: Path) -> str:
    """The seeded database to copy: the one given, or ``h4_seed_<size>``, seeded now if needed."""
    if template:
        return template
    name = f"h4_seed_{size}"
    if is_seeded(name):
        print(f"seed: {name} is already seeded", flush=True)
        return name
    print(f"seed: creating {name} ({size_label(size)}) ...", flush=True)
    started = time.monotonic()
    create_database(name)
    # Seeds refuse production (the demo's password is published): they run as development,
    # with the data key the app will be served with.
    env = app_env(name, scratch, env="development", redis_url=None)
    flask_command(env, "db", "upgrade")
    flask_streamed(env, *seed_command(size))
    analyze(name)
    mark_seeded(name)
    print(f"seed: {name} done in {time.monotonic() - started:.0f} s", flush=True)
    return name


def prepare(database: str, env: dict[str, str], out: Path, seed_password: str) -> Population:
    flask_command(env, "db", "upgrade")  # a template seeded before the latest migration catches up
    prepare_env = {**env, "PYTHONPATH": os.pathsep.join([str(ROOT), str(HERE)])}
    done = subprocess.run([sys.executable, str(HERE / "prepare_population.py"), str(out),
                           "--seed-password", seed_password, "--new-password", "Load-" + secrets.token_hex(8)],
                          cwd=ROOT, env=prepare_env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise Fatal(f"preparing the population of {database} failed:\n{done.stderr[-3000:]}")
    print(done.stdout.strip(), flush=True)
    return Population.read(out)


def cpu_seconds(started: Started) -> float:
    """User and system CPU of a running process and all its children (gunicorn's workers)."""
    try:
        root = psutil.Process(started.process.pid)
        total = 0.0
        for process in [root, *root.children(recursive=True)]:
            times = process.cpu_times()
            total += times.user + times.system
        return total
    except psutil.Error:
        return float("nan")


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU jiffies of the whole machine so far, from /proc/stat."""
    fields = [float(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def run_locust(port: int, args, population_file: Path, prefix: Path, logdir: Path) -> float:
    """Run Locust to the end; returns its CPU seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {**os.environ, "SHOUDI_LOAD_POPULATION": str(population_file)}
    locust = start("locust", [str(BIN / "locust"), "-f", str(HERE / "locustfile.py"), "--headless",
                              "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.duration}s",
                              "--host", f"http://{HOST}:{port}", "--csv", str(prefix), "--only-summary",
                              "--loglevel", "WARNING", "--exit-code-on-error", "0"], env, logdir)
    try:
        code = locust.process.wait(timeout=args.duration + 180)
    except subprocess.TimeoutExpired:
        raise Fatal(f"locust did not end in time:\n{locust.tail()}") from None
    finally:
        locust.stop()
    if code != 0 or not Path(f"{prefix}_stats.csv").exists():
        raise Fatal(f"locust ended with {code}:\n{locust.tail()}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def wait_for_consumer(database: str, after_id: int) -> tuple[int, float]:
    """(side effects of the load still waiting, seconds waited) once the consumer has caught up
    or the budget is spent."""
    started = time.monotonic()
    while True:
        waiting = outbox_waiting(database, after_id)
        if waiting == 0 or time.monotonic() - started > DRAIN_BUDGET:
            return waiting, time.monotonic() - started
        time.sleep(1)


def run_size(size: str, args, scratch: Path) -> Result:
    template = seed_template(size, args.template.get(size), scratch)
    database = f"h4_load_{size}"
    create_database(database, template)
    empty_redis()
    env = app_env(database, scratch, data_key=args.data_key)
    processes: list[Started] = []
    try:
        population = prepare(database, env, scratch / "population.json",
                             args.seed_password or seed_password(size))
        before = count_rows(database, COUNTED)
        outbox_before = last_outbox_id(database)
        print(f"\n== {size_label(size)}: {population.county_name} ({population.county_code}), "
              f"{population.households:,} households in {len(population.villages)} villages; "
              f"database {database} {database_size(database)} ==", flush=True)
        print(f"accounts used: {len(population.grid_workers)} grid workers, {len(population.village_staff)} "
              f"village staff, {len(population.county_staff)} county staff", flush=True)
        consumer = start_consumer(env, scratch)
        processes.append(consumer)
        server, port = start_gunicorn(env, scratch, args.workers)
        processes.append(server)
        busy0, total0 = machine_busy()
        app_cpu0, consumer_cpu0 = cpu_seconds(server), cpu_seconds(consumer)
        print(f"load: {args.users} users (spawn {args.spawn_rate}/s) for {args.duration} s against gunicorn "
              f"{args.workers} sync workers on :{port}; load average {os.getloadavg()[0]:.2f}", flush=True)
        prefix = scratch / f"locust_{size}"
        locust_cpu = run_locust(port, args, scratch / "population.json", prefix, scratch)
        busy1, total1 = machine_busy()
        app_cpu = cpu_seconds(server) - app_cpu0
        server.stop()
        waiting, drained = wait_for_consumer(database, outbox_before)
        consumer_cpu = cpu_seconds(consumer) - consumer_cpu0
        consumer.stop(timeout=60)
        after = count_rows(database, COUNTED)
        result = read(prefix, size_label(size).replace(" households", ""))
        written = ", ".join(f"{after[t] - before[t]} {t}" for t in COUNTED)
        result.notes += [
            f"rows written: {written}",
            f"consumer: caught up {drained:.0f} s after the load" if not waiting
            else f"consumer: {waiting} side effects still waiting {DRAIN_BUDGET} s after the load",
            f"CPU seconds during the load: app (gunicorn) {app_cpu:.0f}, consumer {consumer_cpu:.0f} "
            f"(until caught up), Locust {locust_cpu:.0f}; the machine was "
            f"{100 * (busy1 - busy0) / (total1 - total0):.0f} % busy over {os.cpu_count()} CPUs "
            "(PostgreSQL and other work included)"]
        if waiting:
            result.total.failures += waiting
            result.failures.append((waiting, "consumer", "side effects not carried out in time"))
        for process in processes:
            if "Traceback" in process.tail(20000):
                result.notes.append(f"the {process.name} logged a traceback:\n{process.tail()}")
        return result
    finally:
        for process in reversed(processes):
            process.stop(timeout=60)
        if not args.keep_db:
            drop_database(database)


def parse_args(argv: list[str]):
    parser = argparse.ArgumentParser(description="Locust load test of one county against the app on PostgreSQL")
    parser.add_argument("--sizes", default="10000", help=f"comma-separated: {DEMO} or numbers of households")
    parser.add_argument("--users", type=int, default=40, help="simulated users (default 40)")
    parser.add_argument("--spawn-rate", type=float, default=5, help="users started per second (default 5)")
    parser.add_argument("--duration", type=int, default=90, help="seconds of load per size (default 90)")
    parser.add_argument("--workers", type=int, default=3, choices=(2, 3, 4), help="gunicorn workers (default 3)")
    parser.add_argument("--template", action="append", default=[], metavar="SIZE=DATABASE",
                        help="use this seeded database for SIZE instead of seeding h4_seed_SIZE")
    parser.add_argument("--data-key", default=DATA_KEY, help="the data key a --template was seeded with")
    parser.add_argument("--seed-password", help="the seeded staff accounts' password (default: the seed's own)")
    parser.add_argument("--keep-seed", action="store_true", help="keep h4_seed_<size> for the next run")
    parser.add_argument("--keep-db", action="store_true", help="keep the run's copy h4_load_<size>")
    parser.add_argument("--seed-only", action="store_true", help="only seed h4_seed_<size> (kept), no load")
    args = parser.parse_args(argv)
    args.sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    for size in args.sizes:
        if size != DEMO and not size.isdigit():
            parser.error(f"a size is {DEMO} or a number of households, not {size!r}")
    args.template = dict(item.split("=", 1) for item in args.template)
    if not (1 <= args.users <= 500 and 10 <= args.duration <= 1800):
        parser.error("1-500 users, 10-1800 seconds")
    return args


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else ""


def code_version() -> str:
    """The commit served, and whether the checkout holds changes not committed (read-only git):
    the app is served from this checkout as it is."""
    head = _git("rev-parse", "--short", "HEAD") or "unknown"
    changed = len(_git("status", "--porcelain", "--untracked-files=no").splitlines())
    return f"commit {head}" + (f" with {changed} files changed and not committed" if changed else "")


def _interrupted(signum, frame):
    raise KeyboardInterrupt  # so that every process started is stopped and the copy dropped


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupted)
    print(f"{code_version()}; PostgreSQL {server_version()}; Redis database 8; {os.cpu_count()} CPUs; "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)
    results: list[Result] = []
    seeded: list[str] = []
    try:
        with tempfile.TemporaryDirectory(prefix="h4_load_") as tmp:
            for size in args.sizes:
                scratch = Path(tmp) / size
                scratch.mkdir()
                if args.seed_only:
                    seed_template(size, None, scratch)
                    continue
                if size not in args.template:
                    seeded.append(f"h4_seed_{size}")
                result = run_size(size, args, scratch)
                print_result(result)
                results.append(result)
    except Fatal as exc:
        print(f"run_load: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("run_load: interrupted; every process started was stopped", file=sys.stderr)
        return 130
    finally:
        if not args.keep_seed:
            for name in seeded:
                drop_database(name)
    print_comparison(results)
    return 1 if any(r.total.failures for r in results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
