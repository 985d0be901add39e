"""参数设置 over HTTP: each role's view, changes with a reason and their history, refusals (403 for
the wrong role, 404 outside scope), field errors with what was typed kept, and the county's
warning on its landing page while this year has no monitoring line of its own."""
from __future__ import annotations

import html as html_lib
import re

import pytest
from sqlalchemy import select

import factories
from core import clock
from core.extensions import db
from domain.enums import RegionLevel
from http_support import audit_rows, signed_in, text_of
from models import DibaoStandard, MonitoringLine, Region, RegionPolicy, SettingChange
from services.accounts import users
from services.regions import settings, tree


@pytest.fixture
def ids(app):
    world = factories.build_world()
    other = tree.create_region("350121000000", "闽侯县", RegionLevel.COUNTY, None)
    users.create_user("county_other", "别县", factories.PASSWORD, "county_staff", other.code, None)
    db.session.commit()
    return {"county": world.county.id, "township": world.township.id, "village_a": world.village_a.id,
            "grid_a1": world.grid_a1.id, "other": other.id, "county_user": world.users["county"].id}


def _plain(html: str) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def _changes(key):
    db.session.expire_all()
    return list(db.session.execute(select(SettingChange).where(SettingChange.key == key)
                                   .order_by(SettingChange.id)).scalars())


@pytest.mark.parametrize("who", ["county", "admin"])
def test_county_staff_and_admins_see_every_setting_with_its_origin(app, ids, who):
    response = signed_in(app, who).get("/settings")
    page = text_of(response)
    plain = _plain(page)
    assert response.status_code == 200
    assert "参数设置：示范县" in plain
    for key, (label, _low, _high) in settings.SETTING_FIELDS.items():
        assert f'id="s-{key}"' in page and label in plain
    assert "默认值（依据：seed 004 / 004_60f78604919f5d04.txt 四、（二））" in plain
    assert "15天之内完成监测对象识别认定" in plain
    assert "默认值（依据：seed 000 / 000_b8ef52531082bb4c.txt 三、（四））" in plain  # the 2-year flag
    assert "修改只对此后计算的时限生效" in plain and "已经在计时的案件仍按原来的到期日" in plain
    year = clock.today().year
    assert f"{year}年的监测范围还没有设置，目前沿用2022年的7,000元" in plain
    assert "本年度未单独设置，沿用2022年的监测范围" in plain
    assert 'name="reason"' in page and f'action="/settings/{ids["county"]}/policy"' in page
    assert f'<option value="{ids["township"]}"' in page  # the region picker
    assert f'<option value="{ids["other"]}"' not in page


def test_township_staff_read_their_township_only(app, ids):
    client = signed_in(app, "township")
    response = client.get("/settings")
    page = text_of(response)
    assert response.status_code == 200
    assert "参数设置：青山镇" in _plain(page) and 'data-testid="read-only"' in page
    assert "/policy" not in page and "/line" not in page and 'name="reason"' not in page
    assert client.get(f"/settings?region={ids['township']}").status_code == 200
    assert client.get(f"/settings?region={ids['county']}").status_code == 404
    refused = client.post(f"/settings/{ids['township']}/policy",
                          data={"key": "pairing_days", "value": "4", "reason": "镇里想改"})
    assert refused.status_code == 403 and "只有县级工作人员和系统管理员可以修改参数设置" in text_of(refused)
    assert client.post(f"/settings/{ids['township']}/line",
                       data={"year": "2026", "amount": "7500", "reason": "镇里想改"}).status_code == 403
    assert _changes("pairing_days") == [] and _changes(settings.LINE_KEY) == []


@pytest.mark.parametrize("who", ["village_a", "grid_a1", "cadre_a", "dept", "auditor"])
def test_other_roles_are_refused(app, ids, who):
    client = signed_in(app, who)
    assert client.get("/settings").status_code == 403
    assert client.get(f"/settings?region={ids['county']}").status_code == 403
    assert client.post(f"/settings/{ids['county']}/policy",
                       data={"key": "pairing_days", "value": "4", "reason": "越权"}).status_code == 403
    assert client.post(f"/settings/{ids['county']}/line",
                       data={"year": "2026", "amount": "7500", "reason": "越权"}).status_code == 403
    db.session.expire_all()
    assert db.session.execute(select(RegionPolicy)).first() is None


