"""附件3 over HTTP (issue #15 point 5): a village's week (figures, the six typed values, 报送本周),
the township's status with send-back, the exports page starting jobs (附件1 and 附件3 read back
from the job's file), who may open what, and broken input that must never end in a 500."""
import io
import uuid
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

import factories
from core import clock
from core.clock import WORK_TZ
from core.extensions import db
from http_support import audit_rows, by_testid, signed_in, text_of
from models import ScreeningRound, Visit, WeeklyReport

TODAY = date(2026, 5, 15)  # a Friday within the campaign
TYPED = {"grids": "2", "grid_workers": "2", "trainings": "6", "large_scale_risk": "否", "blocked_workers": "3/1",
         "remarks": "无"}


@pytest.fixture
def world(app, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    made = factories.build_world()
    made.round = ScreeningRound(county_id=made.county.id, name="2026年集中排查", year=2026, starts_on=date(2026, 5, 1),
                                ends_on=date(2026, 6, 10), monitoring_line=Decimal("7000"),
                                income_start=date(2025, 5, 1), income_end=date(2026, 4, 30), area=[], phases=[])
    db.session.add(made.round)
    first = factories.household(made.grid_a1, TODAY, size=3)
    factories.household(made.grid_a2, TODAY, size=2)
    db.session.add(Visit(client_uuid=str(uuid.uuid4()), payload_sha256="0" * 64, household_id=first.id,
                         worker_id=made.users["grid_a1"].id, method="phone", answers='{"housing_safe": "yes"}',
                         visited_at=datetime(2026, 5, 12, 9, 0, tzinfo=WORK_TZ)))
    db.session.commit()
    made.round_id = made.round.id
    return made


def test_the_village_submits_its_week(world, app):
    client = signed_in(app, "village_a")
    url = f"/campaigns/{world.round_id}/weekly"
    page = text_of(client.get(url))
    assert by_testid(page, "village-name") == "青山村"
    assert "应排查农户（户/人）</th><td>2/5" in page and "已排查农户（户/人）</th><td>1/3" in page
    for field in TYPED:
        assert f'name="{field}"' in page
    assert "报送本周" in page
    refused = client.post(url, data={**TYPED, "blocked_workers": "1/3", "grids": "二"})
    assert refused.status_code == 400
    body = text_of(refused)
    assert "已解决人数不能多于总人数" in body and "请填写0到100000之间的整数" in body
    assert 'value="二"' in body and 'value="1/3"' in body  # what was typed is kept
    sent = client.post(url, data=TYPED)
    assert sent.status_code == 303
    done = text_of(client.get(sent.headers["Location"]))
    assert "已报送" in done and "报送本周" not in done
    report = db.session.execute(select(WeeklyReport)).scalar_one()
    assert report.week_ending == TODAY and report.figures["screened_pair"] == [1, 3]
    again = client.post(url, data=TYPED)
    assert again.status_code == 400 and "本周已报送" in text_of(again)


def test_the_township_sees_who_has_not_submitted_and_sends_back(world, app):
    signed_in(app, "village_a").post(f"/campaigns/{world.round_id}/weekly", data=TYPED)
    township = signed_in(app, "township")
    assert township.get(f"/campaigns/{world.round_id}/weekly").status_code == 303  # to the status page
    page = text_of(township.get(f"/campaigns/{world.round_id}/weekly/status?week=2026-05-13"))
    assert by_testid(page, "missing-count") == "1"
    assert page.index("石门村") < page.index("青山村")  # not submitted first
    report_id = db.session.execute(select(WeeklyReport.id)).scalar_one()
    empty = township.post(f"/campaigns/{world.round_id}/weekly/{report_id}/return", data={"reason": ""})
    assert empty.status_code == 400 and "请填写退回原因" in text_of(empty)
    back = township.post(f"/campaigns/{world.round_id}/weekly/{report_id}/return", data={"reason": "培训人次有误"})
    assert back.status_code == 303
    assert "已退回" in text_of(township.get(back.headers["Location"]))
    village = text_of(signed_in(app, "village_a").get(f"/campaigns/{world.round_id}/weekly"))
    assert "培训人次有误" in village and "报送本周" in village
    assert len(audit_rows(action="return", object_type="weekly_report")) == 1


def test_who_may_open_what(world, app):
    url = f"/campaigns/{world.round_id}/weekly"
    assert signed_in(app, "grid_a1").get(url).status_code == 403
    assert signed_in(app, "dept").get(url).status_code == 403
    assert signed_in(app, "village_a").get(url + "/status").status_code == 403
    county = signed_in(app, "county")
    assert county.get(url + "/status").status_code == 200
    assert county.get(f"/campaigns/{2**31}/weekly/status").status_code == 404
    assert county.get(f"/campaigns/{2**40}/weekly").status_code == 404
    signed_in(app, "village_a").post(url, data=TYPED)
    report_id = db.session.execute(select(WeeklyReport.id)).scalar_one()
    world_b = factories.with_a_neighbour(world)
    db.session.commit()
    other = signed_in(app, "other_county")
    assert other.get(url + "/status").status_code == 404
    assert other.post(f"{url}/{report_id}/return", data={"reason": "x"}).status_code == 404
    assert world_b.users["other_county"]  # the neighbour's staff reach nothing here
    assert signed_in(app, "village_b").post(f"{url}/{report_id}/return", data={"reason": "x"}).status_code == 403


@pytest.mark.parametrize("week", ["2026-13-01", "2026-05-15²", "99999-01-01", "0001-01-01", "２０２６-05-15"])
def test_a_broken_week_shows_this_week(world, app, week):
    response = signed_in(app, "township").get(f"/campaigns/{world.round_id}/weekly/status", query_string={"week": week})
    assert response.status_code == 400 and "已显示本周" in text_of(response)


def test_a_nul_in_the_week_is_refused(world, app):
    response = signed_in(app, "township").get(f"/campaigns/{world.round_id}/weekly/status?week=x%00")
    assert response.status_code == 400


@pytest.mark.parametrize("field,value", [("grids", "\x00"), ("trainings", "NaN"), ("grid_workers", "9" * 40),
                                         ("blocked_workers", "²/1"), ("large_scale_risk", "是\x00")])
def test_broken_values_are_refused_not_crashed(world, app, field, value):
    response = signed_in(app, "village_a").post(f"/campaigns/{world.round_id}/weekly", data={**TYPED, field: value})
    assert response.status_code == 400
    assert db.session.execute(select(func.count(WeeklyReport.id))).scalar_one() == 0


def test_exports_are_jobs_with_the_forms(world, app):
    signed_in(app, "village_a").post(f"/campaigns/{world.round_id}/weekly", data=TYPED)
    township = signed_in(app, "township")
    page = text_of(township.get(f"/campaigns/{world.round_id}/exports"))
    assert "附件1 到户排查表" in page and "青山村" in page
    started = township.post(f"/campaigns/{world.round_id}/exports", data={"form": "form1", "region": "341599101001"})
    assert started.status_code == 303 and "/jobs/" in started.headers["Location"]
    job_page = started.headers["Location"]
    assert township.get(job_page).status_code == 200
    book = load_workbook(io.BytesIO(township.get(job_page + "/result").data)).active
    assert book["A1"].value == "青山镇青山村（社区）2026年防止返贫监测帮扶集中排查到户排查表"
    assert [c.value for c in book[6]][:8] == [1, "青山村一组", "户主青山村一组", 3, "一般农户", "电话核查", None, None]
    assert book["J6"].value == "是"
    weekly = township.post(f"/campaigns/{world.round_id}/exports",
                           data={"form": "form3", "region": "341599101000", "week": "2026-05-15"})
    sheet = load_workbook(io.BytesIO(township.get(weekly.headers["Location"] + "/result").data)).active
    assert sheet["A1"].value == "2026年防止返贫监测帮扶集中排查情况统计表"
    assert [c.value for c in sheet[5]][:4] == [1, "青山村", "2/5", "1/3"]
    assert len(audit_rows(action="export", object_type="screening_round")) == 2
    bad = township.post(f"/campaigns/{world.round_id}/exports", data={"form": "form9", "region": "341599000000",
                                                                      "week": "2000-01-07"})
    assert bad.status_code == 400
    body = text_of(bad)
    assert "请选择要导出的表格" in body and "请选择本辖区内该次排查范围中的地区" in body
    assert signed_in(app, "grid_a1").get(f"/campaigns/{world.round_id}/exports").status_code == 403
    village = signed_in(app, "village_a").post(f"/campaigns/{world.round_id}/exports",
                                               data={"form": "form1", "region": "341599101002"})
    assert village.status_code == 400  # the other village is outside their scope
