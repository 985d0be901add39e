"""The case page framework: steps offered by role, a step taken by POST, errors kept next to
the fields, refusals explained, and evidence files handed out within scope only."""
from __future__ import annotations

import pytest

import factories
import files_support
from conftest import TODAY
from core.extensions import db
from domain.enums import CaseSource
from models import Case
from services.workflow import cases
from services.workflow.cases import Evidence
from http_support import audit_rows, signed_in, text_of

PDF = files_support.pdf("minutes")  # a real one-page PDF: uploads are parsed


@pytest.fixture
def scene(app, monkeypatch):
    monkeypatch.setattr("portal.office.case_page.today", lambda: TODAY)
    world = factories.build_world()
    h = factories.household(world.grid_a1, TODAY)
    case = cases.open_case(None, h.region, CaseSource.SELF_REPORT, today=TODAY, household=h,
                           words="老人住院", evidence=[Evidence("诊断证明.pdf", PDF, "application/pdf")])
    db.session.commit()
    return {"case": case.id, "grid_a1": world.users["grid_a1"].id,
            "evidence": case.events[0].evidence[0].id}


def _state(case_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Case, case_id).state


def test_village_staff_see_the_accept_step_and_take_it(app, scene):
    client = signed_in(app, "village_a")
    page = text_of(client.get(f"/cases/{scene['case']}"))
    assert 'data-step="accept"' in page and "诊断证明.pdf" in page
    response = client.post(f"/cases/{scene['case']}/steps/accept", data={"comment": "已受理"})
    assert response.status_code == 302 and "done=accept" in response.headers["Location"]
    assert _state(scene["case"]) == "received"
    after = text_of(client.get(response.headers["Location"]))
    assert 'data-step="assign_verifier"' in after and "已办理" in after


def test_county_staff_are_offered_no_village_step(app, scene):
    client = signed_in(app, "county")
    page = text_of(client.get(f"/cases/{scene['case']}"))
    assert 'data-step="accept"' not in page and "当前环节无需您办理" in page


def test_a_missing_field_is_reported_next_to_it_and_the_typed_text_is_kept(app, scene):
    client = signed_in(app, "village_a")
    client.post(f"/cases/{scene['case']}/steps/accept", data={})
    response = client.post(f"/cases/{scene['case']}/steps/assign_verifier", data={"comment": "请尽快入户"})
    page = text_of(response)
    assert response.status_code == 400
    assert "请选择核实人" in page and "请尽快入户" in page
    assert _state(scene["case"]) == "received"


def test_a_step_of_another_role_is_refused_with_the_reason(app, scene):
    village, county = signed_in(app, "village_a"), signed_in(app, "county")
    response = county.post(f"/cases/{scene['case']}/steps/accept", data={})
    assert response.status_code == 409
    assert "须由村级工作人员或乡镇工作人员办理" in text_of(response)
    assert _state(scene["case"]) == "reported"
    assert village.post(f"/cases/{scene['case']}/steps/accept", data={}).status_code == 302
    assert _state(scene["case"]) == "received"


def test_unknown_steps_and_cases_outside_the_scope_are_not_found(app, scene):
    outsider = signed_in(app, "village_b")
    assert outsider.get(f"/cases/{scene['case']}").status_code == 404
    assert outsider.post(f"/cases/{scene['case']}/steps/accept", data={}).status_code == 404
    assert _state(scene["case"]) == "reported"
    village = signed_in(app, "village_a")
    assert village.post(f"/cases/{scene['case']}/steps/no_such_step", data={}).status_code == 404


def test_evidence_is_served_in_scope_only_and_each_read_is_audited(app, scene):
    client = signed_in(app, "village_a")
    response = client.get(f"/evidence/{scene['evidence']}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert [r.object_id for r in audit_rows(object_type="evidence")] == [str(scene["evidence"])]
    outsider = signed_in(app, "village_b")
    assert outsider.get(f"/evidence/{scene['evidence']}").status_code == 404
    assert outsider.get("/evidence/999999").status_code == 404
