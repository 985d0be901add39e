"""部门筛查预警标准 on 参数设置 over HTTP: each figure for the year chosen with where it comes from,
set from a year on and removed with a reason, its history, field errors in Chinese with what was
typed kept, and refusals (403 for the wrong role, 404 outside scope)."""
from __future__ import annotations

import html as html_lib
import re

import pytest
from sqlalchemy import select

import factories
from core.boundary import NUL_MESSAGE
from core.extensions import db
from domain.enums import RegionLevel
from http_support import audit_rows, signed_in, text_of
from models import SettingChange, WarningThreshold
from services.accounts import users
from services.regions import tree

KEY = "medical_vulnerable"
LABEL = "医保：脱贫户、监测户全年个人自付超过（元）"


@pytest.fixture
def ids(app):
    world = factories.build_world()
    other = tree.create_region("350121000000", "闽侯县", RegionLevel.COUNTY, None)
    users.create_user("county_other", "别县", factories.PASSWORD, "county_staff", other.code, None)
    db.session.commit()
    return {"county": world.county.id, "township": world.township.id, "village_a": world.village_a.id}


def _plain(html: str) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def _figure(page: str, key: str = KEY) -> str:
    """The plain text of one figure's block on the page."""
    match = re.search(rf'<article [^>]*id="w-{key}".*?</article>', page, re.S)
    assert match, f"no block for {key}"
    return _plain(match.group(0))


def _stored():
    db.session.expire_all()
    return [(r.region_id, r.year, r.key, r.value) for r in db.session.execute(select(WarningThreshold)).scalars()]


def _post(client, region_id, **form):
    return client.post(f"/settings/{region_id}/warning", data={"key": KEY, "op": "set", **form})


def test_every_figure_shows_its_default_and_where_the_default_comes_from(app, ids):
    page = text_of(signed_in(app, "county").get(f"/settings?region={ids['county']}&warning_year=2026"))
    plain = _plain(page)
    assert "部门筛查预警标准（2026年）" in plain
    for label in (LABEL, "医保：一般农户全年个人自付超过（元）", "应急：一般农户直接经济损失超过（元）", "水利：停水达到（天）"):
        assert label in plain
    assert 'data-testid="warning-value-medical_vulnerable">10,000元<' in page
    assert 'data-testid="warning-value-medical_other">26,000元<' in page
    assert 'data-testid="warning-value-outage_days">7天<' in page
    assert 'data-testid="warning-value-severe_ratio">2倍<' in page
    assert "默认值" in _figure(page) and "西安市医保局做法" in _figure(page)
    assert "可设置范围：100元至1,000,000元" in _figure(page)
    assert f'action="/settings/{ids["county"]}/warning"' in page


def test_county_staff_set_a_figure_from_a_year_on_and_remove_it(app, ids):
    client = signed_in(app, "county")
    response = _post(client, ids["county"], year="２０２５", value="１２,０００元", reason="县医保局2025年预警口径")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/settings?region={ids['county']}&saved=warning&warning_year=2025#w-{KEY}")
    page = text_of(client.get(response.headers["Location"]))
    assert 'data-testid="saved"' in page
    assert 'data-testid="warning-value-medical_vulnerable">12,000元<' in page
    block = _figure(page)
    assert "县级设置（示范县）" in block and "2025年起" in block
    assert "2025年起：（沿用上级或默认值） → 12,000元 原因：县医保局2025年预警口径" in block
    assert _stored() == [(ids["county"], 2025, KEY, "12000")]
    [entry] = audit_rows(object_type="warning_threshold")
    assert entry.action == "update" and f"key={KEY} year=2025" in entry.detail

    # a later year without its own figure says whose it uses; an earlier one the default
    later = text_of(client.get(f"/settings?region={ids['county']}&warning_year=2030"))
    assert "2030年未单独设置，沿用2025年的标准" in _figure(later)
    earlier = text_of(client.get(f"/settings?region={ids['county']}&warning_year=2024"))
    assert 'data-testid="warning-value-medical_vulnerable">10,000元<' in earlier

    # the township (read-only) sees the county's figure and no form
    township = text_of(signed_in(app, "township").get("/settings?warning_year=2026"))
    assert "县级设置（示范县）" in _figure(township) and "沿用2025年的标准" in _figure(township)
    assert f'/settings/{ids["township"]}/warning"' not in township and 'name="reason"' not in township

    removed = client.post(f"/settings/{ids['county']}/warning",
                          data={"key": KEY, "op": "clear", "year": "2025", "reason": "口径作废"})
    assert removed.status_code == 302
    page = text_of(client.get(f"/settings?region={ids['county']}&warning_year=2025"))
    assert 'data-testid="warning-value-medical_vulnerable">10,000元<' in page
    assert "2025年起：12,000元 → （沿用上级或默认值） 原因：口径作废" in _figure(page)
    assert _stored() == []
    assert [a.action for a in audit_rows(object_type="warning_threshold")] == ["update", "delete"]


