"""The overdue list: sections, scope, filters, responsible people, measures and the .xlsx."""
import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from core.extensions import db
from domain.enums import CaseSource, HelpKind, MeasureStatus
from domain.workflow import CaseState
from factories import build_world, household, new_id
from models import Measure, PlanMeasure
from office_support import drive, new_case
from services.errors import PermissionDenied, ValidationFailed
from services.reporting import overdue, overdue_export
from services.workflow import cases

TODAY = date(2026, 11, 20)
S = CaseState


@pytest.fixture
def scene(app):
    """Village A: one case overdue (verifying, due 16 Nov), one due in 2 days (received, due
    22 Nov), one not due yet; village B: one overdue case (reported 1 Nov)."""
    world = build_world()
    late = drive(world, new_case(world, date(2026, 11, 1)), S.VERIFYING, date(2026, 11, 1))
    soon = drive(world, new_case(world, date(2026, 11, 7)), S.RECEIVED, date(2026, 11, 7))
    later = new_case(world, date(2026, 11, 19))
    id_b = new_id()
    h_b = household(world.village_b, date(2026, 11, 1), id_number=id_b)
    case_b = cases.open_case(None, world.village_b, CaseSource.SELF_REPORT, today=date(2026, 11, 1), household=h_b)
    db.session.flush()
    return world, late, soon, later, case_b, id_b


def ids(rows):
    return [r.case_id for r in rows]


def test_sections_and_days(scene):
    world, late, soon, later, case_b, _ = scene
    view = overdue.build(world.users["village_a"], TODAY)
    assert ids(view.overdue) == [late.id] and ids(view.due_soon) == [soon.id]
    row = view.overdue[0]
    assert (row.due, row.days, row.deadline, row.state) == ("2026-11-16", 4, "识别认定", "入户核实中")
    assert row.village == "青山村" and row.head == late.household.head.name
    assert row.responsible == "GRID_A1（网格员）"
    assert view.due_soon[0].days == 2
    assert view.due_soon[0].responsible == "村级工作人员（青山村）"


def test_scope(scene):
    world, late, soon, later, case_b, _ = scene
    assert ids(overdue.build(world.users["village_b"], TODAY).overdue) == [case_b.id]
    assert ids(overdue.build(world.users["township"], TODAY).overdue) == sorted([late.id, case_b.id])
    assert ids(overdue.build(world.users["county"], TODAY).overdue) == sorted([late.id, case_b.id])
    grid_view = overdue.build(world.users["grid_a1"], TODAY)  # a grid worker: their own cases only
    assert ids(grid_view.overdue) == [late.id] and grid_view.due_soon == []
    assert ids(overdue.build(world.users["grid_b1"], TODAY).overdue) == []


def test_filters(scene):
    world, late, soon, later, case_b, _ = scene
    township = world.users["township"]
    by_village = overdue.parse_filters(township, {"village": str(world.village_b.id)})
    assert ids(overdue.build(township, TODAY, by_village).overdue) == [case_b.id]
    by_kind = overdue.parse_filters(township, {"kind": "pairing"})
    assert overdue.build(township, TODAY, by_kind).overdue == []
    with pytest.raises(ValidationFailed) as refused:
        overdue.parse_filters(world.users["village_a"], {"village": str(world.village_b.id), "kind": "x"})
    assert refused.value.fields == {"village": "所选村不在您的管辖范围内", "kind": "期限类型无效"}


def _measure(world, case, department, due, status=MeasureStatus.PLANNED, name="低保兜底"):
    library = Measure(county_id=world.county.id, name=name, kind=HelpKind.SECURITY.value,
                      department=department, risk_types=["illness"])
    planned = PlanMeasure(case=case, measure=library, position=0, department=department,
                          status=status.value, planned_on=due - timedelta(days=30), due_on=due)
    db.session.add_all([library, planned])
    db.session.flush()
    return planned


