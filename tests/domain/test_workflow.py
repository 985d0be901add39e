"""The case workflow engine: refusal messages, codes, state properties, each guard and the whole
path. Who may take which step, and where it leads, is checked against the policy written out
independently in test_workflow_policy.py."""
from collections import deque
from dataclasses import replace

import pytest

from domain.enums import Role
from workflow_fixtures import satisfying_context
from domain.workflow import (
    TRANSITIONS,
    Action,
    CaseState,
    Decision,
    TransitionContext,
    actions_for_role,
    available_actions,
    decide,
    transition,
)


def test_refusal_messages_name_state_action_and_roles():
    assert decide(CaseState.RECEIVED, Action.COUNTY_CONFIRM, Role.COUNTY_STAFF).reason == (
        "当前状态（已受理）不能进行“县级确定纳入”操作")
    assert decide(CaseState.COUNTY_REVIEW, Action.COUNTY_CONFIRM, Role.VILLAGE_STAFF).reason == (
        "“县级确定纳入”须由县级工作人员办理，您的角色是村级工作人员")
    assert decide(CaseState.VERIFYING, Action.VERIFY, Role.ADMIN).reason == (
        "“入户核实”须由网格员、结对帮扶干部或村级工作人员办理，您的角色是系统管理员")
    assert decide(CaseState.REPORTED, Action.ACCEPT, None).reason == (
        "“受理”须由村级工作人员或乡镇工作人员办理，您的角色是未设置")


def test_codes_are_accepted_as_well_as_members():
    ctx = satisfying_context()
    assert transition("county_review", "county_confirm", "county_staff", ctx) is CaseState.MONITORED
    with pytest.raises(ValueError):
        decide("county_review", "no_such_action", "county_staff", ctx)


def test_admin_and_department_have_no_actions_anywhere():
    for state in CaseState:
        for role in (Role.ADMIN, Role.DEPARTMENT):
            assert actions_for_role(state, role) == []
    assert not any(r in rule.roles for rule in TRANSITIONS.values() for r in (Role.ADMIN, Role.DEPARTMENT))


def test_terminal_states_have_no_actions_and_open_states_have_some():
    for state in CaseState:
        outgoing = [a for a in Action if (state, a) in TRANSITIONS]
        if state is CaseState.REJECTED:  # only the farmer's re-review (申请复核) reopens a refusal
            assert outgoing == [Action.REVIEW_UPHOLD, Action.REVIEW_REOPEN]
        elif state.is_terminal:
            assert outgoing == [], state
        else:
            assert outgoing, state
            # ...and someone can actually take one of them.
            assert any(available_actions(state, r, satisfying_context()) for r in Role), state


def test_state_properties():
    assert {s for s in CaseState if s.is_terminal} == {CaseState.REJECTED, CaseState.MERGED, CaseState.CLEARED}
    assert not CaseState.ELIMINATED.is_open and not CaseState.ELIMINATED.is_terminal
    assert CaseState.HELPING.is_open
    assert [s for s in CaseState if s.in_identification] == list(CaseState)[:7]
    assert CaseState.PUBLICIZING.in_identification and not CaseState.MONITORED.in_identification
    assert CaseState.MONITORED.is_monitored and CaseState.ELIM_APPROVED.is_monitored
    assert not CaseState.ELIMINATED.is_monitored and not CaseState.COUNTY_REVIEW.is_monitored
    assert CaseState.ELIM_PUBLICIZING.in_elimination and not CaseState.HELPING.in_elimination


