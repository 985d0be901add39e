"""What people read of the warnings: the list (overdue first, filters, masked ID numbers), the
county's overview per department and grade, the unmatched rows, and the two downloads that
carry full ID numbers (read back with openpyxl, each audited)."""
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from conftest import TODAY
from core.extensions import db
from domain.department_lists import ListKind
from domain.enums import HouseholdAttribute
from factories import build_world, household, new_id
from models import AuditLog, DepartmentWarning
from services.errors import PermissionDenied
from services.warnings import feedback, views
from warning_support import officer, raise_warnings

LOOK = TODAY + timedelta(days=5)  # the red warning (due in 3 days) is then 2 days late


@pytest.fixture
def world(app):
    made = build_world()
    db.session.commit()
    return made


@pytest.fixture
def scene(world):
    """One 民政 list: 特困 for a 脱贫户 (红), 低保 for a 脱贫户 (橙), 低保 for a 一般农户 (黄), 特困 for
    a 一般农户 in 石门村 (橙, answered the next day), and a person not on the register."""
    def made(region, attribute):
        found = household(region, TODAY)
        found.attribute = attribute
        return found
    red = made(world.village_a, HouseholdAttribute.LIFTED.value)
    orange = made(world.village_a, HouseholdAttribute.LIFTED.value)
    yellow = made(world.grid_a1, HouseholdAttribute.ORDINARY.value)
    answered = made(world.village_b, HouseholdAttribute.ORDINARY.value)
    stranger = new_id()
    db.session.commit()
    raise_warnings(world, ListKind.CIVIL, [
        ["红户", red.head.id_number, "特困申请", "2026-10-08", None],
        ["黄户", yellow.head.id_number, "低保申请", "2026-10-08", None],
        ["橙户", orange.head.id_number, "低保申请", "2026-10-08", None],
        ["已答", answered.head.id_number, "特困申请", "2026-10-08", None],
        ["张三", stranger, "临时救助", "2026-10-09", 2000],
    ], filename="民政11月.xlsx")
    by_name = {w.row.name: w for w in db.session.execute(select(DepartmentWarning)).scalars()}
    feedback.answer(world.users["village_b"], by_name["已答"].id, "included", "", TODAY + timedelta(days=1))
    db.session.commit()
    return {"ids": {"红户": red.head.id_number, "橙户": orange.head.id_number, "黄户": yellow.head.id_number,
                    "已答": answered.head.id_number}, "stranger": stranger, "warnings": by_name}


def _names(page) -> list[str]:
    return [r.name for r in page.rows]


def test_the_list_puts_overdue_first_then_by_due_day_answered_last(world, scene):
    page = views.page_of(world.users["county"], views.Filters(), 1, LOOK)
    assert _names(page) == ["红户", "橙户", "黄户", "已答"] and page.total == 4
    rows = {r.name: r for r in page.rows}
    assert (rows["红户"].status, rows["红户"].status_class, rows["红户"].on_time) == ("已逾期 2 天", "overdue", False)
    assert rows["橙户"].status == "待反馈（剩 2 天）" and rows["橙户"].on_time is None
    assert rows["已答"].status == "已纳入监测" and rows["已答"].on_time is True
    assert "青山村一组" in rows["黄户"].place and "石门村" in rows["已答"].place
    for row in page.rows:  # birth dates hidden: the region and the last four stay
        full = scene["ids"][row.name]
        assert row.id_masked == full[:6] + "*" * 8 + full[-4:] and full not in repr(row)


def test_the_filters(world, scene):
    county = world.users["county"]

    def names(**chosen):
        filters, errors = views.read_filters(chosen)
        assert errors == {}
        return _names(views.page_of(county, filters, 1, LOOK))
    assert names(grade="orange") == ["橙户", "已答"]
    assert names(status="overdue") == ["红户"]
    assert names(status="pending") == ["红户", "橙户", "黄户"]
    assert names(status="answered") == ["已答"]
    assert names(department="civil_affairs", grade="red") == ["红户"]
    assert names(department="medical_insurance") == []
    filters, errors = views.read_filters({"grade": "purple", "department": "navy", "status": "late\x00"})
    assert filters == views.Filters() and set(errors) == {"grade", "department", "status"}
    assert views.read_page("99999999999999999999") == 1 and views.read_page("²") == 1
    assert views.page_of(county, views.Filters(), 999_999, LOOK).page == 1


