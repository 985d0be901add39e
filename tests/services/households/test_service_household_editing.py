"""Keeping the register: create and edit households and members, natural changes (自然变更), the
ID number held by one present person at most, scope and roles, and audit by field names."""
from datetime import date

import pytest
from sqlalchemy import select

from core.extensions import db
from domain.enums import MemberStatus
from domain.validation import make_id_number
from factories import build_world, household
from models import AuditLog, Household, Member
from models.personal import ID_NUMBER, blind_index
from services.errors import NotFound, PermissionDenied, ValidationFailed
from services.households import editing
from services.households.editing import HouseholdInput
from services.households.records import MemberInput


@pytest.fixture
def world(app):
    made = build_world()
    db.session.commit()
    return made


def _person(**kw) -> MemberInput:
    base = dict(name="王小宝", relation="child", labour_capacity="none", id_number=None)
    base.update(kw)
    return MemberInput(**base)


def _audits(action=None, object_type=None) -> list[AuditLog]:
    query = select(AuditLog).order_by(AuditLog.id)
    if action:
        query = query.where(AuditLog.action == action)
    if object_type:
        query = query.where(AuditLog.object_type == object_type)
    return list(db.session.execute(query).scalars())


def _facts(h: Household, **changes) -> HouseholdInput:
    base = dict(address=h.address, code=h.code or "", attribute=h.attribute,
                monitoring_category=h.monitoring_category or "", risk_types=tuple(h.risk_types),
                key_groups=tuple(h.key_groups), sanitary_toilet=h.sanitary_toilet,
                housing_safe=h.housing_safe, water_safe=h.water_safe)
    base.update(changes)
    return HouseholdInput(**base)


# --- creating ----------------------------------------------------------------------------------

def test_village_staff_register_a_household_in_a_group_of_their_village(world, today):
    id_number = make_id_number("341599", date(1968, 4, 2), 321)  # a man's number (odd sequence)
    assert ("A1", "青山村 / 青山村一组") in editing.places(world.users["village_a"])
    assert "B1" not in dict(editing.places(world.users["village_a"]))
    h = editing.create_household(
        world.users["village_a"], "A1",
        HouseholdInput(address="青山村5号", code="3415990001", attribute="lifted", monitoring_category="marginal",
                       risk_types=("illness",), key_groups=("disabled",), sanitary_toilet=False,
                       housing_safe=True, water_safe=False),
        MemberInput(name="王大山", relation="spouse", labour_capacity="weak", id_number=id_number,
                    gender="male", ethnicity="汉族", education="初中", work_status="省外务工", work_months="8",
                    medical_insured=True, minimum_living=True, phone="13912345678"),
        today)
    db.session.flush()
    assert (h.region, h.code, h.attribute, h.housing_safe, h.water_safe, h.sanitary_toilet) == (
        world.grid_a1, "3415990001", "lifted", True, False, False)
    head = h.head
    assert (head.name, head.relation, head.is_head, head.work_months, head.minimum_living) == (
        "王大山", "head", True, 8, True)  # the head's relation is 户主 whatever was posted
    assert head.id_number == id_number and head.status == MemberStatus.PRESENT.value
    assert [a.detail for a in _audits("create", "household")] == ["members=1"]


def test_a_place_outside_the_scope_and_every_other_mistake_are_reported_at_once(world, today):
    with pytest.raises(ValidationFailed) as info:
        editing.create_household(world.users["village_a"], "B1", HouseholdInput(attribute="rich"),
                                 MemberInput(name="", relation="head", labour_capacity="", work_months="13"), today)
    assert set(info.value.fields) == {"region_code", "attribute", "name", "labour_capacity", "work_months"}


def test_gender_follows_the_id_number_and_a_typed_one_must_agree(world, today):
    woman = make_id_number("341599", date(1990, 1, 2), 442)
    h = editing.create_household(world.users["village_a"], "A1", HouseholdInput(),
                                 _person(relation="head", labour_capacity="ordinary", id_number=woman), today)
    assert h.head.gender == "female"
    with pytest.raises(ValidationFailed) as info:
        editing.add_member(world.users["village_a"], h.id,
                           _person(id_number=make_id_number("341599", date(2020, 1, 2), 443), gender="female"),
                           None, None, today)
    assert info.value.fields == {"gender": "性别与身份证号不符"}
    assert editing.add_member(world.users["village_a"], h.id, _person(gender="male"), None, None, today).gender == "male"


