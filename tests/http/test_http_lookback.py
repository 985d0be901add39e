"""Look-back (回头看) over HTTP: the list of eliminated households due for a re-check, and the
three outcomes on the case page, each by its role; 409 to other roles, 404 outside scope."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest

import factories
from conftest import TODAY
from core.extensions import db
from domain.deadlines import add_months
from elimination_support import eliminated_case
from http_support import signed_in, text_of
from models import Case
from office_support import PDF


@pytest.fixture
def world(app, monkeypatch):
    monkeypatch.setattr("portal.office.case_page.today", lambda: TODAY)
    monkeypatch.setattr("portal.office.lookback.today", lambda: TODAY)
    world = factories.build_world()
    db.session.commit()
    return world


def _announced(world, announced) -> int:
    case = eliminated_case(world, announced - timedelta(days=11))
    db.session.commit()
    return case.id


def _case(case_id: int) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case_id)


def test_lookback_list_by_urgency_for_desk_roles(app, world):
    overdue = _announced(world, add_months(TODAY, -7))
    soon = _announced(world, add_months(TODAY, -6) + timedelta(days=3))
    later = _announced(world, add_months(TODAY, -1))
    page = text_of(signed_in(app, "village_a").get("/lookback"))
    due = page[page.index('data-testid="lookback-due"'):page.index('data-testid="lookback-later"')]
    assert due.index(f'data-case="{overdue}"') < due.index(f'data-case="{soon}"')
    assert "已逾期" in due and "剩 3 天" in due and f'data-case="{later}"' not in due
    assert f'data-case="{later}"' in page[page.index('data-testid="lookback-later"'):]
    head = _case(overdue).household.head
    assert head.id_number_masked in page and head.id_number not in page
    assert f'href="/cases/{overdue}#steps"' in page
    assert 'href="/lookback"' in page  # in the navigation bar
    assert 'data-testid="lookback-due-empty"' in text_of(signed_in(app, "village_b").get("/lookback"))
    assert f'data-case="{overdue}"' in text_of(signed_in(app, "county").get("/lookback"))
    for who in ("grid_a1", "cadre_a", "dept"):
        assert signed_in(app, who).get("/lookback").status_code == 403


def test_stable_recorded_by_village_staff(app, world):
    case_id = _announced(world, add_months(TODAY, -6))
    client = signed_in(app, "village_a")
    page = text_of(client.get(f"/cases/{case_id}"))
    assert 'data-step="lookback_stable"' in page and 'data-step="reidentify"' in page
    assert 'data-step="lookback_revert"' not in page  # township or county only
    response = client.post(f"/cases/{case_id}/steps/lookback_stable", data={"findings": ""})
    assert response.status_code == 400 and "请填写回头看情况" in text_of(response)
    response = client.post(f"/cases/{case_id}/steps/lookback_stable", content_type="multipart/form-data",
                           data={"findings": "务工收入稳定", "confirmed": "1",
                                 "record": (io.BytesIO(PDF), "回头看记录.pdf")})
    assert response.status_code == 302
    case = _case(case_id)
    assert case.lookback_on == TODAY and case.due_date is None and case.state == "eliminated"
    assert [ev.label for ev in case.events[-1].evidence] == ["回头看记录.pdf"]
    assert f'data-case="{case_id}"' not in text_of(client.get("/lookback"))
    assert "回头看：收入稳定，未发现新的风险" in text_of(client.get(f"/cases/{case_id}"))


def test_revert_by_township_back_to_helping(app, world):
    case_id = _announced(world, add_months(TODAY, -6))
    refused = signed_in(app, "village_a").post(f"/cases/{case_id}/steps/lookback_revert",
                                               data={"reason": "务工中断"})
    assert refused.status_code == 409 and "须由乡镇工作人员或县级工作人员办理" in text_of(refused)
    response = signed_in(app, "township").post(f"/cases/{case_id}/steps/lookback_revert",
                                               data={"reason": "务工中断，收入不稳"})
    assert response.status_code == 302
    case = _case(case_id)
    assert case.state == "helping" and case.eliminated_on is None


def test_reidentify_by_village_staff_with_the_new_risk(app, world):
    case_id = _announced(world, add_months(TODAY, -6))
    refused = signed_in(app, "county").post(f"/cases/{case_id}/steps/reidentify",
                                            data={"reason": "房屋受灾", "risk_types": "disaster"})
    assert refused.status_code == 409
    client = signed_in(app, "village_a")
    response = client.post(f"/cases/{case_id}/steps/reidentify", data={"reason": "房屋受灾"})
    assert response.status_code == 400 and "请至少选择一项风险类型" in text_of(response)
    response = client.post(f"/cases/{case_id}/steps/reidentify",
                           data={"reason": "房屋受灾", "risk_types": ["disaster", "housing"]})
    assert response.status_code == 302
    case = _case(case_id)
    assert case.state == "received" and case.risk_types == ["disaster", "housing"]
    assert case.due_date == TODAY + timedelta(days=15)
    assert 'data-step="assign_verifier"' in text_of(client.get(f"/cases/{case_id}"))


@pytest.mark.parametrize("action, data", [
    ("lookback_stable", {"findings": "稳定", "confirmed": "1"}),
    ("lookback_revert", {"reason": "不稳"}),
    ("reidentify", {"reason": "新风险", "risk_types": "illness"}),
])
def test_outcomes_outside_scope_are_not_found(app, world, action, data):
    case_id = _announced(world, add_months(TODAY, -6))
    assert signed_in(app, "village_b").post(f"/cases/{case_id}/steps/{action}", data=data).status_code == 404
    assert _case(case_id).state == "eliminated"
