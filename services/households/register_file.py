"""An uploaded register file as rows of cells: ``.xlsx``, ``.xls`` or ``.csv``.

The kind is told by the file's first bytes, not its name (staff rename files, and WeChat adds
``(1)``): a zip is ``.xlsx`` (read row by row with openpyxl's read-only mode, so memory does not
grow with the file), an OLE2 compound file is the old ``.xls`` (python-calamine; the format holds
at most 65,536 rows), anything else must be text: ``.csv`` in UTF-8 (with or without BOM) or in
GBK, which is what Excel on a Chinese Windows writes. Only the first sheet is read.
"""
from __future__ import annotations

import csv
import io
import zipfile
from typing import Iterator

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from python_calamine import CalamineError, CalamineWorkbook

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class UnreadableFile(ValueError):
    """The file cannot be read as a table; the message says why in Chinese."""


def kind_of(content: bytes) -> str:
    """``xlsx``, ``xls`` or ``csv``, from the first bytes."""
    if content.startswith(ZIP_MAGIC):
        return "xlsx"
    if content.startswith(OLE2_MAGIC):
        return "xls"
    return "csv"


def rows(content: bytes) -> Iterator[list[object]]:
    """The first sheet's rows, each a list of cells (text, numbers, dates, or None)."""
    if not content:
        raise UnreadableFile("文件是空的")
    kind = kind_of(content)
    if kind == "xlsx":
        return _xlsx_rows(content)
    if kind == "xls":
        return _xls_rows(content)
    return _csv_rows(content)


def _xlsx_rows(content: bytes) -> Iterator[list[object]]:
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = book.worksheets[0]
    except (InvalidFileException, zipfile.BadZipFile, KeyError, IndexError, OSError, ValueError) as exc:
        raise UnreadableFile("文件已损坏，或不是Excel表格（.xlsx）") from exc
    return _closing(book, sheet.iter_rows(values_only=True))


def _closing(book, source) -> Iterator[list[object]]:
    try:
        for row in source:
            yield list(row)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UnreadableFile("文件已损坏，读到一半无法继续") from exc
    finally:
        book.close()


def _xls_rows(content: bytes) -> Iterator[list[object]]:
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        sheet = book.get_sheet_by_index(0)
        found = sheet.to_python(skip_empty_area=False)
    except (CalamineError, ValueError, IndexError, OSError) as exc:
        raise UnreadableFile("文件已损坏，或不是Excel表格（.xls）") from exc
    return iter([list(row) for row in found])


def _csv_rows(content: bytes) -> Iterator[list[object]]:
    if b"\x00" in content[:4096]:
        raise UnreadableFile("不是表格文件：请上传 .xlsx、.xls 或 .csv")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnreadableFile("CSV 文件的编码无法识别：请另存为 UTF-8 或 GBK 编码")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return (row for row in csv.reader(io.StringIO(text, newline=""), dialect))
