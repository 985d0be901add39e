"""The procedure as the policy writes it, checked against the workflow engine.

``POLICY`` below is written out by hand from DOMAIN.md and the seed notices (seed 000: the
town's notice on monitoring and help; seed 003: Henan's identification procedure; seed 004: the
2022 screening plan) — it is never computed from ``TRANSITIONS``. For each step the procedure
allows it names the roles that may take it and the state that follows. Then, with a context in
which every guard passes, ``decide`` must allow exactly those (state, action, role) triples,
leading to that state, and refuse every other triple with a reason in Chinese.

Where this reading of the policy disagrees with ``TRANSITIONS``, the engine is not changed
here: the row goes into ``DISPUTED`` with the policy quote, which marks it
``xfail(strict=True)`` so the disagreement stays visible (and the mark must go once it is
settled). A step the policy forbids outright but the engine allows is written as a row with no
roles. None is disputed today.
"""
from __future__ import annotations

import pytest

from domain.enums import Role
from domain.workflow import Action, CaseState, TransitionRefused, decide, transition
from workflow_fixtures import CJK, satisfying_context

S, A = CaseState, Action
GRID, CADRE = Role.GRID_WORKER, Role.PAIR_CADRE
VILLAGE, TOWNSHIP, COUNTY = Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF

# (state, action): (roles that may take the step, the state after it)
POLICY: dict[tuple[CaseState, Action], tuple[frozenset[Role], CaseState]] = {
    # --- identification (识别纳入): clue, verification, village, township, county ------------
    # DOMAIN: village staff "triages incoming clues, assigns verifiers"; seed 000: "镇村组织开展
    # 日常排查…随时上报农户风险困难" — township and village both run the routine screening.
    (S.REPORTED, A.ACCEPT): (frozenset({VILLAGE, TOWNSHIP}), S.RECEIVED),
    # DOMAIN 1: "Duplicates of an open clue for the same household are merged, not counted twice."
    (S.REPORTED, A.MERGE): (frozenset({VILLAGE, TOWNSHIP}), S.MERGED),
    (S.RECEIVED, A.MERGE): (frozenset({VILLAGE, TOWNSHIP}), S.MERGED),
    (S.RECEIVED, A.ASSIGN_VERIFIER): (frozenset({VILLAGE, TOWNSHIP}), S.VERIFYING),
    (S.VERIFYING, A.REASSIGN_VERIFIER): (frozenset({VILLAGE, TOWNSHIP}), S.VERIFYING),
    # DOMAIN: the grid worker "verifies clues assigned to them"; seed 004 sends "村干部、驻村工作
    # 队、村民组长、帮扶联系人和村组网格员" on the home visits (village staff record for them).
    (S.VERIFYING, A.VERIFY): (frozenset({GRID, CADRE, VILLAGE}), S.VERIFIED),
    # Seed 003: "村级初选。由村“两委”、驻村工作队…组织召开村级民主评议会…提出监测对象初选名单";
    # DOMAIN 3: "a democratic review (民主评议) and post a public notice (公示)".
    (S.VERIFIED, A.VILLAGE_REVIEW_PASS): (frozenset({VILLAGE}), S.PUBLICIZING),
    # DOMAIN: "A rejected clue gets a reason that the applicant can see."
    (S.VERIFIED, A.VILLAGE_REVIEW_FAIL): (frozenset({VILLAGE}), S.REJECTED),
    (S.PUBLICIZING, A.CLOSE_NOTICE): (frozenset({VILLAGE}), S.TOWNSHIP_REVIEW),
    # An objection to the notice sends the case back to the village review.
    (S.PUBLICIZING, A.NOTICE_OBJECTION): (frozenset({VILLAGE}), S.VERIFIED),
    # Seed 003: "乡镇审核。由乡镇组织相关人员核查，谁核查、谁签字、谁负责…上报县级扶贫部门".
    (S.TOWNSHIP_REVIEW, A.TOWNSHIP_APPROVE): (frozenset({TOWNSHIP}), S.COUNTY_REVIEW),
    (S.TOWNSHIP_REVIEW, A.TOWNSHIP_RETURN): (frozenset({TOWNSHIP}), S.VERIFYING),
    (S.TOWNSHIP_REVIEW, A.TOWNSHIP_REJECT): (frozenset({TOWNSHIP}), S.REJECTED),
    # Seed 003: "县级确定。县级扶贫部门…进行核准，确定监测对象最终名单".
    (S.COUNTY_REVIEW, A.COUNTY_CONFIRM): (frozenset({COUNTY}), S.MONITORED),
    (S.COUNTY_REVIEW, A.COUNTY_REJECT): (frozenset({COUNTY}), S.REJECTED),
    # Seed 000: "对因灾因疫因病等突发严重困难户，要实施“绿色通道”"; DOMAIN: "help starts at once,
    # identification runs alongside" — so the state stays, at any step of identification.
    (S.REPORTED, A.GREEN_CHANNEL): (frozenset({VILLAGE, TOWNSHIP, COUNTY}), S.REPORTED),
    (S.RECEIVED, A.GREEN_CHANNEL): (frozenset({VILLAGE, TOWNSHIP, COUNTY}), S.RECEIVED),
    (S.VERIFYING, A.GREEN_CHANNEL): (frozenset({VILLAGE, TOWNSHIP, COUNTY}), S.VERIFYING),
    (S.VERIFIED, A.GREEN_CHANNEL): (frozenset({VILLAGE, TOWNSHIP, COUNTY}), S.VERIFIED),
    (S.PUBLICIZING, A.GREEN_CHANNEL): (frozenset({VILLAGE, TOWNSHIP, COUNTY}), S.PUBLICIZING),
    (S.TOWNSHIP_REVIEW, A.GREEN_CHANNEL): (frozenset({VILLAGE, TOWNSHIP, COUNTY}), S.TOWNSHIP_REVIEW),
    (S.COUNTY_REVIEW, A.GREEN_CHANNEL): (frozenset({VILLAGE, TOWNSHIP, COUNTY}), S.COUNTY_REVIEW),

    # --- entry in the national system, once monitored ---------------------------------------
    # Seed 003: "信息录入。在县级扶贫部门指导下，乡村两级组织将监测对象信息录入"; and "由县级
    # 扶贫部门确定监测对象，录入全国扶贫开发信息系统" — village, township and county.
    (S.MONITORED, A.RECORD_ENTRY): (frozenset({VILLAGE, TOWNSHIP, COUNTY}), S.MONITORED),
    (S.PAIRED, A.RECORD_ENTRY): (frozenset({VILLAGE, TOWNSHIP, COUNTY}), S.PAIRED),
    (S.VISITED, A.RECORD_ENTRY): (frozenset({VILLAGE, TOWNSHIP, COUNTY}), S.VISITED),
    (S.HELPING, A.RECORD_ENTRY): (frozenset({VILLAGE, TOWNSHIP, COUNTY}), S.HELPING),

    # --- help (帮扶, seed 000) ---------------------------------------------------------------
    # Seed 000: "完成监测对象识别认定后3天内要明确结对帮扶干部"; DOMAIN: township staff "pairs
    # cadres". Naming another cadre later keeps the step the case has reached.
    (S.MONITORED, A.ASSIGN_PAIR_CADRE): (frozenset({TOWNSHIP}), S.PAIRED),
    (S.PAIRED, A.ASSIGN_PAIR_CADRE): (frozenset({TOWNSHIP}), S.PAIRED),
    (S.VISITED, A.ASSIGN_PAIR_CADRE): (frozenset({TOWNSHIP}), S.VISITED),
    (S.HELPING, A.ASSIGN_PAIR_CADRE): (frozenset({TOWNSHIP}), S.HELPING),
    # Seed 000: "结对帮扶干部7天以内开展入户走访".
    (S.PAIRED, A.FIRST_VISIT): (frozenset({CADRE}), S.VISITED),
    # Seed 000: "10天内…由村支两委、网格员、驻村工作队和结对帮扶责任人共同商议…形成帮扶计划"
    # (the village committee convenes it and records it).
    (S.VISITED, A.MAKE_HELP_PLAN): (frozenset({VILLAGE}), S.HELPING),
    # Seed 000: "结对帮扶干部要根据农户实际情况变化，及时完善帮扶计划".
    (S.HELPING, A.REVISE_HELP_PLAN): (frozenset({VILLAGE, CADRE}), S.HELPING),
    # Seed 000: "每季度组织开展一次帮扶效果评估工作".
    (S.HELPING, A.QUARTERLY_EVALUATION): (frozenset({VILLAGE, CADRE}), S.HELPING),

    # --- risk elimination, five steps (五步法, seed 000) ---------------------------------------
    # "村级提出拟风险消除的名单，必须通过季度评估会等方式进行集体研判".
    (S.HELPING, A.PROPOSE_ELIMINATION): (frozenset({VILLAGE}), S.ELIM_PROPOSED),
    # "入户核实原则上由监测户识别时的核查员负责，乡镇联村干部、乡镇乡村振兴办干部、结对帮扶干部参加"
    # (the verifier at inclusion was a grid worker, a pair cadre or village staff).
    (S.ELIM_PROPOSED, A.ELIM_VERIFY): (frozenset({GRID, CADRE, VILLAGE, TOWNSHIP}), S.ELIM_VERIFIED),
    # "村（居）民主评议" with public notice.
    (S.ELIM_VERIFIED, A.ELIM_VILLAGE_REVIEW): (frozenset({VILLAGE}), S.ELIM_PUBLICIZING),
    (S.ELIM_PUBLICIZING, A.ELIM_CLOSE_NOTICE): (frozenset({VILLAGE}), S.ELIM_TOWNSHIP_REVIEW),
    # "乡镇（街道）审核"; "上报到镇级审定的资料，必须真实、客观、全面".
    (S.ELIM_TOWNSHIP_REVIEW, A.ELIM_TOWNSHIP_APPROVE): (frozenset({TOWNSHIP}), S.ELIM_COUNTY_REVIEW),
    # "由县级乡村振兴部门…开展电话调查…无异议后由县级乡村振兴部门审核批准".
    (S.ELIM_COUNTY_REVIEW, A.ELIM_COUNTY_APPROVE): (frozenset({COUNTY}), S.ELIM_APPROVED),
    # "县级审定公告".
    (S.ELIM_APPROVED, A.ANNOUNCE): (frozenset({COUNTY}), S.ELIMINATED),
    # Whoever holds the case at a step may send it back to help (the county after "仍然存在疑虑").
    (S.ELIM_PROPOSED, A.ELIM_RETURN): (frozenset({VILLAGE}), S.HELPING),
    (S.ELIM_VERIFIED, A.ELIM_RETURN): (frozenset({VILLAGE}), S.HELPING),
    (S.ELIM_PUBLICIZING, A.ELIM_RETURN): (frozenset({VILLAGE}), S.HELPING),
    (S.ELIM_TOWNSHIP_REVIEW, A.ELIM_RETURN): (frozenset({TOWNSHIP}), S.HELPING),
    (S.ELIM_COUNTY_REVIEW, A.ELIM_RETURN): (frozenset({COUNTY}), S.HELPING),

    # --- look-back (回头看, seed 004) ----------------------------------------------------------
    # "对已标注风险消除的监测对象开展回头看" (part of the villages' screening, under the township).
    (S.ELIMINATED, A.LOOKBACK_STABLE): (frozenset({VILLAGE, TOWNSHIP}), S.ELIMINATED),
    # "对风险消除不稳定和整户无劳动力的监测对象进行回退"; "需要对监测对象开展风险消除回退…由镇乡村
    # 振兴工作站统一提出申请" — the township applies, the county decides.
    (S.ELIMINATED, A.LOOKBACK_REVERT): (frozenset({TOWNSHIP, COUNTY}), S.HELPING),
    # "对标注风险消除后又出现返贫致贫风险的，按程序重新识别认定" — back to a received clue.
    (S.ELIMINATED, A.REIDENTIFY): (frozenset({VILLAGE, TOWNSHIP}), S.RECEIVED),

    # --- 清退 (seed 004) ------------------------------------------------------------------------
    # "排查发现需要对……监测对象清退的，上报镇乡村振兴工作站汇总，由镇乡村振兴工作站统一提出申请"
    # — the township applies and the county, which included the household, removes it; from any
    # monitored state, and after elimination too (a wrong inclusion found at the look-back).
    **{(state, A.CLEAR_OUT): (frozenset({COUNTY}), S.CLEARED)
       for state in S if state.is_monitored or state is S.ELIMINATED},

    # --- the farmer's re-review of a refusal (申请复核) ----------------------------------------
    # DOMAIN: "A rejected clue gets a reason that the applicant can see"; the applicant may ask
    # for it to be looked at again, and the township (which reviews identification) decides.
    (S.REJECTED, A.REVIEW_UPHOLD): (frozenset({TOWNSHIP}), S.REJECTED),
    (S.REJECTED, A.REVIEW_REOPEN): (frozenset({TOWNSHIP}), S.RECEIVED),
}

