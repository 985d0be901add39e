"""Dashboard build time on a county with many cases, against baselines from the same run.

Run: .venv/bin/python bench/bench_dashboard.py [cases] [rounds]   (defaults: 5000 cases, 5 rounds)
Seeds SQLite with a county (2 townships, 4 villages, 12 grids) and the given number of cases in
every state with their events over the last year, then prints the median time of:
  - a plain ``SELECT count(*)`` over the county's cases (the floor any page pays),
  - the whole dashboard (every figure, table and SVG chart) for the county,
  - loading every case into Python and counting there (what the aggregate queries avoid).
"""
from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, insert, select

from bench_support import scratch_app
from core.extensions import db
from domain.enums import CaseSource, MonitoringCategory, RegionLevel, RiskType, Role
from domain.workflow import Action, CaseState, MONITORED_STATES
from models import Case, CaseEvent
from portal.office.dashboard import chart
from services.accounts import scoping, users
from services.regions import tree
from services.reporting import dashboard

TODAY = date(2026, 11, 20)


def seed(n_cases: int) -> None:
    county = tree.create_region("341599000000", "示范县", RegionLevel.COUNTY, None)
    grids = []
    for t in range(2):
        township = tree.create_region(f"3415991{t}1000", f"乡镇{t}", RegionLevel.TOWNSHIP, county)
        for v in range(2):
            village = tree.create_region(f"3415991{t}100{v + 1}", f"村{t}{v}", RegionLevel.VILLAGE, township)
            grids += [tree.create_region(f"G{t}{v}{g}", f"网格{t}{v}{g}", RegionLevel.GRID, village)
                      for g in range(3)]
    users.create_user("county", "县级", "bench-password-1", Role.COUNTY_STAFF.value, county.code)
    db.session.flush()
    rng = random.Random(7)
    states = [s for s in CaseState]
    rows = []
    for i in range(n_cases):
        state = rng.choice(states)
        clue = TODAY - timedelta(days=rng.randrange(365))
        monitored = state in MONITORED_STATES or state is CaseState.ELIMINATED
        rows.append({
            "id": i + 1, "source": rng.choice(CaseSource.codes()), "state": state.value,
            "urgent": rng.random() < 0.05, "region_id": rng.choice(grids).id, "clue_date": clue,
            "risk_types": rng.sample(RiskType.codes(), rng.randint(1, 3)),
            "due_date": TODAY + timedelta(days=rng.randrange(-20, 40)) if not state.is_terminal else None,
            "category": rng.choice(MonitoringCategory.codes()) if monitored else None,
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


def median_ms(fn, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        db.session.expire_all()
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(n_cases: int = 5000, rounds: int = 5) -> None:
    with scratch_app() as app:
        with app.app_context():
            seed(n_cases)
            county = users.find_by_login("county")
            events = db.session.execute(select(func.count(CaseEvent.id))).scalar_one()
            print(f"{n_cases} cases, {events} events, median of {rounds} rounds")

            def plain_count():
                query = scoping.cases(county).with_only_columns(func.count(Case.id)).order_by(None)
                db.session.execute(query).scalar_one()

            def whole_dashboard():
                board = dashboard.build(county, TODAY)
                [chart(t) for t in board.tables]

            def load_and_count():
                states: dict[str, int] = {}
                for case in db.session.execute(scoping.cases(county)).scalars():
                    states[case.state] = states.get(case.state, 0) + 1

            baseline = median_ms(plain_count, rounds)
            board = median_ms(whole_dashboard, rounds)
            naive = median_ms(load_and_count, rounds)
            db.session.remove()

    print(f"plain count query        : {baseline:8.1f} ms (baseline)")
    print(f"whole dashboard          : {board:8.1f} ms ({board / baseline:.1f}x the baseline)")
    print(f"load cases, count states : {naive:8.1f} ms (one figure only, for comparison)")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
