"""登记线索: who may record which source where, the household found within scope or the claimed
person checked and protected, joining an open case, evidence and audit; and how far a clue (and
代申报) reaches (``scoping.may_report_at``)."""
import io
from datetime import date

import pytest
from PIL import Image
from sqlalchemy import select, text

from core.extensions import db
from domain.enums import CaseSource
from factories import build_world, household, new_id
from models import AuditLog, Case
from models.personal import ID_NUMBER, blind_index
from services.accounts import scoping
from services.errors import PermissionDenied, ValidationFailed
from services.identification import clues
from services.platform.uploads import check_evidence
from services.workflow import cases
from services.workflow.cases import Evidence

TODAY = date(2026, 11, 20)


@pytest.fixture
def world(app):
    made = build_world()
    db.session.commit()
    return made


def _clue(**values) -> clues.ClueInput:
    base = {"source": "petition", "risk_types": ("illness",), "description": "信访件：老人住院无人照看"}
    return clues.ClueInput(**{**base, **values})


def _record(actor, clue, evidence=()):
    return clues.record(actor, clues.check(actor, clue, TODAY), list(evidence), TODAY)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(out, "PNG")
    return out.getvalue()


def test_a_grid_worker_reaches_every_place_of_their_village_and_nothing_beyond(world):
    grid = world.users["grid_a1"]
    for region in (world.village_a, world.grid_a1, world.grid_a2):
        assert scoping.may_report_at(grid, region), region.name
    for region in (world.village_b, world.grid_b1, world.township, world.county):
        assert not scoping.may_report_at(grid, region), region.name
    village = world.users["village_a"]
    assert scoping.may_report_at(village, world.grid_a2) and not scoping.may_report_at(village, world.township)
    assert not scoping.may_report_at(village, world.village_b)
    assert scoping.may_report_at(world.users["county"], world.grid_b1)


def test_sources_offered_by_role(world):
    staff = [c for c, _ in clues.source_choices(world.users["township"])]
    assert staff == ["grid_visit", "department_warning", "petition", "media", "hotline"]
    assert [c for c, _ in clues.source_choices(world.users["grid_a1"])] == ["grid_visit"]
    for name in ("cadre_a", "dept", "admin", "auditor"):
        with pytest.raises(PermissionDenied):
            clues.require_recorder(world.users[name])
        with pytest.raises(PermissionDenied):
            clues.check(world.users[name], _clue(), TODAY)


@pytest.mark.parametrize("source, message", [
    ("", "请选择线索来源"), ("self_report", "线索来源无效"), ("proxy_report", "线索来源无效"),
    ("petition_media", "线索来源无效"), ("nonsense", "线索来源无效"),
])
def test_the_farmers_channels_and_the_old_code_are_not_offered(world, source, message):
    with pytest.raises(ValidationFailed) as refused:
        clues.check(world.users["village_a"], _clue(source=source, region_code=world.village_a.code, name="张三"),
                    TODAY)
    assert message in refused.value.fields["source"]


def test_a_grid_worker_records_only_their_own_findings(world):
    with pytest.raises(ValidationFailed) as refused:
        clues.check(world.users["grid_a1"], _clue(source="hotline", region_code=world.village_a.code, name="张三"),
                    TODAY)
    assert refused.value.fields == {"source": "网格员只能登记干部排查（网格反馈）的线索"}


def test_each_field_is_checked_beside_its_name(world):
    with pytest.raises(ValidationFailed) as refused:
        clues.check(world.users["village_a"], clues.ClueInput(
            source="media", region_code=world.village_b.code, name="x" * 31, id_number="110105194912310021",
            phone="12345", risk_types=("illness", "made_up"), description=" "), TODAY)
    fields = refused.value.fields
    assert set(fields) == {"region_code", "name", "id_number", "phone", "risk_types", "description"}
    assert "不在您的管辖范围内" in fields["region_code"] and fields["risk_types"] == "风险类型无效"
    with pytest.raises(ValidationFailed) as refused:
        clues.check(world.users["village_a"], clues.ClueInput(source="media"), TODAY)
    assert set(refused.value.fields) == {"region_code", "name", "risk_types", "description"}


def test_an_unregistered_persons_clue_keeps_their_numbers_encrypted_and_indexed(world):
    number = new_id()
    actor = world.users["township"]
    recorded = _record(actor, _clue(source="hotline", region_code=world.grid_a2.code, name=" 钱七 ",
                                    id_number=number.lower(), phone="138 1234 5678", urgent=True))
    assert not recorded.joined
    case = db.session.get(Case, recorded.case_id)
    assert (case.source, case.state, case.region_id, case.household_id) == ("hotline", "reported", world.grid_a2.id,
                                                                           None)
    assert case.claimed_name == "钱七" and case.claimed_id_number == number and case.claimed_phone == "13812345678"
    assert case.claimed_id_number_index == blind_index(ID_NUMBER, number) and case.urgent
    stored = db.session.execute(text('SELECT claimed_id_number_enc, claimed_phone_enc FROM case_file WHERE id = :id'),
                                {"id": case.id}).one()
    assert number not in str(stored) and "13812345678" not in str(stored) and all(stored)
    assert case.reported_by_id == actor.id and case.due_date is not None and case.risk_types == ["illness"]
    db.session.commit()
    entries = db.session.execute(select(AuditLog).where(AuditLog.object_type == "case")).scalars().all()
    assert [(e.action, e.object_id, e.detail, e.user_id) for e in entries] == [
        ("create", str(case.id), "source=hotline", actor.id)]


