"""Comparing a 医保 list of 200,000 rows with a register of 1,000,000 persons (部门筛查预警).

Run: .venv/bin/python bench/bench_compare.py [--persons 1000000] [--rows 200000] [--format xlsx|csv]
                                             [--database-url URL] [--no-tracemalloc]
(full size on SQLite: about a quarter of an hour, most of it building the register; a quick check:
``--persons 20000 --rows 4000``)

The database is a SQLite file in a temporary folder, or the PostgreSQL database named by
``--database-url`` / BENCH_DATABASE_URL (it must hold no tables: they are created, and dropped at
the end). The register is one county of 20 townships and 300 villages, about 3 persons per
household (25 % 脱贫户, 4 % 监测户), written by Core bulk INSERTs with the project's own
encryption (the ``EncryptedText`` columns) and blind indexes (``models.personal``).

The list: 90 % of its persons on the register, 0.5 % of the rows sent twice in the file, 0.5 % of
the persons listed for last year too (on the line before this year's), out-of-pocket costs mostly under every line and about 9 % over one (10,000 yuan for
脱贫户/监测户, 26,000 for others), some long hospital stays. The warnings the policy calls for
are counted from the generated data (domain.warnings' default thresholds) and must be what the
comparison raises.

Measured, as the DEPARTMENT_COMPARE job does it, in an app context: ``lists.read_file`` (read the
file), ``compare.plan`` (match and grade), ``compare.write`` (rows, warnings, cases), committed.
The baseline, in the same run: the blind index of every list row and a bare SELECT of the members
carrying them (batches of 1,000) — the least any comparison does. Then the same file again (every
row repeated: nothing new). Peak memory: the process's peak RSS after each phase (it only grows)
and, unless ``--no-tracemalloc``, the tracemalloc peak of each comparison phase (tracemalloc slows
Python code down; the baseline runs under it too so the ratio stays fair). Outbox items written
with the cases are handed to nobody (the queue's consumer sends those notifications, not the job).
"""
from __future__ import annotations

import argparse
import base64
import csv
import io
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Iterator

from openpyxl import Workbook
from sqlalchemy import bindparam, func, inspect, insert, select, text

from core.extensions import db
from domain.department_lists import ListKind, columns_of
from domain.enums import HouseholdAttribute, RegionLevel
from domain.validation import make_id_number
from models import DepartmentList, DepartmentRow, DepartmentWarning, Household, Member, User
from models.personal import ID_NUMBER, PHONE, blind_index, tail_index
from services.accounts import users
from services.platform import audit, outbox
from services.regions import tree
from services.warnings import compare, lists
from shoudi import create_app

