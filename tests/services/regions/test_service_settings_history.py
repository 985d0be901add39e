"""Changing settings from the settings page: who may, the history each change keeps, the audit,
where each value comes from, and the county's warning for a year without its own line."""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

import factories
from domain.workflow import Action
from services.workflow.cases import StepInput
from core.extensions import db
from domain.enums import CaseSource, RegionLevel
from models import AuditLog, DibaoStandard, MonitoringLine, RegionPolicy, SettingChange
from services.accounts import users
from services.errors import NotFound, PermissionDenied, ValidationFailed
from services.regions import settings, settings_page, tree
from services.workflow import cases

YEAR = 2026


def _changes(region, key):
    return list(db.session.execute(select(SettingChange).where(SettingChange.region_id == region.id,
                                                               SettingChange.key == key)
                                   .order_by(SettingChange.id)).scalars())


def _audit(object_type):
    return list(db.session.execute(select(AuditLog).where(AuditLog.object_type == object_type)
                                   .order_by(AuditLog.id)).scalars())


def _other_tree():
    """A province → city → county tree beside the world's county, with an admin at the province."""
    province = tree.create_region("350000000000", "福建省", RegionLevel.PROVINCE, None)
    city = tree.create_region("350100000000", "福州市", RegionLevel.CITY, province)
    county = tree.create_region("350121000000", "闽侯县", RegionLevel.COUNTY, city)
    township = tree.create_region("350121100000", "甘蔗街道", RegionLevel.TOWNSHIP, county)
    admin = users.create_user("admin_fj", "省管理员", factories.PASSWORD, "admin", province.code, None)
    county_staff = users.create_user("county_fj", "闽侯县", factories.PASSWORD, "county_staff", county.code, None)
    db.session.flush()
    return province, city, county, township, admin, county_staff


def test_a_change_keeps_who_when_old_new_and_why_and_is_audited(app):
    world = factories.build_world()
    county = world.users["county"]
    settings.change_policy(county, world.county, "min_monitoring_months", "12", "依据seed 001：跟踪管理1年以上")
    settings.change_policy(county, world.county, "min_monitoring_months", "９", "县里改为9个月")
    settings.clear_policy(county, world.county, "min_monitoring_months", "恢复默认")
    history = _changes(world.county, "min_monitoring_months")
    assert [(c.old_value, c.new_value, c.reason, c.user_id, c.year) for c in history] == [
        (None, "12", "依据seed 001：跟踪管理1年以上", county.id, None),
        ("12", "9", "县里改为9个月", county.id, None),
        ("9", None, "恢复默认", county.id, None)]
    assert all(c.at is not None for c in history)
    assert settings.policy_for(world.grid_a1).min_monitoring_months == 6  # inherited again
    audited = _audit("region_policy")
    assert [a.action for a in audited] == ["update", "update", "delete"]
    assert all(a.user_id == county.id and "key=min_monitoring_months" in a.detail for a in audited)
    assert f"change={history[1].id}" in audited[1].detail and "12->9" in audited[1].detail
    assert "县里" not in " ".join(a.detail for a in audited)  # the reason stays in the history


def test_every_setting_including_the_two_year_flag_can_be_changed(app):
    world = factories.build_world()
    county = world.users["county"]
    values = {"identification_days": "20", "pairing_days": "5", "first_visit_days": "10", "help_plan_days": "15",
              "notice_min_days": "7", "min_monitoring_months": "12", "unresolved_years": "3",
              "lookback_months": "12", "income_drop_ratio": "25%", "visit_max_delay_days": "30",
              "review_days": "20", "dibao_phaseout_months": "9", "warning_red_days": "2",
              "warning_orange_days": "5", "warning_yellow_days": "10", "campaigns_per_year": "2",
              "escalation_days": "4"}
    assert set(values) == set(settings.SETTING_FIELDS)
    for key, value in values.items():
        settings.change_policy(county, world.township, key, value, "乡镇试点")
    policy = settings.policy_for(world.village_a)
    assert policy.unresolved_years == 3 and policy.income_drop_ratio == Decimal("0.25")
    assert policy.identification_days == 20 and policy.visit_max_delay_days == 30
    assert policy.dibao_phaseout_months == 9
    assert (policy.warning_red_days, policy.warning_orange_days, policy.warning_yellow_days) == (2, 5, 10)
    assert policy.campaigns_per_year == 2 and policy.escalation_days == 4
    assert settings.policy_for(world.county).unresolved_years == 2  # the county keeps the default