def test_the_overview_counts_by_department_and_grade(world, scene):
    lines = {(line.department, line.grade_code): line for line in views.overview(world.users["county"], LOOK)}
    assert set(lines) == {("民政", "red"), ("民政", "orange"), ("民政", "yellow")}
    red, orange, yellow = lines[("民政", "red")], lines[("民政", "orange")], lines[("民政", "yellow")]
    assert (red.sent, red.in_time, red.late, red.included, red.pending) == (1, 0, 1, 0, 0)
    assert (orange.sent, orange.in_time, orange.late, orange.included, orange.pending) == (2, 1, 0, 1, 1)
    assert (yellow.sent, yellow.in_time, yellow.late, yellow.included, yellow.pending) == (1, 0, 0, 0, 1)
    village = {(line.department, line.grade_code): line.sent for line in views.overview(world.users["village_b"], LOOK)}
    assert village == {("民政", "orange"): 1}


def _table(content: bytes) -> list[list]:
    return [[c.value for c in row] for row in load_workbook(io.BytesIO(content)).active.iter_rows()]


def _exports(object_type: str) -> list[AuditLog]:
    return db.session.execute(select(AuditLog).where(AuditLog.action == "export",
                                                     AuditLog.object_type == object_type)).scalars().all()


def test_the_feedback_table_has_every_warning_overdue_first_with_full_numbers_and_is_audited(world, scene):
    county = world.users["county"]
    name, content = views.feedback_xlsx(county, views.Filters(), LOOK)
    db.session.commit()
    assert name.endswith(".xlsx") and LOOK.isoformat() in name
    table = _table(content)
    assert table[1] == list(views.FEEDBACK_COLUMNS)
    rows = [dict(zip(table[1], r)) for r in table[2:]]
    assert [r["姓名"] for r in rows] == ["红户", "橙户", "黄户", "已答"]
    assert all(r["身份证号码"] == scene["ids"][r["姓名"]] for r in rows)
    assert rows[0]["预警等级"] == "红色预警" and rows[0]["核实结果"] == "未反馈" and rows[0]["是否按期反馈"] == "否"
    assert rows[3]["核实结果"] == "已纳入监测" and rows[3]["是否按期反馈"] == "是" and "特困申请" in rows[3]["触发情况"]
    assert rows[0]["名单"] == "民政11月.xlsx" and rows[0]["部门"] == "民政"
    audited = _exports("department_warning")
    assert len(audited) == 1 and audited[0].user_id == county.id and scene["ids"]["红户"] not in audited[0].detail


def test_the_unmatched_rows_masked_and_in_full_in_their_audited_download(world, scene):
    civil = world.users["dept"]
    rows, total, pages = views.unmatched(civil, 1)
    assert total == 1 and pages == 1 and rows[0].name == "张三" and rows[0].line == 6
    assert rows[0].id_masked != scene["stranger"] and scene["stranger"] not in repr(rows[0])
    name, content = views.unmatched_xlsx(civil)
    db.session.commit()
    table = _table(content)
    assert table[0] == list(views.UNMATCHED_COLUMNS)
    assert [(r[0], r[1], r[3], r[4], r[5]) for r in table[1:]] == [("民政", "民政11月.xlsx", 6, "张三", scene["stranger"])]
    assert len(_exports("department_row")) == 1
    medical = officer(world, ListKind.MEDICAL)
    assert views.unmatched(medical, 1)[1] == 0
    for who in ("village_a", "township"):
        with pytest.raises(PermissionDenied):
            views.unmatched(world.users[who], 1)
        with pytest.raises(PermissionDenied):
            views.unmatched_xlsx(world.users[who])


def test_the_lists_sent_and_who_may_read(world, scene):
    assert [sent.filename for sent in views.lists_sent(world.users["dept"])] == ["民政11月.xlsx"]
    assert views.lists_sent(world.users["county"])[0].warnings == 4
    assert views.lists_sent(officer(world, ListKind.WATER)) == []
    assert views.lists_sent(world.users["village_a"]) == []
    for who in ("grid_a1", "cadre_a", "auditor", "admin"):
        assert not views.may_view(world.users[who])
        with pytest.raises(PermissionDenied):
            views.page_of(world.users[who], views.Filters(), 1, LOOK)
        with pytest.raises(PermissionDenied):
            views.feedback_xlsx(world.users[who], views.Filters(), LOOK)


def test_a_department_officer_s_list_opens_no_case(world, scene):
    page = views.page_of(world.users["dept"], views.Filters(), 1, LOOK)
    assert _names(page) == ["红户", "橙户", "黄户", "已答"] and all(r.case_id is None for r in page.rows)
    assert all(r.case_id is not None for r in views.page_of(world.users["county"], views.Filters(), 1, LOOK).rows)
