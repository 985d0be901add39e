"""部门筛查预警标准 per region and year (issue #14): a figure set for a year holds from that year on
until a later year sets its own; in one year the nearest region wins; figures nobody set are the
defaults of ``domain.warnings`` (医保: 10,000 / 26,000 yuan a year, 6,000 / 10,000 a stay, after
Xi'an's and other provinces' practice). Changes keep who, old, new and why, and are audited."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

import factories
from core.extensions import db
from domain.enums import RegionLevel
from models import AuditLog, SettingChange, WarningThreshold
from services.accounts import users
from services.errors import NotFound, PermissionDenied, ValidationFailed
from services.regions import settings_page, tree
from services.regions.warning_thresholds import (
    change_threshold,
    clear_threshold,
    thresholds_for,
)

KEY = "medical_vulnerable"


def _history(region, key=KEY):
    return list(db.session.execute(select(SettingChange).where(SettingChange.region_id == region.id,
                                                               SettingChange.key == "warning:" + key)
                                   .order_by(SettingChange.id)).scalars())


def _audit():
    return list(db.session.execute(select(AuditLog).where(AuditLog.object_type == "warning_threshold")
                                   .order_by(AuditLog.id)).scalars())


@pytest.fixture
def world(app):
    made = factories.build_world()
    db.session.commit()
    return made


def test_a_figure_is_inherited_down_the_tree_and_holds_for_later_years(world):
    county, township = world.users["county"], world.township
    change_threshold(county, world.county, KEY, "2025", "12000", "县医保局2025年预警口径")
    change_threshold(county, township, KEY, "2026", "15000", "青山镇试点提高标准")

    # the village follows its township for 2026 and the county for 2025
    assert thresholds_for(world.village_a, 2026).medical_vulnerable == Decimal("15000")
    assert thresholds_for(world.village_a, 2025).medical_vulnerable == Decimal("12000")
    assert thresholds_for(world.grid_b1, 2026).medical_vulnerable == Decimal("15000")
    # before any setting: the default; a later year keeps the latest earlier year's figure
    assert thresholds_for(world.village_a, 2024).medical_vulnerable == Decimal("10000")
    assert thresholds_for(world.village_a, 2031).medical_vulnerable == Decimal("15000")
    # the township's figure does not reach up to the county
    assert thresholds_for(world.county, 2026).medical_vulnerable == Decimal("12000")
    # the other figures stay the defaults
    other = thresholds_for(world.village_a, 2026)
    assert (other.medical_other, other.hospital_stay_vulnerable, other.outage_days, other.severe_ratio) == (
        Decimal("26000"), Decimal("6000"), Decimal("7"), Decimal("2"))
    # a later year set by the county applies from then on, as a later monitoring line does
    change_threshold(county, world.county, KEY, "2028", "18000", "县医保局2028年口径")
    assert thresholds_for(world.village_a, 2027).medical_vulnerable == Decimal("15000")
    assert thresholds_for(world.village_a, 2028).medical_vulnerable == Decimal("18000")


def test_the_page_names_where_each_figure_comes_from(world):
    county = world.users["county"]
    change_threshold(county, world.county, KEY, "2025", "12000", "县医保局口径")
    change_threshold(county, world.township, KEY, "2026", "15000", "镇里试点")

    def row_of(region, year, key=KEY):
        section = settings_page.page(world.users["admin"], region, 2026, year).warnings
        return next(row for row in section.rows if row.key == key)

    in_township = row_of(world.township, 2026)
    assert (in_township.value, in_township.origin.text, in_township.from_year, in_township.origin.here) == (
        "15,000元", "乡镇设置（青山镇）", 2026, True)
    carried = row_of(world.township, 2027)
    assert carried.carried and carried.from_year == 2026
    from_county = row_of(world.township, 2025)
    assert (from_county.value, from_county.origin.text, from_county.origin.here) == (
        "12,000元", "县级设置（示范县）", False)
    default = row_of(world.county, 2024)
    assert default.value == "10,000元" and default.origin.text == "默认值" and default.from_year is None
    assert "西安市医保局" in default.origin.note
    days = row_of(world.county, 2026, "outage_days")
    assert days.value == "7天" and days.range == "1天至180天"
    assert row_of(world.county, 2026, "severe_ratio").value == "2倍"


def test_clearing_a_year_brings_back_the_inherited_figure_and_keeps_the_history(world):
    county = world.users["county"]
    change_threshold(county, world.county, KEY, "2025", "12000", "县医保局口径")
    change_threshold(county, world.township, KEY, "2026", "15000", "镇里试点")
    change_threshold(county, world.township, KEY, "2026", "16000.50", "镇里再提高")
    clear_threshold(county, world.township, KEY, "2026", "试点结束")
    db.session.commit()

    assert thresholds_for(world.village_a, 2026).medical_vulnerable == Decimal("12000")
    assert db.session.execute(select(WarningThreshold).filter_by(region_id=world.township.id)).first() is None
    assert [(c.year, c.old_value, c.new_value, c.reason, c.user_id) for c in _history(world.township)] == [
        (2026, None, "15000", "镇里试点", county.id),
        (2026, "15000", "16000.5", "镇里再提高", county.id),
        (2026, "16000.5", None, "试点结束", county.id)]
    assert [a.action for a in _audit()] == ["update", "update", "update", "delete"]
    assert all(a.user_id == county.id for a in _audit())
    with pytest.raises(ValidationFailed) as refused:
        clear_threshold(county, world.township, KEY, "2026", "再删一次")
    assert refused.value.fields == {"year": "本级没有单独设置2026年的这项标准"}


def test_the_same_figure_again_is_refused_as_no_change(world):
    county = world.users["county"]
    change_threshold(county, world.county, KEY, "2026", "12000.50", "县口径")
    with pytest.raises(ValidationFailed) as refused:
        change_threshold(county, world.county, KEY, "2026", "12,000.5元", "再存一次")
    assert refused.value.fields == {"value": "本级2026年已设置为12,000.50元，无需修改"}
    assert len(_history(world.county)) == 1


@pytest.mark.parametrize("typed, stored", [("１２０００", "12000"), ("12,000元", "12000"), ("　8000.5 ", "8000.5"),
                                           ("６０００．２５", "6000.25")])
def test_full_width_digits_and_separators_are_read(world, typed, stored):
    change_threshold(world.users["county"], world.county, KEY, "２０２６", typed, "县口径")
    row = db.session.execute(select(WarningThreshold).filter_by(region_id=world.county.id)).scalar_one()
    assert (row.year, row.value) == (2026, stored)


@pytest.mark.parametrize("typed", ["²", "NaN", "Infinity", "1e9", "1e3", "", "\x00", "1_000", "١٠٠٠", "1000.001",
                                   "十万", "99", "1000001", "-500"])
def test_a_figure_that_is_no_plain_number_in_range_is_refused(world, typed):
    with pytest.raises(ValidationFailed) as refused:
        change_threshold(world.users["county"], world.county, KEY, "2026", typed, "县口径")
    assert set(refused.value.fields) == {"value"}
    assert "医保：脱贫户、监测户全年个人自付超过（元）" in refused.value.fields["value"]
    assert db.session.execute(select(WarningThreshold)).first() is None and _audit() == []


def test_every_wrong_field_is_named_at_once(world):
    with pytest.raises(ValidationFailed) as refused:
        change_threshold(world.users["county"], world.county, KEY, "1999", "NaN", "  ")
    assert set(refused.value.fields) == {"year", "value", "reason"}
    assert refused.value.fields["year"] == "年份应在2015至2100之间"
    assert "请填写修改原因" in refused.value.fields["reason"]
    with pytest.raises(ValidationFailed) as unknown:
        change_threshold(world.users["county"], world.county, "no_such_figure", "2026", "100", "x")
    assert set(unknown.value.fields) == {"key"}


def test_only_county_staff_and_admins_change_and_only_in_their_scope(world):
    other = tree.create_region("350121000000", "闽侯县", RegionLevel.COUNTY, None)
    stranger = users.create_user("county_other", "别县", factories.PASSWORD, "county_staff", other.code, None)
    db.session.flush()
    for who in ("village_a", "township", "grid_a1", "dept"):
        with pytest.raises(PermissionDenied):
            change_threshold(world.users[who], world.township, KEY, "2026", "15000", "越权")
        with pytest.raises(PermissionDenied):
            clear_threshold(world.users[who], world.township, KEY, "2026", "越权")
    with pytest.raises(NotFound):
        change_threshold(stranger, world.county, KEY, "2026", "15000", "别的县")
    with pytest.raises(NotFound):  # a village's figures are its township's
        change_threshold(world.users["county"], world.village_a, KEY, "2026", "15000", "村级")
    assert db.session.execute(select(WarningThreshold)).first() is None and _audit() == []
    change_threshold(world.users["admin"], world.township, KEY, "2026", "15000", "管理员按镇里申请设置")
    assert thresholds_for(world.village_b, 2026).medical_vulnerable == Decimal("15000")