def test_a_value_and_a_reason_are_both_checked_at_once(app):
    world = factories.build_world()
    with pytest.raises(ValidationFailed) as info:
        settings.change_policy(world.users["county"], world.county, "pairing_days", "99", "  ")
    assert info.value.fields == {"pairing_days": "“明确结对帮扶干部时限（天，自识别认定之日起）”应在1到30之间",
                                 "reason": "请填写修改原因（例如依据的文件和文号）"}
    with pytest.raises(ValidationFailed) as info:
        settings.change_policy(world.users["county"], world.county, "pairing_days", "4", "长" * 256)
    assert info.value.fields == {"reason": "修改原因不超过255个字"}
    assert _changes(world.county, "pairing_days") == []


def test_setting_the_same_value_or_removing_nothing_is_refused(app):
    world = factories.build_world()
    county = world.users["county"]
    settings.change_policy(county, world.county, "pairing_days", "4", "试行")
    with pytest.raises(ValidationFailed) as info:
        settings.change_policy(county, world.county, "pairing_days", " 4 ", "再来一次")
    assert info.value.fields == {"pairing_days": "本级已设置为4，无需修改"}
    with pytest.raises(ValidationFailed) as info:
        settings.clear_policy(county, world.township, "pairing_days", "没有单独设置")
    assert "本级没有单独设置" in info.value.fields["pairing_days"]
    with pytest.raises(ValidationFailed):
        settings.clear_policy(county, world.county, "no_such_setting", "原因")
    assert len(_changes(world.county, "pairing_days")) == 1


def test_yearly_lines_keep_their_history(app):
    world = factories.build_world()
    county = world.users["county"]
    settings.change_line(county, world.county, "2026", "7,500", "市乡村振兴局通知")
    settings.change_line(county, world.county, 2026, "7600元", "更正")
    with pytest.raises(ValidationFailed) as info:
        settings.change_line(county, world.county, 2026, "7600.00", "重复")
    assert "无需修改" in info.value.fields["amount"]
    assert settings.monitoring_line(world.grid_a1, 2026) == Decimal("7600")
    settings.clear_line(county, world.county, "2026", "撤回")
    assert settings.monitoring_line(world.grid_a1, 2026) == Decimal("7000")  # 2022's again
    history = _changes(world.county, settings.LINE_KEY)
    assert [(c.year, c.old_value, c.new_value, c.reason) for c in history] == [
        (2026, None, "7500.00", "市乡村振兴局通知"), (2026, "7500.00", "7600.00", "更正"), (2026, "7600.00", None, "撤回")]
    assert [a.action for a in _audit("monitoring_line")] == ["update", "update", "delete"]
    with pytest.raises(ValidationFailed) as info:
        settings.clear_line(county, world.county, "2026", "")
    assert set(info.value.fields) == {"reason"}
    with pytest.raises(ValidationFailed) as info:
        settings.clear_line(county, world.county, "2026", "没有可删的")
    assert info.value.fields == {"year": "本级没有单独设置2026年的监测范围"}


@pytest.mark.parametrize("year, amount, fields", [
    ("", "7000", {"year"}), ("1999", "7000", {"year"}), ("2026", "NaN", {"amount"}), ("2026", "-1", {"amount"}),
    ("２０２６", "²", {"amount"}), ("abc", "Infinity", {"year", "amount"}), ("2026", "", {"amount"})])
def test_bad_lines_name_every_field_at_once(app, year, amount, fields):
    world = factories.build_world()
    with pytest.raises(ValidationFailed) as info:
        settings.change_line(world.users["county"], world.county, year, amount, "")
    assert set(info.value.fields) == fields | {"reason"}
    assert db.session.execute(select(MonitoringLine)).first() is None


@pytest.mark.parametrize("who", ["township", "village_a", "grid_a1", "cadre_a", "dept", "auditor"])
def test_only_county_staff_and_admins_change_settings(app, who):
    world = factories.build_world()
    with pytest.raises(PermissionDenied):
        settings.change_policy(world.users[who], world.township, "pairing_days", "4", "越权")
    with pytest.raises(PermissionDenied):
        settings.change_line(world.users[who], world.township, "2026", "7500", "越权")
    with pytest.raises(PermissionDenied):
        settings.clear_line(world.users[who], world.township, "2026", "越权")
    assert db.session.execute(select(RegionPolicy)).first() is None