def test_a_registered_household_is_picked_within_scope_only(world):
    ours = household(world.grid_a1, TODAY)
    theirs = household(world.village_b, TODAY)
    db.session.commit()
    recorded = _record(world.users["village_a"], _clue(source="department_warning", household_id=str(ours.id)))
    case = db.session.get(Case, recorded.case_id)
    assert case.household_id == ours.id and case.region_id == world.grid_a1.id and case.claimed_name is None
    for bad in (str(theirs.id), "0", "2147483648", "²", "１２", "-1", "abc"):
        with pytest.raises(ValidationFailed) as refused:
            clues.check(world.users["village_a"], _clue(household_id=bad), TODAY)
        assert refused.value.fields == {"household_id": "没有找到这户，或不在您的管辖范围内，请重新查找"}, bad


def test_an_id_number_of_the_area_links_the_household_one_beyond_stays_unlinked(world):
    near = household(world.grid_a2, TODAY)
    far = household(world.grid_b1, TODAY)
    db.session.commit()
    grid = world.users["grid_a1"]
    linked = _record(grid, _clue(source="grid_visit", region_code=world.grid_a1.code, name="某某",
                                 id_number=near.members[0].id_number))
    case = db.session.get(Case, linked.case_id)
    assert case.household_id == near.id and case.region_id == world.grid_a2.id
    unlinked = _record(grid, _clue(source="grid_visit", region_code=world.grid_a1.code, name="某某",
                                   id_number=far.members[0].id_number))
    case = db.session.get(Case, unlinked.case_id)
    assert case.household_id is None and case.region_id == world.grid_a1.id
    assert case.claimed_id_number == far.members[0].id_number


def test_a_clue_about_a_household_with_an_open_case_joins_it(world):
    family = household(world.grid_a1, TODAY)
    first = cases.open_case(world.users["village_a"], world.grid_a1, CaseSource.GRID_VISIT, today=TODAY,
                            household=family, risk_types=["illness"])
    db.session.commit()
    evidence = Evidence("信访件.png", check_evidence(_png()).content, "image/png")
    recorded = _record(world.users["township"], _clue(household_id=str(family.id), risk_types=("housing",)),
                       [evidence])
    assert recorded == clues.Recorded(first.id, True)
    assert first.risk_types == ["illness", "housing"]
    joined = first.events[-1]
    assert joined.data["joined_report"] == "petition" and joined.comment == "信访件：老人住院无人照看"
    assert [e.label for e in joined.evidence] == ["信访件.png"]
    assert db.session.execute(select(Case)).scalars().all() == [first]


def test_a_grid_worker_not_following_the_open_case_gets_a_record_of_their_own(world):
    family = household(world.grid_a2, TODAY)
    first = cases.open_case(world.users["village_a"], world.grid_a2, CaseSource.DEPARTMENT_WARNING, today=TODAY,
                            household=family)
    db.session.commit()
    grid = world.users["grid_a1"]
    recorded = _record(grid, _clue(source="grid_visit", region_code=world.village_a.code, name="户主",
                                   id_number=family.members[0].id_number))
    kept = db.session.get(Case, recorded.case_id)
    assert not recorded.joined and kept.id != first.id
    assert kept.state == "merged" and kept.merged_into_id == first.id and kept.reported_by_id == grid.id
    assert clues.recorded_case(grid, str(kept.id)) == kept and clues.recorded_case(grid, str(first.id)) is None


def test_the_search_stays_within_scope_and_is_audited_without_its_terms(world):
    mine = household(world.grid_a1, TODAY)
    other_grid = household(world.grid_a2, TODAY)
    household(world.village_b, TODAY)
    db.session.commit()
    head = mine.members[0]
    found, more = clues.search(world.users["village_a"], clues.read_search("户主", TODAY))
    assert {c.household_id for c in found} == {mine.id, other_grid.id} and not more
    found, _ = clues.search(world.users["grid_a1"], clues.read_search("户主", TODAY))
    assert [c.household_id for c in found] == [mine.id]
    found, _ = clues.search(world.users["county"], clues.read_search(head.id_number, TODAY))
    assert [(c.household_id, c.member_is_head, c.place) for c in found] == [(mine.id, True, "青山村 / 青山村一组")]
    assert head.id_number not in found[0].id_masked
    db.session.commit()
    details = [e.detail for e in db.session.execute(select(AuditLog).where(AuditLog.action == "search")).scalars()]
    assert "clue household search by id_number: 1 found" in details
    assert all(head.id_number not in d and "户主" not in d for d in details)
    with pytest.raises(ValidationFailed):
        clues.read_search("1234", TODAY)


def test_places_are_the_villages_and_groups_reached(world):
    grid_places = [code for code, _ in clues.places(world.users["grid_a1"])]
    assert sorted(grid_places) == sorted([world.village_a.code, world.grid_a1.code, world.grid_a2.code])
    township = dict(clues.places(world.users["township"]))
    assert township[world.grid_b1.code] == "青山镇 / 石门村 / 石门村一组" and world.township.code not in township