def test_regions_outside_scope_are_not_found(app, ids):
    client = signed_in(app, "county")
    for query in (f"region={ids['other']}", f"region={ids['village_a']}", f"region={ids['grid_a1']}",
                  "region=abc", "region=0", "region=99999999999", "region=²"):
        assert client.get(f"/settings?{query}").status_code == 404, query
    assert client.post(f"/settings/{ids['other']}/policy",
                       data={"key": "pairing_days", "value": "4", "reason": "别的县"}).status_code == 404
    assert client.post(f"/settings/{ids['village_a']}/line",
                       data={"year": "2026", "amount": "7500", "reason": "村级"}).status_code == 404
    assert client.post(f"/settings/{ids['county']}/policy",
                       data={"key": "no_such_setting", "value": "4", "reason": "x"}).status_code == 404
    other = signed_in(app, "county_other")
    assert other.get(f"/settings?region={ids['county']}").status_code == 404
    assert "参数设置：闽侯县" in _plain(text_of(other.get("/settings")))


def test_county_staff_change_a_value_and_see_its_history(app, ids):
    client = signed_in(app, "county")
    response = client.post(f"/settings/{ids['county']}/policy",
                           data={"key": "unresolved_years", "value": "3", "op": "set",
                                 "reason": "县里：纳入3年以上重点分析"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/settings?region={ids['county']}&saved=unresolved_years"
                                                  "#s-unresolved_years")
    page = text_of(client.get(response.headers["Location"]))
    plain = _plain(page)
    assert 'data-testid="saved"' in page
    assert 'data-testid="value-unresolved_years">3<' in page
    assert "县级设置（示范县）" in plain
    assert "（沿用上级或默认值） → 3 原因：县里：纳入3年以上重点分析" in plain
    assert "COUNTY（县级工作人员）" in plain
    [change] = _changes("unresolved_years")
    assert (change.old_value, change.new_value, change.user_id) == (None, "3", ids["county_user"])
    [entry] = audit_rows(object_type="region_policy")
    assert entry.action == "update" and "key=unresolved_years" in entry.detail
    # the township inherits it, and says from where
    township = _plain(text_of(signed_in(app, "township").get("/settings")))
    assert "县级设置（示范县）" in township
    # removing the county's own value: back to the default
    removed = client.post(f"/settings/{ids['county']}/policy",
                          data={"key": "unresolved_years", "value": "", "op": "clear", "reason": "恢复文件规定"})
    assert removed.status_code == 302
    page = text_of(client.get(f"/settings?region={ids['county']}"))
    assert 'data-testid="value-unresolved_years">2<' in page
    assert "3 → （沿用上级或默认值） 原因：恢复文件规定" in _plain(page)
    assert [c.new_value for c in _changes("unresolved_years")] == ["3", None]
    assert [a.action for a in audit_rows(object_type="region_policy")] == ["update", "delete"]


def test_a_refused_form_keeps_what_was_typed(app, ids):
    client = signed_in(app, "county")
    response = client.post(f"/settings/{ids['township']}/policy",
                           data={"key": "pairing_days", "value": "99", "op": "set", "reason": ""})
    page = text_of(response)
    assert response.status_code == 400
    assert "“明确结对帮扶干部时限（天，自识别认定之日起）”应在1到30之间" in page
    assert "请填写修改原因" in page
    assert 'id="f-pairing_days" name="value" maxlength="20" value="99"' in page
    assert 'id="f-first_visit_days" name="value" maxlength="20" value="7"' in page  # others untouched
    response = client.post(f"/settings/{ids['township']}/policy",
                           data={"key": "income_drop_ratio", "value": "NaN", "op": "set", "reason": "镇里<试点>"})
    page = text_of(response)
    assert response.status_code == 400 and "应为数字，例如0.3或30%" in page
    assert 'value="镇里&lt;试点&gt;"' in page and 'value="NaN"' in page
    line = client.post(f"/settings/{ids['county']}/line",
                       data={"year": "20２6", "amount": "七千五", "op": "set", "reason": "市通知"})
    page = text_of(line)
    assert line.status_code == 400
    assert "监测范围应为数字（元），最多两位小数，例如7000" in page
    assert 'name="amount" inputmode="decimal" maxlength="20" value="七千五"' in page
    assert 'value="20２6"' in page and 'value="市通知"' in page
    assert _changes("pairing_days") == [] and _changes(settings.LINE_KEY) == []


def test_the_year_without_a_line_is_flagged_on_the_landing_page_until_set(app, ids):
    year = clock.today().year
    county = signed_in(app, "county")
    home = _plain(text_of(county.get("/")))
    assert f"示范县{year}年的监测范围还没有设置，目前沿用2022年的7,000元" in home
    assert f'href="/settings?region={ids["county"]}#lines"' in text_of(county.get("/"))
    assert "监测范围还没有设置" in _plain(text_of(signed_in(app, "admin").get("/")))
    for who in ("township", "village_a", "grid_a1", "dept"):
        assert 'data-testid="line-gap"' not in text_of(signed_in(app, who).get("/")), who
    response = county.post(f"/settings/{ids['county']}/line",
                           data={"year": str(year), "amount": "7,600", "op": "set", "reason": "市乡村振兴局通知"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#lines")
    assert 'data-testid="line-gap"' not in text_of(county.get("/"))
    page = text_of(county.get("/settings"))
    assert 'data-testid="line-gap"' not in page
    assert f"{year}年 7,600元 县级设置（示范县）" in _plain(page)
    assert "（沿用上级或默认值） → 7,600元 原因：市乡村振兴局通知" in _plain(page)
    db.session.expire_all()
    assert [(r.year, str(r.amount)) for r in db.session.execute(select(MonitoringLine)).scalars()] == [
        (year, "7600.00")]
    # removing the year's line brings the warning back
    cleared = county.post(f"/settings/{ids['county']}/line",
                          data={"year": str(year), "op": "clear", "reason": "通知撤回"})
    assert cleared.status_code == 302
    assert 'data-testid="line-gap"' in text_of(county.get("/"))
    assert [a.action for a in audit_rows(object_type="monitoring_line")] == ["update", "delete"]


def test_removing_a_line_without_a_reason_keeps_the_row_and_says_why(app, ids):
    county = signed_in(app, "county")
    assert county.post(f"/settings/{ids['county']}/line",
                       data={"year": "2025", "amount": "7300", "reason": "县里"}).status_code == 302
    refused = county.post(f"/settings/{ids['county']}/line", data={"year": "2025", "op": "clear", "reason": " "})
    assert refused.status_code == 400 and "请填写修改原因" in text_of(refused)
    db.session.expire_all()
    assert db.session.execute(select(MonitoringLine)).scalar_one().year == 2025


def test_admins_change_a_township_from_the_picker(app, ids):
    admin = signed_in(app, "admin")
    page = text_of(admin.get(f"/settings?region={ids['township']}"))
    assert "参数设置：青山镇" in _plain(page)
    response = admin.post(f"/settings/{ids['township']}/policy",
                          data={"key": "notice_min_days", "value": "７", "reason": "镇里公示7天"})
    assert response.status_code == 302
    assert "乡镇设置（青山镇）" in _plain(text_of(signed_in(app, "township").get("/settings")))
    assert [c.region_id for c in _changes("notice_min_days")] == [ids["township"]]


# --- 低保标准 per region and year -------------------------------------------------------------

@pytest.mark.parametrize("who", ["county", "admin"])
def test_dibao_standards_say_there_is_no_default_and_can_be_set_with_a_reason(app, ids, who):
    client = signed_in(app, who)
    year = clock.today().year
    page = text_of(client.get("/settings"))
    plain = _plain(page)
    assert 'id="dibao"' in page and f'action="/settings/{ids["county"]}/dibao"' in page
    assert "种子文件没有给出低保标准的数字，本系统不设默认值" in plain
    assert f"{year}年及以前年度的低保标准都还没有设置，无法判断低保渐退期" in plain
    assert "边缘户纳入低保的，可给予6—12个月的渐退期" in plain  # the setting's seed
    response = client.post(f"/settings/{ids['county']}/dibao",
                           data={"op": "set", "year": str(year - 1), "rural": "6,000", "urban": "５７５",
                                 "reason": "县民政局标准通知"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/settings?region={ids['county']}&saved=dibao#dibao")
    page = text_of(client.get(response.headers["Location"]))
    plain = _plain(page)
    assert 'data-testid="saved"' in page
    assert f"{year}年的低保标准还没有设置，目前沿用{year - 1}年的标准（农村6,000元/人·年，城市575元/人·月）" in plain
    assert f"本年度未单独设置，沿用{year - 1}年的低保标准" in plain
    assert "临时救助1,725元以内可委托乡镇审批；急难型（2人以上）不低于4,600元" in plain
    assert "（沿用上级或默认值） → 农村6,000元/人·年，城市575元/人·月 原因：县民政局标准通知" in plain
    [change] = _changes(settings.DIBAO_KEY)
    assert (change.year, change.new_value) == (year - 1, "6000.00|575.00")
    assert [a.action for a in audit_rows(object_type="dibao_standard")] == ["update"]
    township = _plain(text_of(signed_in(app, "township").get("/settings")))
    assert f"沿用{year - 1}年的低保标准" in township and "县级设置（示范县）" in township
    removed = client.post(f"/settings/{ids['county']}/dibao",
                          data={"op": "clear", "year": str(year - 1), "reason": "撤回"})
    assert removed.status_code == 302
    assert db.session.execute(select(DibaoStandard)).first() is None
    assert [c.new_value for c in _changes(settings.DIBAO_KEY)] == ["6000.00|575.00", None]


def test_a_refused_dibao_form_keeps_what_was_typed_beside_each_field(app, ids):
    client = signed_in(app, "county")
    response = client.post(f"/settings/{ids['township']}/dibao",
                           data={"op": "set", "year": "20２6", "rural": "NaN", "urban": "5²", "reason": "镇里<试点>"})
    page = text_of(response)
    assert response.status_code == 400
    assert "农村低保标准应为数字（元/人·年），最多两位小数" in page
    assert "城市月低保标准应为数字（元/人·月），最多两位小数" in page
    assert 'id="f-dibao-rural" name="rural" inputmode="decimal" maxlength="20" value="NaN"' in page
    assert 'id="f-dibao-urban" name="urban" inputmode="decimal" maxlength="20" value="5²"' in page
    assert 'value="镇里&lt;试点&gt;"' in page
    response = client.post(f"/settings/{ids['township']}/dibao",
                           data={"op": "set", "year": "1999", "rural": "6000", "urban": "575", "reason": ""})
    page = text_of(response)
    assert response.status_code == 400 and "年份应在2015至2100之间" in page and "请填写修改原因" in page
    removing = client.post(f"/settings/{ids['township']}/dibao", data={"op": "clear", "year": "2026", "reason": "x"})
    assert removing.status_code == 400 and "本级没有单独设置2026年的低保标准" in text_of(removing)
    assert client.post(f"/settings/{ids['township']}/dibao", data={
        "op": "set", "year": "2026", "rural": "6000", "urban": "575", "reason": "镇里"}).status_code == 302
    no_reason = client.post(f"/settings/{ids['township']}/dibao", data={"op": "clear", "year": "2026", "reason": " "})
    page = text_of(no_reason)
    assert no_reason.status_code == 400
    row = page[page.index('data-testid="dibao-2026"'):page.index('data-testid="dibao-form"')]
    assert "<details class=\"st-edit\" open>" in row and "请填写修改原因" in row
    for huge in ("99999999999999999999", "\x00", "-1"):
        assert client.post(f"/settings/{ids['county']}/dibao",
                           data={"op": "set", "year": huge, "rural": huge, "urban": huge, "reason": huge}
                           ).status_code == 400
    assert [c.new_value for c in _changes(settings.DIBAO_KEY)] == ["6000.00|575.00"]


@pytest.mark.parametrize("who, region, status", [
    ("township", "township", 403), ("township", "county", 404), ("village_a", "county", 403),
    ("grid_a1", "county", 403), ("dept", "county", 403), ("auditor", "county", 403), ("county_other", "county", 404)])
def test_dibao_standards_are_refused_to_others(app, ids, who, region, status):
    response = signed_in(app, who).post(f"/settings/{ids[region]}/dibao",
                                        data={"op": "set", "year": "2026", "rural": "6000", "urban": "575",
                                              "reason": "越权"})
    assert response.status_code == status
    assert _changes(settings.DIBAO_KEY) == []


def test_dibao_standards_of_a_village_are_not_found(app, ids):
    client = signed_in(app, "county")
    for region in (ids["village_a"], ids["grid_a1"], ids["other"]):
        assert client.post(f"/settings/{region}/dibao", data={"op": "set", "year": "2026", "rural": "6000",
                                                              "urban": "575", "reason": "村级"}).status_code == 404


def test_the_township_reads_the_standards_without_a_form(app, ids):
    settings.set_dibao_standard(None, db.session.get(Region, ids["county"]), 2025, "6000", "575")
    db.session.commit()
    page = text_of(signed_in(app, "township").get("/settings"))
    assert 'data-testid="dibao-2025"' in page and "/dibao" not in page


def test_the_marginal_phaseout_months_are_a_setting_from_6_to_12(app, ids):
    client = signed_in(app, "county")
    refused = client.post(f"/settings/{ids['county']}/policy",
                          data={"key": "dibao_phaseout_months", "value": "13", "op": "set", "reason": "超出"})
    assert refused.status_code == 400 and "“边缘易致贫户低保渐退期（月）”应在6到12之间" in text_of(refused)
    saved = client.post(f"/settings/{ids['county']}/policy",
                        data={"key": "dibao_phaseout_months", "value": "8", "op": "set", "reason": "县里定8个月"})
    assert saved.status_code == 302
    assert 'data-testid="value-dibao_phaseout_months">8<' in text_of(client.get(saved.headers["Location"]))
