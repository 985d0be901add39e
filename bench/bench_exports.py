"""附件1 到户排查表 of a whole county: time and peak memory of the export at 10,000 households and
at the county's full size (100,000 by default), and their ratio.

Run: .venv/bin/python bench/bench_exports.py [--households 100000] [--database-url URL]
(a quick check: ``--households 2000``; the full run builds both databases in a few minutes)

For each size, one process builds the data and exits; a fresh process then runs the export, so
its peak RSS (``resource.getrusage``) is the export's own plus the application's, not the
building's. The RSS of that process just before the export (the app loaded, the campaign read)
is printed beside it: the difference is what the export itself holds.

The data: one county of 20 townships, 300 villages and 600 grids (示范县), the given number of
households (sizes 1–5, 3 on average) on the grids, and one visit with the 附件1 answers, the
per-capita income and the method (1 in 10 remote) for each household inside the campaign's
window; the columns the export reads are written by Core bulk INSERTs with the project's own
encryption (``EncryptedText``/``EncryptedDecimal`` encrypt each value as they bind it). Members
carry no ID number or phone: the export never reads them.

The export is what the CAMPAIGN_EXPORT job runs for form1 (``form1.write_form1``), without
storing the file. The database is a SQLite file in a temporary folder, or the PostgreSQL
database named by ``--database-url`` (it must hold no tables: they are created, and dropped).
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

SMALL = 10_000
TOWNSHIPS, VILLAGES_EACH, GRIDS_EACH = 20, 15, 2
SIZES = (2, 3, 4, 3, 1, 5, 3, 2, 4, 3)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ("建国", "秀英", "桂兰", "大山", "志强", "丽华", "春梅", "文军", "海燕", "长青")
CHUNK = 5_000
YEAR = 2026
FILLED = date(YEAR, 6, 10)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def make_app(url: str, key: str, tmp: str):
    from shoudi import create_app
    return create_app({
        "SHOUDI_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "SHOUDI_DATA_KEY": key,
        "SHOUDI_UPLOAD_FOLDER": f"{tmp}/uploads", "SHOUDI_PASSWORD_HASH": "pbkdf2:sha256:1000",
        "SHOUDI_LOG_LEVEL": "WARNING"})


# --- building the county (its own process) ------------------------------------------------------

def build(url: str, key: str, tmp: str, households: int, seed: int) -> None:
    from sqlalchemy import inspect, insert, text

    from core.extensions import db
    from domain.enums import HouseholdAttribute, RegionLevel
    from domain.screening import QUESTIONS
    from models import Household, Member, ScreeningRound, Visit
    from services.accounts import users
    from services.regions import tree

    rng = random.Random(seed)
    app = make_app(url, key, tmp)
    with app.app_context():
        if inspect(db.engine).get_table_names():
            raise SystemExit(f"bench_exports: the database {db.engine.url.render_as_string()} is not empty")
        db.create_all()
        county = tree.create_region("341599000000", "示范县", RegionLevel.COUNTY, None)
        grids = []
        for t in range(TOWNSHIPS):
            township = tree.create_region(f"3415991{t:02d}000", f"乡镇{t:02d}", RegionLevel.TOWNSHIP, county)
            for v in range(VILLAGES_EACH):
                village = tree.create_region(f"3415991{t:02d}{v + 1:03d}", f"村{t:02d}{v:02d}", RegionLevel.VILLAGE,
                                             township)
                for g in range(GRIDS_EACH):
                    grids.append(tree.create_region(f"G{t:02d}{v:02d}{g}", f"{village.name}{g + 1}组",
                                                    RegionLevel.GRID, village).id)
        users.create_user("bench", "基准", "Exports-2026-county", "county_staff", county.code, None)
        worker = users.create_user("bench_grid", "网格员", "Exports-2026-grid", "grid_worker",
                                   "G00000", None)
        db.session.add(ScreeningRound(county_id=county.id, name=f"{YEAR}年集中排查", year=YEAR,
                                      starts_on=date(YEAR, 5, 1), ends_on=date(YEAR, 6, 10),
                                      monitoring_line=Decimal("7000"), income_start=date(YEAR - 1, 5, 1),
                                      income_end=date(YEAR, 4, 30), area=[], phases=[]))
        db.session.commit()
        yes_no = [q.key for q in QUESTIONS if q.kind == "yes_no"]
        started = time.perf_counter()
        now = datetime.now(timezone.utc)
        rows_h, rows_m, rows_v = [], [], []
        person = 0
        for household_id in range(1, households + 1):
            size = SIZES[household_id % len(SIZES)]
            draw = rng.random()
            attribute = (HouseholdAttribute.LIFTED if draw < 0.25 else
                         HouseholdAttribute.MONITORED if draw < 0.29 else HouseholdAttribute.ORDINARY)
            rows_h.append({"id": household_id, "region_id": grids[household_id % len(grids)],
                           "attribute": attribute.value, "risk_types": [], "key_groups": [], "address": "",
                           "created_at": now, "updated_at": now})
            for k in range(size):
                rows_m.append({"household_id": household_id, "name": SURNAMES[person % 20] + GIVEN[person % 10],
                               "is_head": k == 0, "relation": "head" if k == 0 else "child", "health": "healthy",
                               "labour_capacity": "ordinary", "status": "present"})
                person += 1
            answers = {key: "yes" if rng.random() < 0.8 else "no" for key in yes_no}
            if rng.random() < 0.2:
                answers["difficulties_and_requests"] = "缺少启动资金，希望参加技能培训"
            at = datetime(YEAR, 5, 11, 1, 0, tzinfo=timezone.utc) + timedelta(minutes=household_id % 20_000)
            rows_v.append({"client_uuid": str(uuid.uuid4()), "payload_sha256": "0" * 64, "household_id": household_id,
                           "worker_id": worker.id, "method": "phone" if household_id % 10 == 0 else "home",
                           "visited_at": at, "answers": json.dumps(answers, ensure_ascii=False),
                           "should_monitor": answers["should_monitor"] == "yes", "household_size": size,
                           "per_capita_income": Decimal(rng.randrange(3000, 30000)), "created_at": at})
            if len(rows_h) == CHUNK or household_id == households:
                db.session.execute(insert(Household.__table__), rows_h)
                db.session.execute(insert(Member.__table__), rows_m)
                db.session.execute(insert(Visit.__table__), rows_v)
                db.session.commit()
                rows_h, rows_m, rows_v = [], [], []
                print(f"\r  built {household_id:,} households, {person:,} people "
                      f"({time.perf_counter() - started:.0f} s)", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
        db.session.execute(text("ANALYZE"))  # a county's database in use has its statistics
        db.session.commit()
        db.engine.dispose()


# --- the export (a fresh process) ---------------------------------------------------------------

def export(url: str, key: str, tmp: str) -> dict:
    from sqlalchemy import select

    from core.extensions import db
    from models import Region, ScreeningRound, User
    from services.campaigns import form1

    app = make_app(url, key, tmp)
    with app.app_context():
        actor = db.session.execute(select(User).where(User.username == "bench")).scalar_one()
        campaign = db.session.execute(select(ScreeningRound)).scalar_one()
        county = db.session.get(Region, campaign.county_id)
        before = current_rss_mb()
        peak_before = peak_rss_mb()

        def progress(done: int, total: int) -> None:
            if done % 20_000 < form1.BATCH or done == total:
                print(f"\r  export: {done:,} / {total:,}", end="", file=sys.stderr, flush=True)

        started = time.perf_counter()
        data, rows = form1.write_form1(actor, campaign, county, FILLED, progress)
        seconds = time.perf_counter() - started
        print(file=sys.stderr)
        db.engine.dispose()
    return {"rows": rows, "seconds": seconds, "bytes": len(data), "rss_before": before,
            "peak_before": peak_before, "peak": peak_rss_mb()}


# --- driving both ---------------------------------------------------------------------------------

def _child(*args: str, env: dict) -> str:
    done = subprocess.run([sys.executable, os.path.abspath(__file__), *args], env=env, check=True,
                          stdout=subprocess.PIPE, text=True)
    return done.stdout


def measure(households: int, database_url: str | None, seed: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench_exports_") as tmp:
        url = database_url or f"sqlite:///{tmp}/bench.db"
        env = {**os.environ, "BENCH_DATA_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode()}
        print(f"{households:,} households: building ...", flush=True)
        started = time.perf_counter()
        _child("--child", "build", "--households", str(households), "--url", url, "--tmp", tmp,
               "--seed", str(seed), env=env)
        built = time.perf_counter() - started
        print(f"  built in {built:.0f} s; exporting in a fresh process ...", flush=True)
        try:
            result = json.loads(_child("--child", "export", "--url", url, "--tmp", tmp, env=env))
        finally:
            if database_url:
                _child("--child", "drop", "--url", url, "--tmp", tmp, env=env)
        result["households"] = households
        return result


def drop(url: str, key: str, tmp: str) -> None:
    from core.extensions import db
    app = make_app(url, key, tmp)
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--child", choices=("build", "export", "drop"))
    parser.add_argument("--url")
    parser.add_argument("--tmp")
    args = parser.parse_args(argv[1:])
    if args.child:
        key = os.environ["BENCH_DATA_KEY"]
        if args.child == "build":
            build(args.url, key, args.tmp, args.households, args.seed)
        elif args.child == "export":
            print(json.dumps(export(args.url, key, args.tmp)))
        else:
            drop(args.url, key, args.tmp)
        return 0
    sizes = sorted({min(SMALL, args.households), args.households})
    results = [measure(n, args.database_url, args.seed) for n in sizes]
    engine = "PostgreSQL" if args.database_url else "SQLite"
    print(f"\n附件1 到户排查表 of the county ({engine}), form1.write_form1, streamed (openpyxl write-only):")
    print(f"{'households':>11} {'rows':>8} {'time s':>8} {'rows/s':>8} {'file MB':>8} "
          f"{'RSS before MB':>14} {'peak RSS MB':>12} {'export adds MB':>15}")
    for r in results:
        print(f"{r['households']:>11,} {r['rows']:>8,} {r['seconds']:>8.1f} {r['rows'] / r['seconds']:>8,.0f} "
              f"{r['bytes'] / 2**20:>8.1f} {r['rss_before']:>14.0f} {r['peak']:>12.0f} "
              f"{r['peak'] - r['rss_before']:>15.0f}")
    if len(results) == 2:
        small, large = results
        print(f"ratio {large['households'] // small['households']}x households: time x"
              f"{large['seconds'] / small['seconds']:.1f}, peak RSS x{large['peak'] / small['peak']:.2f}, "
              f"memory the export adds x{(large['peak'] - large['rss_before']) / max(1, small['peak'] - small['rss_before']):.2f}")
    for r in results:
        if r["rows"] != r["households"]:
            print(f"bench_exports: {r['rows']} rows written for {r['households']} households", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
