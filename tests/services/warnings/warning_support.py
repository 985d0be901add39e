"""Department lists as the departments send them (.xlsx, .xls, .csv) and the upload → check →
confirm → compare flow, for the tests in this folder (pytest puts the folder on sys.path).

Each kind has one row that is a warning for any household (``warning_row``); the values follow
the published practice the issue cites (医保: 26,000 yuan out of pocket for 一般农户, ...).
"""
from __future__ import annotations

import csv
import io
from datetime import date

import xlwt
from openpyxl import Workbook

from conftest import TODAY
from core.extensions import db
from domain.department_lists import ListKind
from factories import PASSWORD
from models import Job, User
from services.accounts import users
from services.warnings import lists

# The headers a department writes, in the template's order (姓名, 身份证号码, then its own).
HEADERS: dict[ListKind, list[str]] = {
    ListKind.MEDICAL: ["姓名", "身份证号码", "统计开始日期", "统计结束日期", "医疗总费用（元）", "个人自付费用（元）",
                       "单次住院最高自付（元）"],
    ListKind.CIVIL: ["姓名", "身份证号码", "事项", "日期", "金额（元）"],
    ListKind.DISABILITY: ["姓名", "身份证号码", "残疾类别", "残疾等级", "发证日期"],
    ListKind.EDUCATION: ["姓名", "身份证号码", "情况", "学段", "学校", "日期"],
    ListKind.HOUSING: ["姓名", "身份证号码", "鉴定等级", "鉴定日期"],
    ListKind.WATER: ["姓名", "身份证号码", "问题", "停水天数", "日期"],
    ListKind.DISASTER: ["姓名", "身份证号码", "灾害种类", "受灾日期", "直接经济损失（元）"],
    ListKind.EMPLOYMENT: ["姓名", "身份证号码", "情况", "日期"],
}

# The officer of each kind's department (build_world's ``dept`` is 民政).
OFFICERS: dict[ListKind, tuple[str, str]] = {
    ListKind.MEDICAL: ("medical_officer", "medical_insurance"),
    ListKind.CIVIL: ("dept", "civil_affairs"),
    ListKind.DISABILITY: ("disability_officer", "disabled_federation"),
    ListKind.EDUCATION: ("education_officer", "education"),
    ListKind.HOUSING: ("housing_officer", "housing"),
    ListKind.WATER: ("water_officer", "water"),
    ListKind.DISASTER: ("emergency_officer", "emergency"),
    ListKind.EMPLOYMENT: ("labour_officer", "human_resources"),
}


def warning_row(kind: ListKind, name: str, id_number: str) -> list[object]:
    """A row that is a warning for every household: 黄 (not severe) for a 一般农户."""
    rows = {
        ListKind.MEDICAL: [name, id_number, "2026-01-01", "2026-10-31", 80000, 30000, 5000],
        ListKind.CIVIL: [name, id_number, "低保申请", "2026-10-08", None],
        ListKind.DISABILITY: [name, id_number, "肢体", "三级", "2026-09-15"],
        ListKind.EDUCATION: [name, id_number, "辍学", "高中", "县一中", "2026-09-01"],
        ListKind.HOUSING: [name, id_number, "C级", "2026-08-20"],
        ListKind.WATER: [name, id_number, "水量不足", None, "2026-10-02"],
        ListKind.DISASTER: [name, id_number, "洪涝", "2026-07-12", 12000],
        ListKind.EMPLOYMENT: [name, id_number, "失业", "2026-10-15"],
    }
    return rows[kind]


def officer(world, kind: ListKind) -> User:
    """The department officer who sends ``kind`` in the world's county (made when missing)."""
    username, department = OFFICERS[kind]
    if username not in world.users:
        world.users[username] = users.create_user(username, username.upper(), PASSWORD, "department",
                                                  world.county.code, department)
        db.session.flush()
    return world.users[username]


def xlsx(rows: list[list[object]], title: str | None = None) -> bytes:
    book = Workbook()
    if title:
        book.active.append([title])
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xls(rows: list[list[object]]) -> bytes:
    """The old Excel format (Excel 97-2003), as older department systems still export."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("名单")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_file(rows: list[list[object]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue().encode(encoding)


def check(actor: User, kind: ListKind, content: bytes, filename: str = "名单.xlsx", today: date = TODAY) -> Job:
    """Upload and let the check job run (jobs run when the work that started them commits)."""
    job = lists.start_check(actor, kind.value, filename, content, today)
    db.session.commit()
    db.session.refresh(job)
    return job


def check_and_confirm(actor: User, kind: ListKind, content: bytes, filename: str = "名单.xlsx",
                      today: date = TODAY) -> tuple[lists.ReportView, lists.ReportView]:
    """The check's report and the comparison's report, both jobs run and done."""
    checked = check(actor, kind, content, filename, today)
    assert checked.state == "done", checked.message
    before = lists.report(actor, checked.id)
    compared = lists.confirm(actor, checked.id, today)
    db.session.commit()
    db.session.refresh(compared)
    assert compared.state == "done", compared.message
    return before, lists.report(actor, compared.id)


def raise_warnings(world, kind: ListKind, rows: list[list[object]], filename: str = "名单.xlsx",
                   today: date = TODAY) -> lists.ReportView:
    """Send ``rows`` (without the header) as the kind's officer and compare them; committed."""
    _, compared = check_and_confirm(officer(world, kind), kind, xlsx([HEADERS[kind], *rows]), filename, today)
    return compared
