"""Importing the household register: 100,000 people from one .xlsx, on SQLite.

Run: .venv/bin/python bench/bench_import.py [people]   (default 100000; about 3 people per household)

A throw-away county (2 townships, 20 villages, a county account) is made in a temporary SQLite
database, and a national-export-like .xlsx is written with openpyxl. Measured in the same run:
  - reading the file alone (the floor: openpyxl streaming every row),
  - the check (a dry run: read, validate, group, place and match every household),
  - the import (the check, then writing every household and person), committed,
  - the same file again (everything unchanged: the re-import a county does each month).
Prints rows/s for each, the ratio to reading alone, and the peak resident memory of the process
after each step (peak RSS only grows, so each figure is the most used so far).
"""
from __future__ import annotations

import io
import resource
import sys
import time
from datetime import date, timedelta

from openpyxl import Workbook

from bench_support import scratch_app
from core.extensions import db
from domain.enums import RegionLevel
from domain.validation import make_id_number
from models import User
from services.accounts import users
from services.households import register_file
from services.households.register_import import import_register
from services.regions import tree

TODAY = date(2026, 11, 20)
HEADER = ["户编号", "县（市、区）", "乡（镇）", "行政村", "自然村（组）", "姓名", "证件号码", "与户主关系",
          "健康状况", "劳动技能", "在校生状况", "联系电话", "户类型", "风险类型", "家庭纯收入（元）"]
RELATIONS = ("户主", "配偶", "之子", "之女", "之母")
LABOUR = ("普通劳动力", "普通劳动力", "无劳动力", "无劳动力", "丧失劳动力")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_file(people: int) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("户成员信息")
    sheet.append(["示范县防返贫监测户成员信息（基准测试数据）"])
    sheet.append(HEADER)
    person = 0
    household = 0
    while person < people:
        household += 1
        size = 1 + household % 5
        village = household % 20
        for k in range(min(size, people - person)):
            birth = date(1940, 1, 1) + timedelta(days=person // 1000 * 37)  # a unique ID each
            sheet.append([f"H{household:07d}", "示范县", f"乡镇{village % 2}", f"村{village:02d}", "",
                          f"农户{person}", make_id_number("341599", birth, person % 1000), RELATIONS[k],
                          "健康", LABOUR[k], "非在校生", f"139{person:08d}" if k == 0 else "",
                          "一般农户", "因病" if household % 7 == 0 else "", 20000 + household % 9000 if k == 0 else None])
            person += 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main(argv: list[str]) -> int:
    people = int(argv[1]) if len(argv) > 1 else 100_000
    if not 10 <= people <= 500_000:
        print("usage: bench_import.py [people 10-500000]", file=sys.stderr)
        return 2
    print(f"writing a register of {people:,} people ...", flush=True)
    content = make_file(people)
    print(f"file: {len(content) / 1e6:.1f} MB .xlsx; peak RSS so far {peak_mb():.0f} MB", flush=True)
    with scratch_app() as app, app.app_context():
        county = tree.create_region("341599000000", "示范县", RegionLevel.COUNTY, None)
        for t in range(2):
            township = tree.create_region(f"3415991{t:02d}000", f"乡镇{t}", RegionLevel.TOWNSHIP, county)
            for v in range(t, 20, 2):
                tree.create_region(f"3415991{t:02d}{v + 1:03d}", f"村{v:02d}", RegionLevel.VILLAGE, township)
        actor_id = users.create_user("bench", "基准", "bench-password-2026", "county_staff", county.code, None).id
        db.session.commit()

        figures = []
        start = time.perf_counter()
        rows = sum(1 for _ in register_file.rows(content)) - 2
        figures.append(("reading the file alone", time.perf_counter() - start, peak_mb(), ""))
        for label, dry_run in (("the check (dry run)", True), ("the import, committed", False),
                               ("the same file again", False)):
            db.session.expunge_all()  # each step starts with an empty session, as a job does
            actor = db.session.get(User, actor_id)
            start = time.perf_counter()
            report = import_register(actor, content, today=TODAY, dry_run=dry_run)
            db.session.commit()
            figures.append((label, time.perf_counter() - start, peak_mb(), report.summary()))
        base = figures[0][1]
        print(f"\n{rows:,} rows; SQLite; one process\n")
        print(f"{'step':<26}{'seconds':>9}{'rows/s':>10}{'× reading':>11}{'peak RSS MB':>13}")
        for label, seconds, peak, _ in figures:
            print(f"{label:<26}{seconds:>9.1f}{rows / seconds:>10,.0f}{seconds / base:>11.1f}{peak:>13.0f}")
        print()
        for label, _, _, summary in figures[1:]:
            print(f"{label}: {summary}")
        imported, again = figures[2][3], figures[3][3]
        ok = "有错误的行 0 行" in imported and "已新增 0 户" not in imported \
            and "已新增 0 户、已更新 0 户" in again
        if not ok:
            print("\nFAILED: the import must take every row, and the second import change nothing")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