def test_full_chain_from_report_to_reidentification():
    ctx = satisfying_context()
    steps = [
        (Action.ACCEPT, Role.VILLAGE_STAFF, CaseState.RECEIVED),
        (Action.GREEN_CHANNEL, Role.TOWNSHIP_STAFF, CaseState.RECEIVED),
        (Action.ASSIGN_VERIFIER, Role.VILLAGE_STAFF, CaseState.VERIFYING),
        (Action.REASSIGN_VERIFIER, Role.TOWNSHIP_STAFF, CaseState.VERIFYING),
        (Action.VERIFY, Role.GRID_WORKER, CaseState.VERIFIED),
        (Action.VILLAGE_REVIEW_PASS, Role.VILLAGE_STAFF, CaseState.PUBLICIZING),
        (Action.NOTICE_OBJECTION, Role.VILLAGE_STAFF, CaseState.VERIFIED),
        (Action.VILLAGE_REVIEW_PASS, Role.VILLAGE_STAFF, CaseState.PUBLICIZING),
        (Action.CLOSE_NOTICE, Role.VILLAGE_STAFF, CaseState.TOWNSHIP_REVIEW),
        (Action.TOWNSHIP_RETURN, Role.TOWNSHIP_STAFF, CaseState.VERIFYING),
        (Action.VERIFY, Role.VILLAGE_STAFF, CaseState.VERIFIED),
        (Action.VILLAGE_REVIEW_PASS, Role.VILLAGE_STAFF, CaseState.PUBLICIZING),
        (Action.CLOSE_NOTICE, Role.VILLAGE_STAFF, CaseState.TOWNSHIP_REVIEW),
        (Action.TOWNSHIP_APPROVE, Role.TOWNSHIP_STAFF, CaseState.COUNTY_REVIEW),
        (Action.COUNTY_CONFIRM, Role.COUNTY_STAFF, CaseState.MONITORED),
        (Action.RECORD_ENTRY, Role.COUNTY_STAFF, CaseState.MONITORED),
        (Action.ASSIGN_PAIR_CADRE, Role.TOWNSHIP_STAFF, CaseState.PAIRED),
        (Action.FIRST_VISIT, Role.PAIR_CADRE, CaseState.VISITED),
        (Action.MAKE_HELP_PLAN, Role.VILLAGE_STAFF, CaseState.HELPING),
        (Action.QUARTERLY_EVALUATION, Role.PAIR_CADRE, CaseState.HELPING),
        (Action.PROPOSE_ELIMINATION, Role.VILLAGE_STAFF, CaseState.ELIM_PROPOSED),
        (Action.ELIM_VERIFY, Role.GRID_WORKER, CaseState.ELIM_VERIFIED),
        (Action.ELIM_VILLAGE_REVIEW, Role.VILLAGE_STAFF, CaseState.ELIM_PUBLICIZING),
        (Action.ELIM_CLOSE_NOTICE, Role.VILLAGE_STAFF, CaseState.ELIM_TOWNSHIP_REVIEW),
        (Action.ELIM_TOWNSHIP_APPROVE, Role.TOWNSHIP_STAFF, CaseState.ELIM_COUNTY_REVIEW),
        (Action.ELIM_RETURN, Role.COUNTY_STAFF, CaseState.HELPING),
        (Action.PROPOSE_ELIMINATION, Role.VILLAGE_STAFF, CaseState.ELIM_PROPOSED),
        (Action.ELIM_VERIFY, Role.TOWNSHIP_STAFF, CaseState.ELIM_VERIFIED),
        (Action.ELIM_VILLAGE_REVIEW, Role.VILLAGE_STAFF, CaseState.ELIM_PUBLICIZING),
        (Action.ELIM_CLOSE_NOTICE, Role.VILLAGE_STAFF, CaseState.ELIM_TOWNSHIP_REVIEW),
        (Action.ELIM_TOWNSHIP_APPROVE, Role.TOWNSHIP_STAFF, CaseState.ELIM_COUNTY_REVIEW),
        (Action.ELIM_COUNTY_APPROVE, Role.COUNTY_STAFF, CaseState.ELIM_APPROVED),
        (Action.ANNOUNCE, Role.COUNTY_STAFF, CaseState.ELIMINATED),
        (Action.LOOKBACK_STABLE, Role.VILLAGE_STAFF, CaseState.ELIMINATED),
        (Action.REIDENTIFY, Role.TOWNSHIP_STAFF, CaseState.RECEIVED),
    ]
    state = CaseState.REPORTED
    for action, role, expected in steps:
        state = transition(state, action, role, ctx)
        assert state is expected, (action, role)


def test_every_state_is_reachable_from_reported():
    seen, queue = {CaseState.REPORTED}, deque([CaseState.REPORTED])
    while queue:
        state = queue.popleft()
        for (src, _action), rule in TRANSITIONS.items():
            if src is state and rule.next_state not in seen:
                seen.add(rule.next_state)
                queue.append(rule.next_state)
    assert seen == set(CaseState)


def test_green_channel_only_during_identification_and_keeps_state():
    ctx = satisfying_context()
    for state in CaseState:
        d = decide(state, Action.GREEN_CHANNEL, Role.COUNTY_STAFF, ctx)
        assert d.allowed is state.in_identification, state
        if d.allowed:
            assert d.next_state is state


def test_elim_return_role_depends_on_the_step():
    ctx = satisfying_context()
    expected = {
        CaseState.ELIM_PROPOSED: Role.VILLAGE_STAFF,
        CaseState.ELIM_VERIFIED: Role.VILLAGE_STAFF,
        CaseState.ELIM_PUBLICIZING: Role.VILLAGE_STAFF,
        CaseState.ELIM_TOWNSHIP_REVIEW: Role.TOWNSHIP_STAFF,
        CaseState.ELIM_COUNTY_REVIEW: Role.COUNTY_STAFF,
    }
    for state, role in expected.items():
        for r in Role:
            assert decide(state, Action.ELIM_RETURN, r, ctx).allowed is (r is role), (state, r)
    assert not decide(CaseState.ELIM_APPROVED, Action.ELIM_RETURN, Role.COUNTY_STAFF, ctx).allowed


def test_available_actions_respect_guards_and_actions_for_role_does_not():
    ctx = replace(satisfying_context(), signed=False)
    assert actions_for_role(CaseState.TOWNSHIP_REVIEW, Role.TOWNSHIP_STAFF) == [
        Action.TOWNSHIP_APPROVE, Action.TOWNSHIP_RETURN, Action.TOWNSHIP_REJECT, Action.GREEN_CHANNEL]
    assert available_actions(CaseState.TOWNSHIP_REVIEW, Role.TOWNSHIP_STAFF, ctx) == [
        Action.TOWNSHIP_RETURN, Action.GREEN_CHANNEL]
    assert available_actions(CaseState.HELPING, Role.PAIR_CADRE, satisfying_context()) == [
        Action.REVISE_HELP_PLAN, Action.QUARTERLY_EVALUATION]


def test_all_failing_guards_are_listed():
    d = decide(CaseState.COUNTY_REVIEW, Action.COUNTY_CONFIRM, Role.COUNTY_STAFF, TransitionContext())
    assert not d.allowed
    assert d.reasons == ("请选择监测对象类别", "请至少选择一项风险类型", "须由经办人签字确认（谁核查、谁签字、谁负责）")
    assert d.reason == "；".join(d.reasons)
    assert isinstance(d, Decision)
