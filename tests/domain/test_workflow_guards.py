"""Each guard of the workflow, failing on its own, refuses with its own reason."""
from dataclasses import replace
from datetime import date

import pytest

from domain import guards as g
from domain.enums import Role
from domain.workflow import TRANSITIONS, Action, CaseState, TransitionContext, decide

from workflow_fixtures import ACTOR, OTHER, satisfying_context

S, A, R = CaseState, Action, Role

# (state, action, role, change to a satisfying context, expected reason)
CASES = [
    (S.REPORTED, A.MERGE, R.VILLAGE_STAFF, {"target_case_id": None}, "请选择要合并到的线索"),
    (S.RECEIVED, A.ASSIGN_VERIFIER, R.TOWNSHIP_STAFF, {"assignee_id": None}, "请选择要指派的人员"),
    (S.VERIFYING, A.REASSIGN_VERIFIER, R.VILLAGE_STAFF, {"assignee_id": ACTOR}, "新核实人与当前核实人相同"),
    (S.VERIFYING, A.VERIFY, R.GRID_WORKER, {"actor_id": OTHER}, "只有被指派的核实人才能提交入户核实结果"),
    (S.VERIFYING, A.VERIFY, R.PAIR_CADRE, {"assigned_verifier_id": None}, "尚未指派核实人"),
    (S.VERIFIED, A.VILLAGE_REVIEW_PASS, R.VILLAGE_STAFF, {"review_recorded": False},
     "请先登记民主评议的日期、参加人员和结果"),
    (S.VERIFIED, A.VILLAGE_REVIEW_PASS, R.VILLAGE_STAFF, {"notice_start": None}, "请填写公示开始日期"),
    (S.VERIFIED, A.VILLAGE_REVIEW_FAIL, R.VILLAGE_STAFF, {"reason": "   "}, "请填写理由"),
    (S.PUBLICIZING, A.CLOSE_NOTICE, R.VILLAGE_STAFF, {"notice_end": None}, "请填写公示的开始和结束日期"),
    (S.PUBLICIZING, A.CLOSE_NOTICE, R.VILLAGE_STAFF, {"notice_end": date(2024, 3, 14)},
     "公示期不少于5天，最早于2024年03月15日结束"),
    (S.PUBLICIZING, A.CLOSE_NOTICE, R.VILLAGE_STAFF, {"today": date(2024, 3, 14)}, "公示尚未到结束日期"),
    (S.PUBLICIZING, A.NOTICE_OBJECTION, R.VILLAGE_STAFF, {"reason": ""}, "请填写理由"),
    (S.TOWNSHIP_REVIEW, A.TOWNSHIP_APPROVE, R.TOWNSHIP_STAFF, {"signed": False},
     "须由经办人签字确认（谁核查、谁签字、谁负责）"),
    (S.TOWNSHIP_REVIEW, A.TOWNSHIP_RETURN, R.TOWNSHIP_STAFF, {"reason": ""}, "请填写理由"),
    (S.COUNTY_REVIEW, A.COUNTY_CONFIRM, R.COUNTY_STAFF, {"category": "poor"}, "监测对象类别无效"),
    (S.COUNTY_REVIEW, A.COUNTY_CONFIRM, R.COUNTY_STAFF, {"risk_types": ()}, "请至少选择一项风险类型"),
    (S.COUNTY_REVIEW, A.COUNTY_CONFIRM, R.COUNTY_STAFF, {"risk_types": ("illness", "bad_luck")}, "风险类型无效"),
    (S.COUNTY_REVIEW, A.COUNTY_CONFIRM, R.COUNTY_STAFF, {"assessed_out_of_scope": True, "reason": ""},
     "按收入和支出测算，该户不符合监测范围条件；如仍确定纳入，请写明理由"),
    (S.COUNTY_REVIEW, A.COUNTY_REJECT, R.COUNTY_STAFF, {"reason": ""}, "请填写理由"),
    (S.VERIFIED, A.GREEN_CHANNEL, R.VILLAGE_STAFF, {"urgent": False},
     "仅因灾、因疫、因病等突发严重困难可启动绿色通道"),
    (S.COUNTY_REVIEW, A.GREEN_CHANNEL, R.COUNTY_STAFF, {"green_channel_started": True}, "已启动绿色通道"),
    (S.HELPING, A.RECORD_ENTRY, R.TOWNSHIP_STAFF, {"already_recorded": True}, "已录入全国防返贫监测信息系统"),
    (S.MONITORED, A.ASSIGN_PAIR_CADRE, R.TOWNSHIP_STAFF, {"assignee_id": None}, "请选择要指派的人员"),
    (S.VISITED, A.ASSIGN_PAIR_CADRE, R.TOWNSHIP_STAFF, {"assignee_id": ACTOR}, "新结对干部与当前结对干部相同"),
    (S.PAIRED, A.FIRST_VISIT, R.PAIR_CADRE, {"actor_id": OTHER}, "只有本户的结对帮扶干部才能登记首次走访"),
    (S.PAIRED, A.FIRST_VISIT, R.PAIR_CADRE, {"pair_cadre_id": None}, "尚未明确结对帮扶干部"),
    (S.VISITED, A.MAKE_HELP_PLAN, R.VILLAGE_STAFF, {"plan_problems": ("缺少开发式帮扶措施", "措施与风险类型不符")},
     "帮扶计划不符合要求：缺少开发式帮扶措施；措施与风险类型不符"),
    (S.HELPING, A.REVISE_HELP_PLAN, R.PAIR_CADRE, {"plan_problems": ("缺少开发式帮扶措施",)},
     "帮扶计划不符合要求：缺少开发式帮扶措施"),
    (S.HELPING, A.PROPOSE_ELIMINATION, R.VILLAGE_STAFF, {"from_quarterly_evaluation": False},
     "拟风险消除名单须经季度帮扶效果评估集体研判提出"),
    (S.HELPING, A.PROPOSE_ELIMINATION, R.VILLAGE_STAFF, {"elimination_blockers": ("纳入监测不满6个月",)},
     "尚不符合风险消除条件：纳入监测不满6个月"),
    (S.ELIM_PROPOSED, A.ELIM_VERIFY, R.TOWNSHIP_STAFF, {"actor_id": OTHER}, "风险消除入户核实应由识别时的核查员负责"),
    (S.ELIM_PROPOSED, A.ELIM_VERIFY, R.GRID_WORKER, {"original_verifier_id": None},
     "未记录识别时的核查员，无法确定风险消除入户核实人"),
    (S.ELIM_PROPOSED, A.ELIM_VERIFY, R.PAIR_CADRE, {"household_signed": False}, "须由农户签字认可风险消除"),
    (S.ELIM_VERIFIED, A.ELIM_VILLAGE_REVIEW, R.VILLAGE_STAFF, {"review_recorded": False},
     "请先登记民主评议的日期、参加人员和结果"),
    (S.ELIM_PUBLICIZING, A.ELIM_CLOSE_NOTICE, R.VILLAGE_STAFF,
     {"notice_start": date(2024, 3, 12), "notice_end": date(2024, 3, 15)}, "公示期不少于5天，最早于2024年03月17日结束"),
    (S.ELIM_TOWNSHIP_REVIEW, A.ELIM_TOWNSHIP_APPROVE, R.TOWNSHIP_STAFF, {"papers_missing": ("会议记录", "帮扶手册")},
     "上报资料不齐全，缺少：会议记录、帮扶手册"),
    (S.ELIM_TOWNSHIP_REVIEW, A.ELIM_TOWNSHIP_APPROVE, R.TOWNSHIP_STAFF, {"signed": False},
     "须由经办人签字确认（谁核查、谁签字、谁负责）"),
    (S.ELIM_COUNTY_REVIEW, A.ELIM_COUNTY_APPROVE, R.COUNTY_STAFF, {"phone_survey_done": False},
     "请先对农户和相关行业部门开展电话调查"),
    (S.ELIM_COUNTY_REVIEW, A.ELIM_COUNTY_APPROVE, R.COUNTY_STAFF, {"doubts_remain": True},
     "电话调查后仍有疑虑，须先入户调查"),
    (S.ELIM_COUNTY_REVIEW, A.ELIM_RETURN, R.COUNTY_STAFF, {"reason": ""}, "请填写理由"),
    (S.ELIMINATED, A.LOOKBACK_REVERT, R.COUNTY_STAFF, {"reason": ""}, "请填写理由"),
    (S.ELIMINATED, A.REIDENTIFY, R.VILLAGE_STAFF, {"reason": " "}, "请填写理由"),
    (S.REJECTED, A.REVIEW_UPHOLD, R.TOWNSHIP_STAFF, {"review_open": False},
     "农户没有待答复的复核申请（农户在进度查询页申请复核后才能办理）"),
    (S.REJECTED, A.REVIEW_REOPEN, R.TOWNSHIP_STAFF, {"reason": ""}, "请填写理由"),
]