def test_a_code_already_used_is_refused(world, today):
    editing.create_household(world.users["county"], "A1", HouseholdInput(code="H1"),
                             _person(relation="head", labour_capacity="ordinary"), today)
    with pytest.raises(ValidationFailed) as info:
        editing.create_household(world.users["county"], "B1", HouseholdInput(code="H1"),
                                 _person(name="赵四", relation="head", labour_capacity="ordinary"), today)
    assert info.value.fields == {"code": "该户编号已被其他农户使用"}
    with pytest.raises(ValidationFailed) as info:  # the export's local codes are not 户编号
        editing.create_household(world.users["county"], "B1", HouseholdInput(code="本地00000001"),
                                 _person(name="赵四", relation="head", labour_capacity="ordinary"), today)
    assert "临时编号" in info.value.fields["code"]


# --- editing the household ---------------------------------------------------------------------

def test_editing_the_household_audits_the_names_of_the_fields_that_changed(world, today):
    h = household(world.grid_a1, today)
    db.session.flush()
    actor = world.users["township"]
    changed = editing.update_household(actor, h.id, _facts(h, housing_safe=False, water_safe=True,
                                                            address="新址 8号"))
    assert changed == ["address", "housing_safe", "water_safe"]
    assert (h.housing_safe, h.water_safe, h.address) == (False, True, "新址 8号")
    entry = _audits("update", "household")[-1]
    assert (entry.user_id, entry.object_id, entry.detail) == (actor.id, str(h.id), "fields=address,housing_safe,water_safe")
    assert "新址" not in entry.detail


def test_a_save_that_changes_nothing_records_nothing(world, today):
    h = household(world.grid_a1, today)
    db.session.flush()
    editing.update_household(world.users["village_a"], h.id, _facts(h, risk_types=("illness", "disaster")))
    before = len(_audits())
    assert editing.update_household(world.users["village_a"], h.id, _facts(h, risk_types=("disaster", "illness"))) == []
    assert len(_audits()) == before


# --- editing a member --------------------------------------------------------------------------

def test_editing_a_member_audits_field_names_never_values(world, today):
    h = household(world.grid_a1, today, size=2)
    db.session.flush()
    child = next(m for m in h.members if not m.is_head)
    changed = editing.update_member(world.users["village_a"], h.id, child.id, _person(
        name=child.name, relation="child", labour_capacity=child.labour_capacity, id_number=child.id_number,
        health="disabled", disability_grade="2", phone="13800001111"), today)
    assert changed == ["health", "disability_grade", "phone"]
    assert (child.health, child.disability_grade, child.phone) == ("disabled", 2, "13800001111")
    detail = _audits("update", "member")[-1].detail
    assert detail == "fields=health,disability_grade,phone" and "1380000" not in detail


def test_the_head_stays_the_head_and_nobody_else_becomes_one_by_editing(world, today):
    h = household(world.grid_a1, today, size=2)
    db.session.flush()
    head, child = h.head, next(m for m in h.members if not m.is_head)
    with pytest.raises(ValidationFailed) as info:
        editing.update_member(world.users["village_a"], h.id, head.id,
                              _person(name=head.name, relation="spouse", labour_capacity="ordinary"), today)
    assert "户主" in info.value.fields["relation"]
    with pytest.raises(ValidationFailed) as info:
        editing.update_member(world.users["village_a"], h.id, child.id,
                              _person(name=child.name, relation="head", labour_capacity="ordinary"), today)
    assert "只有一名户主" in info.value.fields["relation"]


def test_an_id_number_of_another_present_member_is_refused(world, today):
    h = household(world.grid_a1, today, size=2)
    other = household(world.village_b, today)
    db.session.flush()
    child = next(m for m in h.members if not m.is_head)
    for taken, message in ((other.head.id_number, "该身份证号已登记在其他农户中"),
                           (h.head.id_number, "与本户另一名成员的身份证号相同")):
        with pytest.raises(ValidationFailed) as info:
            editing.update_member(world.users["county"], h.id, child.id,
                                  _person(name=child.name, id_number=taken, labour_capacity="ordinary"), today)
        assert info.value.fields == {"id_number": message}


# --- natural changes ---------------------------------------------------------------------------

