"""Finding a member by ID number: blind-index lookup versus decrypting every row.

Run: .venv/bin/python bench/bench_lookup.py [lookups]   (after `make install`)
Prints the time per lookup for both ways, measured in the same run, and their ratio.
"""
from __future__ import annotations

import sys
import time
from datetime import date

from sqlalchemy import select

from bench_support import scratch_app
from core.extensions import db
from models import Member
from services.accounts import users
from services.demo import seeding
from services.households import records


def main(rounds: int = 50) -> None:
    with scratch_app() as app:
        with app.app_context():
            seeding.seed(today=date(2026, 11, 20))
            db.session.commit()
            county = users.find_by_login("county")
            wanted = [m.id_number for m in db.session.execute(select(Member)).scalars()][::7][:rounds]
            members = db.session.execute(select(Member.id)).all()
            print(f"{len(members)} members, {len(wanted)} lookups each way")

            start = time.perf_counter()
            for value in wanted:
                assert records.find_member_by_id_number(county, value) is not None
            indexed = (time.perf_counter() - start) / len(wanted)

            start = time.perf_counter()
            for value in wanted:
                db.session.expire_all()
                found = [m for m in db.session.execute(select(Member)).scalars() if m.id_number == value]
                assert found
            scanned = (time.perf_counter() - start) / len(wanted)

    print(f"blind index      : {indexed * 1000:8.2f} ms per lookup")
    print(f"decrypt and scan : {scanned * 1000:8.2f} ms per lookup (baseline)")
    print(f"ratio            : blind index is {scanned / indexed:.1f}x faster")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
