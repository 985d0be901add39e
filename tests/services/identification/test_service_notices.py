"""The village's public notice and the county's written notice: who lists, who may print,
what is printed (masked IDs, no phone), the period from the region's setting, and the audit."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.extensions import db
from models import AuditLog, Case, Region, User
from notice_support import PHONE_A1, STAFF_PHONE, build_notice_scene
from services.errors import NotFound, ValidationFailed
from services.identification import notices
from services.regions import settings

TODAY = date(2026, 12, 5)


@pytest.fixture
def scene(app):
    return build_notice_scene()


def _user(scene, name: str) -> User:
    return db.session.get(User, scene.user_ids[name])


def _heads(scene, case_ids):
    return [db.session.get(Case, i).household.head for i in case_ids]


def test_the_identification_notice_lists_the_village_s_households_on_notice(scene):
    view = notices.public_notice(_user(scene, "village_a"), scene.village_a_code, "identification", TODAY)
    assert view.title == "防止返贫监测对象识别公示" and view.place == "示范县青山镇青山村"
    assert view.issuer == "青山村村民委员会" and view.min_days == 5
    # One printed notice per start day, in order; the grid's household is the village's too.
    assert [(s.start, s.earliest_end) for s in view.sheets] == [
        ("2026年11月5日", "2026年11月10日"), ("2026年11月7日", "2026年11月12日")]
    heads = _heads(scene, scene.on_notice)
    assert [(r.head_name, r.id_masked, r.category) for s in view.sheets for r in s.rows] == [
        (h.name, h.id_number_masked, "待县级确定") for h in heads]
    assert heads[0].id_number_masked == heads[0].id_number[:6] + "********" + heads[0].id_number[-4:]
    assert ("村级工作人员", "VILLAGE_A", STAFF_PHONE) in [(c.role, c.name, c.phone) for c in view.contacts]
    assert "乡镇工作人员" in [c.role for c in view.contacts]


def test_the_notice_holds_no_full_id_number_and_no_phone_of_the_household(scene):
    view = notices.public_notice(_user(scene, "county"), scene.village_a_code, "", TODAY)
    printed = repr(view)
    assert all(full not in printed for full in scene.ids_on_notice)
    assert PHONE_A1 not in printed and "住院" not in printed and "因病" not in printed
    masked_listed = {r.id_masked for s in view.sheets for r in s.rows}
    assert scene.id_not_listed[:6] + "********" + scene.id_not_listed[-4:] not in masked_listed
    assert scene.id_village_b[:6] + "********" + scene.id_village_b[-4:] not in masked_listed


def test_the_elimination_notice_lists_households_whose_risk_is_to_be_marked_gone(scene):
    view = notices.public_notice(_user(scene, "village_a"), scene.village_a_code, "elimination", TODAY)
    assert view.title == "防止返贫监测对象风险消除公示"
    head = _heads(scene, [scene.eliminating])[0]
    assert [(r.head_name, r.id_masked, r.category) for s in view.sheets for r in s.rows] == [
        (head.name, head.id_number_masked, "边缘易致贫户")]
    assert [s.start for s in view.sheets] == ["2026年12月1日"]


def test_the_earliest_end_follows_the_region_s_setting(scene):
    village = db.session.get(Region, scene.village_a_id)
    settings.set_policy(_user(scene, "admin"), village.parent, "notice_min_days", "7")
    view = notices.public_notice(_user(scene, "township"), scene.village_a_code, "identification", TODAY)
    assert view.min_days == 7 and view.sheets[0].earliest_end == "2026年11月12日"


@pytest.mark.parametrize("who", ["village_b", "grid_a1", "cadre_a", "dept", "admin"])
def test_only_village_township_and_county_staff_over_the_village_may_print(scene, who):
    with pytest.raises(NotFound):
        notices.public_notice(_user(scene, who), scene.village_a_code, "identification", TODAY)


def test_unknown_villages_grids_and_stages_are_refused(scene):
    county = _user(scene, "county")
    for code in ("999999999999", "A1", "341599101000"):  # unknown, a grid, a township
        with pytest.raises(NotFound):
            notices.public_notice(county, code, "identification", TODAY)
    with pytest.raises(ValidationFailed) as refused:
        notices.public_notice(county, scene.village_a_code, "announcement", TODAY)
    assert "stage" in refused.value.fields


def test_each_generation_is_audited_without_personal_data(scene):
    notices.public_notice(_user(scene, "village_a"), scene.village_a_code, "identification", TODAY)
    entry = db.session.execute(select(AuditLog).where(AuditLog.object_type == "notice")).scalar_one()
    assert entry.action == "read" and entry.object_id == str(scene.village_a_id)
    assert entry.user_id == scene.user_ids["village_a"] and entry.detail == "stage=identification households=2"


def test_the_written_notice_of_inclusion(scene):
    county = _user(scene, "county")
    view = notices.confirmation_notice(county, scene.monitored)
    head = _heads(scene, [scene.monitored])[0]
    assert view.head_name == head.name and view.id_masked == head.id_number_masked
    assert view.category == "边缘易致贫户" and view.risk_types == "因病"
    assert view.confirmed_on == "2026年11月12日" and view.issuer == "示范县乡村振兴部门"
    assert view.place == "示范县青山镇青山村" and view.number == f"341599-2026-{scene.monitored:06d}"
    assert view.next_steps[0].startswith("自纳入之日起3日内")
    assert head.id_number not in repr(view)
    entry = db.session.execute(select(AuditLog).where(AuditLog.object_type == "confirmation_notice")).scalar_one()
    assert entry.object_id == str(scene.monitored) and entry.action == "read"


def test_no_written_notice_before_the_county_confirms_or_outside_the_scope(scene):
    with pytest.raises(NotFound):
        notices.confirmation_notice(_user(scene, "county"), scene.on_notice[0])
    with pytest.raises(NotFound):
        notices.confirmation_notice(_user(scene, "village_b"), scene.monitored)
    assert notices.confirmation_notice(_user(scene, "village_a"), scene.monitored).category == "边缘易致贫户"
