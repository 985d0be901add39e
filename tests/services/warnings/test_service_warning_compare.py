"""Comparing a department list with the register: matching by blind index, grading by household
kind, a clue opened or an open case joined, unmatched rows kept, the same rows sent twice raising
nothing new, and the monthly comparison finding a person registered since."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from core.extensions import db
from domain.department_lists import ListKind, ListRow
from domain.enums import CaseSource, HouseholdAttribute
from factories import build_world, household, new_id
from models import Case, CaseEvent, DepartmentList, DepartmentRow, DepartmentWarning
from services.warnings import compare
from services.workflow import cases

TODAY = date(2026, 11, 20)


@pytest.fixture
def world(app):
    return build_world()


def _medical(line: int, id_number: str, out_of_pocket: str, name: str = "王大山") -> ListRow:
    return ListRow(line, name, id_number, {"period_start": date(2026, 1, 1), "period_end": date(2026, 10, 31),
                                           "out_of_pocket": Decimal(out_of_pocket)})


def _send(world, rows, kind=ListKind.MEDICAL, today=TODAY, filename="医保10月.xlsx"):
    officer = world.users["county"]
    found = compare.plan(kind, world.county, rows, today)
    dlist = DepartmentList(county_id=world.county.id, kind=kind.value, department=kind.department.value,
                           filename=filename, uploaded_by=officer)
    db.session.add(dlist)
    db.session.flush()
    written = compare.write(officer, dlist, found, today)
    return found, dlist, written


def _head_id(made) -> str:
    return made.head.id_number


def test_a_lifted_household_over_the_lower_line_gets_an_orange_clue_in_its_village(world):
    made = household(world.village_a, TODAY)
    made.attribute = HouseholdAttribute.LIFTED.value
    ordinary = household(world.village_b, TODAY)
    found, dlist, written = _send(world, [_medical(2, _head_id(made), "12000"),
                                          _medical(3, _head_id(ordinary), "12000")])
    assert [p.state for p in found.rows] == ["warning", "no_warning"]  # 12,000 > 10,000 but < 26,000
    warning = db.session.execute(select(DepartmentWarning)).scalar_one()
    assert warning.grade == "orange" and warning.household_id == made.id
    assert warning.due_on == TODAY + timedelta(days=7)
    case = warning.case
    assert case.source == CaseSource.DEPARTMENT_WARNING.value and case.household_id == made.id
    assert case.region_id == made.region_id and case.warning_grade == "orange"
    assert "12,000元，超过10,000元" in case.reporter_words and "医保10月.xlsx" in case.reporter_words
    assert written.opened == 1 and dlist.warnings == 1 and dlist.unmatched == 0


def test_severe_costs_of_a_monitored_household_are_red_and_an_open_case_is_joined(world):
    made = household(world.village_a, TODAY)
    made.attribute = HouseholdAttribute.MONITORED.value
    open_case = cases.open_case(world.users["village_a"], made.region, CaseSource.GRID_VISIT, today=TODAY,
                                risk_types=["illness"], household=made)
    _send(world, [_medical(2, _head_id(made), "20000")])  # 2 × 10,000
    warning = db.session.execute(select(DepartmentWarning)).scalar_one()
    assert warning.grade == "red" and warning.case_id == open_case.id and warning.joined_open_case
    assert db.session.execute(select(func.count(Case.id))).scalar_one() == 1
    assert open_case.warning_grade == "red" and open_case.warning_due == TODAY + timedelta(days=3)
    events = db.session.execute(select(CaseEvent).where(CaseEvent.case_id == open_case.id)).scalars().all()
    assert events[-1].data["joined_report"] == CaseSource.DEPARTMENT_WARNING.value


def test_the_same_rows_sent_again_raise_nothing_new(world):
    made = household(world.village_a, TODAY)
    rows = [_medical(2, _head_id(made), "30000")]
    _send(world, rows)
    found, dlist, written = _send(world, rows, filename="医保10月(1).xlsx")
    assert found.repeated == 1 and found.rows == [] and written.warnings == 0
    assert db.session.execute(select(func.count(DepartmentWarning.id))).scalar_one() == 1
    assert db.session.execute(select(func.count(DepartmentRow.id))).scalar_one() == 1


def test_a_person_not_on_the_register_is_kept_unmatched_and_found_by_the_monthly_comparison(world):
    stranger = new_id()
    found, dlist, _ = _send(world, [_medical(2, stranger, "50000", name="张三")])
    row = db.session.execute(select(DepartmentRow)).scalar_one()
    assert row.state == "unmatched" and dlist.unmatched == 1 and row.id_number == stranger
    stored = db.session.execute(text("SELECT id_number_enc, facts_enc FROM department_row")).one()
    assert stranger not in stored[0] and "50000" not in stored[1]  # encrypted at rest
    household(world.village_b, TODAY, id_number=stranger)
    later = TODAY + timedelta(days=30)
    counts = compare.recompare_write(compare.recompare_plan(world.county, later), later)
    assert counts == {"rows": 1, "matched": 1, "warnings": 1}
    assert row.state == "warning" and dlist.unmatched == 0 and dlist.warnings == 1
    again = compare.recompare_write(compare.recompare_plan(world.county, later), later)
    assert again["warnings"] == 0


def test_the_monthly_comparison_reads_again_only_what_may_have_changed(world):
    made = household(world.village_a, TODAY)  # 一般农户: 12,000 is under its 26,000
    _send(world, [_medical(2, _head_id(made), "12000")])
    later = TODAY + timedelta(days=30)
    assert compare.recompare_plan(world.county, later).pairs == []  # nothing changed: nothing read
    made.attribute = HouseholdAttribute.MONITORED.value  # identified since: the 10,000 line applies
    counts = compare.recompare_write(compare.recompare_plan(world.county, later), later)
    assert counts == {"rows": 1, "matched": 0, "warnings": 1}
    warning = db.session.execute(select(DepartmentWarning)).scalar_one()
    assert warning.grade == "orange" and warning.sent_on == later
