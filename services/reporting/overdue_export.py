"""The whole overdue list as an .xlsx, written by a job: every row of every section (已逾期,
即将到期, then 措施逾期) for the person's scope and the list's filters, in the columns of the
page (县 first above the county).

A province's list can hold tens of thousands of rows, so the job reads each section in batches
of ``BATCH`` rows, by its own order (the last row's date and id start the next batch), looks up
the batch's names in a few IN queries and streams the rows into a write-only workbook, reporting
progress after each batch. The file names households (heads' names, never ID numbers or
phones); starting it is audited as a job, writing it as an export of the list with its size.
"""
from __future__ import annotations

import io
from datetime import date
from typing import Callable, Iterator

from openpyxl import Workbook
from sqlalchemy import Select, tuple_

from core.extensions import db
from domain.jobs import JobKind
from models import Case, Job, PlanMeasure, User
from services.errors import ValidationFailed
from services.platform import audit, jobs
from services.reporting import overdue
from services.reporting.cells import not_a_formula

BATCH = 500
SHEET = "逾期清单"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["区段", "案件编号", "户主", "村", "当前环节", "期限类型", "到期日", "逾期天数（负数为尚余天数）", "责任人"]
ROLLUP_HEADER = ["县"] + HEADER


def start(actor: User, today: date, filters: overdue.Filters) -> Job:
    overdue.check_role(actor)
    return jobs.start(JobKind.OVERDUE_EXPORT, actor, actor.region, filters=filters.args(), today=today.isoformat())


def sheet_rows(cases: list[overdue.CaseRow], section: str, measures: list[overdue.MeasureRow],
               rolled_up: bool) -> list[list]:
    """Rows of the exported list (``HEADER``, or ``ROLLUP_HEADER`` above the county): the case
    rows of one section, then the measure rows (措施逾期) given."""
    rows: list[list] = []
    for r in cases:
        days = r.days if section == "已逾期" else -r.days
        row = [section, r.case_id, r.head, r.village, r.state, r.deadline, r.due, days, r.responsible]
        rows.append([r.county] + row if rolled_up else row)
    for m in measures:
        row = ["措施逾期", m.case_id, m.head, m.village, f"{m.measure}（{m.status}）", "帮扶措施",
               m.due, m.days, m.department]
        rows.append([m.county] + row if rolled_up else row)
    return rows


def _batches(query: Select, due, key, position: Callable) -> Iterator[list]:
    """The rows of ``query`` (ordered by ``due`` then ``key``) ``BATCH`` at a time, each batch
    starting after the last row of the one before (``position``: a row's due date and key)."""
    last = None
    while True:
        batch = query if last is None else query.where(tuple_(due, key) > tuple_(*last))
        rows = list(db.session.execute(batch.limit(BATCH)))
        if rows:
            yield rows
        if len(rows) < BATCH:
            return
        last = position(rows[-1])


def overdue_xlsx(actor: User, today: date, filters: overdue.Filters,
                 progress: Callable[[int, int], None] | None = None) -> tuple[bytes, int]:
    """(the workbook, its rows) for the actor's scope and filters."""
    overdue.check_role(actor)
    rolled_up = overdue.above_county(actor)
    late = soon = 0
    if overdue.shows_cases(actor):
        late, soon = overdue.case_totals(actor, today, filters)
    total = late + soon + overdue.measure_total(actor, today, filters)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET)
    sheet.append(ROLLUP_HEADER if rolled_up else HEADER)
    written = 0

    def append(rows: list[list]) -> None:
        nonlocal written
        for row in rows:
            sheet.append([not_a_formula(v) for v in row])
        written += len(rows)
        if progress is not None:
            progress(written, max(total, written))

    names = overdue.Names()
    sections = ((("已逾期", overdue.overdue_cases), ("即将到期", overdue.due_soon_cases))
                if overdue.shows_cases(actor) else ())
    for section, query_of in sections:
        query = query_of(actor, today, filters)
        for batch in _batches(query, Case.due_date, Case.id, lambda row: (row[0].due_date, row[0].id)):
            found = [r[0] for r in batch]
            names.load(found, [])
            append(sheet_rows(overdue.case_rows(found, names, today, rolled_up), section, [], rolled_up))
    measures = overdue.overdue_measures(actor, today, filters)
    if measures is not None:
        for batch in _batches(measures, PlanMeasure.due_on, PlanMeasure.id, lambda row: (row.due_on, row.id)):
            names.load([], batch)
            append(sheet_rows([], "", overdue.measure_rows(batch, names, today, rolled_up), rolled_up))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), written


@jobs.runner(JobKind.OVERDUE_EXPORT)
def _export(job: Job, progress: jobs.Progress) -> jobs.JobResult:
    user = job.user
    if user is None or not user.active or user.role_enum not in overdue.LIST_ROLES:
        raise jobs.JobFailed("发起导出的账号已停用或已不能查看逾期清单")
    try:
        filters = overdue.parse_filters(user, job.params.get("filters", {}))
    except ValidationFailed:
        raise jobs.JobFailed("筛选条件已不在您的管辖范围内，请回到逾期清单重新导出") from None
    today = date.fromisoformat(job.params["today"])
    data, rows = overdue_xlsx(user, today, filters, progress)
    audit.record(user, "export", "overdue_list", None, f"xlsx rows={rows} filters={','.join(filters.args()) or '-'}")
    return jobs.JobResult(message=f"共 {rows} 行", data=data, content_type=XLSX,
                          filename=f"逾期清单-{user.region.name}-{today.isoformat()}.xlsx")
