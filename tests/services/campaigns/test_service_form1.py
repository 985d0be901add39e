"""附件1 到户排查表 as an .xlsx (seed 004): title, 填表时间, the three header rows with their merged
cells in the seed's order, and one row per screened household from the campaign's visits."""
import io
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.clock import WORK_TZ
from core.extensions import db
from domain.enums import Role
from factories import build_world, household
from models import AuditLog, Job, ScreeningRound
from services.campaigns import campaigns, exports, form1
from services.errors import NotFound, PermissionDenied
from services.fieldwork import visits
from services.fieldwork.visits import VisitInput

FILLED = date(2026, 5, 20)


@pytest.fixture
def world(app):
    return build_world()


def campaign(world, *, year=2026, area=None) -> ScreeningRound:
    made = ScreeningRound(county_id=world.county.id, name=f"{year}年集中排查", year=year,
                          starts_on=date(year, 5, 1), ends_on=date(year, 6, 10), monitoring_line=Decimal("7000"),
                          income_start=date(year - 1, 5, 1), income_end=date(year, 4, 30), area=area or [],
                          phases=[])
    db.session.add(made)
    db.session.flush()
    return made


def visit(worker, household_id, day: date, *, method="home", answers=None, wages=None, hour=10):
    at = datetime(day.year, day.month, day.day, hour, 0, tzinfo=WORK_TZ)
    extra = {}
    if method != "home":
        extra = dict(reached_person="户主本人", reached_via="13900000000", away_reason="work")
    data = VisitInput(client_uuid=str(uuid.uuid4()), household_id=household_id, method=method,
                      visited_at=at.isoformat(), answers=answers or {},
                      income={"wages": str(wages)} if wages is not None else {}, **extra)
    made, _ = visits.record_visit(worker, data, now=at + timedelta(minutes=5))
    return made


def sheet_of(data: bytes):
    return load_workbook(io.BytesIO(data)).active


def merged(sheet) -> set[str]:
    return {str(r) for r in sheet.merged_cells.ranges}


def test_the_header_is_the_seeds(world):
    screening = campaign(world)
    data, count = form1.write_form1(world.users["village_a"], screening, world.village_a, FILLED)
    sheet = sheet_of(data)
    assert count == 0
    assert sheet["A1"].value == "青山镇青山村（社区）2026年防止返贫监测帮扶集中排查到户排查表"
    assert sheet["A2"].value == "填表时间：2026年5月20日"
    ranges = merged(sheet)
    assert {"A1:AQ1", "A2:AQ2"} <= ranges  # title and date over the form's 43 columns
    # First header row: the household's facts each over three rows, then the groups.
    first = ["序号", "村组", "户主姓名", "家庭人口数", "户属性（脱贫户、监测户、一般农户）", "排查方式（入户排查、电话核查）",
             "上年度家庭人均纯收入（2025年5月1日-2026年4月30日，单位：元）", "是否高于本市监测范围（7000元）",
             "是否刚性支出较大或收入大幅缩减"]
    assert [sheet.cell(3, c).value for c in range(1, 10)] == first
    assert {"A3:A5", "B3:B5", "G3:G5", "H3:H5", "I3:I5"} <= ranges
    assert sheet["J3"].value == "“三保障”及饮水安全" and "J3:M3" in ranges  # over 4 columns
    assert [sheet.cell(4, c).value for c in range(10, 14)] == ["现有住房是否安全", "医疗是否得到保障",
                                                            "义务教育是否得到保障", "饮水是否安全"]
    assert "J4:J5" in ranges
    assert sheet["N3"].value == "重点人群和特殊群体" and "N3:AD3" in ranges  # over 17 columns
    assert sheet["N4"].value == "是否整户无劳动力" and "N4:N5" in ranges
    # Second row: the sub-groups over their questions, which sit on the third row.
    assert sheet["O4"].value == "脱贫户" and "O4:P4" in ranges  # over 2
    assert (sheet["O5"].value, sheet["P5"].value) == ("是否2020年脱贫", "是否近三年家庭人均纯收入持续减少")
    assert sheet["Q4"].value == "低保对象" and "Q4:R4" in ranges
    assert sheet["S4"].value == "特困人员" and "S4:T4" in ranges
    assert sheet["U4"].value == "残疾家庭" and "U4:W4" in ranges
    assert sheet["X4"].value == "多子女家庭" and "X4:Y4" in ranges
    assert sheet["Z4"].value == "分户独居老人" and "Z4:AB4" in ranges
    assert sheet["AB5"].value == "子女是否履行赡养义务"
    assert sheet["AC4"].value == "是否务工收入占比高且务工时间不稳定"
    assert sheet["AD4"].value == "是否因病因灾因意外事故导致基本生活出现严重困难"
    assert sheet["AE3"].value == "就医、上学、就业、产业等方面是否存在实际困难和潜在风险"
    assert sheet["AG3"].value == "已消除风险监测对象" and "AG3:AI3" in ranges
    assert sheet["AJ3"].value == "脱贫户和监测对象帮扶措施落实" and "AJ3:AM3" in ranges
    assert sheet["AL4"].value == "是否存在“一兑了之”现象"
    assert [sheet.cell(3, c).value for c in range(40, 44)] == [
        "系统数据信息是否全面准确（脱贫户监测户填写）", "该户是否应纳入监测对象（非监测对象填写）", "该户还存在哪些困难和诉求", "备注"]
    assert sheet.max_column == 43
    # Printing: A4 landscape fitted to the width, the header rows on every page.
    assert sheet.page_setup.orientation == "landscape" and str(sheet.page_setup.paperSize) == "9"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    assert sheet.print_title_rows == "$3:$5"
    assert sheet.freeze_panes == "D6"


