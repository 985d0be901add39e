"""Linking a clue to a registered household (关联农户): suggestions by ID number, phone and
name through the blind indexes, within scope; search by name or full ID number (audited
without its terms); only village and township staff link."""
from datetime import date

import pytest
from sqlalchemy import select

from core.extensions import db
from domain.enums import CaseSource, LabourCapacity, Relation
from domain.masking import mask_id_number
from domain.workflow import CaseState
from factories import build_world, new_id
from models import AuditLog
from services.errors import NotFound, PermissionDenied, ValidationFailed
from services.households import matching, records
from services.households.records import MemberInput
from services.workflow import cases

TODAY = date(2026, 11, 20)
PHONE = "13912345678"


def family(region, head: str, *, other: str = "李小花", head_id: str | None = None,
           other_id: str | None = None, phone: str | None = None):
    work = LabourCapacity.ORDINARY.value
    return records.register_household(None, region, [
        MemberInput(name=head, relation=Relation.HEAD.value, labour_capacity=work, id_number=head_id or new_id()),
        MemberInput(name=other, relation=Relation.SPOUSE.value, labour_capacity=work,
                    id_number=other_id or new_id(), phone=phone),
    ], today=TODAY)


def clue(region, *, name: str = "王秀英", id_number: str | None = None, phone: str | None = None):
    """A self-report whose reporter is not (yet) a registered member."""
    return cases.open_case(None, region, CaseSource.SELF_REPORT, today=TODAY, claimed_name=name,
                           claimed_id_number=id_number, claimed_phone=phone, risk_types=["illness"])


@pytest.fixture
def world(app):
    return build_world()


def ids(rows) -> list[int]:
    return [r.household_id for r in rows]


def test_a_household_with_the_claimed_id_number_is_suggested_with_masked_numbers(world):
    reporter_id = new_id()
    case = clue(world.village_a, id_number=reporter_id)
    h = family(world.grid_a1, "张建国", other="王秀英", other_id=reporter_id)
    family(world.grid_a1, "赵四")  # shares nothing with the clue
    [found] = matching.suggestions(world.users["village_a"], case)
    assert found.household_id == h.id and found.head == "张建国" and found.size == 2
    assert found.place == "青山村 / 青山村一组"
    assert found.member == "王秀英" and not found.member_is_head
    assert found.id_masked == mask_id_number(reporter_id) and reporter_id not in repr(found)
    assert found.reasons == ("身份证号相同", "姓名相同") and found.open_case_id is None


def test_a_household_with_the_claimed_phone_is_suggested(world):
    case = clue(world.village_a, name="陈", phone=PHONE)
    h = family(world.village_a, "刘大明", phone="139 1234 5678".replace(" ", ""))
    family(world.village_a, "刘小明", phone="13912345670")
    [found] = matching.suggestions(world.users["village_a"], case)
    assert found.household_id == h.id and found.reasons == ("手机号相同",)
    assert found.place == "青山村" and PHONE not in repr(found)


def test_only_exactly_the_claimed_name_in_the_clue_s_village_is_suggested(world):
    case = clue(world.village_a, name="王秀英")
    here = family(world.grid_a2, "王秀英")
    family(world.grid_a1, "王秀")                   # not exactly the name
    family(world.village_b, "王秀英")               # another village of the township
    township = matching.suggestions(world.users["township"], case)
    assert ids(township) == [here.id] and township[0].reasons == ("姓名相同",)
    assert township[0].member_is_head


def test_suggestions_stay_in_scope_and_the_strongest_reason_comes_first(world):
    reporter_id = new_id()
    case = clue(world.village_a, id_number=reporter_id, phone=PHONE)
    by_name = family(world.village_a, "王秀英")
    by_phone = family(world.grid_a1, "周强", phone=PHONE)
    by_id = family(world.village_b, "孙丽", head_id=reporter_id)  # registered in the other village
    assert ids(matching.suggestions(world.users["township"], case)) == [by_id.id, by_phone.id, by_name.id]
    assert ids(matching.suggestions(world.users["village_a"], case)) == [by_phone.id, by_name.id]


def test_a_clue_without_name_or_numbers_gets_no_suggestions(world):
    family(world.village_a, "王秀英")
    case = cases.open_case(None, world.village_a, CaseSource.PROXY_REPORT, today=TODAY, risk_types=["illness"])
    assert matching.suggestions(world.users["village_a"], case) == ()


def test_a_candidate_that_already_has_an_open_case_says_so(world):
    case = clue(world.village_a, phone=PHONE)
    h = family(world.grid_a1, "周强", phone=PHONE)
    earlier = cases.open_case(None, h.region, CaseSource.PROXY_REPORT, today=TODAY, household=h)
    [found] = matching.suggestions(world.users["village_a"], case)
    assert found.open_case_id == earlier.id


