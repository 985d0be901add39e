"""The dashboard read from its roll-ups against the same figures counted live, in the same run,
and the refresh that builds the roll-ups.

Run: .venv/bin/python bench/bench_dashboard.py [--cases 5000] [--rounds 20]
       SQLite: a county (2 townships, 4 villages, 12 grids) with ``--cases`` cases in every state
       and their events over the last year.
     .venv/bin/python bench/bench_dashboard.py --households 1000000 --database-url URL [--rounds 20]
       PostgreSQL: ``flask seed-scale``'s data (``services.demo.scale``: one county; from 200,000
       households a province of counties of 100,000) in the database at URL: seeded when it holds
       no tables (a million households take some minutes), used as it is when it already holds
       that many households.

Prints, for county staff (and township, village and, when there is one, province staff):
  - the median and p95 of the whole dashboard (every figure, table and SVG chart) read from the
    roll-ups, and counted live (what every view cost before the roll-ups);
  - a full refresh as the queue runs it (county by county, committed after each: the whole
    run and the longest county's transaction), one refresh of everything in a single
    transaction for comparison, and how many rows the roll-ups hold.
Both readings are checked to agree before anything is timed.
"""
from __future__ import annotations

import argparse
import base64
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, insert, inspect, select

from core.extensions import db
from domain.enums import CaseSource, MonitoringCategory, RegionLevel, RiskType, Role
from domain.workflow import MONITORED_STATES, Action, CaseState
from models import Case, CaseEvent, Household
from models.rollup import DashboardRisk, DashboardRollup, DashboardTrend
from portal.office.dashboard import chart
from services.accounts import users
from services.demo import scale
from services.regions import tree
from services.reporting import dashboard, rollups
from shoudi import create_app

TODAY = date(2026, 11, 20)
# The seeded PostgreSQL databases are kept between runs, so their key is fixed (the data is made up).
DATA_KEY = base64.urlsafe_b64encode(b"shoudi-bench-dashboard-key-2026!").decode()
SCALE_LOGINS = [("county", "s-county-1"), ("township", "s-township-1-1"), ("village", "s-village-1-1-1"),
                ("province", "s-province")]


def seed_synthetic(n_cases: int) -> None:
    """One county of 12 grids, ``n_cases`` cases in random states with their events."""
    county = tree.create_region("341599000000", "示范县", RegionLevel.COUNTY, None)
    grids = []
    for t in range(2):
        township = tree.create_region(f"3415991{t}1000", f"乡镇{t}", RegionLevel.TOWNSHIP, county)
        for v in range(2):
            village = tree.create_region(f"3415991{t}100{v + 1}", f"村{t}{v}", RegionLevel.VILLAGE, township)
            grids += [tree.create_region(f"G{t}{v}{g}", f"网格{t}{v}{g}", RegionLevel.GRID, village)
                      for g in range(3)]
    users.create_user("county", "县级", "bench-password-1", Role.COUNTY_STAFF.value, county.code)
    users.create_user("township", "乡镇", "bench-password-1", Role.TOWNSHIP_STAFF.value, "341599101000")
    users.create_user("village", "村级", "bench-password-1", Role.VILLAGE_STAFF.value, "341599101001")
    db.session.flush()
    rng = random.Random(7)
    rows = []
    for i in range(n_cases):
        state = rng.choice(list(CaseState))
        clue = TODAY - timedelta(days=rng.randrange(365))
        monitored = state in MONITORED_STATES or state is CaseState.ELIMINATED
        grid = rng.choice(grids)
        rows.append({
            "id": i + 1, "source": rng.choice(CaseSource.codes()), "state": state.value,
            "urgent": rng.random() < 0.05, "region_id": grid.id, "region_path": grid.path, "clue_date": clue,
            "risk_types": rng.sample(RiskType.codes(), rng.randint(1, 3)),
            "due_date": TODAY + timedelta(days=rng.randrange(-20, 40)) if not state.is_terminal else None,
            "category": rng.choice(MonitoringCategory.codes()) if monitored else None,
            "identified_on": clue + timedelta(days=12) if monitored else None,
            "created_at": datetime.now(timezone.utc), "updated_at": datetime.now(timezone.utc)})
    db.session.execute(insert(Case), rows)
    events = []
    for row in rows:
        at = datetime.combine(row["clue_date"], datetime.min.time(), timezone.utc) + timedelta(hours=2)
        events.append({"case_id": row["id"], "action": None, "from_state": None, "to_state": "reported",
                       "at": at, "signed": False, "data": {}})
        if row["category"]:
            events.append({"case_id": row["id"], "action": Action.COUNTY_CONFIRM.value,
                           "from_state": "county_review", "to_state": "monitored",
                           "at": at + timedelta(days=12), "signed": True, "data": {}})
        if row["state"] == CaseState.ELIMINATED.value:
            events.append({"case_id": row["id"], "action": Action.ANNOUNCE.value,
                           "from_state": "elim_approved", "to_state": "eliminated",
                           "at": at + timedelta(days=200), "signed": False, "data": {}})
    db.session.execute(insert(CaseEvent), events)
    db.session.commit()