def test_regions_outside_scope_or_below_the_township_are_not_found(app):
    world = factories.build_world()
    _province, _city, other_county, other_township, admin_fj, county_fj = _other_tree()
    county = world.users["county"]
    for region in (other_county, other_township):
        with pytest.raises(NotFound):
            settings.change_policy(county, region, "pairing_days", "4", "别的县")
        with pytest.raises(NotFound):
            settings.region_for(county, region.id)
    with pytest.raises(NotFound):
        settings.change_policy(county, world.village_a, "pairing_days", "4", "村级")  # not on the page
    with pytest.raises(NotFound):
        settings.region_for(county, world.grid_a1.id)
    with pytest.raises(NotFound):
        settings.region_for(world.users["township"], world.county.id)  # above the township
    with pytest.raises(NotFound):
        settings.change_policy(county_fj, world.county, "pairing_days", "4", "别的县")
    with pytest.raises(PermissionDenied):
        settings.region_for(world.users["village_a"], world.village_a.id)


def test_admins_set_any_region_of_their_tree(app):
    world = factories.build_world()
    province, city, county, township, admin_fj, _ = _other_tree()
    settings.change_line(admin_fj, province, "2026", "7800", "省通知")
    settings.change_policy(admin_fj, city, "notice_min_days", "7", "市里统一")
    settings.change_policy(admin_fj, township, "notice_min_days", "6", "街道试点")
    assert settings.monitoring_line(township, 2026) == Decimal("7800")
    assert settings.policy_for(county).notice_min_days == 7
    assert settings.policy_for(township).notice_min_days == 6
    assert [r.name for r in settings.regions_for(admin_fj)] == ["福建省", "福州市", "闽侯县", "甘蔗街道"]
    with pytest.raises(NotFound):
        settings.change_policy(admin_fj, world.county, "notice_min_days", "7", "别的省")
    # the world's admin is bound to its county: the county and its township
    assert [r.name for r in settings.regions_for(world.users["admin"])] == ["示范县", "青山镇"]
    assert [r.name for r in settings.regions_for(world.users["township"])] == ["青山镇"]


def test_a_change_applies_to_deadlines_computed_from_then_on(app, today):
    world = factories.build_world()
    running = cases.open_case(None, world.village_a, CaseSource.SELF_REPORT, today=today,
                              household=factories.household(world.village_a, today))
    assert running.due_date == today + timedelta(days=15)
    settings.change_policy(world.users["county"], world.county, "identification_days", "20", "县里放宽")
    db.session.expire_all()
    assert running.due_date == today + timedelta(days=15)  # the clock already running keeps its date
    village = world.users["village_a"]
    cases.perform(village, running.id, Action.ACCEPT, StepInput(), today=today + timedelta(days=1))
    cases.perform(village, running.id, Action.ASSIGN_VERIFIER,
                  StepInput(assignee_id=world.users["grid_a1"].id), today=today + timedelta(days=1))
    assert running.due_date == today + timedelta(days=15)  # and keeps it through its next steps
    later = cases.open_case(None, world.village_a, CaseSource.SELF_REPORT, today=today,
                            household=factories.household(world.village_a, today))
    assert later.due_date == today + timedelta(days=20)


def test_the_page_says_where_each_value_comes_from(app):
    world = factories.build_world()
    county = world.users["county"]
    settings.change_policy(county, world.county, "pairing_days", "4", "县里")
    settings.change_policy(county, world.township, "first_visit_days", "5", "镇里")
    settings.change_line(county, world.county, "2025", "7300", "县里")
    page = settings_page.page(county, world.township, YEAR)
    rows = {r.key: r for r in page.rows}
    assert rows["identification_days"].origin.text == "默认值（依据：seed 004 / 004_60f78604919f5d04.txt 四、（二））"
    assert "15天之内完成监测对象识别认定" in rows["identification_days"].origin.quote
    assert (rows["pairing_days"].value, rows["pairing_days"].origin.text, rows["pairing_days"].own) == (
        "4", "县级设置（示范县）", None)
    assert rows["pairing_days"].origin.region_id == world.county.id and not rows["pairing_days"].origin.here
    assert (rows["first_visit_days"].origin.text, rows["first_visit_days"].own) == ("乡镇设置（青山镇）", "5")
    assert rows["first_visit_days"].origin.here
    assert [(h.old, h.new, h.reason) for h in rows["first_visit_days"].history] == [("（沿用上级或默认值）", "5", "镇里")]
    assert rows["pairing_days"].history == []  # the county's change is on the county's page
    assert rows["income_drop_ratio"].value == "0.30（30%）"
    lines = {line.year: line for line in page.lines}
    assert (lines[2026].amount, lines[2026].from_year, lines[2026].carried) == ("7,300", 2025, True)
    assert lines[2025].origin.text == "县级设置（示范县）" and not lines[2025].own_here
    assert lines[2024].origin.text.startswith("默认值（依据：seed 004") and lines[2024].from_year == 2022
    assert "2022年六安市确定监测范围为7000元" in lines[2022].origin.quote
    assert lines[2020].origin.text.startswith("默认值（依据：seed 003")
    assert page.gap is not None and (page.gap.year, page.gap.from_year, page.gap.amount) == (2026, 2025, "7,300")
    county_page = settings_page.page(county, world.county, YEAR)
    assert {r.key: r for r in county_page.rows}["first_visit_days"].origin.text.startswith("默认值")
    assert {line.year: line for line in county_page.lines}[2025].own_here
    assert [item.id for item in county_page.picker] == [world.county.id, world.township.id]
    assert not settings_page.page(world.users["township"], world.township, YEAR).editable