def test_a_newborn_joins_with_its_date_and_reason(world, today):
    h = household(world.grid_a1, today)
    db.session.flush()
    baby_id = make_id_number("341599", date(2026, 10, 1), 778)
    baby = editing.add_member(world.users["village_a"], h.id, _person(id_number=baby_id, gender="female"),
                              "born", date(2026, 10, 2), today)
    assert h.size == 3 and baby in h.members
    assert (baby.join_reason, baby.joined_on, baby.is_head, baby.status) == ("born", date(2026, 10, 2), False, "present")
    entry = _audits("member_joined")[-1]
    assert entry.object_id == str(baby.id) and entry.detail.startswith(f"household={h.id} fields=name,relation,id_number")
    assert baby_id not in entry.detail and "王小宝" not in entry.detail


def test_joining_needs_a_proper_date_and_no_second_head(world, today):
    h = household(world.grid_a1, today)
    db.session.flush()
    with pytest.raises(ValidationFailed) as info:
        editing.add_member(world.users["village_a"], h.id, _person(relation="head"), "born", date(2026, 12, 1), today)
    assert set(info.value.fields) == {"relation", "joined_on"}
    with pytest.raises(ValidationFailed) as info:
        editing.add_member(world.users["village_a"], h.id, _person(), "moved_in", None, today)
    assert info.value.fields == {"joined_on": "请填写增加日期"}


def test_a_member_entered_late_is_recorded_without_a_natural_change(world, today):
    h = household(world.grid_a1, today)
    db.session.flush()
    member = editing.add_member(world.users["village_a"], h.id, _person(), None, None, today)
    assert (member.join_reason, member.joined_on) == (None, None)
    assert _audits("create", "member")[-1].detail.startswith(f"household={h.id} fields=")


def test_a_death_is_recorded_and_the_person_stays_on_record(world, today):
    h = household(world.grid_a1, today, size=3)
    db.session.flush()
    gone = [m for m in h.members if not m.is_head][0]
    editing.record_departure(world.users["village_a"], h.id, gone.id, "deceased", date(2026, 11, 3), "病故", today)
    db.session.flush()
    assert h.size == 2 and gone not in h.members and gone in h.everyone
    assert (gone.status, gone.left_on, gone.left_note) == ("deceased", date(2026, 11, 3), "病故")
    assert editing.departed(h) == [gone]
    assert db.session.get(Member, gone.id) is not None  # never deleted
    entry = _audits("member_left")[-1]
    assert entry.detail == f"household={h.id} fields=status,left_on,left_note" and "病故" not in entry.detail
    with pytest.raises(ValidationFailed):  # once gone, no more changes
        editing.update_member(world.users["village_a"], h.id, gone.id, _person(name="改名"), today)


def test_the_head_leaving_requires_a_new_head(world, today):
    h = household(world.grid_a1, today, size=3)
    db.session.flush()
    old, heir = h.head, [m for m in h.members if not m.is_head][0]
    with pytest.raises(ValidationFailed) as info:
        editing.record_departure(world.users["village_a"], h.id, old.id, "deceased", today, "", today)
    assert info.value.fields == {"new_head": "户主减少时，请在在户成员中选择新户主"}
    with pytest.raises(ValidationFailed) as info:  # someone not present in this household
        editing.record_departure(world.users["village_a"], h.id, old.id, "deceased", today, "", today,
                                 new_head_id=old.id)
    assert info.value.fields == {"new_head": "请在本户在户成员中选择新户主"}
    editing.record_departure(world.users["village_a"], h.id, old.id, "deceased", today, "", today, new_head_id=heir.id)
    db.session.flush()
    assert h.head is heir and heir.relation == "head" and not old.is_head
    assert [m.relation for m in h.members].count("head") == 1
    assert [a.detail for a in _audits("update", "member")] == ["fields=is_head,relation"]
    assert _audits("member_left")[-1].detail == f"household={h.id} fields=status,left_on,is_head"


def test_the_last_person_leaves_without_a_successor(world, today):
    h = household(world.grid_a1, today, size=1)
    db.session.flush()
    editing.record_departure(world.users["village_a"], h.id, h.head.id, "deceased", today, "", today)
    db.session.flush()
    assert h.size == 0 and h.head is None


def test_a_newcomer_takes_over_the_number_of_someone_who_left_another_household(world, today):
    before = household(world.village_b, today, size=2)
    after = household(world.grid_a1, today)
    db.session.flush()
    bride = [m for m in before.members if not m.is_head][0]
    number = bride.id_number
    with pytest.raises(ValidationFailed) as info:  # still present there
        editing.add_member(world.users["county"], after.id, _person(id_number=number), "married_in", today, today)
    assert info.value.fields == {"id_number": "该身份证号已登记在其他农户中"}
    editing.record_departure(world.users["county"], before.id, bride.id, "married_out", today, "", today)
    joined = editing.add_member(world.users["county"], after.id, _person(name=bride.name, relation="spouse",
                                                                         id_number=number), "married_in", today, today)
    db.session.flush()
    db.session.expire_all()
    old = db.session.get(Member, bride.id)
    assert old.id_number_index is None and old.id_number == number and old.id_number_tail_index is not None
    assert db.session.get(Member, joined.id).id_number_index == blind_index(ID_NUMBER, number)


