"""Help after inclusion over HTTP: each step as the right role, refused to the wrong one (409),
404 outside scope, 400 with messages next to the fields and the input kept."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select

import factories
from conftest import TODAY
from core.extensions import db
from domain.workflow import CaseState
from help_support import PLAN_FACTS, green_channel_case, helping_case, library, visited_case
from http_support import login, text_of
from models import Case, Evaluation, PlanMeasure
from office_support import drive, new_case

START = TODAY - timedelta(days=30)


@dataclass(frozen=True)
class Ids:
    users: dict[str, int]
    measures: dict[str, int]


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    for module in ("portal.office.case_page", "portal.office.steps_help", "portal.office.tasks"):
        monkeypatch.setattr(f"{module}.today", lambda: TODAY)


@pytest.fixture
def world(app):
    return factories.build_world()


@pytest.fixture
def lib(world):
    return library(world)


def ids(world, lib) -> Ids:
    return Ids({k: u.id for k, u in world.users.items()}, {k: m.id for k, m in lib.items()})


def as_user(app, name):
    client = app.test_client()
    assert login(client, name).status_code == 302
    return client


def state_of(case_id) -> str:
    db.session.expire_all()
    return db.session.get(Case, case_id).state


def step(client, case_id, action, data):
    return client.post(f"/cases/{case_id}/steps/{action}", data=data)


def plan_rows(case_id):
    db.session.expire_all()
    return list(db.session.execute(select(PlanMeasure).where(PlanMeasure.case_id == case_id)
                                   .order_by(PlanMeasure.id)).scalars())


def checked_ids(html):
    return [int(v) for v in re.findall(r'name="measure_id" value="(\d+)" checked', html)]


# --- pair cadre -------------------------------------------------------------------------------

def test_township_assigns_the_pair_cadre(app, world):
    case = drive(world, new_case(world, START), CaseState.MONITORED, START)
    db.session.commit()
    township = as_user(app, "township")
    page = text_of(township.get(f"/cases/{case.id}"))
    assert 'data-step="assign_pair_cadre"' in page and "CADRE_A（结对帮扶干部，青山村）" in page
    bad = step(township, case.id, "assign_pair_cadre", {"assignee_id": ""})
    assert bad.status_code == 400 and "请选择结对帮扶干部" in text_of(bad)
    ok = step(township, case.id, "assign_pair_cadre", {"assignee_id": world.users["cadre_a"].id, "comment": ""})
    assert ok.status_code == 302 and state_of(case.id) == "paired"


def test_pair_cadre_assignment_refused_to_others(app, world):
    case = drive(world, new_case(world, START), CaseState.MONITORED, START)
    db.session.commit()
    cadre = world.users["cadre_a"].id
    refused = step(as_user(app, "village_a"), case.id, "assign_pair_cadre", {"assignee_id": cadre})
    assert refused.status_code == 409 and "须由乡镇工作人员办理" in text_of(refused)
    assert step(as_user(app, "village_b"), case.id, "assign_pair_cadre", {"assignee_id": cadre}).status_code == 404
    assert state_of(case.id) == "monitored"


# --- first visit --------------------------------------------------------------------------------

def test_the_pair_cadre_records_the_first_visit(app, world):
    case = drive(world, new_case(world, START), CaseState.PAIRED, START)
    db.session.commit()
    cadre = as_user(app, "cadre_a")
    bad = step(cadre, case.id, "first_visit",
               {"visit_date": (TODAY + timedelta(days=1)).isoformat(), "method": "", "found": ""})
    html = text_of(bad)
    assert bad.status_code == 400
    assert "走访日期不能晚于今天" in html and "请选择走访方式" in html and "请填写走访了解的情况" in html
    assert (TODAY + timedelta(days=1)).isoformat() in html  # typed value kept
    early = step(cadre, case.id, "first_visit", {"visit_date": START.isoformat(), "method": "home", "found": "x"})
    assert early.status_code == 400 and "不能早于结对日期" in text_of(early)
    ok = step(cadre, case.id, "first_visit",
              {"visit_date": TODAY.isoformat(), "method": "home", "found": "老人住院，儿子在外务工"})
    assert ok.status_code == 302 and state_of(case.id) == "visited"
    page = text_of(cadre.get(f"/cases/{case.id}"))
    assert "走访方式：入户" in page and "老人住院，儿子在外务工" in page


def test_first_visit_refused_to_others(app, world):
    case = drive(world, new_case(world, START), CaseState.PAIRED, START)
    db.session.commit()
    data = {"visit_date": TODAY.isoformat(), "method": "phone", "found": "电话了解"}
    refused = step(as_user(app, "village_a"), case.id, "first_visit", data)
    assert refused.status_code == 409 and "结对帮扶干部办理" in text_of(refused)
    assert step(as_user(app, "village_b"), case.id, "first_visit", data).status_code == 404
    assert state_of(case.id) == "paired"


# --- the help plan --------------------------------------------------------------------------------

def test_the_plan_form_groups_the_library_and_explains_the_rules(app, world, lib):
    case = visited_case(world, START, toilet=False)
    db.session.commit()
    page = text_of(as_user(app, "village_a").get(f"/cases/{case.id}"))
    assert 'data-step="make_help_plan"' in page
    for label in ("开发式帮扶", "保障式帮扶", "政策式帮扶", "关怀式帮扶", "改善式帮扶"):
        assert label in page
    assert "针对：因病 · 医保" in page and "对应本户风险" in page
    # Nothing ticked yet: the check already says what the plan needs.
    assert "帮扶计划还没有选择任何措施" in page and "须至少安排一项开发式措施" in page
    assert "须把户厕改造列入帮扶计划" in page and "没有卫生厕所：须先安排户厕改造" in page
    assert "检查（不保存）" in page


def test_the_check_button_shows_the_rules_without_saving(app, world, lib):
    case = visited_case(world, START, toilet=True)
    db.session.commit()
    village = as_user(app, "village_a")
    data = {**PLAN_FACTS, "plan_form": "make_help_plan", "measure_id": [lib["医疗救助"].id, lib["先诊疗后付费"].id]}
    page = village.post(f"/cases/{case.id}/plan-check/make_help_plan", data=data)
    html = text_of(page)
    assert page.status_code == 200
    assert "须至少安排一项开发式措施" in html and "“因病”一项风险安排了2项措施" in html
    assert checked_ids(html) == [lib["医疗救助"].id, lib["先诊疗后付费"].id]
    assert plan_rows(case.id) == [] and state_of(case.id) == "visited"
    fragment = village.post(f"/cases/{case.id}/plan-check/make_help_plan?fragment=1",
                            data={**PLAN_FACTS, "plan_form": "make_help_plan",
                                  "measure_id": [lib["乡村公益性岗位"].id, lib["医疗救助"].id]})
    body = text_of(fragment)
    assert fragment.status_code == 200 and "<html" not in body and "符合帮扶计划的要求" in body
    assert village.post(f"/cases/{case.id}/plan-check/bogus", data=data).status_code == 404
    assert as_user(app, "village_b").post(f"/cases/{case.id}/plan-check/make_help_plan",
                                          data=data).status_code == 404


def test_a_plan_breaking_a_rule_is_refused_with_the_problems_next_to_the_list(app, world, lib):
    case = visited_case(world, START, toilet=True)
    db.session.commit()
    response = step(as_user(app, "village_a"), case.id, "make_help_plan",
                    {**PLAN_FACTS, "plan_form": "make_help_plan", "measure_id": [lib["医疗救助"].id]})
    html = text_of(response)
    assert response.status_code == 409
    assert html.count("须至少安排一项开发式措施") >= 2  # in the refusal and in the check by the list
    assert 'data-testid="plan-problem"' in html
    assert checked_ids(html) == [lib["医疗救助"].id]
    assert plan_rows(case.id) == [] and state_of(case.id) == "visited"


def test_invalid_plan_input_is_400_with_the_choice_kept(app, world, lib):
    case = visited_case(world, START, toilet=True)
    db.session.commit()
    job, medical = lib["乡村公益性岗位"].id, lib["医疗救助"].id
    response = step(as_user(app, "village_a"), case.id, "make_help_plan",
                    {**PLAN_FACTS, "plan_form": "make_help_plan", "measure_id": [job, medical],
                     f"due_{job}": "2026-02-30", f"due_{medical}": "2026-12-01"})
    html = text_of(response)
    assert response.status_code == 400
    assert "完成期限格式应为 年-月-日" in html and 'value="2026-02-30"' in html and 'value="2026-12-01"' in html
    assert checked_ids(html) == [job, medical]
    past = step(as_user(app, "village_a"), case.id, "make_help_plan",
                {**PLAN_FACTS, "plan_form": "make_help_plan", "measure_id": [job, medical], f"due_{job}": "2026-01-01"})
    assert past.status_code == 400 and "完成期限不能早于今天" in text_of(past)
    junk = step(as_user(app, "village_a"), case.id, "make_help_plan", {"measure_id": ["abc"]})
    assert junk.status_code == 400 and "所选措施无效" in text_of(junk)
    assert plan_rows(case.id) == []


def test_village_staff_make_the_plan(app, world, lib):
    case = visited_case(world, START, toilet=True)
    db.session.commit()
    job, medical = lib["乡村公益性岗位"].id, lib["医疗救助"].id
    village = as_user(app, "village_a")
    response = step(village, case.id, "make_help_plan",
                    {**PLAN_FACTS, "plan_form": "make_help_plan", "measure_id": [job, medical],
                     f"due_{job}": "2026-12-31", f"due_{medical}": "", "comment": "全家商议"})
    assert response.status_code == 302
    rows = plan_rows(case.id)
    assert [(r.measure_id, r.due_on and r.due_on.isoformat()) for r in rows] == [(job, "2026-12-31"), (medical, None)]
    assert state_of(case.id) == "helping"
    page = text_of(village.get(f"/cases/{case.id}"))
    assert page.count('data-testid="plan-row"') == 2 and "符合帮扶计划的要求" in page
    assert 'data-testid="evaluations-panel"' in page and "尚无评估记录" in page


def test_the_plan_is_refused_to_other_roles_and_out_of_scope(app, world, lib):
    case = visited_case(world, START, toilet=True)
    db.session.commit()
    data = {**PLAN_FACTS, "plan_form": "make_help_plan", "measure_id": [lib["乡村公益性岗位"].id, lib["医疗救助"].id]}
    for who in ("cadre_a", "township", "county"):
        response = step(as_user(app, who), case.id, "make_help_plan", data)
        assert response.status_code == 409, who
    assert step(as_user(app, "village_b"), case.id, "make_help_plan", data).status_code == 404
    assert plan_rows(case.id) == []


def test_revising_the_plan(app, world, lib):
    case = helping_case(world, lib, START)
    db.session.commit()
    cadre = as_user(app, "cadre_a")
    page = text_of(cadre.get(f"/cases/{case.id}"))
    assert checked_ids(page) == [lib["乡村公益性岗位"].id, lib["医疗救助"].id]  # the plan as it stands
    data = {"plan_form": "revise_help_plan", "measure_id": [lib["乡村公益性岗位"].id, lib["先诊疗后付费"].id]}
    missing = step(cadre, case.id, "revise_help_plan", data)
    assert missing.status_code == 400 and "请填写调整理由" in text_of(missing)
    assert checked_ids(text_of(missing)) == [lib["乡村公益性岗位"].id, lib["先诊疗后付费"].id]
    ok = step(cadre, case.id, "revise_help_plan", {**data, "comment": "改为先诊疗后付费"})
    assert ok.status_code == 302
    assert [(r.measure.name, r.status) for r in plan_rows(case.id)] == [
        ("乡村公益性岗位", "planned"), ("医疗救助", "cancelled"), ("先诊疗后付费", "planned")]
    page = text_of(cadre.get(f"/cases/{case.id}"))
    assert "已取消的措施（1）" in page and "取消：医疗救助" in page
    refused = step(as_user(app, "township"), case.id, "revise_help_plan", {**data, "comment": "x"})
    assert refused.status_code == 409


# --- quarterly evaluation -----------------------------------------------------------------------

def test_quarterly_evaluation(app, world, lib):
    case = helping_case(world, lib, START)
    db.session.commit()
    cadre = as_user(app, "cadre_a")
    missing = step(cadre, case.id, "quarterly_evaluation", {"measures_in_place": "1"})
    html = text_of(missing)
    assert missing.status_code == 400 and "请选择措施是否见效" in html and "请选择风险是否已消除" in html
    bad = step(cadre, case.id, "quarterly_evaluation", {"measures_in_place": "0", "measures_working": "1",
                                                         "risk_gone": "0", "propose_elimination": "1"})
    assert bad.status_code == 400 and "风险尚未消除，不能提出纳入风险消除名单" in text_of(bad)
    # The form shows the measures as recorded; "是" while both are 已安排 is refused, naming them.
    form = text_of(cadre.get(f"/cases/{case.id}"))
    assert 'data-testid="evaluation-unfinished"' in form and "还有 2 项措施未落实" in form
    claimed = step(cadre, case.id, "quarterly_evaluation", {"measures_in_place": "1", "measures_working": "0",
                                                             "risk_gone": "0", "comment": "就业还不稳定"})
    html = text_of(claimed)
    assert claimed.status_code == 400
    assert "帮扶计划中还有措施未落实：乡村公益性岗位（已安排）、医疗救助（已安排），“帮扶措施是否落实到位”不能选“是”" in html
    assert "就业还不稳定" in html  # what was typed is kept
    assert db.session.execute(select(func.count(Evaluation.id))).scalar_one() == 0
    ok = step(cadre, case.id, "quarterly_evaluation", {"measures_in_place": "0", "measures_working": "0",
                                                        "risk_gone": "0", "comment": "就业还不稳定"})
    assert ok.status_code == 302
    db.session.expire_all()
    [row] = db.session.execute(select(Evaluation)).scalars().all()
    assert (row.quarter, row.measures_working, row.comment) == ("2026Q4", False, "就业还不稳定")
    page = text_of(cadre.get(f"/cases/{case.id}"))
    assert page.count('data-testid="evaluation-row"') == 1 and "就业还不稳定" in page
    assert "本季度已有评估记录" in page


def test_quarterly_evaluation_refused_to_others(app, world, lib):
    case = helping_case(world, lib, START)
    db.session.commit()
    data = {"measures_in_place": "1", "measures_working": "1", "risk_gone": "1"}
    assert step(as_user(app, "township"), case.id, "quarterly_evaluation", data).status_code == 409
    assert step(as_user(app, "village_b"), case.id, "quarterly_evaluation", data).status_code == 404
    assert db.session.execute(select(func.count(Evaluation.id))).scalar_one() == 0


# --- green channel --------------------------------------------------------------------------------

def test_green_channel_measures_from_the_panel(app, world, lib):
    case = green_channel_case(world, START)
    db.session.commit()
    village = as_user(app, "village_a")
    page = text_of(village.get(f"/cases/{case.id}"))
    assert "先行帮扶措施（绿色通道）" in page
    empty = village.post(f"/cases/{case.id}/early-measures", data={"plan_form": "early"})
    assert empty.status_code == 400 and "请至少选择一项措施" in text_of(empty)
    relief = lib["临时救助"].id
    ok = village.post(f"/cases/{case.id}/early-measures", data={"plan_form": "early", "measure_id": [relief]})
    assert ok.status_code == 302
    assert [(r.measure_id, r.status) for r in plan_rows(case.id)] == [(relief, "planned")]
    assert state_of(case.id) == "reported"  # identification runs alongside
    page = text_of(village.get(f"/cases/{case.id}"))
    assert page.count('data-testid="plan-row"') == 1


def test_green_channel_measures_refused_to_others(app, world, lib):
    case = green_channel_case(world, START)
    plain = new_case(world, START)
    db.session.commit()
    data = {"plan_form": "early", "measure_id": [lib["临时救助"].id]}
    # A pair cadre reaches only the cases assigned to them: this one is not there at all.
    assert as_user(app, "cadre_a").post(f"/cases/{case.id}/early-measures", data=data).status_code == 404
    refused = as_user(app, "grid_a1").post(f"/cases/{case.id}/early-measures", data=data)
    assert refused.status_code in (404, 409)
    assert as_user(app, "village_b").post(f"/cases/{case.id}/early-measures", data=data).status_code == 404
    no_channel = as_user(app, "village_a").post(f"/cases/{plain.id}/early-measures", data=data)
    assert no_channel.status_code == 409 and "绿色通道" in text_of(no_channel)
    assert plan_rows(case.id) == [] and plan_rows(plain.id) == []


# --- 临时救助 on the plan (seed 003) and who made it (seed 000 "共同商议") ---------------------------

def _relief_case(world, lib, *, urban="575"):
    from decimal import Decimal
    from models import DibaoStandard
    lib["临时救助"].is_temporary_relief = True
    if urban is not None:
        db.session.add(DibaoStandard(region=world.county, year=TODAY.year, rural_annual=Decimal("6000"),
                                     urban_monthly=Decimal(urban)))
    case = visited_case(world, START, toilet=True, labour="ordinary")
    db.session.commit()
    return case


def test_emergency_relief_below_eight_times_is_refused_beside_the_amount_and_kept(app, world, lib):
    case = _relief_case(world, lib)
    size = len(case.household.members)
    assert size >= 2
    job, relief = lib["乡村公益性岗位"].id, lib["临时救助"].id
    village = as_user(app, "village_a")
    form = text_of(village.get(f"/cases/{case.id}"))
    assert f"{TODAY.year}年城市月低保标准575元/人·月" in form
    data = {**PLAN_FACTS, "plan_form": "make_help_plan", "measure_id": [job, relief],
            f"amount_{relief}": "1000", f"relief_kind_{relief}": "emergency"}
    refused = step(village, case.id, "make_help_plan", data)
    page = text_of(refused)
    assert refused.status_code == 400 and "不得低于" in page and "4,600" in page and "种子文件003" in page
    assert 'value="1000"' in refused.get_data(as_text=True) and plan_rows(case.id) == []
    missing = step(village, case.id, "make_help_plan", {**data, f"amount_{relief}": "", f"relief_kind_{relief}": ""})
    assert missing.status_code == 400 and "请填写“临时救助”的金额" in text_of(missing)
    assert "请选择“临时救助”的救助类型" in text_of(missing)
    junk = step(village, case.id, "make_help_plan", {**data, f"amount_{relief}": "1e9²"})
    assert junk.status_code == 400 and "临时救助金额应为数字" in text_of(junk)
    ok = step(village, case.id, "make_help_plan", {**data, f"amount_{relief}": "4,600"})
    assert ok.status_code == 302
    row = next(r for r in plan_rows(case.id) if r.measure_id == relief)
    assert (str(row.amount), row.relief_kind) in {("4600.00", "emergency"), ("4600", "emergency")}
    shown = text_of(village.get(f"/cases/{case.id}"))
    assert "急难型临时救助 4,600元，县级民政部门审批" in shown  # above 3 × 575 = 1,725
    assert "村支两委、网格员、结对帮扶责任人" in shown and "有发展意愿" in shown
    assert "急难型临时救助 4,600元" in text_of(as_user(app, "dept").get("/tasks"))


def test_within_three_times_the_township_approves_and_no_standard_refuses_nothing(app, world, lib):
    case = _relief_case(world, lib, urban=None)
    job, relief = lib["乡村公益性岗位"].id, lib["临时救助"].id
    village = as_user(app, "village_a")
    assert "无法判断审批层级和急难型最低金额" in text_of(village.get(f"/cases/{case.id}"))
    ok = step(village, case.id, "make_help_plan",
              {**PLAN_FACTS, "plan_form": "make_help_plan", "measure_id": [job, relief],
               f"amount_{relief}": "100", f"relief_kind_{relief}": "emergency"})
    assert ok.status_code == 302
    assert "审批层级待定（未设置城市月低保标准）" in text_of(village.get(f"/cases/{case.id}"))


def test_the_plan_needs_its_makers_and_the_will_and_without_the_will_no_development_measure(app, world, lib):
    case = visited_case(world, START, toilet=True, labour="ordinary")
    db.session.commit()
    village = as_user(app, "village_a")
    medical = lib["医疗救助"].id
    base = {"plan_form": "make_help_plan", "measure_id": [medical]}
    missing = step(village, case.id, "make_help_plan", base)
    assert missing.status_code == 400 and "请至少选择一项共同商议的各方" in text_of(missing)
    assert "请选择本户是否有发展意愿" in text_of(missing)
    alone = step(village, case.id, "make_help_plan",
                 {**base, "plan_makers": ["grid_worker", "work_team"], "development_will": "0"})
    assert alone.status_code == 400 and "须由村支两委牵头" in text_of(alone)
    willing = step(village, case.id, "make_help_plan", {**base, **PLAN_FACTS})
    assert willing.status_code == 409 and "须至少安排一项开发式措施" in text_of(willing)
    ok = step(village, case.id, "make_help_plan", {**base, **PLAN_FACTS, "development_will": "0"})
    assert ok.status_code == 302
    page = text_of(village.get(f"/cases/{case.id}"))
    assert "无发展意愿" in page and "不适用：无发展意愿" in page
