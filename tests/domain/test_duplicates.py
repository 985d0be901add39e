"""The rule that flags open clues likely about the same household (pure, no app)."""
from domain.duplicates import (ClueFacts, DuplicateReason, find_duplicates, group_of_each, may_merge,
                               normalize_name, pair_reasons)

R = DuplicateReason


def test_same_household_is_a_duplicate_whatever_the_village():
    a, b = ClueFacts(1, 10, household_id=7), ClueFacts(2, 11, household_id=7)
    assert pair_reasons(a, b) == (R.SAME_HOUSEHOLD,)
    assert may_merge(a, b)


def test_same_claimed_id_number_is_a_duplicate_even_across_villages():
    a = ClueFacts(1, 10, id_number_index="idx-1")
    b = ClueFacts(2, 11, household_id=5, id_number_index="idx-1")
    assert pair_reasons(a, b) == (R.SAME_ID_NUMBER,)
    assert may_merge(a, b)


def test_same_phone_counts_only_within_one_village_and_is_not_mergeable():
    a, b = ClueFacts(1, 10, phone_index="p"), ClueFacts(2, 10, phone_index="p")
    assert pair_reasons(a, b) == (R.SAME_PHONE,)
    assert not may_merge(a, b)
    assert pair_reasons(a, ClueFacts(3, 11, phone_index="p")) == ()
    assert pair_reasons(ClueFacts(4, None, phone_index="p"), ClueFacts(5, None, phone_index="p")) == ()


def test_same_name_counts_only_for_unmatched_clues_in_one_village():
    a, b = ClueFacts(1, 10, claimed_name="张三"), ClueFacts(2, 10, claimed_name=" 张 三 ")
    assert pair_reasons(a, b) == (R.SAME_NAME,)
    assert not may_merge(a, b)
    assert pair_reasons(a, ClueFacts(3, 11, claimed_name="张三")) == ()          # other village
    assert pair_reasons(a, ClueFacts(4, 10, household_id=9, claimed_name="张三")) == ()  # matched
    assert pair_reasons(a, ClueFacts(5, 10, claimed_name="张四")) == ()
    assert pair_reasons(ClueFacts(6, 10, claimed_name=""), ClueFacts(7, 10, claimed_name=" ")) == ()


def test_nothing_shared_means_no_flag_and_a_clue_is_not_its_own_duplicate():
    a = ClueFacts(1, 10, household_id=1, id_number_index="x", phone_index="p", claimed_name="甲")
    assert pair_reasons(a, ClueFacts(2, 10, household_id=2, id_number_index="y", phone_index="q")) == ()
    assert pair_reasons(a, a) == ()
    assert find_duplicates([a]) == []
    assert find_duplicates([]) == []


def test_groups_are_transitive_and_carry_every_reason():
    clues = [
        ClueFacts(9, 10, household_id=3),                                # same household as 4
        ClueFacts(4, 10, household_id=3, phone_index="p"),               # same phone as 6
        ClueFacts(6, 10, phone_index="p", claimed_name="李四"),
        ClueFacts(2, 10, claimed_name="王五"),                           # same name as 8
        ClueFacts(8, 10, claimed_name="王五"),
        ClueFacts(5, 10, claimed_name="赵六"),                           # alone
    ]
    groups = find_duplicates(clues)
    assert [g.case_ids for g in groups] == [(2, 8), (4, 6, 9)]
    assert groups[0].reasons == (R.SAME_NAME,)
    assert groups[1].reasons == (R.SAME_HOUSEHOLD, R.SAME_PHONE)
    assert groups[1].others(4) == (6, 9)
    assert groups[1].reason_text == "同一农户、同村申报的手机号相同"
    flagged = group_of_each(groups)
    assert set(flagged) == {2, 8, 4, 6, 9}
    assert flagged[9] is groups[1]


def test_mergeable_pairs_inside_a_group_are_only_the_strong_ones():
    a = ClueFacts(1, 10, household_id=3)
    b = ClueFacts(2, 10, household_id=3, phone_index="p")
    c = ClueFacts(3, 10, phone_index="p")
    [group] = find_duplicates([a, b, c])
    assert group.case_ids == (1, 2, 3)
    assert may_merge(a, b) and not may_merge(a, c) and not may_merge(b, c)


def test_normalize_name():
    assert normalize_name(" 张\u3000三 ") == "张三"
    assert normalize_name(None) == ""