def test_a_township_override_is_shown_on_the_township_and_removed_beside_its_row(app, ids):
    client = signed_in(app, "county")
    assert _post(client, ids["county"], year="2025", value="12000", reason="县口径").status_code == 302
    assert _post(client, ids["township"], year="2026", value="15000", reason="镇试点").status_code == 302
    page = text_of(client.get(f"/settings?region={ids['township']}&warning_year=2026"))
    assert 'data-testid="warning-value-medical_vulnerable">15,000元<' in page
    assert "乡镇设置（青山镇）" in _figure(page)
    assert f'data-testid="warning-clear-{KEY}-2026"' in page
    refused = client.post(f"/settings/{ids['township']}/warning",
                          data={"key": KEY, "op": "clear", "year": "2026", "reason": " "})
    page = text_of(refused)
    assert refused.status_code == 400
    row = re.search(rf'<tr data-testid="warning-clear-{KEY}-2026">.*?</tr>', page, re.S).group(0)
    assert "<details class=\"st-edit\" open>" in row and "请填写修改原因" in row
    assert (ids["township"], 2026, KEY, "15000") in _stored()


@pytest.mark.parametrize("typed, message", [
    ("²", f"“{LABEL}”应为数字"), ("NaN", f"“{LABEL}”应为数字"), ("1e9", f"“{LABEL}”应为数字"),
    ("", f"“{LABEL}”不能为空"), ("2000000", f"“{LABEL}”应在100到1000000之间")])
def test_a_refused_figure_is_said_beside_its_field_and_kept(app, ids, typed, message):
    client = signed_in(app, "county")
    response = _post(client, ids["county"], year="2026", value=typed, reason="县<口径>")
    page = text_of(response)
    assert response.status_code == 400
    block = re.search(rf'<article [^>]*id="w-{KEY}".*?</article>', page, re.S).group(0)
    assert '<details class="st-edit" open>' in block and message in _plain(block)
    assert 'value="县&lt;口径&gt;"' in block
    assert f'id="f-w-{KEY}" name="value" inputmode="decimal" maxlength="20" value="{typed}"' in block
    # the other figures' forms keep their own values
    assert 'id="f-w-medical_other" name="value" inputmode="decimal" maxlength="20" value="26000"' in page
    assert _stored() == []


def test_a_wrong_year_and_a_missing_reason_are_said_together(app, ids):
    response = _post(signed_in(app, "county"), ids["county"], year="20２6年x", value="12000", reason="")
    block = _plain(re.search(rf'<article [^>]*id="w-{KEY}".*?</article>', text_of(response), re.S).group(0))
    assert response.status_code == 400
    assert "年份应在2015至2100之间" in block and "请填写修改原因" in block
    assert 'value="20２6年x"' in text_of(response)


@pytest.mark.parametrize("year", ["²", "99999999999", "1999", "abc"])
def test_a_year_to_show_that_does_not_read_is_said_beside_the_picker(app, ids, year):
    response = signed_in(app, "county").get(f"/settings?region={ids['county']}&warning_year={year}")
    page = text_of(response)
    assert response.status_code == 400
    form = re.search(r'data-testid="warning-year-form".*?</form>', page, re.S).group(0)
    assert "年份应在2015至2100之间" in form and f'value="{year}"' in form


def test_full_width_year_to_show_is_read(app, ids):
    response = signed_in(app, "county").get(f"/settings?region={ids['county']}&warning_year=２０２７")
    assert response.status_code == 200 and "部门筛查预警标准（2027年）" in _plain(text_of(response))


@pytest.mark.parametrize("who", ["village_a", "grid_a1", "dept", "township"])
def test_other_roles_may_not_change_a_figure(app, ids, who):
    assert _post(signed_in(app, who), ids["township"], year="2026", value="15000", reason="越权").status_code == 403
    assert _stored() == []


def test_regions_and_figures_outside_scope_are_not_found(app, ids):
    other = signed_in(app, "county_other")
    assert _post(other, ids["county"], year="2026", value="15000", reason="别的县").status_code == 404
    county = signed_in(app, "county")
    assert _post(county, ids["village_a"], year="2026", value="15000", reason="村级").status_code == 404
    assert _post(county, 99999999999, year="2026", value="15000", reason="x").status_code == 404
    assert county.post(f"/settings/{ids['county']}/warning",
                       data={"key": "no_such_figure", "year": "2026", "value": "1", "reason": "x"}).status_code == 404
    for nul in ({"key": "\x00"}, {"value": "12\x0000"}, {"reason": "\x00"}):  # the app's boundary refuses NUL
        refused = _post(county, ids["county"], **{"year": "2026", "value": "12000", "reason": "x", **nul})
        assert refused.status_code == 400 and NUL_MESSAGE in text_of(refused)
    assert _stored() == []
    db.session.expire_all()
    assert db.session.execute(select(SettingChange)).first() is None