def test_a_year_without_its_own_line_is_flagged_for_the_county_until_set(app):
    world = factories.build_world()
    county = world.users["county"]
    gaps = settings_page.line_gaps(county, YEAR)
    assert [(g.region_name, g.year, g.from_year, g.amount) for g in gaps] == [("示范县", YEAR, 2022, "7,000")]
    assert settings_page.line_gaps(world.users["admin"], YEAR) == gaps
    for who in ("township", "village_a", "grid_a1", "dept", "auditor"):
        assert settings_page.line_gaps(world.users[who], YEAR) == []
    settings.change_line(county, world.township, str(YEAR), "7400", "镇里先定")
    assert len(settings_page.line_gaps(county, YEAR)) == 1  # a township's line is not the county's
    settings.change_line(county, world.county, str(YEAR), "7500", "县里定了")
    assert settings_page.line_gaps(county, YEAR) == []
    assert [g.from_year for g in settings_page.line_gaps(county, YEAR + 1)] == [YEAR]


def test_a_provincial_admin_sees_every_county_without_a_line(app):
    factories.build_world()
    province, city, county, township, admin_fj, county_fj = _other_tree()
    second = tree.create_region("350122000000", "连江县", RegionLevel.COUNTY, city)
    settings.change_line(admin_fj, second, str(YEAR), "7700", "县里定了")
    assert [g.region_name for g in settings_page.line_gaps(admin_fj, YEAR)] == ["闽侯县"]
    settings.change_line(admin_fj, city, str(YEAR), "7600", "全市统一")
    assert settings_page.line_gaps(admin_fj, YEAR) == []
    assert settings_page.line_gaps(county_fj, YEAR) == []


# --- 低保标准 per region and year ----------------------------------------------------------------

def test_dibao_standards_keep_their_history_and_audit_and_are_inherited(app):
    world = factories.build_world()
    county = world.users["county"]
    assert settings.dibao_standards_for(world.grid_a1) == {}  # no default: the seeds give no figure
    settings.change_dibao_standard(county, world.county, "2025", "6,000", "575元", "县民政局2025年标准")
    settings.change_dibao_standard(county, world.county, 2025, "6200", "575", "更正")
    settings.change_dibao_standard(county, world.township, "2026", "6500", "600", "镇里试点")
    with pytest.raises(ValidationFailed) as info:
        settings.change_dibao_standard(county, world.county, 2025, "6200.00", "575.0", "重复")
    assert "无需修改" in info.value.fields["rural"]
    assert settings.dibao_standards_for(world.grid_a1) == {
        2025: settings.DibaoFigures(Decimal("6200"), Decimal("575")),
        2026: settings.DibaoFigures(Decimal("6500"), Decimal("600"))}
    assert settings.rural_dibao_standards(world.village_b) == {2025: Decimal("6200"), 2026: Decimal("6500")}
    assert settings.rural_dibao_standards(world.county) == {2025: Decimal("6200")}  # the township's stays below
    settings.clear_dibao_standard(county, world.county, "2025", "撤回")
    assert settings.rural_dibao_standards(world.grid_a1) == {2026: Decimal("6500")}
    history = _changes(world.county, settings.DIBAO_KEY)
    assert [(c.year, c.old_value, c.new_value, c.reason, c.user_id) for c in history] == [
        (2025, None, "6000.00|575.00", "县民政局2025年标准", county.id),
        (2025, "6000.00|575.00", "6200.00|575.00", "更正", county.id),
        (2025, "6200.00|575.00", None, "撤回", county.id)]
    audited = _audit("dibao_standard")
    assert [a.action for a in audited] == ["update", "update", "update", "delete"]
    assert f"change={history[1].id}" in audited[1].detail and "year=2025" in audited[1].detail
    assert "民政局" not in " ".join(a.detail for a in audited)
    with pytest.raises(ValidationFailed) as info:
        settings.clear_dibao_standard(county, world.county, "2025", "没有可删的")
    assert info.value.fields == {"year": "本级没有单独设置2025年的低保标准"}


