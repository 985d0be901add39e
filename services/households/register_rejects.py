"""The rows of a register file that were not imported, as an ``.xlsx`` to fix and upload again:
the file's own header and rows, unchanged, with a column 错误原因 at the end."""
from __future__ import annotations

import io
from itertools import chain, islice

from openpyxl import Workbook

from domain.register_columns import HEADER_SEARCH_ROWS, find_header
from services.households import register_file
from services.households.register_import import ImportReport

REASON_COLUMN = "错误原因"


def rejected_rows_xlsx(content: bytes, report: ImportReport) -> bytes:
    reasons: dict[int, list[str]] = {}
    for problem in report.problems:
        reasons.setdefault(problem.line, []).append(
            f"{problem.column}：{problem.reason}" if problem.column else problem.reason)
    rows = register_file.rows(content)
    top = list(islice(rows, HEADER_SEARCH_ROWS))
    header = find_header(top)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("未导入的行")
    sheet.append([*top[header.row], REASON_COLUMN])
    width = len(top[header.row])
    line = header.row + 1
    for row in chain(top[header.row + 1:], rows):
        line += 1
        found = reasons.get(line)
        if found:
            cells = list(row[:width]) + [None] * (width - len(row))
            sheet.append([*cells, "；".join(found)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
