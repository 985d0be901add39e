"""The error contract's one table (services/errors.py): each error type's status and code, the
kind of a workflow refusal as its code, and the same answer on a page and in the API."""
from __future__ import annotations

import pytest

from domain.enums import Role
from domain.workflow import NOT_MET, WRONG_ROLE, WRONG_STATE, Action, CaseState, TransitionContext, \
    TransitionRefused, decide
from services.errors import (CONTRACT, Conflict, ErrorAnswer, NotFound, PermissionDenied, ValidationFailed,
                             answer_for)
from services.fieldwork import visits


def _refusal(state: CaseState, action: Action, role: Role) -> TransitionRefused:
    decision = decide(state, action, role, TransitionContext())
    assert not decision.allowed
    return TransitionRefused(decision)


def test_each_type_answers_its_status_and_code():
    assert answer_for(NotFound("case 7 outside scope")) == ErrorAnswer(404, "not_found", "没有找到您要的内容")
    assert answer_for(ValidationFailed({"reason": "请填写理由"})) == ErrorAnswer(
        400, "invalid", "填写的内容有误，请按提示修改", {"reason": "请填写理由"})
    assert answer_for(PermissionDenied("仅县级工作人员可以查看")) == ErrorAnswer(403, "forbidden", "仅县级工作人员可以查看")
    assert answer_for(PermissionDenied()).message == "您没有权限进行此操作"
    assert answer_for(Conflict("该编号的走访记录已存在，内容不同")).status == 409
    # The visit service's conflict is this one (one table for every layer).
    assert visits.Conflict is Conflict
    assert set(CONTRACT) == {NotFound, ValidationFailed, PermissionDenied, TransitionRefused, Conflict}


def test_a_not_found_never_repeats_its_internal_message():
    assert "outside" not in answer_for(NotFound("case outside scope")).message


@pytest.mark.parametrize("state, action, role, code, words", [
    (CaseState.COUNTY_REVIEW, Action.COUNTY_CONFIRM, Role.VILLAGE_STAFF, WRONG_ROLE, "须由县级工作人员办理"),
    (CaseState.RECEIVED, Action.ACCEPT, Role.VILLAGE_STAFF, WRONG_STATE, "当前状态（已受理）不能进行“受理”操作"),
    (CaseState.TOWNSHIP_REVIEW, Action.TOWNSHIP_RETURN, Role.TOWNSHIP_STAFF, NOT_MET, ""),
])
def test_every_workflow_refusal_is_409_and_its_kind_is_the_code(state, action, role, code, words):
    answer = answer_for(_refusal(state, action, role))
    assert (answer.status, answer.code) == (409, code)
    assert words in answer.message and answer.message


def test_a_subclass_is_answered_as_its_parent_and_an_unknown_error_is_not_answered():
    class StaleCase(NotFound):
        pass

    assert answer_for(StaleCase()).status == 404
    with pytest.raises(TypeError):
        answer_for(RuntimeError("boom"))
