"""Who and where the simulated people of a load run are, and the seed that fills the database.

A data source is a ``flask`` command run once into a database of its own (kept as a template, so
later runs copy it instead of seeding again): ``demo`` is ``flask seed-demo`` (the demo county,
about 200 households); a number N is ``flask seed-scale --households N``. After seeding, the
population is read from the database itself (``prepare_population.py``): the county with the
most households, its villages, and a sample of its grid workers, village staff and county staff,
so any seed whose staff share one known password will do.

This module has no project imports: the locustfile and ``run_load.py`` read the population
without loading the app.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

DEMO = "demo"
DEMO_PASSWORD = "shoudi-demo-2026"    # the demo's published password (services/demo/data.py)
SCALE_PASSWORD = "shoudi-scale-2026"  # seed-scale's default, shared by its accounts (services/demo/scale.py)


@dataclass
class Population:
    """What the locustfile reads (as JSON): the county's villages and the accounts to use."""
    county_code: str
    county_name: str
    households: int
    villages: list[str]
    grid_workers: list[str]
    village_staff: list[str]
    county_staff: list[str]
    password: str

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=1), encoding="utf-8")

    @classmethod
    def read(cls, path: str | Path) -> "Population":
        return cls(**json.loads(Path(path).read_text(encoding="utf-8")))


def seed_command(size: str) -> list[str]:
    """The ``flask`` arguments that fill an empty, migrated database for this data size."""
    if size == DEMO:
        return ["seed-demo"]
    return ["seed-scale", "--households", str(int(size))]


def seed_password(size: str) -> str:
    return DEMO_PASSWORD if size == DEMO else SCALE_PASSWORD


def size_label(size: str) -> str:
    return "the demo county" if size == DEMO else f"{int(size):,} households"
