"""The register import pages: upload → check (a job) → report → confirm (a job) → households,
and the rows not imported as an .xlsx."""
import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

import factories
from core.extensions import db
from http_support import signed_in
from models import Household, Job

HEADER = ["户编号", "乡（镇）", "行政村", "自然村（组）", "姓名", "证件号码", "与户主关系", "劳动技能", "家庭纯收入（元）"]


@pytest.fixture
def world(app):
    made = factories.build_world()
    db.session.commit()
    return made


def _file(rows) -> bytes:
    book = Workbook()
    book.active.append(["户成员信息"])
    book.active.append(HEADER)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rows():
    return [["H001", "青山镇", "青山村", "一组", "王大山", factories.new_id(), "户主", "普通劳动力", 26000],
            ["H001", "青山镇", "青山村", "一组", "李秀英", factories.new_id(), "配偶", "普通劳动力", None],
            ["H002", "青山镇", "石门村", "", "赵四", "341599197001011234", "户主", "普通劳动力", 9000]]


def _upload(client, content, name="户成员信息.xlsx"):
    return client.post("/register/import", data={"file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def _households():
    db.session.rollback()
    return db.session.execute(select(func.count(Household.id))).scalar_one()


def test_upload_check_confirm_and_the_rows_not_imported(app, world):
    county = signed_in(app, "county")
    rows = _rows()
    sent = _upload(county, _file(rows))
    assert sent.status_code == 303
    report_url = sent.headers["Location"]
    page = county.get(report_url).get_data(as_text=True)
    assert "检查结果（尚未写入）" in page and 'data-testid="count-new">1<' in page
    assert 'data-testid="count-rejected">1<' in page and "证件号码" in page and "341599197001011234" not in page
    assert _households() == 0  # a check writes nothing

    rejected = county.get(report_url + "/rejected.xlsx")
    assert rejected.status_code == 200 and rejected.headers["Cache-Control"] == "no-store"
    table = [[c.value for c in row] for row in load_workbook(io.BytesIO(rejected.data)).active.iter_rows()]
    assert table[0] == HEADER + ["错误原因"] and table[1][0] == "H002" and len(table) == 2

    confirmed = county.post(report_url + "/confirm")
    assert confirmed.status_code == 303 and confirmed.headers["Location"] != report_url
    done = county.get(confirmed.headers["Location"]).get_data(as_text=True)
    assert "导入结果" in done and 'data-testid="count-new">1<' in done and "确认导入" not in done
    assert _households() == 1
    again = _upload(county, _file(rows))  # the same file again
    page = county.get(again.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="count-new">0<' in page and 'data-testid="count-updated">0<' in page
    assert "没有需要写入的农户" in page


def test_an_empty_upload_is_refused_beside_the_field(app, world):
    county = signed_in(app, "county")
    answer = county.post("/register/import", data={"file": (io.BytesIO(b""), "空.xlsx")},
                         content_type="multipart/form-data")
    assert answer.status_code == 400 and 'data-testid="error-file"' in answer.get_data(as_text=True)
    assert db.session.execute(select(func.count(Job.id))).scalar_one() == 0


def test_a_broken_file_fails_its_check_in_plain_chinese(app, world):
    county = signed_in(app, "county")
    sent = _upload(county, b"PK\x03\x04 not really a workbook")
    page = county.get(sent.headers["Location"]).get_data(as_text=True)
    assert "失败" in page and "不是Excel表格" in page and "Traceback" not in page


def test_only_county_and_township_staff_and_only_their_own_jobs(app, world):
    assert signed_in(app, "village_a").get("/register/import").status_code == 403
    assert signed_in(app, "township").get("/register/import").status_code == 200
    sent = _upload(signed_in(app, "county"), _file(_rows()))
    other = signed_in(app, "township")
    assert other.get(sent.headers["Location"]).status_code == 404
    assert other.post(sent.headers["Location"] + "/confirm").status_code == 404
    assert other.get(sent.headers["Location"] + "/rejected.xlsx").status_code == 404
    assert "导入档案" in signed_in(app, "county").get("/").get_data(as_text=True)
