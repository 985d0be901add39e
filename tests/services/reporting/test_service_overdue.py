"""The overdue list: sections, scope, filters, responsible people, measures and the CSV."""
from datetime import date, timedelta

import pytest

from core.extensions import db
from domain.enums import CaseSource, HelpKind, MeasureStatus
from domain.workflow import CaseState
from factories import build_world, household, new_id
from models import AuditLog, Measure, PlanMeasure
from office_support import drive, new_case
from services.errors import PermissionDenied, ValidationFailed
from services.reporting import overdue
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


def test_csv_has_bom_names_and_no_id_numbers(scene):
    world, late, soon, later, case_b, id_b = scene
    body = overdue.export(world.users["township"], TODAY, overdue.Filters())
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("区段,案件编号,户主,村")
    assert len(lines) == 1 + 3
    assert case_b.household.head.name in text
    for member in [*late.household.members, *case_b.household.members]:
        assert member.id_number not in text and member.id_number[-6:] not in text
    assert id_b not in text
    entry = db.session.query(AuditLog).filter_by(action="export", object_type="overdue_list").one()
    assert entry.detail == "rows=3"


def test_csv_cells_are_not_formulas():
    assert overdue.csv_bytes(["a"], [["=1+1"], [-3], ["@x"]]).decode("utf-8-sig").splitlines() == \
        ["a", "'=1+1", "-3", "'@x"]
