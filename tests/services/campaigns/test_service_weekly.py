"""附件3 排查情况统计表 (seed 004): a village's weekly figures counted from the data, its Friday
报送 kept as a snapshot, the township's view and send-back, and the .xlsx of a week."""
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from core import clock
from core.extensions import db
from domain.workflow import CaseState
from elimination_support import eliminated_case, helping_case as listed_case, run_steps
from factories import build_world, household
from help_support import helping_case, library
from models import LedgerItem, ScreeningRound, VillageProblem
from office_support import drive, new_case
from services.campaigns import weekly
from services.elimination import lookback
from services.errors import NotFound, PermissionDenied, ValidationFailed
from test_service_form1 import campaign, visit

FRIDAY = date(2026, 5, 15)
NEXT_FRIDAY = date(2026, 5, 22)
TYPED = {"grids": "2", "grid_workers": "2", "trainings": "6", "large_scale_risk": "否",
         "blocked_workers": "3/1", "remarks": "无"}


@pytest.fixture
def world(app):
    return build_world()


def problem(screening, village, area: str, text: str) -> VillageProblem:
    made = VillageProblem(round_id=screening.id, village_id=village.id, area=area, text=text)
    db.session.add(made)
    db.session.flush()
    return made


def on_ledger(screening, source: VillageProblem, state: str) -> None:
    db.session.add(LedgerItem(round_id=screening.id, region_id=source.village_id, unit="青山村", problem_type="policy",
                              problem=source.text, measure="整改", responsible_name="张三", deadline=date(2026, 6, 1),
                              state=state, fixed_on=date(2026, 5, 14) if state == "fixed" else None,
                              source_problem_id=source.id))
    db.session.flush()


def test_the_figures_are_counted_from_the_data(world):
    screening = campaign(world)
    registered = date(2026, 5, 1)
    screened = household(world.grid_a1, registered, size=3)
    household(world.grid_a2, registered, size=2)  # to screen, not screened
    other = household(world.grid_b1, registered, size=4)  # the other village
    visit(world.users["grid_a1"], screened.id, date(2026, 5, 12), method="wechat")
    visit(world.users["grid_b1"], other.id, date(2026, 5, 12))
    helped = helping_case(world, library(world), date(2026, 4, 25))  # identified 5-6 (边缘易致贫户), 2 measures 5-13
    later = drive(world, new_case(world, date(2026, 5, 10)), CaseState.MONITORED, date(2026, 5, 10))  # identified 5-21
    proposed = run_steps(world, listed_case(world, date(2026, 5, 14)), date(2026, 5, 14), count=1)
    assert proposed.state_enum is CaseState.ELIM_PROPOSED and later.identified_on == date(2026, 5, 21)
    policy = [problem(screening, world.village_a, "policy", t) for t in ("危房改造未完成", "医保未参保")]
    on_ledger(screening, policy[0], "fixed")
    on_ledger(screening, problem(screening, world.village_a, "construction", "道路未硬化"), "fixing")
    problem(screening, world.village_a, "governance", "村规民约未修订")
    problem(screening, world.village_b, "funds", "资产未登记")  # the other village's
    db.session.commit()

    figures = weekly.compute(world.users["village_a"], screening, world.village_a, FRIDAY)
    assert figures["to_screen_pair"] == [5, 11]  # 3 + 2 + three 2-person households of the cases
    assert figures["screened_pair"] == [1, 3]
    assert figures["new_marginal_pair"] == [1, 2]
    assert figures["new_unstable_pair"] == figures["new_sudden_pair"] == [0, 0]
    assert figures["reverted_pair"] == figures["reidentified_pair"] == [0, 0]
    assert figures["measures_unresolved"] == 2
    assert figures["proposed_elimination_pair"] == [1, 2]
    assert figures["measures_lifted"] == 0
    assert figures["problems_policy_open"] == [2, 1]
    assert figures["problems_funds_open"] == [0, 0]
    assert figures["problems_construction_open"] == [2, 2]  # 乡村建设 and 乡村治理 together

    helped.household.attribute = "lifted"  # a 脱贫户: its 2026 measures count as well
    db.session.flush()
    after = weekly.compute(world.users["village_a"], screening, world.village_a, NEXT_FRIDAY)
    assert after["new_marginal_pair"] == [2, 4]
    assert after["measures_lifted"] == 2