def test_one_row_per_screened_household_from_its_latest_visit(world):
    screening = campaign(world)
    worker = world.users["grid_a1"]
    first = household(world.grid_a1, FILLED, size=3)
    second = household(world.grid_a1, FILLED, size=1)
    household(world.grid_a1, FILLED)  # not screened: no row
    visit(worker, first.id, date(2026, 4, 20), answers={"housing_safe": "no"})  # before the campaign
    visit(worker, first.id, date(2026, 5, 12), answers={"housing_safe": "no"}, wages=30000)
    visit(worker, first.id, date(2026, 5, 14), method="wechat", wages=18000, answers={
        "housing_safe": "yes", "medical_secured": "no", "lifted_in_2020": "yes", "should_monitor": "yes",
        "difficulties_and_requests": "缺少劳动力"})
    visit(worker, second.id, date(2026, 5, 13), wages=9000, answers={"housing_safe": "yes"})
    db.session.commit()
    data, count = form1.write_form1(world.users["village_a"], screening, world.village_a, FILLED)
    sheet = sheet_of(data)
    assert count == 2 and sheet.max_row == 7
    row = [c.value for c in sheet[6]]
    assert row[:8] == [1, "青山村一组", "户主青山村一组", 3, "一般农户", "电话核查", 6000, "否"]
    assert (row[9], row[10], row[11]) == ("是", "否", None)  # 住房, 医疗, 义务教育 unanswered
    assert row[14] == "是"  # 是否2020年脱贫
    assert row[40] == "是" and row[41] == "缺少劳动力"  # 该户是否应纳入监测对象, 困难和诉求
    other = [c.value for c in sheet[7]]
    assert other[:8] == [2, "青山村一组", "户主青山村一组", 1, "一般农户", "入户排查", 9000, "是"]


def test_a_township_export_holds_its_villages_and_a_village_only_its_own(world):
    screening = campaign(world)
    a = household(world.grid_a1, FILLED)
    b = household(world.grid_b1, FILLED)
    visit(world.users["grid_a1"], a.id, date(2026, 5, 12))
    visit(world.users["grid_b1"], b.id, date(2026, 5, 12))
    db.session.commit()
    data, count = form1.write_form1(world.users["township"], screening, world.township, FILLED)
    sheet = sheet_of(data)
    assert count == 2
    assert sheet["A1"].value == "青山镇2026年防止返贫监测帮扶集中排查到户排查表"
    assert [sheet.cell(r, 2).value for r in (6, 7)] == ["青山村一组", "石门村一组"]
    _, only_b = form1.write_form1(world.users["village_b"], screening, world.village_b, FILLED)
    assert only_b == 1


def test_a_later_campaign_starts_fresh(world):
    campaign(world, year=2025)
    later = campaign(world, year=2026)
    a = household(world.grid_a1, FILLED)
    visit(world.users["grid_a1"], a.id, date(2025, 5, 12))
    db.session.commit()
    _, count = form1.write_form1(world.users["county"], later, world.county, FILLED)
    assert count == 0


def test_the_export_job_is_audited_and_follows_the_scope(world, client):
    screening = campaign(world)
    a = household(world.grid_a1, FILLED)
    visit(world.users["grid_a1"], a.id, date(2026, 5, 12))
    db.session.commit()
    county = world.users["county"]
    assert exports.export_region(county, screening, world.village_a.code) == world.village_a
    with pytest.raises(NotFound):  # a village staff member cannot name the other village
        exports.export_region(world.users["village_a"], screening, world.village_b.code)
    with pytest.raises(PermissionDenied):
        exports.start(world.users["grid_a1"], screening, "form1", world.grid_a1, FILLED)
    job = exports.start(county, screening, "form1", world.village_a, FILLED)
    job_id = job.id
    db.session.commit()  # the job runs when the unit of work commits
    db.session.expire_all()
    done = db.session.get(Job, job_id)
    assert done.state == "done" and done.result_name == "附件1到户排查表-青山村-2026.xlsx"
    assert done.message == "共 1 户"
    logged = db.session.execute(select(AuditLog).where(AuditLog.action == "export",
                                                       AuditLog.object_type == "screening_round")).scalars().all()
    assert [entry.object_id for entry in logged] == [str(screening.id)]
    assert county.role_enum is Role.COUNTY_STAFF


def test_a_campaign_outside_the_area_is_not_found(world):
    other_township = campaign(world, area=[999999])
    with pytest.raises(NotFound):
        campaigns.get(world.users["village_a"], other_township.id)
    assert campaigns.get(world.users["county"], other_township.id) is other_township
    with pytest.raises(NotFound):
        campaigns.get(world.users["county"], 2**31)