def seed_scale(households: int) -> None:
    """``flask seed-scale``'s data, unless the database already holds it."""
    if not inspect(db.engine).has_table("household"):
        db.create_all()
    held = db.session.execute(select(func.count(Household.id))).scalar_one()
    if held == households:
        print(f"using the {held:,} households already in the database", flush=True)
        return
    if held:
        sys.exit(f"the database holds {held:,} households, not {households:,}: use another database")
    started = time.perf_counter()
    for progress in scale.seed_scale(households, today=TODAY):
        db.session.commit()
        if progress.households % 100_000 == 0 or progress.finished:
            print(f"  seeded {progress.households:,} households, {progress.cases:,} cases, "
                  f"{progress.events:,} events ({time.perf_counter() - started:,.0f} s)", flush=True)


def timed(fn, rounds: int) -> tuple[float, float]:
    """Median and p95 (nearest rank) in ms of ``rounds`` calls, each after the session forgot
    what it had loaded (as a new request would)."""
    times = []
    for _ in range(rounds):
        db.session.expire_all()
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, round(0.95 * len(times)) - 1)]


def refresh_county_by_county() -> tuple[float, float, int]:
    """The queue's refresh: seconds in all, the longest county's ms (its work and its commit)."""
    started = last = time.perf_counter()
    longest, counties = 0.0, 0
    for _ in rollups.refresh_each(TODAY):
        db.session.commit()
        now = time.perf_counter()
        longest, last, counties = max(longest, now - last), now, counties + 1
    db.session.commit()
    return time.perf_counter() - started, longest * 1000, counties


def board(user, live: bool):
    built = dashboard.build(user, TODAY, live=live)
    [chart(t) for t in built.tables]
    return built


def run(rounds: int, logins: list[tuple[str, str]]) -> None:
    cases = db.session.execute(select(func.count(Case.id))).scalar_one()
    events = db.session.execute(select(func.count(CaseEvent.id))).scalar_one()
    print(f"{cases:,} cases, {events:,} events; dashboards: median / p95 of {rounds} rounds", flush=True)
    seconds, longest, counties = refresh_county_by_county()
    rows = {m.__tablename__: db.session.execute(select(func.count(m.id))).scalar_one()
            for m in (DashboardRollup, DashboardRisk, DashboardTrend)}
    started = time.perf_counter()
    rollups.refresh(TODAY)
    db.session.commit()
    whole = time.perf_counter() - started
    print(f"refresh, county by county : {seconds * 1000:9.0f} ms for {counties} counties "
          f"(longest county {longest:.0f} ms)")
    print(f"refresh, one transaction  : {whole * 1000:9.0f} ms")
    print("roll-up rows              : " + ", ".join(f"{name} {n:,}" for name, n in rows.items()))
    for role, login in logins:
        user = users.find_by_login(login)
        if user is None:
            continue
        rolled, live = board(user, False), board(user, True)
        assert (rolled.totals, [t.rows for t in rolled.tables]) == (live.totals, [t.rows for t in live.tables]), role
        assert rolled.freshness.startswith("数据更新于"), rolled.freshness
        read = timed(lambda: board(user, False), rounds)
        counted = timed(lambda: board(user, True), rounds)
        print(f"{role:9} from roll-ups : {read[0]:8.1f} / {read[1]:8.1f} ms   "
              f"counted live: {counted[0]:8.1f} / {counted[1]:8.1f} ms   ({counted[0] / read[0]:.0f}x)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=5000, help="SQLite: cases in the synthetic county")
    parser.add_argument("--households", type=int, help="PostgreSQL: households of flask seed-scale's data")
    parser.add_argument("--database-url", help="PostgreSQL database (with --households)")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    if bool(args.households) != bool(args.database_url):
        parser.error("--households and --database-url go together")
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({
            "SHOUDI_ENV": "testing", "SQLALCHEMY_DATABASE_URI": args.database_url or f"sqlite:///{tmp}/bench.db",
            "SHOUDI_DATA_KEY": DATA_KEY, "SHOUDI_UPLOAD_FOLDER": f"{tmp}/uploads",
            "SHOUDI_PASSWORD_HASH": "pbkdf2:sha256:1000", "SHOUDI_LOG_LEVEL": "WARNING"})
        with app.app_context():
            if args.households:
                seed_scale(args.households)
                logins = SCALE_LOGINS
            else:
                db.create_all()
                seed_synthetic(args.cases)
                logins = [("county", "county"), ("township", "township"), ("village", "village")]
            run(args.rounds, logins)
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