def test_revert_and_reidentify_count_in_the_week_they_are_taken(world):
    today = clock.today()  # a step's event is stamped when it is recorded
    first = eliminated_case(world, today - timedelta(days=20))
    second = eliminated_case(world, today - timedelta(days=20))
    screening = ScreeningRound(county_id=world.county.id, name="本月排查", year=today.year, starts_on=today - timedelta(days=5),
                               ends_on=today + timedelta(days=20), monitoring_line=Decimal("7000"), area=[])
    db.session.add(screening)
    db.session.commit()
    lookback.revert(world.users["township"], first.id, reason="收入不稳定", today=today)
    lookback.reidentify(world.users["village_a"], second.id, reason="新发生大病", risk_types=("illness",), today=today)
    db.session.commit()
    figures = weekly.compute(world.users["village_a"], screening, world.village_a, weekly.week_ending(today))
    assert figures["reverted_pair"] == [1, 2]
    assert figures["reidentified_pair"] == [1, 2]
    assert figures["measures_lifted"] == 0


def test_the_submitted_week_is_a_snapshot(world):
    screening = campaign(world)
    first = household(world.grid_a1, date(2026, 5, 1), size=3)
    second = household(world.grid_a1, date(2026, 5, 1), size=2)
    visit(world.users["grid_a1"], first.id, date(2026, 5, 12))
    db.session.commit()
    village = world.users["village_a"]
    report = weekly.submit(village, screening, TYPED, FRIDAY)
    db.session.commit()
    assert report.week_ending == FRIDAY and report.state == "submitted"
    assert report.figures["screened_pair"] == [1, 3] and report.entered["blocked_workers"] == "3/1"
    visit(world.users["grid_a1"], second.id, date(2026, 5, 14))  # sent in after the report
    db.session.commit()
    db.session.expire_all()
    assert weekly.compute(village, screening, world.village_a, FRIDAY)["screened_pair"] == [2, 5]
    assert weekly.week(village, screening, FRIDAY).report.figures["screened_pair"] == [1, 3]
    with pytest.raises(ValidationFailed, match="本周已报送"):
        weekly.submit(village, screening, TYPED, FRIDAY)

    rows = weekly.status(world.users["township"], screening, FRIDAY)
    assert [(r.village.name, r.state) for r in rows] == [("石门村", "未报送"), ("青山村", "已报送")]
    with pytest.raises(ValidationFailed):
        weekly.send_back(world.users["township"], screening, report.id, "  ")
    weekly.send_back(world.users["township"], screening, report.id, "网格员人数与花名册不符")
    db.session.commit()
    assert report.state == "returned" and report.returned_reason == "网格员人数与花名册不符"
    again = weekly.submit(village, screening, {**TYPED, "grid_workers": "3"}, FRIDAY + timedelta(days=-1))
    db.session.commit()
    assert again.id == report.id and again.state == "submitted" and again.returned_reason is None
    assert again.figures["screened_pair"] == [2, 5] and again.entered["grid_workers"] == 3