# --- scope, roles, hostile input -----------------------------------------------------------------

def test_outside_the_scope_nothing_is_found(world, today):
    h = household(world.village_b, today, size=2)
    mine = household(world.grid_a1, today)
    db.session.flush()
    child = [m for m in h.members if not m.is_head][0]
    actor = world.users["village_a"]
    with pytest.raises(NotFound):
        editing.update_household(actor, h.id, _facts(h))
    with pytest.raises(NotFound):
        editing.add_member(actor, h.id, _person(), None, None, today)
    with pytest.raises(NotFound):
        editing.record_departure(actor, h.id, child.id, "deceased", today, "", today)
    with pytest.raises(NotFound):  # a member reached through another household's address
        editing.update_member(world.users["county"], mine.id, child.id, _person(), today)
    with pytest.raises(NotFound):
        editing.update_household(actor, 2**40, _facts(h))


@pytest.mark.parametrize("role", ["grid_a1", "cadre_a", "dept", "admin"])
def test_only_village_township_and_county_staff_edit(world, today, role):
    h = household(world.grid_a1, today)
    db.session.flush()
    with pytest.raises(PermissionDenied):
        editing.update_household(world.users[role], h.id, _facts(h, housing_safe=False))
    with pytest.raises(PermissionDenied):
        editing.add_member(world.users[role], h.id, _person(), None, None, today)


@pytest.mark.parametrize("field, value, message", [
    ("name", "王\x00山", "无法保存的字符"),
    ("name", "王" * 65, "不超过64个字"),
    ("ethnicity", "汉" * 17, "不超过16个字"),
    ("work_months", "²", "0到12"),
    ("work_months", "NaN", "0到12"),
    ("work_months", "-1", "0到12"),
    ("id_number", "1" * 5000, "18位"),
    ("health_detail", "高血压\x00", "无法保存的字符"),
    ("gender", "unknown", "性别无效"),
])
def test_hostile_member_input_is_a_field_error(world, today, field, value, message):
    h = household(world.grid_a1, today)
    db.session.flush()
    with pytest.raises(ValidationFailed) as info:
        editing.add_member(world.users["village_a"], h.id, _person(**{field: value}), None, None, today)
    assert message in info.value.fields[field]


def test_hostile_household_input_is_a_field_error(world, today):
    h = household(world.grid_a1, today)
    db.session.flush()
    with pytest.raises(ValidationFailed) as info:
        editing.update_household(world.users["village_a"], h.id, _facts(
            h, address="村\x00", code="9" * 33, risk_types=("illness", "bad"), key_groups=("x",),
            monitoring_category="nan"))
    assert set(info.value.fields) == {"address", "code", "risk_types", "key_groups", "monitoring_category"}


# --- who counts after a natural change ---------------------------------------------------------

def test_those_who_left_no_longer_count_in_lists_and_visits(world, today):
    from services.fieldwork import visits
    from services.households import register_list

    h = household(world.grid_a1, today, size=2, labour="none")
    db.session.flush()
    worker = editing.add_member(world.users["village_a"], h.id, _person(labour_capacity="ordinary"), None, None, today)
    filters = register_list.Filters(no_labour=True)

    def without_labour() -> list[int]:
        query, _ = register_list.household_query(world.users["village_a"], filters, today)
        return list(db.session.execute(query.with_only_columns(Household.id)).scalars())

    assert without_labour() == [] and visits._member_count(h.id) == 3
    editing.record_departure(world.users["village_a"], h.id, worker.id, "moved_out", today, "", today)
    db.session.flush()
    assert without_labour() == [h.id] and visits._member_count(h.id) == 2


def test_a_number_or_code_registered_meanwhile_is_a_message_not_a_database_error(world, today):
    from services.households import records

    db.session.add_all([Household(region=world.grid_a1, code="H9"), Household(region=world.grid_a2, code="H9")])
    with pytest.raises(ValidationFailed) as info:
        records.flush_checked()
    assert "刚刚有人登记" in info.value.fields[""]