# (state, action) -> why this reading of the policy and TRANSITIONS disagree (with the quote).
DISPUTED: dict[tuple[CaseState, Action], str] = {}

ROLES_AND_UNSET = [*Role, None]


def _problem(state: CaseState, action: Action, role: Role | None, expected: CaseState | None) -> str | None:
    """What is wrong with ``decide`` for one triple (None when it answers as the policy says);
    ``expected`` is the state the policy leads to, or None when the role may not take the step."""
    ctx = satisfying_context()
    where = f"{state.value} + {action.value} by {role.value if role else 'no role'}"
    decision = decide(state, action, role, ctx)
    if expected is not None:
        if not decision.allowed:
            return f"{where}: refused ({decision.reason}), the policy allows it"
        if decision.next_state is not expected or decision.reasons:
            return f"{where}: leads to {decision.next_state}, the policy says {expected.value}"
        if transition(state, action, role, ctx) is not expected:
            return f"{where}: transition() disagrees with decide()"
        return None
    if decision.allowed:
        return f"{where}: allowed (to {decision.next_state}), the policy does not allow it"
    if decision.next_state is not None or not CJK.search(decision.reason):
        return f"{where}: refused without a reason in Chinese: {decision.reason!r}"
    try:
        transition(state, action, role, ctx)
    except TransitionRefused as exc:
        if str(exc) != decision.reason or exc.reasons != decision.reasons:
            return f"{where}: transition() refuses with other reasons than decide()"
        return None
    return f"{where}: transition() does not refuse"


def _rows() -> list:
    rows = []
    for (state, action), (roles, next_state) in POLICY.items():
        marks = ([pytest.mark.xfail(strict=True, reason=DISPUTED[state, action])]
                 if (state, action) in DISPUTED else [])
        rows.append(pytest.param(state, action, roles, next_state, marks=marks, id=f"{state.value}-{action.value}"))
    return rows


@pytest.mark.parametrize("state, action, roles, next_state", _rows())
def test_each_step_is_open_to_exactly_the_roles_the_policy_names(state, action, roles, next_state):
    problems = [p for role in ROLES_AND_UNSET
                if (p := _problem(state, action, role, next_state if role in roles else None))]
    assert not problems, "\n".join(problems)


def test_every_other_step_is_refused_to_everyone_with_a_reason():
    problems = [p for state in CaseState for action in Action if (state, action) not in POLICY
                for role in ROLES_AND_UNSET if (p := _problem(state, action, role, None))]
    assert not problems, "\n".join(problems)


def test_disputes_name_rows_of_the_table():
    assert set(DISPUTED) <= set(POLICY)