TODAY = date(2026, 11, 20)
PERIOD = (date(2026, 1, 1), date(2026, 10, 31))
LAST_YEAR = (date(2025, 1, 1), date(2025, 12, 31))
COUNTY = "341599"
STRANGERS = "341598"          # the next county's area code: persons nobody registered here
TOWNSHIPS, VILLAGES_EACH = 20, 15
SIZES = (2, 3, 4, 3, 1, 5, 3, 2, 4, 3)   # household sizes in turn: 3 on average
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ("建国", "秀英", "桂兰", "大山", "志强", "丽华", "春梅", "文军", "海燕", "长青")
LINES = {True: Decimal("10000"), False: Decimal("26000")}      # yearly out of pocket, by vulnerable
STAY_LINES = {True: Decimal("6000"), False: Decimal("10000")}  # a single hospital stay
CHUNK = 10_000


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def id_number(person: int, area: str = COUNTY) -> str:
    """The person's own, valid, never repeated ID number (1,000 per birthday, 29 days apart)."""
    return make_id_number(area, date(1940, 1, 1) + timedelta(days=person // 1000 * 29), person % 1000)


# --- the app and its database ------------------------------------------------------------------

@contextmanager
def bench_app(database_url: str | None):
    with tempfile.TemporaryDirectory(prefix="bench_compare_") as tmp:
        url = database_url or f"sqlite:///{tmp}/bench.db"
        app = create_app({
            "SHOUDI_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url,
            "SHOUDI_DATA_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
            "SHOUDI_UPLOAD_FOLDER": f"{tmp}/uploads", "SHOUDI_PASSWORD_HASH": "pbkdf2:sha256:1000",
            "SHOUDI_LOG_LEVEL": "WARNING"})
        app.extensions.pop(outbox.DISPATCH_EXTENSION, None)  # the consumer's work, not the job's
        with app.app_context():
            if inspect(db.engine).get_table_names():
                raise SystemExit(f"bench_compare: the database {db.engine.url.render_as_string()} is not empty")
            db.create_all()
            try:
                yield app
            finally:
                db.session.rollback()
                if database_url:
                    db.drop_all()
                db.engine.dispose()


# --- the register ----------------------------------------------------------------------------

@dataclass
class Register:
    county_id: int
    actor_id: int
    vulnerable: list[bool] = field(default_factory=list)   # by person: the household's kind


def build_register(persons: int, rng: random.Random) -> Register:
    county = tree.create_region(f"{COUNTY}000000", "示范县", RegionLevel.COUNTY, None)
    villages = []
    for t in range(TOWNSHIPS):
        township = tree.create_region(f"{COUNTY}1{t:02d}000", f"乡镇{t:02d}", RegionLevel.TOWNSHIP, county)
        for v in range(VILLAGES_EACH):
            villages.append(tree.create_region(f"{COUNTY}1{t:02d}{v + 1:03d}", f"村{t:02d}{v:02d}",
                                               RegionLevel.VILLAGE, township).id)
    actor = users.create_user("bench", "基准", "Compare-2026-county", "county_staff", county.code, None)
    db.session.commit()
    register = Register(county.id, actor.id)
    households: list[dict] = []
    members: list[dict] = []
    person = household_id = 0
    started = time.perf_counter()
    while person < persons:
        household_id += 1
        size = min(SIZES[household_id % len(SIZES)], persons - person)
        draw = rng.random()
        attribute = (HouseholdAttribute.LIFTED if draw < 0.25 else
                     HouseholdAttribute.MONITORED if draw < 0.29 else HouseholdAttribute.ORDINARY)
        households.append({"id": household_id, "region_id": villages[household_id % len(villages)],
                           "attribute": attribute.value, "risk_types": [], "key_groups": [], "address": ""})
        for k in range(size):
            number = id_number(person)
            phone = f"139{person:08d}" if k == 0 else None
            members.append({
                "household_id": household_id, "name": SURNAMES[person % 20] + GIVEN[person % 10],
                "is_head": k == 0, "relation": "head" if k == 0 else ("spouse" if k == 1 else "child"),
                "health": "healthy", "labour_capacity": "ordinary", "status": "present",
                "id_number_enc": number, "id_number_index": blind_index(ID_NUMBER, number),
                "id_number_tail_index": tail_index(ID_NUMBER, number), "phone_enc": phone,
                "phone_index": blind_index(PHONE, phone) if phone else None,
                "phone_tail_index": tail_index(PHONE, phone) if phone else None})
            register.vulnerable.append(attribute is not HouseholdAttribute.ORDINARY)
            person += 1
        if len(members) >= CHUNK or person == persons:
            _insert_chunk(households, members)
            households, members = [], []
            print(f"\r  register: {person:,} persons, {household_id:,} households "
                  f"({time.perf_counter() - started:.0f} s)", end="", flush=True)
    print()
    return register


def _insert_chunk(households: list[dict], members: list[dict]) -> None:
    """Core executemany: the EncryptedText columns encrypt each value as they bind it."""
    now = datetime.now(timezone.utc)
    for row in households:
        row["created_at"] = row["updated_at"] = now
    db.session.execute(insert(Household.__table__), households)
    db.session.execute(insert(Member.__table__), members)
    db.session.commit()


# --- the list --------------------------------------------------------------------------------

@dataclass
class ListFile:
    content: bytes
    rows: int
    distinct: int
    on_register: int         # rows (each once) whose person is registered
    expected_warnings: int


def make_list(rows: int, register: Register, fmt: str, rng: random.Random) -> ListFile:
    persons = len(register.vulnerable)
    repeats = twice = rows // 200          # 0.5 % rows sent twice; 0.5 % persons with last year's costs too
    listed = rows - repeats - twice
    on_register = min(listed * 9 // 10, persons)
    chosen = rng.sample(range(persons), on_register)
    people = [(id_number(p), register.vulnerable[p]) for p in chosen]
    people += [(id_number(s, STRANGERS), None) for s in range(listed - on_register)]
    rng.shuffle(people)
    body: list[list] = []
    expected = matched = 0
    for line, (number, vulnerable) in enumerate(people):
        # A person with two periods has them on adjacent lines, as a department's export sorts them.
        for period in ((LAST_YEAR, PERIOD) if line < twice else (PERIOD,)):
            own = _costs(rng)
            matched += vulnerable is not None
            if vulnerable is not None and (own[1] > LINES[vulnerable] or (own[2] or 0) > STAY_LINES[vulnerable]):
                expected += 1
            body.append([SURNAMES[line % 20] + GIVEN[line % 7], number, *period, *own])
    for _ in range(repeats):
        body.insert(rng.randrange(len(body) + 1), list(body[rng.randrange(len(body))]))
    header = [c.title for c in columns_of(ListKind.MEDICAL)]
    return ListFile(_xlsx(header, body) if fmt == "xlsx" else _csv(header, body), rows, rows - repeats, matched, expected)


def _costs(rng: random.Random) -> tuple[Decimal, Decimal, Decimal | None]:
    """(total cost, out of pocket, largest single stay or None)"""
    draw = rng.random()
    if draw < 0.05:
        own = Decimal(rng.randrange(10_001, 26_000))          # over the line of 脱贫户/监测户 only
    elif draw < 0.09:
        own = Decimal(rng.randrange(26_001, 90_000))          # over every line
    else:
        own = Decimal(rng.randrange(0, 9_000_00)) / 100       # under every line
    stay = None
    if rng.random() < 0.3:
        stay = min(own, Decimal(rng.randrange(0, 12_000)))    # a few stays over 6,000 / 10,000
    return (own * Decimal("2.5")).quantize(Decimal("0.01")), own, stay


def _xlsx(header: list[str], body: list[list]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("名单")
    sheet.append(["示范县医保局 2026年1—10月医疗费用个人负担较重人员名单（基准测试数据）"])
    sheet.append(header)
    for row in body:
        sheet.append([row[0], row[1], row[2], row[3], float(row[4]), float(row[5]),
                      float(row[6]) if row[6] is not None else None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv(header: list[str], body: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in body:
        writer.writerow([row[0], row[1], row[2].isoformat(), row[3].isoformat(), row[4], row[5],
                         "" if row[6] is None else row[6]])
    return out.getvalue().encode("utf-8-sig")


# --- the phases ------------------------------------------------------------------------------

@dataclass
class Phase:
    label: str
    seconds: float
    cpu: float               # this process's CPU seconds (SQLite's work included, PostgreSQL's not)
    rows: int
    traced_mb: float | None
    rss_mb: float


class Meter:
    def __init__(self, trace: bool):
        self.trace = trace
        self.phases: list[Phase] = []

    @contextmanager
    def phase(self, label: str, rows: int, traced: bool = True) -> Iterator[None]:
        tracing = self.trace and traced
        if tracing:
            tracemalloc.start()
        started, cpu = time.perf_counter(), time.process_time()
        yield
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        peak = tracemalloc.get_traced_memory()[1] / 2**20 if tracing else None
        if tracing:
            tracemalloc.stop()
        self.phases.append(Phase(label, seconds, cpu, rows, peak, peak_rss_mb()))
        print(f"  {label}: {seconds:.1f} s", flush=True)

    def seconds(self, label: str) -> float:
        return next(p.seconds for p in self.phases if p.label == label)


def bare_select(read: lists.ReadFile) -> int:
    """The floor: every row's blind index, and the members carrying them, 1,000 at a time."""
    indexes = [blind_index(ID_NUMBER, r.id_number) for r in read.rows]
    query = text("SELECT id, household_id FROM member WHERE id_number_index IN :indexes").bindparams(
        bindparam("indexes", expanding=True))
    found = 0
    for start in range(0, len(indexes), compare.BATCH):
        found += len(db.session.execute(query, {"indexes": indexes[start:start + compare.BATCH]}).all())
    db.session.rollback()
    return found


def send(meter: Meter, register: Register, content: bytes, again: bool) -> tuple[compare.Plan, compare.Written, int]:
    """Read, plan and write as the DEPARTMENT_COMPARE job does, in a fresh session; committed."""
    suffix = " again" if again else ""
    db.session.remove()
    with meter.phase("read file" + suffix, 0, traced=False):
        read = lists.read_file(ListKind.MEDICAL, content, TODAY)
    meter.phases[-1].rows = len(read.rows)
    if read.problems:
        raise SystemExit(f"bench_compare: the generated file has {len(read.problems)} problems, e.g. {read.problems[0]}")
    if not again:
        with meter.phase("baseline: bare SELECT", len(read.rows)):
            matched = bare_select(read)
    else:
        matched = -1
    actor = db.session.get(User, register.actor_id)
    with meter.phase("plan" + suffix, len(read.rows)):
        found = compare.plan(ListKind.MEDICAL, actor.region, read.rows, TODAY)
    with meter.phase("write" + suffix, len(read.rows)):
        dlist = DepartmentList(county_id=register.county_id, kind=ListKind.MEDICAL.value,
                               department=ListKind.MEDICAL.department.value, filename="医保1-10月.xlsx",
                               uploaded_by=actor, problems=len({p.line for p in read.problems}))
        db.session.add(dlist)
        db.session.flush()
        written = compare.write(actor, dlist, found, TODAY)
        audit.record(actor, "create", "department_list", dlist.id,
                     f"kind=medical rows={dlist.rows} repeated={dlist.repeated} warnings={written.warnings}")
        db.session.commit()
    return found, written, matched


def report(meter: Meter, listed: ListFile, first, second, args, engine_name: str) -> int:
    found, written, matched = first
    again, again_written, _ = second
    stored = db.session.execute(select(func.count(DepartmentRow.id))).scalar_one()
    warnings = db.session.execute(select(func.count(DepartmentWarning.id))).scalar_one()
    base = meter.seconds("baseline: bare SELECT")
    print(f"\n{args.persons:,} persons on the register; "
          f"{listed.rows:,} list rows ({args.format}, {len(listed.content) / 1e6:.1f} MB); {engine_name}; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; "
          f"tracemalloc {'on' if meter.trace else 'off'}\n")
    print(f"{'phase':<24}{'seconds':>9}{'CPU s':>8}{'rows/s':>12}{'× bare':>8}{'traced peak MB':>16}"
          f"{'peak RSS MB':>13}")
    for p in meter.phases:
        traced = f"{p.traced_mb:.0f}" if p.traced_mb is not None else "-"
        print(f"{p.label:<24}{p.seconds:>9.1f}{p.cpu:>8.1f}{p.rows / p.seconds:>12,.0f}{p.seconds / base:>8.1f}"
              f"{traced:>16}{p.rss_mb:>13.0f}")
    both = meter.seconds("plan") + meter.seconds("write")
    print(f"\nplan + write: {both:.1f} s, {both / base:.1f}× the bare SELECT "
          f"({listed.rows / both:,.0f} rows/s)")
    print(f"first send: {len(found.rows):,} new rows, {found.repeated:,} repeated in the file; "
          f"{matched:,} rows found on the register by the bare SELECT, {len(found.rows) - found.count('unmatched'):,} "
          f"by the comparison; {found.count('unmatched'):,} unmatched")
    print(f"warnings: {written.warnings:,} (red {written.by_grade['red']:,}, orange {written.by_grade['orange']:,}, "
          f"yellow {written.by_grade['yellow']:,}); {written.opened:,} new cases, {written.joined:,} joined; "
          f"the policy calls for {listed.expected_warnings:,}")
    print(f"the same file again: {len(again.rows)} new rows, {again.repeated:,} repeated, "
          f"{again_written.warnings} warnings, in {meter.seconds('plan again') + meter.seconds('write again'):.1f} s "
          f"(plan and write)")
    problems = []
    if written.warnings != listed.expected_warnings or warnings != written.warnings:
        problems.append(f"{written.warnings} warnings raised ({warnings} stored), {listed.expected_warnings} expected")
    if len(found.rows) - found.count("unmatched") != listed.on_register:
        problems.append(f"{len(found.rows) - found.count('unmatched')} rows matched, {listed.on_register} expected")
    if len(found.rows) != listed.distinct or stored != listed.distinct:
        problems.append(f"{len(found.rows)} new rows planned, {stored} stored, {listed.distinct} distinct in the file")
    if again.rows or again.repeated != listed.rows or again_written.warnings:
        problems.append("the second send of the same file raised something new")
    for problem in problems:
        print(f"FAILED: {problem}")
    return 1 if problems else 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--no-tracemalloc", dest="trace", action="store_false")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv[1:])
    # ID numbers give 1,000 persons a birthday, 29 days apart from 1940: a million reach 2019.
    if not (100 <= args.persons <= 1_000_000 and 100 <= args.rows <= lists.MAX_ROWS):
        parser.error(f"--persons 100-1000000, --rows 100-{lists.MAX_ROWS}")
    rng = random.Random(args.seed)
    with bench_app(args.database_url) as app:
        engine_name = f"{db.engine.dialect.name} " + ".".join(map(str, db.engine.dialect.server_version_info or ()))
        print(f"building a register of {args.persons:,} persons on {engine_name} ...", flush=True)
        started = time.perf_counter()
        register = build_register(args.persons, rng)
        print(f"  done in {time.perf_counter() - started:.0f} s; peak RSS {peak_rss_mb():.0f} MB", flush=True)
        print(f"writing a 医保 list of {args.rows:,} rows as .{args.format} ...", flush=True)
        listed = make_list(args.rows, register, args.format, rng)
        del register.vulnerable[:]
        meter = Meter(args.trace)
        print("comparing ...", flush=True)
        first = send(meter, register, listed.content, again=False)
        print("the same file again ...", flush=True)
        second = send(meter, register, listed.content, again=True)
        return report(meter, listed, first, second, args, engine_name)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
