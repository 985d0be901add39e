"""Cells for the spreadsheets officials open (the overdue export, the dashboard's CSV)."""
from __future__ import annotations

import csv
import io


def csv_bytes(header: list[str], rows: list[list]) -> bytes:
    """UTF-8 with a byte-order mark, which Excel needs to open Chinese text correctly. Text
    cells that a spreadsheet would run as a formula get a leading apostrophe (the dashboard's
    CSV)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([not_a_formula(v) for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def not_a_formula(value):
    """Text a spreadsheet would read as a formula (a name or measure typed as ``=…``) gets a
    leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