def test_search_by_full_id_number_goes_through_the_blind_index_in_scope_and_is_audited(world):
    wanted, elsewhere = new_id(), new_id()
    case = clue(world.village_a, name="某人")
    h = family(world.grid_a2, "吴刚", other_id=wanted)
    family(world.village_b, "郑华", head_id=elsewhere)
    village = world.users["village_a"]
    search = matching.read_search(" " + wanted[:6] + " " + wanted[6:], TODAY)
    assert search.by_id and search.text == wanted
    rows, more = matching.run_search(village, case, search)
    assert ids(rows) == [h.id] and not more and rows[0].member == "李小花" and rows[0].reasons == ()
    assert matching.run_search(village, case, matching.read_search(elsewhere, TODAY)) == ((), False)
    assert ids(matching.run_search(world.users["township"], case, matching.read_search(elsewhere, TODAY))[0])
    db.session.flush()
    entries = db.session.execute(select(AuditLog).where(AuditLog.action == "search")).scalars().all()
    assert [e.detail for e in entries][:2] == ["household match search by id_number: 1 found",
                                               "household match search by id_number: 0 found"]
    assert entries[0].object_type == "case" and entries[0].object_id == str(case.id)
    assert not any(wanted in (e.detail or "") or elsewhere in (e.detail or "") for e in entries)


def test_search_by_name_finds_parts_of_names_in_scope_and_compares_with_the_clue(world):
    case = clue(world.village_a, name="王秀英", phone=PHONE)
    first = family(world.grid_a1, "王秀英")
    second = family(world.village_a, "黄国庆", other="王秀兰", phone=PHONE)
    family(world.village_b, "王秀珍")
    rows, more = matching.run_search(world.users["village_a"], case, matching.read_search("王秀", TODAY))
    assert sorted(ids(rows)) == sorted([first.id, second.id]) and not more
    reasons = {r.household_id: r.reasons for r in rows}
    assert reasons == {first.id: ("姓名相同",), second.id: ("手机号相同",)}


def test_a_name_search_shows_at_most_twenty_households(world):
    case = clue(world.village_a)
    for _ in range(matching.SEARCH_LIMIT + 1):
        family(world.village_a, "钱多多")
    rows, more = matching.run_search(world.users["village_a"], case, matching.read_search("钱多多", TODAY))
    assert len(rows) == matching.SEARCH_LIMIT and more


@pytest.mark.parametrize("raw, message", [
    ("", "请输入姓名或完整的身份证号"),
    ("  ", "请输入姓名或完整的身份证号"),
    ("1234", "身份证号应为18位，当前为4位"),
    ("13912345678", "身份证号应为18位"),
    ("11010119900307123X", "校验位不正确"),
    ("王", "请至少输入姓名中的两个字"),
    ("王" * 21, "姓名不超过20个字"),
])
def test_bad_searches_are_refused_in_chinese_without_repeating_the_number(raw, message):
    with pytest.raises(ValidationFailed) as info:
        matching.read_search(raw, TODAY)
    assert message in info.value.fields["q"]
    assert not raw.strip().isdigit() or raw.strip() not in info.value.fields["q"]


def test_only_village_and_township_staff_link_and_only_in_scope(world):
    case = clue(world.village_a, phone=PHONE)
    h = family(world.grid_a1, "周强", phone=PHONE)
    other = family(world.village_b, "孙丽")
    for name in ("county", "grid_a1", "cadre_a", "dept", "admin"):
        assert not matching.offered(world.users[name], case)
        with pytest.raises(PermissionDenied):
            matching.link(world.users[name], case.id, h.id)
    assert matching.offered(world.users["village_a"], case) and matching.offered(world.users["township"], case)
    with pytest.raises(NotFound):
        matching.link(world.users["village_a"], case.id, other.id)
    with pytest.raises(NotFound):
        matching.link(world.users["village_b"], case.id, other.id)
    linked = matching.link(world.users["village_a"], case.id, h.id)
    assert linked.household_id == h.id and linked.region_id == world.grid_a1.id
    assert linked.events[-1].data == {"matched_household": h.id}
    assert matching.linked_place(linked) == ("周强", "青山村 / 青山村一组")
    assert not matching.offered(world.users["village_a"], linked)
    assert matching.not_awaiting_reason(linked) == "该线索已关联农户"
    with pytest.raises(ValidationFailed):
        matching.link(world.users["village_a"], case.id, h.id)


def test_a_closed_clue_is_not_offered_for_linking(world):
    case = clue(world.village_a)
    case.state = CaseState.REJECTED.value  # seeding shortcut: only "is it open" matters here
    assert not matching.offered(world.users["village_a"], case)
    assert matching.not_awaiting_reason(case) == "已办结的线索不能再关联农户"


def test_the_panel_carries_the_clue_masked_and_results_only_after_a_search(world):
    reporter_id = new_id()
    case = clue(world.village_a, id_number=reporter_id, phone=PHONE)
    view = matching.panel(world.users["village_a"], case)
    assert view.claimed_id_masked == mask_id_number(reporter_id) and view.claimed_phone_masked == "139****5678"
    assert not view.searched and view.results == ()
    searched = matching.panel(world.users["village_a"], case, matching.read_search("王秀英", TODAY))
    assert searched.searched and searched.search_label == "姓名"
