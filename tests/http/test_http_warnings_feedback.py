"""The warning on the case page and the village's answer back to the department (核实反馈): where
the warning came from, the answer with its reason, a missing reason refused beside its field with
what was typed kept, no second answer, and who may answer."""
import re
from datetime import date

import pytest
from sqlalchemy import select

import factories
from core import clock
from core.extensions import db
from domain.department_lists import ListKind, ListRow
from domain.enums import CaseSource, HouseholdAttribute
from http_support import signed_in, text_of
from models import DepartmentList, DepartmentWarning
from services.warnings import compare
from services.workflow import cases


@pytest.fixture
def world(app):
    made = factories.build_world()
    db.session.commit()
    return made


def _civil_list(world, rows: list[ListRow], filename="民政11月.xlsx") -> DepartmentList:
    """A 民政 list compared as the confirm job does it (the pages are under test, not the job)."""
    today = clock.today()
    officer = world.users["dept"]
    found = compare.plan(ListKind.CIVIL, world.county, rows, today)
    dlist = DepartmentList(county_id=world.county.id, kind="civil", department="civil_affairs",
                           filename=filename, uploaded_by=officer)
    db.session.add(dlist)
    db.session.flush()
    compare.write(officer, dlist, found, today)
    return dlist


@pytest.fixture
def warned(world):
    """A 脱贫户 in village A on the 民政 list for 特困申请 (severe: 红色预警), line 3."""
    home = factories.household(world.village_a, clock.today())
    home.attribute = HouseholdAttribute.LIFTED.value
    id_number = home.head.id_number
    _civil_list(world, [ListRow(3, "王大山", id_number, {"matter": "特困申请", "on": date(2026, 10, 8)})])
    db.session.commit()
    warning = db.session.execute(select(DepartmentWarning)).scalar_one()
    return {"warning": warning.id, "case": warning.case_id, "id_number": id_number}


def _answer(client, warning_id: int, result: str, reason: str = ""):
    return client.post(f"/warnings/{warning_id}/feedback", data={"result": result, "reason": reason})


def test_the_case_page_shows_where_the_warning_came_from(app, warned):
    page = text_of(signed_in(app, "village_a").get(f"/cases/{warned['case']}"))
    section = page.split('data-testid="case-warnings"', 1)[1].split("</section>", 1)[0]
    assert "部门筛查预警" in page and "民政部门" in section and "“民政11月.xlsx”第3行" in section
    assert "红色预警" in section and "特困申请" in section and "待反馈（剩 3 天）" in section  # red: 3 days
    assert f'data-testid="feedback-{warned["warning"]}"' in section
    timeline = page.split('data-testid="timeline"', 1)[1]
    assert "部门筛查预警：民政部门名单" in timeline and "第3行" in timeline
    assert warned["id_number"] not in page


def test_a_case_without_warnings_has_no_section(app, world):
    home = factories.household(world.village_a, clock.today())
    case = cases.open_case(None, home.region, CaseSource.SELF_REPORT, today=clock.today(), household=home)
    db.session.commit()
    page = text_of(signed_in(app, "village_a").get(f"/cases/{case.id}"))
    assert 'data-testid="case-warnings"' not in page


def test_no_risk_needs_its_reason_beside_the_field_and_keeps_what_was_typed(app, warned):
    village = signed_in(app, "village_a")
    missing = _answer(village, warned["warning"], "no_risk", "  ")
    html = text_of(missing)
    assert missing.status_code == 400 and "核实结果为“经核实无风险”时，请写明理由" in html
    assert re.search(r'value="no_risk" checked', html)  # the choice is kept
    long_reason = "已入户核实，" + "家中" * 260
    too_long = _answer(village, warned["warning"], "no_risk", long_reason)
    assert too_long.status_code == 400 and "理由不超过500个字" in text_of(too_long)
    assert long_reason in text_of(too_long)  # what was typed, kept in the field
    nothing = _answer(village, warned["warning"], "maybe\x00²")
    assert nothing.status_code == 400
    assert "请选择核实结果" in text_of(_answer(village, warned["warning"], "maybe"))
    db.session.rollback()
    assert db.session.get(DepartmentWarning, warned["warning"]).feedback is None


def test_the_answer_goes_back_to_the_department_once(app, warned):
    village = signed_in(app, "village_a")
    done = _answer(village, warned["warning"], "no_risk", "已入户核实，特困申请未获批，家中收入稳定")
    assert done.status_code == 303
    assert done.headers["Location"].endswith(f"/cases/{warned['case']}?done=warning_feedback#warnings")
    page = text_of(village.get(done.headers["Location"]))
    assert re.search(r'data-testid="warning-answer-\d+">经核实无风险：已入户核实', page)
    assert f'data-testid="feedback-{warned["warning"]}"' not in page  # no form for an answered warning
    assert "核实反馈（预警" in page and "已反馈民政部门" in page
    again = _answer(village, warned["warning"], "included")
    assert again.status_code == 400 and "不能重复反馈" in text_of(again)
    db.session.rollback()
    stored = db.session.get(DepartmentWarning, warned["warning"])
    assert stored.feedback == "no_risk" and stored.case.warning_grade is None

    officer = signed_in(app, "dept")
    listed = text_of(officer.get("/warnings"))
    assert f'data-testid="status-{warned["warning"]}">经核实无风险<' in listed
    assert "特困申请未获批" in listed
    assert "已反馈" in text_of(officer.get("/notifications"))  # the department is told


def test_only_desk_staff_of_the_household_answer(app, warned):
    assert _answer(signed_in(app, "dept"), warned["warning"], "included").status_code == 403
    assert _answer(signed_in(app, "grid_a1"), warned["warning"], "included").status_code == 403
    assert _answer(signed_in(app, "village_b"), warned["warning"], "included").status_code == 404
    village = signed_in(app, "village_a")
    for past in (2**31, 2**40, 10**25):
        assert _answer(village, past, "included").status_code == 404
    assert _answer(signed_in(app, "township"), warned["warning"], "helped").status_code == 303
