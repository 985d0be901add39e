"""附件4 问题整改台账 as an .xlsx (a job): the seed's layout — the title, "日期：YYYY年M月D日", the
header ``FORM4_COLUMNS``, one row per item of the chosen village, township or campaign in the
person's scope, and the seed's notes under them. It carries full ID numbers: audited.
"""
from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import selectinload

from core.extensions import db
from domain.campaigns import LedgerState, ProblemType
from domain.screening_forms import FORM4_COLUMNS, FORM4_TITLE
from models import Household, Job, Region, ScreeningRound, User
from models.campaign import LedgerItem
from services.campaigns import exports, ledger, problems
from services.platform import audit, jobs

NOTES = ("备注：1.若是涉及乡镇的问题，村（社区）、户主姓名、身份证三列可以空着；若是涉及村级的问题，户主姓名、身份证两列可以空着。"
         "2.问题类型包括：防止返贫监测和帮扶、三保障和饮水安全、政策落实、资金项目、乡村建设、乡村治理、其他。"
         "3.立行立改的问题不需要建立整改台账。")


def start_export(actor: User, found: ScreeningRound, code: str | None, today: date) -> Job:
    """附件4 of a village, a township or the whole campaign in the person's scope, as a job."""
    ledger.require_viewer(actor)
    return exports.start(actor, found, "form4", exports.export_region(actor, found, code), today)


def _remarks(row: LedgerItem) -> str:
    done = f"已整改（{row.fixed_on.isoformat()}）" if row.state == LedgerState.FIXED.value and row.fixed_on else ""
    return "；".join(part for part in (done, row.remarks or "") if part)


@exports.writer("form4")
def form4_xlsx(job: Job, progress: jobs.Progress) -> jobs.JobResult:
    user, found, region, today = exports.job_context(job)
    places = exports.villages_of(user, found, region)
    rows = list(db.session.execute(
        ledger.in_scope_query(user, found, None).where(LedgerItem.region_id.in_([v.id for v in places]))
        .options(selectinload(LedgerItem.region), selectinload(LedgerItem.household).selectinload(Household.members))
        .order_by(Region.code, LedgerItem.id)).scalars()) if places else []
    progress(0, len(rows))
    book = Workbook(write_only=True)
    sheet = book.create_sheet("问题整改台账")
    last = get_column_letter(len(FORM4_COLUMNS))
    problems.print_setup(sheet, [14, 12, 10, 21, 14, 30, 30, 10, 12, 16], "3:3", "A4")
    sheet.merged_cells.add(f"A1:{last}1")
    sheet.merged_cells.add(f"A2:{last}2")
    sheet.row_dimensions[1].height = 30
    cell = problems.cell
    sheet.append([cell(sheet, FORM4_TITLE, bold=True, centre=True, size=16, box=False)])
    sheet.append([cell(sheet, f"日期：{exports.file_date(today)}", box=False)])
    sheet.append([cell(sheet, title, bold=True, centre=True) for title in FORM4_COLUMNS])
    with_ids = 0
    for n, row in enumerate(rows, start=1):
        head = row.household.head if row.household is not None else None
        with_ids += bool(head and head.id_number)
        values = [row.unit, row.region.name, head.name if head else "", head.id_number or "" if head else "",
                  ProblemType(row.problem_type).label, row.problem, row.measure, row.responsible_name,
                  row.deadline.isoformat(), _remarks(row)]
        sheet.append([cell(sheet, v, centre=i in (1, 2, 4, 7, 8)) for i, v in enumerate(values)])
        if n % 100 == 0:
            progress(n, len(rows))
    at = len(rows) + 4
    sheet.merged_cells.add(f"A{at}:{last}{at}")
    sheet.append([cell(sheet, NOTES, box=False)])
    out = io.BytesIO()
    book.save(out)
    audit.record(user, "export", "ledger_item", None,
                 f"form4 xlsx: round={found.id} region={region.code} items={len(rows)} id_numbers={with_ids}")
    return jobs.JobResult(message=f"共 {len(rows)} 个问题", data=out.getvalue(), content_type=exports.XLSX,
                          filename=f"附件4问题整改台账-{region.name}-{today.isoformat()}.xlsx")
