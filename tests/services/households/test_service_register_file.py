"""Uploaded register files as rows: real .xlsx, .xls and .csv files written here, and broken ones."""
import io
import zipfile
from datetime import date, datetime

import pytest
import xlwt
from openpyxl import Workbook
from PIL import Image

from domain.register_columns import find_header
from services.households import register_file
from services.households.register_file import UnreadableFile

HEADER = ["户编号", "姓名", "证件号码", "与户主关系", "家庭纯收入（元）", "风险消除时间"]
BODY = [["H001", "王大山", "341522196003010119", "户主", 26000, date(2024, 5, 1)],
        ["H001", "李秀英", "341522198807090221", "配偶", None, None]]


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.create_sheet("说明").append(["第二张表不读"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xls(rows) -> bytes:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("户成员信息")
    dates = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, date):
                sheet.write(r, c, datetime(value.year, value.month, value.day), dates)
            elif value is not None:
                sheet.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv(rows, encoding) -> bytes:
    lines = [",".join("" if v is None else str(v) for v in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def _table(content: bytes) -> list[list]:
    return list(register_file.rows(content))


def test_xlsx_rows_keep_their_types_and_only_the_first_sheet_is_read():
    rows = _table(_xlsx([["防返贫监测户成员信息"], HEADER, *BODY]))
    assert register_file.kind_of(_xlsx([HEADER])) == "xlsx"
    header = find_header(rows)
    assert header.row == 1
    first = rows[2]
    assert first[:4] == ["H001", "王大山", "341522196003010119", "户主"]
    assert first[4] == 26000 and first[5] == datetime(2024, 5, 1)
    assert all("第二张表不读" not in str(row) for row in rows)


def test_xls_rows_from_the_old_format():
    content = _xls([HEADER, *BODY])
    assert register_file.kind_of(content) == "xls"
    rows = _table(content)
    assert rows[0] == HEADER
    assert rows[1][:4] == ["H001", "王大山", "341522196003010119", "户主"] and rows[1][4] == 26000
    assert rows[1][5] in (date(2024, 5, 1), datetime(2024, 5, 1))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_utf8_with_or_without_bom_and_in_gbk(encoding):
    rows = _table(_csv([HEADER, *BODY], encoding))
    assert rows[0] == HEADER and rows[1][:4] == ["H001", "王大山", "341522196003010119", "户主"]


def test_a_csv_written_with_semicolons_or_tabs_is_read_too():
    text = "\n".join("\t".join(str(v) for v in row) for row in [HEADER[:4], BODY[0][:4]])
    assert _table(text.encode("gbk"))[1] == ["H001", "王大山", "341522196003010119", "户主"]


@pytest.mark.parametrize("content, reason", [
    (b"", "文件是空的"),
    (b"PK\x03\x04" + b"\x00" * 100, "不是Excel表格（.xlsx）"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "不是Excel表格（.xls）"),
    (b"\xff\xfe\x00\x00" + bytes(range(256)) * 4, "不是表格文件"),
    ("户编号,姓名\n".encode("utf-16-le"), "不是表格文件"),
])
def test_broken_files_and_files_that_are_not_tables_say_so(content, reason):
    with pytest.raises(UnreadableFile, match=reason.replace("(", r"\(").replace(")", r"\)")):
        _table(content)


def test_an_image_renamed_to_xlsx_is_not_a_table():
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "PNG")
    with pytest.raises(UnreadableFile):
        _table(out.getvalue())


def test_a_zip_that_is_not_a_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "不是表格")
    with pytest.raises(UnreadableFile, match="不是Excel表格"):
        _table(out.getvalue())
