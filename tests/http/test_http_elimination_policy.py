"""Seed 004 on the case page: a proposal blocked by unfinished measures names them and the rule;
natural vanishing of a whole household without labour is refused; cancelling a measure needs a
reason; the look-back page flags 整户无劳动力 for 回退; and the county's 清退 step (not a risk
elimination): its form, its reason on the timeline, refused to other roles and outside scope."""
from __future__ import annotations

from datetime import timedelta

import pytest

import factories
from conftest import TODAY
from core.extensions import db
from domain.deadlines import add_months
from domain.enums import LabourCapacity
from elimination_support import eliminated_case, helping_case
from help_support import choices, library
from http_support import signed_in, text_of
from models import Case
from services.help import measure_tasks, plans

DAY = TODAY - timedelta(days=40)
PROPOSE = {"natural": "0", "guarantees_secure": "1", "rigid_spending_resolved": "1", "comment": "季度评估会研判"}


@pytest.fixture
def world(app, monkeypatch):
    monkeypatch.setattr("portal.office.case_page.today", lambda: TODAY)
    monkeypatch.setattr("portal.office.lookback.today", lambda: TODAY)
    world = factories.build_world()
    db.session.commit()
    return world


def _post(app, who, case_id, action, data):
    return signed_in(app, who).post(f"/cases/{case_id}/steps/{action}", data=data,
                                    content_type="multipart/form-data")


def _case(case_id: int) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case_id)


def _planned_case(world):
    """On the elimination list, its plan with two measures still 已安排."""
    case = helping_case(world, TODAY)
    case.household.sanitary_toilet = True
    lib = library(world)
    plans.save_plan(world.users["village_a"], case.id, plans.Action.REVISE_HELP_PLAN,
                    choices(lib, "乡村公益性岗位", "医疗救助"), comment="按风险类型制定", today=TODAY)
    db.session.commit()
    return case.id, lib


def test_a_proposal_with_unfinished_measures_is_blocked_naming_them(app, world):
    case_id, _ = _planned_case(world)
    page = text_of(signed_in(app, "village_a").get(f"/cases/{case_id}"))
    blocked = page[page.index('data-testid="blocked-propose_elimination"'):]
    assert "尚不符合风险消除条件：帮扶计划中还有措施未落实：乡村公益性岗位（已安排）、医疗救助（已安排）" in blocked
    assert "措施须已落实，或写明理由从帮扶计划中取消" in blocked
    panel = page[page.index('data-testid="measures"'):]
    assert "未全部落实" in panel[:400]
    refused = _post(app, "village_a", case_id, "propose_elimination", PROPOSE)
    assert refused.status_code == 409 and "帮扶计划中还有措施未落实" in text_of(refused)
    assert _case(case_id).state == "helping"
    for pm in plans.current(_case(case_id)):
        measure_tasks.update(world.users["county"], pm.id, status="done", done_on=TODAY, note="", today=TODAY)
    db.session.commit()
    page = text_of(signed_in(app, "village_a").get(f"/cases/{case_id}"))
    assert 'data-testid="blocked-propose_elimination"' not in page and "已全部落实或写明理由取消" in page
    assert _post(app, "village_a", case_id, "propose_elimination", PROPOSE).status_code == 302
    assert _case(case_id).state == "elim_proposed"


def test_natural_vanishing_of_a_household_without_labour_is_refused(app, world):
    case = helping_case(world, TODAY)
    for member in case.household.members:
        member.labour_capacity = LabourCapacity.LOST.value
    db.session.commit()
    page = text_of(signed_in(app, "village_a").get(f"/cases/{case.id}"))
    assert "风险自然消除的也不例外" in page[page.index('data-testid="labour"'):][:300]
    assert 'data-testid="natural-route"' not in page  # the natural route is not offered either
    refused = _post(app, "village_a", case.id, "propose_elimination", dict(PROPOSE, natural="1"))
    assert refused.status_code == 409
    assert "整户无劳动能力的监测对象落实兜底保障后，暂不标注风险消除" in text_of(refused)
    assert _case(case.id).state == "helping"