def test_typed_values_are_checked_all_at_once(world):
    clean, errors = weekly.check_entered({"grids": "-1", "grid_workers": "５", "trainings": "2²",
                                          "large_scale_risk": "是", "blocked_workers": "1/3", "remarks": "x" * 501})
    assert set(errors) == {"grids", "grid_workers", "trainings", "large_scale_risk", "blocked_workers", "remarks"}
    assert clean == {}
    clean, errors = weekly.check_entered({**TYPED, "large_scale_risk": "是：洪灾影响种植户", "remarks": "无\x00"})
    assert errors == {}
    assert clean["large_scale_risk"] == "是，洪灾影响种植户" and clean["remarks"] == "无" and clean["grids"] == 2
    _, nothing = weekly.check_entered({})
    assert set(nothing) == {"grids", "grid_workers", "trainings", "large_scale_risk", "blocked_workers"}


def test_who_may_submit_and_review(world):
    screening = campaign(world)
    db.session.commit()
    with pytest.raises(PermissionDenied):
        weekly.submit(world.users["grid_a1"], screening, TYPED, FRIDAY)
    with pytest.raises(PermissionDenied):
        weekly.submit(world.users["township"], screening, TYPED, FRIDAY)
    with pytest.raises(PermissionDenied):
        weekly.status(world.users["village_a"], screening, FRIDAY)
    with pytest.raises(ValidationFailed, match="尚未开始"):
        weekly.submit(world.users["village_a"], screening, TYPED, date(2026, 4, 20))
    with pytest.raises(ValidationFailed, match="已结束"):
        weekly.submit(world.users["village_a"], screening, TYPED, date(2026, 6, 20))
    report = weekly.submit(world.users["village_a"], screening, TYPED, FRIDAY)
    db.session.commit()
    with pytest.raises(NotFound):  # a village's staff cannot send back, nor see another's report
        weekly.send_back(world.users["township"], screening, 2**31, "原因")
    elsewhere = campaign(world, year=2027)
    with pytest.raises(NotFound):  # the report belongs to another campaign
        weekly.send_back(world.users["township"], elsewhere, report.id, "原因")


def test_the_week_exports_as_the_seeds_form(world):
    screening = campaign(world)
    first = household(world.grid_a1, date(2026, 5, 1), size=3)
    household(world.grid_a2, date(2026, 5, 1), size=2)
    visit(world.users["grid_a1"], first.id, date(2026, 5, 12))
    on_ledger(screening, problem(screening, world.village_a, "funds", "资金未公示"), "fixing")
    weekly.submit(world.users["village_a"], screening, {**TYPED, "large_scale_risk": "是，洪灾"}, FRIDAY)
    db.session.commit()
    data, count = weekly.write_form3(world.users["township"], screening, world.township, FRIDAY)
    sheet = load_workbook(io.BytesIO(data)).active
    assert count == 1
    assert sheet["A1"].value == "2026年防止返贫监测帮扶集中排查情况统计表"
    assert sheet["A2"].value == "填报单位：青山镇　　截至2026年5月15日（星期五）"
    ranges = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A1:U1", "A3:A4", "B3:B4", "C3:D3", "E3:G3", "H3:J3", "K3:L3", "M3:O3", "P3:Q3", "R3:T3",
            "U3:U4"} <= ranges
    assert [sheet.cell(3, c).value for c in (1, 2, 3, 5, 8, 11, 13, 16, 18, 21)] == [
        "序号", "村别", "调查情况", "调整优化网格化管理情况", "排查认定新增监测对象情况", "排查已消除风险监测对象稳定情况",
        "排查帮扶措施落实情况", "排查规模性返贫风险隐患", "排查巩固拓展脱贫攻坚成果同乡村振兴有效衔接中的突出问题", "备注"]
    assert sheet["C4"].value == "应排查农户（户/人）" and sheet["O4"].value == "脱贫户和已消除风险的监测对象2026年帮扶措施条数"
    assert [c.value for c in sheet[5]] == [1, "青山村", "2/5", "1/3", 2, 2, 6, "0/0", "0/0", "0/0", "0/0", "0/0", 0,
                                           "0/0", 0, "是，洪灾", "3/1", "0/0", "1/1", "0/0", "无"]
    assert sheet.max_row == 5  # 石门村 has not submitted: no row
