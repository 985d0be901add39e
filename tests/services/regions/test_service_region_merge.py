"""Merging a region (撤并) takes every record of the place along, on SQLite and PostgreSQL (whose
foreign keys refuse to leave a record naming a deleted region), and is refused while the source
has settings of its own or records that would collide with the target's."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.extensions import db
from domain.enums import RegionLevel
from factories import build_world
from models import Measure, Region, ScanCount, SettingChange
from services.errors import ValidationFailed
from services.farmer import policy
from services.regions import merging, settings, tree

DAY_1, DAY_2, DAY_3 = date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)


def _scans(region: Region) -> dict[date, int]:
    rows = db.session.execute(select(ScanCount.day, ScanCount.count).where(ScanCount.region_id == region.id))
    return dict(rows.all())


def test_the_sheet_scans_are_added_up_day_by_day(app):
    world = build_world()
    for village, day, times in ((world.village_b, DAY_1, 3), (world.village_b, DAY_2, 2),
                                (world.village_a, DAY_2, 5), (world.village_a, DAY_3, 1)):
        for _ in range(times):
            policy.count_scan(village, day)
    tree.merge(None, world.village_b, world.village_a)
    db.session.flush()
    assert _scans(world.village_a) == {DAY_1: 3, DAY_2: 7, DAY_3: 1}
    assert db.session.execute(select(ScanCount).where(ScanCount.region_id != world.village_a.id)).first() is None


def test_own_settings_refuse_the_merge_until_cleared_and_their_history_follows(app):
    world = build_world()
    county = world.users["county"]
    hills = tree.create_region("341599102000", "白石乡", RegionLevel.TOWNSHIP, world.county)
    settings.change_line(county, hills, 2026, "7,800", "乡里试行")
    with pytest.raises(ValidationFailed) as refused:
        tree.merge(None, hills, world.township)
    message = refused.value.fields["target"]
    assert "白石乡" in message and "监测标准" in message and "清除" in message
    assert db.session.get(Region, hills.id) is not None

    settings.clear_line(county, hills, 2026, "撤乡并镇，按青山镇执行")
    tree.merge(None, hills, world.township)
    db.session.flush()
    history = db.session.execute(select(SettingChange.reason).where(SettingChange.region_id == world.township.id)
                                 .order_by(SettingChange.id)).scalars().all()
    assert history == ["乡里试行", "撤乡并镇，按青山镇执行"]
    assert settings.monitoring_line(world.township, 2026) == settings.monitoring_line(world.county, 2026)


def test_counties_whose_measure_libraries_share_a_name_are_not_merged(app):
    world = build_world()
    other = tree.create_region("341598000000", "邻县", RegionLevel.COUNTY, None)
    for county in (world.county, other):
        db.session.add(Measure(county_id=county.id, name="小额信贷", kind="development"))
    db.session.add(Measure(county_id=other.id, name="公益岗位", kind="security"))
    db.session.flush()
    with pytest.raises(ValidationFailed) as refused:
        tree.merge(None, other, world.county)
    assert "小额信贷" in refused.value.fields["target"] and "公益岗位" not in refused.value.fields["target"]


def test_every_record_that_names_a_region_is_seen_to_by_a_merge():
    """A table added later with a reference to a region must be placed here too: moved with the
    place, or a setting that refuses the merge. Otherwise PostgreSQL refuses to delete the
    source, and the merge fails."""
    naming_a_region = {(fk.parent.table.name, fk.parent.name) for table in db.metadata.sorted_tables
                       for fk in table.foreign_keys if fk.column.table.name == "region"}
    by_tree = {("region", "parent_id"), ("household", "region_id"), ("user_account", "region_id"),
               ("case_file", "region_id"), ("region_alias", "region_id"), ("scan_count", "region_id")}
    by_merging = {(c.class_.__tablename__, c.key) for c in merging.FOLLOWING}
    settings_ = {(model.__tablename__, "region_id") for model, _ in merging.OWN_SETTINGS}
    assert naming_a_region == by_tree | by_merging | settings_