def test_cancelling_a_measure_in_the_form_needs_a_reason(app, world):
    case_id, lib = _planned_case(world)
    data = {"plan_form": "revise_help_plan", "measure_id": [lib["乡村公益性岗位"].id, lib["先诊疗后付费"].id],
            "comment": ""}
    missing = _post(app, "village_a", case_id, "revise_help_plan", data)
    assert missing.status_code == 400 and "请填写调整理由" in text_of(missing)
    data["comment"] = "已纳入大病保险，改为先诊疗后付费"
    assert _post(app, "village_a", case_id, "revise_help_plan", data).status_code == 302
    cancelled = [pm for pm in plans.history(_case(case_id)) if pm.status == "cancelled"]
    assert [pm.measure.name for pm in cancelled] == ["医疗救助"]
    assert cancelled[0].note.endswith("从帮扶计划中取消，理由：已纳入大病保险，改为先诊疗后付费")


# --- look-back --------------------------------------------------------------------------------

def test_the_lookback_page_flags_a_household_without_labour(app, world):
    flagged = eliminated_case(world, add_months(TODAY, -7) - timedelta(days=11))
    other = eliminated_case(world, add_months(TODAY, -7) - timedelta(days=11))
    for member in flagged.household.members:
        member.labour_capacity = LabourCapacity.NONE.value
    db.session.commit()
    page = text_of(signed_in(app, "township").get("/lookback"))
    assert f'data-testid="no-labour-{flagged.id}"' in page and f'data-testid="no-labour-{other.id}"' not in page
    rule = page[page.index('data-testid="no-labour-rule"'):][:300]
    assert "1 户" in rule and "对风险消除不稳定和整户无劳动力的监测对象进行回退" in rule
    case_page = text_of(signed_in(app, "village_a").get(f"/cases/{flagged.id}"))
    assert 'data-testid="lookback-no-labour"' in case_page
    refused = _post(app, "village_a", flagged.id, "lookback_stable", {"findings": "收入稳定", "confirmed": "1"})
    assert refused.status_code == 400 and "不能登记为稳定" in text_of(refused)
    assert _post(app, "township", flagged.id, "lookback_revert", {"reason": "整户无劳动力，回退"}).status_code == 302
    assert _case(flagged.id).state == "helping"
    assert f'data-testid="no-labour-{flagged.id}"' not in text_of(signed_in(app, "township").get("/lookback"))


# --- 清退 -----------------------------------------------------------------------------------------

def test_the_county_clears_out_on_the_case_page(app, world):
    case = helping_case(world, DAY)
    db.session.commit()
    page = text_of(signed_in(app, "county").get(f"/cases/{case.id}"))
    form = page[page.index('data-step="clear_out"'):]
    assert "清退不是风险消除" in form and "不再计为监测户" in form and "由镇乡村振兴工作站统一提出申请" in form
    for who in ("village_a", "township"):
        assert 'data-step="clear_out"' not in text_of(signed_in(app, who).get(f"/cases/{case.id}"))
    empty = _post(app, "county", case.id, "clear_out", {"reason": "  ", "application": "镇申请"})
    html = text_of(empty)
    assert empty.status_code == 400 and "请填写清退理由" in html and 'value="镇申请"' in html
    ok = _post(app, "county", case.id, "clear_out", {"reason": "家庭经营收入未如实申报，不符合监测范围",
                                                    "application": "青山镇11月18日申请"})
    assert ok.status_code == 302
    found = _case(case.id)
    assert found.state == "cleared" and found.household.attribute == "ordinary"
    timeline = text_of(signed_in(app, "county").get(f"/cases/{case.id}"))
    timeline = timeline[timeline.index('data-testid="timeline"'):]
    assert "县级清退" in timeline and "家庭经营收入未如实申报" in timeline
    assert "清退：该户系错误纳入监测，不是风险消除" in timeline


@pytest.mark.parametrize("who, status", [("township", 409), ("village_a", 409), ("other_county", 404)])
def test_clear_out_refused_to_other_roles_and_outside_scope(app, world, who, status):
    factories.with_a_neighbour(world)
    case = helping_case(world, DAY)
    db.session.commit()
    assert _post(app, who, case.id, "clear_out", {"reason": "错误纳入"}).status_code == status
    assert _case(case.id).state == "helping"


def test_clear_out_after_elimination_says_the_elimination_is_withdrawn(app, world):
    case = eliminated_case(world, add_months(TODAY, -3))
    db.session.commit()
    page = text_of(signed_in(app, "county").get(f"/cases/{case.id}"))
    assert "已公告的风险消除随之撤销" in page[page.index('data-step="clear_out"'):]
    assert _post(app, "county", case.id, "clear_out", {"reason": "误纳入"}).status_code == 302
    assert _case(case.id).state == "cleared" and not _case(case.id).household.risk_eliminated
