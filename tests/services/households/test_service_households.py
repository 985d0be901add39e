from decimal import Decimal

import pytest
from sqlalchemy import inspect, select, text

from core.extensions import db
from factories import build_world, household, new_id
from models import AuditLog, Member
from services.errors import NotFound, ValidationFailed
from domain.enums import IncomeSource
from services.households import incomes, records
from services.households.records import MemberInput


def _head(**kw):
    base = dict(name="王大山", relation="head", labour_capacity="ordinary", id_number=new_id())
    base.update(kw)
    return MemberInput(**base)


def test_register_household_with_members_and_masked_views(app, today):
    world = build_world()
    id_number = new_id()
    h = records.register_household(
        world.users["village_a"], world.grid_a1,
        [_head(id_number=id_number, phone="13912345678", health="chronic", health_detail="高血压"),
         MemberInput(name="王小", relation="child", labour_capacity="none", schooling="compulsory",
                     health="disabled", disability_grade=2)],
        today=today, address="青山村5号")
    incomes.record_income(None, h, year=today.year, measured_on=today, net_total="9600.50",
                          source=IncomeSource.STAFF, today=today)
    db.session.flush()
    db.session.expire_all()
    assert h.size == 2 and h.head.name == "王大山"
    head = h.head
    assert head.id_number == id_number
    assert head.id_number_masked == id_number[:6] + "********" + id_number[-4:]
    assert head.phone_masked == "139****5678"
    assert head.health_detail == "高血压"
    assert h.net_income == Decimal("9600.50")


@pytest.mark.parametrize("member, field, message", [
    (dict(id_number="110105194912310022"), "members[0].id_number", "校验位"),
    (dict(id_number="12345"), "members[0].id_number", "18位"),
    (dict(phone="2345"), "members[0].phone", "手机号"),
    (dict(name=" "), "members[0].name", "姓名不能为空"),
    (dict(labour_capacity="strong"), "members[0].labour_capacity", "劳动能力无效"),
    (dict(disability_grade=2), "members[0].disability_grade", "只有残疾人"),
    (dict(health="disabled", disability_grade=5), "members[0].disability_grade", "一至四级"),
])
def test_bad_member_fields_are_reported_per_field(app, today, member, field, message):
    world = build_world()
    with pytest.raises(ValidationFailed) as info:
        records.register_household(None, world.grid_a1, [_head(**member)], today=today)
    assert message in info.value.fields[field]
    # the message never repeats the personal value itself
    for value in member.values():
        if isinstance(value, str) and len(value) > 4:
            assert value not in info.value.fields[field]


def test_exactly_one_head_is_required(app, today):
    world = build_world()
    with pytest.raises(ValidationFailed) as info:
        records.register_household(None, world.grid_a1, [_head(relation="spouse")], today=today)
    assert "户主" in info.value.fields["members"]


def test_same_person_cannot_be_registered_twice(app, today):
    world = build_world()
    id_number = new_id()
    household(world.grid_a1, today, id_number=id_number)
    with pytest.raises(ValidationFailed) as info:
        records.register_household(None, world.grid_b1, [_head(id_number=id_number)], today=today)
    assert "已登记在其他农户" in info.value.fields["members[0].id_number"]


def test_worker_cannot_register_outside_own_region(app, today):
    world = build_world()
    with pytest.raises(ValidationFailed) as info:
        records.register_household(world.users["grid_a1"], world.grid_b1, [_head()], today=today)
    assert "自己负责的区域" in info.value.fields["region"]


def test_no_plaintext_personal_data_in_the_raw_database(app, today):
    """Read every text column of every table straight from the database."""
    world = build_world()
    id_number, phone = new_id(), "13987654321"
    h = records.register_household(
        None, world.grid_a1, [_head(id_number=id_number, phone=phone, health_detail="尿毒症透析")], today=today)
    incomes.record_income(None, h, year=today.year, measured_on=today, source=IncomeSource.STAFF, today=today,
                          items={"wages": "8765.43", "medical_spending": "45678.90"})
    db.session.commit()
    dump = []
    with db.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                dump.extend(str(v) for v in row)
    blob = "\n".join(dump)
    assert blob, "the dump read nothing"
    for secret in (id_number, id_number[:14], phone, phone[3:], "尿毒症", "8765.43", "45678.90"):
        assert secret not in blob


def test_read_of_full_record_is_audited_without_personal_data(app, today):
    world = build_world()
    id_number = new_id()
    h = household(world.grid_a1, today, id_number=id_number)
    records.read_household(world.users["village_a"], h.id)
    db.session.flush()
    entry = db.session.execute(select(AuditLog).where(AuditLog.action == "read")).scalar_one()
    assert (entry.object_type, entry.object_id, entry.user_id) == ("household", str(h.id),
                                                                   world.users["village_a"].id)
    assert id_number not in entry.detail


def test_read_outside_scope_is_not_found_and_not_audited(app, today):
    world = build_world()
    h = household(world.grid_b1, today)
    with pytest.raises(NotFound):
        records.read_household(world.users["village_a"], h.id)
    db.session.flush()
    assert db.session.execute(select(AuditLog).where(AuditLog.action == "read")).first() is None


def test_find_by_id_number_and_phone_uses_blind_index_within_scope(app, today):
    world = build_world()
    id_number, phone = new_id(), "13700001111"
    h = household(world.grid_a1, today, id_number=id_number, phone=phone)
    found = records.find_member_by_id_number(world.users["village_a"], id_number.lower())
    assert found is not None and found.household_id == h.id
    assert records.find_member_by_id_number(world.users["village_b"], id_number) is None
    assert [m.household_id for m in records.find_members_by_phone(world.users["county"], phone)] == [h.id]
    assert records.find_members_by_phone(world.users["village_b"], phone) == []
    assert records.find_member_by_id_number(world.users["county"], "not an id") is None
    # the blind index column is what matched, not a decrypted scan
    stored = db.session.execute(select(Member.id_number_index).where(Member.id == found.id)).scalar_one()
    assert id_number not in stored


def test_assessment_uses_the_regions_line_for_the_year(app, today):
    from services.regions import settings
    world = build_world()
    h = records.register_household(
        None, world.grid_a1, [_head(), MemberInput(name="妻", relation="spouse", labour_capacity="weak")],
        today=today, key_groups=["disabled"])
    last_year = today.replace(year=today.year - 1)
    incomes.record_income(None, h, year=last_year.year, measured_on=last_year, net_total="16000",
                          source=IncomeSource.STAFF, today=today)
    incomes.record_income(None, h, year=today.year, measured_on=today, source=IncomeSource.STAFF, today=today,
                          items={"wages": "15000", "medical_spending": "20000"})
    result = records.assess_household(h, today)
    assert result.in_scope and result.per_capita == Decimal("7500.00") and result.line == Decimal("7000")
    assert [r.code for r in result.reasons] == ["rigid_spending"]
    assert [r.code for r in result.attention] == ["key_group_disabled"]
    settings.set_monitoring_line(world.users["county"], world.county, today.year, "8000")
    result = records.assess_household(h, today)
    assert {r.code for r in result.reasons} == {"below_line", "rigid_spending"}
    assert "8,000" in result.reasons[0].text


def test_assessment_needs_recorded_income(app, today):
    world = build_world()
    h = household(world.grid_a1, today)
    with pytest.raises(ValidationFailed) as info:
        records.assess_household(h, today)
    assert "纯收入" in info.value.fields["net_income"]
