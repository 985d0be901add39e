"""The error contract of workflow steps, the same on the web and in the API (services/errors.py):

- a step the person's role may not take: 409 with the reason, before any of its input is read
  (the API's code ``wrong_role``);
- a step the case's state does not offer (taken already, or not yet): 409 (``wrong_state``);
- a case outside the person's scope: 404, whatever was posted;
- bad input from the right person: 400, the message beside its field, what was typed kept.

Every step form of the case page is tried, 先行帮扶, the inbox's bulk assignment and merging, and
the API's visit that verifies a case. Nothing refused changes the case. Runs on SQLite and PostgreSQL.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

import factories
from conftest import TODAY
from core.extensions import db
from domain.enums import CaseSource
from domain.workflow import TRANSITIONS, Action, CaseState
from http_support import signed_in, text_of
from models import Case, CaseEvent, User
from portal.office.steps import STEP_FORMS
from services.accounts import tokens
from services.workflow import cases

API = "/api/v1"
# People in the case's scope, tried in this order for "someone whose role the step does not name".
IN_SCOPE = ("county", "village_a", "township", "grid_a1", "cadre_a")
TYPED = "我写下的说明，不能丢"


def _state_for(action: Action) -> CaseState:
    """The first state (in the states' order) in which the workflow offers ``action``."""
    return next(state for state in CaseState if (state, action) in TRANSITIONS)


def _wrong_person(action: Action, users: dict[str, User]) -> str:
    roles = TRANSITIONS[_state_for(action), action].roles
    return next(name for name in IN_SCOPE if users[name].role_enum not in roles)


@pytest.fixture
def scene(app, monkeypatch):
    monkeypatch.setattr("portal.office.case_page.today", lambda: TODAY)
    world = factories.build_world()
    household = factories.household(world.grid_a1, TODAY)
    case = cases.open_case(None, household.region, CaseSource.SELF_REPORT, today=TODAY, household=household,
                           words="老人住院")
    # The grid worker verifies and the cadre is paired: both see the case (their own cases).
    case.verifier_id, case.pair_cadre_id = world.users["grid_a1"].id, world.users["cadre_a"].id
    db.session.commit()
    return {"case": case.id, "household": household.id, "users": world.users,
            "ids": {name: user.id for name, user in world.users.items()}}


def _put_in(case_id: int, state: CaseState, **values) -> None:
    """The case as if its procedure had reached ``state`` (for refusals, nothing else is read)."""
    case = db.session.get(Case, case_id)
    case.state = state.value
    for name, value in values.items():
        setattr(case, name, value)
    db.session.commit()


def _unchanged(case_id: int, state: CaseState, events: int) -> bool:
    db.session.expire_all()
    count = db.session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id))
    return db.session.get(Case, case_id).state == state.value and count == events


def _events(case_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id))


# --- the case page's step forms ------------------------------------------------------------------

@pytest.mark.parametrize("action", sorted(STEP_FORMS, key=lambda a: a.value), ids=lambda a: a.value)
def test_every_step_form_refuses_another_role_with_409_and_the_reason_before_reading_input(app, scene, action):
    state = _state_for(action)
    _put_in(scene["case"], state)
    events = _events(scene["case"])
    who = _wrong_person(action, scene["users"])
    url = f"/cases/{scene['case']}/steps/{action.value}"

    # An empty form, or one full of nonsense: the role is answered first, never the fields.
    for data in ({}, {"comment": TYPED, "assignee_id": "abc", "review_date": "明天", "reason": "x" * 5000}):
        response = signed_in(app, who).post(url, data=data)
        assert response.status_code == 409, (action.value, who, response.status_code)
        page = text_of(response)
        assert f"“{action.label}”须由" in page and "办理，您的角色是" in page, action.value
    assert _unchanged(scene["case"], state, events)

    outsider = signed_in(app, "village_b").post(url, data={"comment": TYPED})
    assert outsider.status_code == 404 and "没有找到您要的内容" in text_of(outsider)
    assert _unchanged(scene["case"], state, events)


def test_a_step_the_state_no_longer_offers_is_409_whoever_posts_it(app, scene):
    url = f"/cases/{scene['case']}/steps"
    first, second = signed_in(app, "village_a"), signed_in(app, "township")
    assert first.post(f"{url}/accept", data={"comment": "已受理"}).status_code == 302
    events = _events(scene["case"])

    # The township (whose role may accept) was a moment too late: it is taken already.
    late = second.post(f"{url}/accept", data={"comment": TYPED})
    assert late.status_code == 409 and "当前状态（已受理）不能进行“受理”操作" in text_of(late)
    # Not yet possible: the county's confirmation of a clue just accepted, empty form or not.
    early = signed_in(app, "county").post(f"{url}/county_confirm", data={})
    assert early.status_code == 409 and "不能进行“县级确定纳入”操作" in text_of(early)
    assert _unchanged(scene["case"], CaseState.RECEIVED, events)


TOO_LONG = TYPED + "长" * 2000