def test_departments_see_their_overdue_measures_only(scene):
    world, *_ = scene
    helped = drive(world, new_case(world, date(2026, 10, 1)), S.HELPING, date(2026, 10, 1))
    _measure(world, helped, "civil_affairs", date(2026, 11, 10))
    _measure(world, helped, "education", date(2026, 11, 10), name="教育助学")
    _measure(world, helped, "civil_affairs", date(2026, 11, 10), MeasureStatus.DONE, name="临时救助")
    dept = overdue.build(world.users["dept"], TODAY)
    assert dept.show_cases is False and dept.overdue == [] and dept.due_soon == []
    assert [(m.case_id, m.measure, m.department, m.days) for m in dept.measures] == [(helped.id, "低保兜底", "民政", 10)]
    assert {m.measure for m in overdue.build(world.users["village_a"], TODAY).measures} == {"低保兜底", "教育助学"}
    assert overdue.build(world.users["village_b"], TODAY).measures == []


def test_roles_without_cases_or_measures_are_refused(scene):
    world, *_ = scene
    with pytest.raises(PermissionDenied):
        overdue.build(world.users["admin"], TODAY)


def _table(data: bytes) -> tuple[str, list[list]]:
    sheet = load_workbook(io.BytesIO(data)).active
    return sheet.title, [[c.value for c in row] for row in sheet.iter_rows()]


def test_the_export_writes_every_row_with_names_and_no_id_numbers(scene):
    world, late, soon, later, case_b, id_b = scene
    data, rows = overdue_export.overdue_xlsx(world.users["township"], TODAY, overdue.Filters())
    title, table = _table(data)
    assert title == "逾期清单" and rows == 3
    assert table[0] == overdue_export.HEADER
    b_days = (TODAY - case_b.due_date).days
    assert b_days <= 4 and case_b.id > late.id  # due with ``late`` or after it: listed after it
    assert [(r[0], r[1], r[2], r[3], r[6], r[7]) for r in table[1:]] == [
        ("已逾期", late.id, late.household.head.name, "青山村", "2026-11-16", 4),
        ("已逾期", case_b.id, case_b.household.head.name, world.village_b.name, case_b.due_date.isoformat(), b_days),
        ("即将到期", soon.id, soon.household.head.name, "青山村", "2026-11-22", -2)]
    assert table[1][8] == "GRID_A1（网格员）" and table[3][8] == "村级工作人员（青山村）"
    text = repr(table)
    for member in [*late.household.members, *case_b.household.members]:
        assert member.id_number not in text and member.id_number[-6:] not in text
    assert id_b not in text


def test_the_export_keeps_the_filters_and_the_measures(scene):
    world, late, soon, later, case_b, _ = scene
    helped = drive(world, new_case(world, date(2026, 10, 1)), S.HELPING, date(2026, 10, 1))
    _measure(world, helped, "civil_affairs", date(2026, 11, 10))
    township = world.users["township"]
    _, table = _table(overdue_export.overdue_xlsx(township, TODAY, overdue.Filters(village_id=world.village_a.id))[0])
    assert [(r[0], r[1]) for r in table[1:]] == [("已逾期", late.id), ("即将到期", soon.id), ("措施逾期", helped.id)]
    assert table[3][4:] == ["低保兜底（已安排）", "帮扶措施", "2026-11-10", 10, "民政"]
    # A deadline kind asks about case clocks: the measures are left out.
    _, table = _table(overdue_export.overdue_xlsx(township, TODAY, overdue.Filters(kind="identification"))[0])
    assert [(r[0], r[1]) for r in table[1:]] == [("已逾期", late.id), ("已逾期", case_b.id), ("即将到期", soon.id)]
    _, table = _table(overdue_export.overdue_xlsx(world.users["dept"], TODAY, overdue.Filters())[0])
    assert table[1:] == [["措施逾期", helped.id, helped.household.head.name, "青山村", "低保兜底（已安排）", "帮扶措施",
                          "2026-11-10", 10, "民政"]]


def test_a_name_typed_as_a_formula_stays_text(scene):
    world, *_ = scene
    clue = cases.open_case(None, world.village_a, CaseSource.PETITION_MEDIA, today=date(2026, 11, 1),
                           claimed_name="=HYPERLINK(1)")
    db.session.flush()
    view = overdue.build(world.users["village_a"], TODAY)
    assert "=HYPERLINK(1)" in [r.head for r in view.overdue if r.case_id == clue.id]
    data, _ = overdue_export.overdue_xlsx(world.users["village_a"], TODAY, overdue.Filters())
    sheet = load_workbook(io.BytesIO(data)).active
    [cell] = [row[2] for row in sheet.iter_rows(min_row=2) if row[1].value == clue.id]
    assert (cell.value, cell.data_type) == ("'=HYPERLINK(1)", "s")