@pytest.mark.parametrize("year, rural, urban, fields", [
    ("", "6000", "575", {"year"}), ("2014", "6000", "575", {"year"}), ("2026", "NaN", "575", {"rural"}),
    ("2026", "6000", "-1", {"urban"}), ("２０２６", "²", "1e3", {"rural", "urban"}),
    ("abc", "Infinity", "", {"year", "rural", "urban"}), ("2026", "6000", "100001", {"urban"})])
def test_bad_dibao_standards_name_every_field_at_once(app, year, rural, urban, fields):
    world = factories.build_world()
    with pytest.raises(ValidationFailed) as info:
        settings.change_dibao_standard(world.users["county"], world.county, year, rural, urban, "")
    assert set(info.value.fields) == fields | {"reason"}
    assert db.session.execute(select(DibaoStandard)).first() is None


@pytest.mark.parametrize("who", ["township", "village_a", "grid_a1", "cadre_a", "dept", "auditor"])
def test_only_county_staff_and_admins_change_dibao_standards(app, who):
    world = factories.build_world()
    with pytest.raises(PermissionDenied):
        settings.change_dibao_standard(world.users[who], world.township, "2026", "6000", "575", "越权")
    with pytest.raises(PermissionDenied):
        settings.clear_dibao_standard(world.users[who], world.township, "2026", "越权")
    assert db.session.execute(select(DibaoStandard)).first() is None


def test_dibao_standards_outside_scope_or_below_the_township_are_not_found(app):
    world = factories.build_world()
    _province, _city, other_county, _other_township, _admin_fj, _county_fj = _other_tree()
    for region in (other_county, world.village_a, world.grid_a1):
        with pytest.raises(NotFound):
            settings.change_dibao_standard(world.users["county"], region, "2026", "6000", "575", "别处")
    assert db.session.execute(select(DibaoStandard)).first() is None


def test_the_page_shows_each_years_standard_and_which_year_it_uses(app):
    world = factories.build_world()
    county = world.users["county"]
    empty = settings_page.page(county, world.township, YEAR)
    assert [(d.year, d.rural, d.from_year) for d in empty.dibao] == [(YEAR, None, None)]
    assert empty.dibao_gap is not None and empty.dibao_gap.rural is None
    assert empty.dibao_phaseout_months == 12
    settings.change_dibao_standard(county, world.county, "2024", "5800", "560", "县里")
    settings.change_policy(county, world.township, "dibao_phaseout_months", "8", "镇里")
    page = settings_page.page(county, world.township, YEAR)
    years = {d.year: d for d in page.dibao}
    assert sorted(years) == [2024, 2025, 2026]
    assert (years[2026].rural, years[2026].urban, years[2026].from_year, years[2026].carried) == (
        "5,800", "560", 2024, True)
    assert years[2024].origin.text == "县级设置（示范县）" and not years[2024].own_here
    assert (years[2024].township_relief, years[2024].emergency_relief) == ("1,680", "4,480")
    assert (page.dibao_gap.year, page.dibao_gap.from_year) == (YEAR, 2024)
    assert page.dibao_phaseout_months == 8
    county_page = settings_page.page(county, world.county, YEAR)
    assert {d.year: d for d in county_page.dibao}[2024].own_here
    assert [(h.old, h.new) for h in {d.year: d for d in county_page.dibao}[2024].history] == [
        ("（沿用上级或默认值）", "农村5,800元/人·年，城市560元/人·月")]
    settings.change_dibao_standard(county, world.county, str(YEAR), "6000", "575", "今年的")
    assert settings_page.page(county, world.county, YEAR).dibao_gap is None
    settings.clear_dibao_standard(county, world.county, "2024", "撤回")
    removed = settings_page.page(county, world.county, YEAR).removed_dibao_years
    assert [d.year for d in removed] == [2024] and len(removed[0].history) == 2