@pytest.mark.parametrize("action, who, state, data, field, words", [
    (Action.ASSIGN_VERIFIER, "village_a", CaseState.RECEIVED, {"assignee_id": "", "comment": TYPED},
     "assignee_id", "请选择核实人"),
    (Action.TOWNSHIP_RETURN, "township", CaseState.TOWNSHIP_REVIEW, {"reason": TOO_LONG}, "reason", "不超过500个字"),
    (Action.ASSIGN_PAIR_CADRE, "township", CaseState.MONITORED, {"assignee_id": "", "comment": TYPED},
     "assignee_id", "请选择结对帮扶干部"),
    (Action.ELIM_RETURN, "village_a", CaseState.ELIM_PROPOSED, {"reason": TOO_LONG}, "reason", "不超过"),
    (Action.LOOKBACK_REVERT, "township", CaseState.ELIMINATED, {"reason": TOO_LONG}, "reason", "回退理由不超过1000个字"),
], ids=lambda v: v.value if isinstance(v, Action) else None)
def test_bad_input_from_the_right_person_is_400_beside_the_field_with_the_typed_text_kept(
        app, scene, action, who, state, data, field, words):
    _put_in(scene["case"], state)
    events = _events(scene["case"])
    response = signed_in(app, who).post(f"/cases/{scene['case']}/steps/{action.value}", data=data)
    assert response.status_code == 400, (action.value, response.status_code)
    page = text_of(response)
    assert words in page and f'name="{field}"' in page and TYPED in page
    assert _unchanged(scene["case"], state, events)


# --- 先行帮扶 (green channel measures) ---------------------------------------------------------

def test_early_measures_follow_the_same_contract(app, scene):
    _put_in(scene["case"], CaseState.VERIFYING, green_channel_at=datetime.now(timezone.utc))
    url = f"/cases/{scene['case']}/early-measures"
    nonsense = {"measure_id": "abc", "due_abc": "不是日期"}

    wrong = signed_in(app, "county").post(url, data=nonsense)
    assert wrong.status_code == 409 and "先行帮扶措施须由村级工作人员或乡镇工作人员安排" in text_of(wrong)
    assert signed_in(app, "village_b").post(url, data=nonsense).status_code == 404
    bad = signed_in(app, "village_a").post(url, data=nonsense)
    assert bad.status_code == 400 and "所选措施无效，请重新选择" in text_of(bad)


# --- the inbox's bulk assignment and merging ---------------------------------------------------

def test_the_inbox_steps_follow_the_same_contract(app, scene):
    events = _events(scene["case"])
    county, village = signed_in(app, "county"), signed_in(app, "village_a")
    # The county does not assign or merge: 409 with who does, whatever the form holds.
    for url, data in (("/inbox/assign", {}), ("/inbox/assign", {"case_id": "abc", "assignee_id": "x"}),
                      ("/inbox/merge", {}), ("/inbox/merge", {"case_id": str(scene["case"]), "target_case_id": ""})):
        response = county.post(url, data=data)
        assert response.status_code == 409, (url, data, response.status_code)
        assert "须由村级工作人员或乡镇工作人员办理" in text_of(response)
    assert signed_in(app, "grid_a1").post("/inbox/assign", data={}).status_code == 403  # not a desk
    outside = signed_in(app, "village_b").post("/inbox/assign", data={
        "case_id": str(scene["case"]), "assignee_id": str(scene["ids"]["village_b"])})
    assert outside.status_code == 404
    bad = village.post("/inbox/assign", data={"case_id": str(scene["case"]), "assignee_id": ""})
    assert bad.status_code == 400 and "请选择核实人" in text_of(bad)
    assert _unchanged(scene["case"], CaseState.REPORTED, events)


# --- the API: a visit that verifies a case -------------------------------------------------------

def _bearer(user_id: int) -> dict:
    token, _ = tokens.issue(db.session.get(User, user_id))
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _visit(scene, **changes) -> dict:
    body = {"client_uuid": "6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f", "household_id": scene["household"],
            "case_id": scene["case"], "method": "home",
            "visited_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
            "answers": {"housing_safe": "yes", "water_safe": "yes", "should_monitor": "yes"},
            "income": {"wages": 24000, "business": 0, "business_costs": 0}, "household_size": 2}
    return {**body, **changes}


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, (response.status_code, response.get_json())
    error = response.get_json()["error"]
    assert error["code"] == code
    return error


def test_the_api_answers_the_same_statuses_with_machine_codes(app, scene):
    _put_in(scene["case"], CaseState.VERIFYING)
    events = _events(scene["case"])
    client, ids = app.test_client(), scene["ids"]

    wrong = _error(client.post(f"{API}/visits", json=_visit(scene), headers=_bearer(ids["township"])),
                   409, "wrong_role")
    assert wrong["message"] == "“入户核实”须由网格员、结对帮扶干部或村级工作人员办理，您的角色是乡镇工作人员"
    # Whose step it is comes before the fields: another role's visit with a bad method is 409 too.
    _error(client.post(f"{API}/visits", json=_visit(scene, method="letter"), headers=_bearer(ids["township"])),
           409, "wrong_role")
    _error(client.post(f"{API}/visits", json=_visit(scene), headers=_bearer(ids["grid_b1"])), 404, "not_found")
    bad = _error(client.post(f"{API}/visits", json=_visit(scene, method="letter"), headers=_bearer(ids["grid_a1"])),
                 400, "invalid")
    assert set(bad["fields"]) == {"method"}
    assert _unchanged(scene["case"], CaseState.VERIFYING, events)

    # The verifier's visit takes the step.
    done = client.post(f"{API}/visits", json=_visit(scene), headers=_bearer(ids["grid_a1"]))
    assert done.status_code == 201
    assert _unchanged(scene["case"], CaseState.VERIFIED, events + 1)