@pytest.mark.parametrize("state,action,role,change,expected", CASES,
                         ids=[f"{c[1].value}-{'-'.join(c[3])}" for c in CASES])
def test_single_guard_failure(state, action, role, change, expected):
    ctx = replace(satisfying_context(), **change)
    d = decide(state, action, role, ctx)
    assert not d.allowed
    assert d.next_state is None
    assert d.reasons == (expected,)


def test_every_guard_in_the_table_is_exercised_above():
    used = set()
    for rule in TRANSITIONS.values():
        used.update(rule.guards)
        used.update(rule.actor_guards)
    exercised = set()
    for state, action, role, change, _ in CASES:
        ctx = replace(satisfying_context(), **change)
        rule = TRANSITIONS[state, action]
        exercised.update(guard for guard in rule.guards_for(role) if guard(ctx))
    assert used == exercised


def test_village_staff_may_record_verification_for_the_verifier():
    ctx = replace(satisfying_context(), actor_id=OTHER)
    assert decide(S.VERIFYING, A.VERIFY, R.VILLAGE_STAFF, ctx).next_state is S.VERIFIED
    assert not decide(S.VERIFYING, A.VERIFY, R.GRID_WORKER, ctx).allowed


def test_onsite_check_satisfies_remaining_doubts():
    ctx = replace(satisfying_context(), doubts_remain=True, onsite_check_done=True)
    assert decide(S.ELIM_COUNTY_REVIEW, A.ELIM_COUNTY_APPROVE, R.COUNTY_STAFF, ctx).allowed


