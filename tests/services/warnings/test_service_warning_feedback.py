"""The village's answer to a department warning (核实反馈): the four results, the reasons two of
them need, one answer per warning, the case's pending warning cleared when all are answered, the
department's officers told after commit, and who may answer."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from conftest import TODAY
from core.extensions import db
from domain.department_lists import ListKind
from domain.enums import HouseholdAttribute
from factories import build_world, household
from models import AuditLog, CaseEvent, DepartmentWarning, Notification
from services.errors import NotFound, PermissionDenied, ValidationFailed
from services.warnings import feedback
from warning_support import officer, raise_warnings, warning_row

LATER = TODAY + timedelta(days=2)


@pytest.fixture
def world(app):
    made = build_world()
    db.session.commit()
    return made


@pytest.fixture
def warned(world):
    """A 脱贫户 in 青山村 with two warnings on one case: 民政 特困申请 (红) and 住建 C级 (橙)."""
    made = household(world.village_a, TODAY)
    made.attribute = HouseholdAttribute.LIFTED.value
    officer(world, ListKind.HOUSING)
    db.session.commit()
    raise_warnings(world, ListKind.CIVIL, [["王大山", made.head.id_number, "特困申请", "2026-10-08", None]])
    raise_warnings(world, ListKind.HOUSING, [warning_row(ListKind.HOUSING, "王大山", made.head.id_number)])
    found = db.session.execute(select(DepartmentWarning).order_by(DepartmentWarning.id)).scalars().all()
    assert [w.grade for w in found] == ["red", "orange"] and found[0].case_id == found[1].case_id
    return found


def _notifications(user=None):
    query = select(Notification).where(Notification.kind == "warning").order_by(Notification.id)
    if user is not None:
        query = query.where(Notification.user_id == user.id)
    return db.session.execute(query).scalars().all()


@pytest.mark.parametrize("result,reason", [("included", ""), ("helped", "已办理特困供养"),
                                           ("no_risk", "已有稳定收入，经入户核实无风险"), ("wrong", "身份证号填错")])
def test_each_answer_is_recorded_on_the_warning_and_the_case(world, warned, result, reason):
    red = warned[0]
    answered = feedback.answer(world.users["village_a"], red.id, result, reason, LATER)
    db.session.commit()
    assert (answered.feedback, answered.feedback_on, answered.feedback_by_id) == (
        result, LATER, world.users["village_a"].id)
    assert (answered.feedback_reason or "") == reason
    events = db.session.execute(select(CaseEvent).where(CaseEvent.case_id == red.case_id)).scalars().all()
    told = [e for e in events if "warning_feedback" in (e.data or {})]
    assert len(told) == 1 and told[0].data["warning_feedback"] == {
        "warning_id": red.id, "result": result, "department": "civil_affairs"}
    assert db.session.execute(select(func.count(AuditLog.id)).where(
        AuditLog.object_type == "department_warning", AuditLog.object_id == str(red.id),
        AuditLog.action == "update")).scalar_one() == 1


@pytest.mark.parametrize("result", ["no_risk", "wrong"])
def test_no_risk_and_wrong_need_a_reason(world, warned, result):
    with pytest.raises(ValidationFailed) as raised:
        feedback.answer(world.users["village_a"], warned[0].id, result, "  ", LATER)
    assert set(raised.value.fields) == {"reason"}
    db.session.rollback()
    assert db.session.get(DepartmentWarning, warned[0].id).feedback is None


def test_an_unknown_result_is_refused_beside_the_result(world, warned):
    with pytest.raises(ValidationFailed) as raised:
        feedback.answer(world.users["village_a"], warned[0].id, "maybe\x00", "", LATER)
    assert set(raised.value.fields) == {"result"}


def test_a_warning_is_answered_once(world, warned):
    feedback.answer(world.users["village_a"], warned[0].id, "included", "", LATER)
    db.session.commit()
    with pytest.raises(ValidationFailed) as raised:
        feedback.answer(world.users["township"], warned[0].id, "wrong", "另一人说信息有误", LATER)
    assert "不能重复反馈" in raised.value.fields["result"]
    db.session.rollback()
    assert db.session.get(DepartmentWarning, warned[0].id).feedback == "included"


def test_the_case_shows_the_pending_warning_until_all_are_answered(world, warned):
    red, orange = warned
    case = red.case
    assert (case.warning_grade, case.warning_due) == ("red", TODAY + timedelta(days=3))
    feedback.answer(world.users["village_a"], red.id, "included", "", LATER)
    db.session.commit()
    assert (case.warning_grade, case.warning_due) == ("orange", TODAY + timedelta(days=7))
    feedback.answer(world.users["township"], orange.id, "helped", "", LATER)
    db.session.commit()
    assert (case.warning_grade, case.warning_due) == (None, None)


def test_the_department_s_officers_are_told_after_commit(world, warned):
    civil = world.users["dept"]
    housing = officer(world, ListKind.HOUSING)
    db.session.commit()
    feedback.answer(world.users["village_a"], warned[0].id, "no_risk", "经核实已就业", LATER)
    assert _notifications() == []  # not before the answer is committed
    db.session.commit()
    told = _notifications()
    assert [n.user_id for n in told] == [civil.id] and _notifications(housing) == []
    assert "经核实无风险" in told[0].title and "第2行" in told[0].title
    assert warned[0].household.head.id_number not in told[0].title and "王大山" not in told[0].title


@pytest.mark.parametrize("who", ["grid_a1", "cadre_a", "dept", "auditor"])
def test_field_workers_cadres_and_departments_may_not_answer(world, warned, who):
    with pytest.raises(PermissionDenied):
        feedback.answer(world.users[who], warned[0].id, "included", "", LATER)


def test_staff_outside_the_household_s_area_get_not_found(world, warned):
    with pytest.raises(NotFound):
        feedback.answer(world.users["village_b"], warned[0].id, "included", "", LATER)
    for bad_id in (0, -1, 2**31, 2**63):
        with pytest.raises(NotFound):
            feedback.answer(world.users["county"], bad_id, "included", "", LATER)
    assert feedback.warnings_of_case(world.users["village_b"], warned[0].case) == []
    assert [w.id for w in feedback.warnings_of_case(world.users["village_a"], warned[0].case)] == [
        w.id for w in warned]


@pytest.mark.parametrize("who", ["village_a", "township", "county"])
def test_desk_staff_of_the_area_may_answer(world, warned, who):
    assert feedback.may_answer(world.users[who])
    feedback.answer(world.users[who], warned[1].id, "included", "", LATER)
    db.session.commit()
    assert db.session.get(DepartmentWarning, warned[1].id).feedback == "included"
