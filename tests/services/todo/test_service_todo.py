"""我的待办 as each role sees it: the steps that are theirs now (``duty_for``), within their
scope, soonest deadline first, names masked; another person's steps and cases outside the scope
are absent; a reviewer's facts are an audited read of the full record."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from conftest import TODAY
from core.extensions import db
from domain.enums import Role
from domain.workflow import CaseState
from models import AuditLog, User
from services.errors import NotFound, PermissionDenied
from services.notifications.notify import duty_for
from services.todo import board, facts, ordering, steps
from todo_support import build_todo_scene


@pytest.fixture
def scene(app):
    return build_todo_scene()


def _lists(scene, name, page=1):
    found = board.board(db.session.get(User, scene.users[name]), TODAY, page)
    return {s.key: s for s in found.sections}


def _ids(section):
    return [r.case_id for r in section.rows]


def test_the_states_come_from_duty_for():
    assert steps.VILLAGE_CLUES == (CaseState.REPORTED, CaseState.RECEIVED)
    assert steps.VILLAGE_NOTICES == (CaseState.PUBLICIZING, CaseState.ELIM_PUBLICIZING)
    assert steps.TOWNSHIP_REVIEWS == (CaseState.TOWNSHIP_REVIEW, CaseState.ELIM_TOWNSHIP_REVIEW)
    assert steps.COUNTY_REVIEWS == (CaseState.COUNTY_REVIEW, CaseState.ELIM_COUNTY_REVIEW)
    assert steps.VERIFICATIONS == (CaseState.VERIFYING, CaseState.ELIM_PROPOSED)
    for state in steps.TOWNSHIP_REVIEWS:
        assert duty_for(state).staff is Role.TOWNSHIP_STAFF and duty_for(state).person is None
    assert [r for r in Role if steps.decides_reviews(r)] == [Role.TOWNSHIP_STAFF]


def test_clock_colours_and_the_sooner_day():
    assert ordering.clock(TODAY - timedelta(days=2), TODAY).tone == "overdue"
    assert ordering.clock(TODAY - timedelta(days=2), TODAY).text == "已逾期 2 天"
    assert ordering.clock(TODAY, TODAY).text == "今天到期" and ordering.clock(TODAY, TODAY).due_soon
    assert ordering.clock(TODAY + timedelta(days=3), TODAY).tone == "soon"
    assert ordering.clock(TODAY + timedelta(days=4), TODAY).tone == "ok"
    assert ordering.clock(None, TODAY).tone == ""
    assert ordering.sooner(None, TODAY) == TODAY and ordering.sooner(TODAY, None) == TODAY
    assert ordering.sooner(TODAY, date(2026, 1, 1)) == date(2026, 1, 1)


def test_village_clues_and_ended_notices(scene):
    lists = _lists(scene, "village_a")
    # Soonest deadline first: the accepted clue (12 days left) before the new one (14).
    assert _ids(lists["clues"]) == [scene.received, scene.reported]
    assert [r.step for r in lists["clues"].rows] == ["指派核实人", "受理线索"]
    assert scene.village_b_clue not in _ids(lists["clues"])  # village B's clue is not village A's
    # The notice still running is not closable yet; the one past its five days is.
    assert _ids(lists["notices"]) == [scene.notice_ended]
    assert lists["notices"].rows[0].notes == ("公示开始 2026-11-12", "最早 2026-11-17 可结束")
    assert lists["verifications"].total == 0
    assert _ids(_lists(scene, "village_b")["clues"]) == [scene.village_b_clue]


def test_township_reviews_soonest_first_with_rereviews(scene):
    lists = _lists(scene, "township")
    review = lists["township"]
    assert _ids(review) == [scene.township_late, scene.township_soon]  # overdue one first
    assert (review.total, review.overdue) == (2, 1)
    assert [r.clock.tone for r in review.rows] == ["overdue", "soon"]
    assert all(r.facts and r.step == "乡镇审核" for r in review.rows)
    assert scene.neighbour not in _ids(review)  # another county's township review
    assert _ids(lists["rereviews"]) == [scene.refused]
    assert lists["rereviews"].rows[0].name == "王*山"


def test_county_sees_its_confirmations_only(scene):
    lists = _lists(scene, "county")
    assert list(lists) == ["county"]
    assert _ids(lists["county"]) == [scene.county]
    assert _lists(scene, "other_county")["county"].total == 0


def test_pair_cadre_sees_their_households_with_the_next_item(scene):
    paired = _lists(scene, "cadre_a")["paired"]
    assert _ids(paired) == [scene.paired, scene.helping]  # overdue first visit, then the measure
    first, helping = paired.rows
    assert (first.step, first.clock.tone, first.measure_id) == ("结对干部首次走访", "overdue", None)
    assert helping.step == "落实帮扶措施：结对关爱走访" and helping.measure_id == scene.cadre_measure
    assert helping.due == (TODAY + timedelta(days=2)).isoformat()
    assert scene.other_cadre not in _ids(paired)  # cadre_b's household
    assert _ids(_lists(scene, "cadre_b")["paired"]) == [scene.other_cadre]


def test_department_sees_its_measures(scene):
    measures = _lists(scene, "dept")["measures"]
    assert [r.measure_id for r in measures.rows] == [scene.dept_measure]
    assert measures.rows[0].step == "落实帮扶措施：农村低保兜底"


def test_a_verifier_sees_only_their_verifications(scene):
    assert _ids(_lists(scene, "grid_a1")["verifications"]) == [scene.verifying]
    assert _lists(scene, "grid_b1")["verifications"].total == 0


def test_rows_are_masked(scene):
    for name, key in (("village_a", "clues"), ("township", "township"), ("cadre_a", "paired"), ("dept", "measures")):
        for row in _lists(scene, name)[key].rows:
            assert "*" in row.name and (not row.id_masked or "*" in row.id_masked)


@pytest.mark.parametrize("name", ["admin", "auditor"])
def test_roles_without_steps_have_no_list(scene, name):
    with pytest.raises(PermissionDenied):
        board.board(db.session.get(User, scene.users[name]), TODAY)


def test_a_page_past_the_last_is_empty_but_counted(scene):
    lists = _lists(scene, "township", page=2)
    assert lists["township"].rows == [] and lists["township"].total == 2


def test_the_facts_are_an_audited_read(scene):
    township = db.session.get(User, scene.users["township"])
    found = facts.facts(township, scene.township_soon, TODAY)
    assert found.verification.by.startswith("GRID_A1") and found.verification.findings == "入户核实"
    assert found.eligibility.known and found.eligibility.line
    assert found.review.result == "同意" and found.review.notice_start and found.review.notice_end
    db.session.commit()
    audits = db.session.execute(select(AuditLog).where(AuditLog.object_type == "case", AuditLog.action == "read",
                                                       AuditLog.user_id == township.id)).scalars()
    assert [(a.object_id, a.detail) for a in audits] == [(str(scene.township_soon), "full record")]
    with pytest.raises(NotFound):
        facts.facts(township, scene.neighbour, TODAY)
    with pytest.raises(NotFound):  # a department reads no full record
        facts.facts(db.session.get(User, scene.users["dept"]), scene.helping, TODAY)


def test_key_answers_mark_the_risky_ones():
    shown = facts.key_answers('{"housing_safe": "no", "water_safe": "yes", "sudden_hardship": "yes", "remarks": "x"}')
    assert [(a.answer, a.risk) for a in shown] == [("否", True), ("是", False), ("是", True)]
    assert facts.key_answers("not json") == () and facts.key_answers(None) == ()
