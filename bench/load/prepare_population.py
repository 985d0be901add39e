"""Find a load run's population in its database, prepare its accounts and build the dashboard's
roll-ups; run by
``run_load.py`` in the app's environment, with the project on PYTHONPATH:

    python bench/load/prepare_population.py OUT.json --seed-password P --new-password Q

The app runs as production does, where the demo's published password must be changed at its
first use: with that password, each sampled account changes it once, through the same service
as the password page, before the load starts — as its owner would have done on their first day.
(seed-scale's accounts share a password of their own that logs in straight away.)
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from core import clock
from core.extensions import db
from domain.enums import RegionLevel, Role
from models import Household, Region, User
from population import DEMO_PASSWORD, Population
from services.accounts import users
from services.reporting import rollups
from shoudi import create_app

# How many accounts of each role the simulated people log in as (fewer when the county has
# fewer): several simulated users may share an account, as colleagues share an office PC.
SAMPLE = {Role.GRID_WORKER: 24, Role.VILLAGE_STAFF: 12, Role.COUNTY_STAFF: 3}
SAMPLE_SEED = 2026  # the same accounts on every run of a database


def _busiest_county() -> Region:
    """The county with the most households (households sit on villages and grids below it)."""
    county = Region.__table__.alias("county")
    counts = (select(county.c.id, func.count(Household.id).label("n"))
              .select_from(county)
              .join(Region, Region.path.startswith(county.c.path))
              .join(Household, Household.region_id == Region.id)
              .where(county.c.level == RegionLevel.COUNTY.value)
              .group_by(county.c.id).order_by(func.count(Household.id).desc()).limit(1))
    row = db.session.execute(counts).first()
    if row is None:
        raise LookupError("the database holds no county with households")
    return db.session.get(Region, row.id)


def _households_in(county: Region) -> int:
    return db.session.execute(select(func.count(Household.id)).join(Region, Household.region_id == Region.id)
                              .where(Region.path.startswith(county.path))).scalar_one()


def _accounts(county: Region, role: Role, count: int, rng: random.Random) -> list[str]:
    names = db.session.execute(
        select(User.username).join(Region, User.region_id == Region.id)
        .where(User.role == role.value, User.active.is_(True), Region.path.startswith(county.path))
        .order_by(User.username)).scalars().all()
    return sorted(rng.sample(names, min(count, len(names))))


def discover(app: Flask, password: str) -> Population:
    """The busiest county of the database, its villages and a fixed sample of its accounts."""
    rng = random.Random(SAMPLE_SEED)
    with app.app_context():
        county = _busiest_county()
        villages = db.session.execute(
            select(Region.code).where(Region.level == RegionLevel.VILLAGE.value, Region.active.is_(True),
                                      Region.path.startswith(county.path)).order_by(Region.code)).scalars().all()
        population = Population(
            county_code=county.code, county_name=county.name, households=_households_in(county),
            villages=list(villages),
            grid_workers=_accounts(county, Role.GRID_WORKER, SAMPLE[Role.GRID_WORKER], rng),
            village_staff=_accounts(county, Role.VILLAGE_STAFF, SAMPLE[Role.VILLAGE_STAFF], rng),
            county_staff=_accounts(county, Role.COUNTY_STAFF, SAMPLE[Role.COUNTY_STAFF], rng),
            password=password)
        db.session.rollback()
    missing = [name for name in ("villages", "grid_workers", "village_staff", "county_staff")
               if not getattr(population, name)]
    if missing:
        raise LookupError(f"the county {county.code} has no {', '.join(missing)}")
    return population


def prepare_accounts(app: Flask, population: Population, seed_password: str, new_password: str) -> None:
    """Each sampled account changes the seed's password once; the population carries the new one."""
    with app.app_context():
        for username in population.grid_workers + population.village_staff + population.county_staff:
            user = users.find_by_login(username)
            users.change_password(user, seed_password, new_password, confirm=new_password)
        db.session.commit()
        db.engine.dispose()
    population.password = new_password


def build_rollups(app: Flask) -> float:
    """The dashboard's roll-ups as the consumer's 10-minute task leaves them (county by county,
    one commit each); the run's consumer leaves the schedule out. Returns the seconds taken."""
    started = time.perf_counter()
    with app.app_context():
        for _ in rollups.refresh_each(clock.today()):
            db.session.commit()
        db.session.commit()
        db.engine.dispose()
    return time.perf_counter() - started


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="find and prepare a load run's population")
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed-password", required=True)
    parser.add_argument("--new-password", required=True)
    args = parser.parse_args(argv)
    app = create_app()
    population = discover(app, args.seed_password)
    if args.seed_password == DEMO_PASSWORD:
        prepare_accounts(app, population, args.seed_password, args.new_password)
    print(f"dashboard roll-ups built in {build_rollups(app):.1f} s (the consumer's 10-minute task)")
    population.write(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