def test_notice_exactly_min_days_is_enough_and_setting_is_honoured():
    base = replace(satisfying_context(), notice_start=date(2024, 2, 26), today=None)
    # 26 Feb + 5 days = 2 Mar in a leap year.
    assert decide(S.PUBLICIZING, A.CLOSE_NOTICE, R.VILLAGE_STAFF, replace(base, notice_end=date(2024, 3, 2))).allowed
    assert not decide(S.PUBLICIZING, A.CLOSE_NOTICE, R.VILLAGE_STAFF,
                      replace(base, notice_end=date(2024, 3, 1))).allowed
    longer = replace(base, notice_end=date(2024, 3, 2), notice_min_days=7)
    assert decide(S.PUBLICIZING, A.CLOSE_NOTICE, R.VILLAGE_STAFF, longer).reasons == (
        "公示期不少于7天，最早于2024年03月04日结束",)


def test_guard_functions_pass_on_defaults_where_nothing_is_required():
    ctx = TransitionContext()
    assert g.green_channel_not_started(ctx) is None
    assert g.not_yet_recorded(ctx) is None
    assert g.no_plan_problems(ctx) is None
    assert g.onsite_check_if_doubts(ctx) is None
    assert g.need_signed(ctx) is not None
    assert g.need_reason(ctx) is not None


def test_pii_never_in_reasons():
    # Reasons are built only from labels and dates; an ID number given as a reason is not echoed
    # back in a refusal about something else.
    ctx = replace(satisfying_context(), reason="11010519491231002X", signed=False)
    d = decide(S.TOWNSHIP_REVIEW, A.TOWNSHIP_REJECT, R.TOWNSHIP_STAFF, ctx)
    assert "11010519491231002X" not in d.reason
