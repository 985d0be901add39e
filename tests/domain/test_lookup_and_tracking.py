import random
from datetime import date
from decimal import Decimal

import pytest

from domain.case_states import CaseState
from domain.lookup import ALPHABET, LENGTH, format_lookup_code, new_lookup_code, normalize_lookup_code
from domain.policy_text import SECTIONS, render
from domain.selfreport import HARDSHIPS, ReportInput, check_report
from domain.settings import PolicySettings
from domain.tracking import (STEPS, Happened, check_review_reason, farmer_progress, may_ask_review,
                             review_status)

TODAY = date(2026, 11, 20)


def test_codes_use_no_lookalike_characters():
    assert not set("0O1IL") & set(ALPHABET)
    rng = random.Random(7)
    codes = {new_lookup_code(rng.randrange) for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == LENGTH and set(c) <= set(ALPHABET) for c in codes)


@pytest.mark.parametrize("typed, expected", [
    ("abcd-efgh", "ABCDEFGH"), (" ab cd ef gh ", "ABCDEFGH"), ("ＡＢＣＤ－ＥＦＧＨ", "ABCDEFGH"), ("ABCD—EFGH", "ABCDEFGH"),
    ("ＡＢＣＤＥＦＧＨ", "ABCDEFGH"), ("ABCDEFG", None), ("ABCDEFGO", None), ("", None), (None, None),
])
def test_typed_codes_are_normalized(typed, expected):
    assert normalize_lookup_code(typed) == expected


def test_code_is_shown_in_two_groups():
    assert format_lookup_code("ABCDEFGH") == "ABCD-EFGH"


@pytest.mark.parametrize("state, current", [
    (CaseState.REPORTED, "已受理"), (CaseState.VERIFYING, "入户核实"), (CaseState.PUBLICIZING, "村级评议公示"),
    (CaseState.TOWNSHIP_REVIEW, "乡镇审核"), (CaseState.COUNTY_REVIEW, "县级确定"),
])
def test_progress_marks_done_current_and_todo(state, current):
    progress = farmer_progress(state)
    statuses = [s.status for s in progress.steps]
    index = STEPS.index(current)
    assert statuses == ["done"] * index + ["current"] + ["todo"] * (len(STEPS) - index - 1)
    assert progress.outcome == "pending"


def test_monitored_and_rejected_outcomes():
    assert farmer_progress(CaseState.HELPING).outcome == "included"
    assert all(s.status == "done" for s in farmer_progress(CaseState.MONITORED).steps)
    rejected = farmer_progress(CaseState.REJECTED)
    assert rejected.outcome == "rejected" and rejected.steps[-1].label == "未纳入"
    assert [s.status for s in rejected.steps] == ["refused"]  # nothing shown as still to do


S = CaseState
D = [date(2026, 11, d) for d in range(1, 31)]


def _walk(*moves):
    """Events from (day index, before, after) triples."""
    return [Happened(D[day], before, after) for day, before, after in moves]


OPENED = [(0, None, S.REPORTED), (1, S.REPORTED, S.RECEIVED), (2, S.RECEIVED, S.VERIFYING),
          (4, S.VERIFYING, S.VERIFIED), (5, S.VERIFIED, S.PUBLICIZING), (11, S.PUBLICIZING, S.TOWNSHIP_REVIEW)]


def _shown(progress):
    return [(s.label, s.status, s.on) for s in progress.steps]


def test_each_done_step_carries_the_day_it_was_done():
    progress = farmer_progress(S.TOWNSHIP_REVIEW, _walk(*OPENED))
    assert _shown(progress) == [("已受理", "done", D[1]), ("入户核实", "done", D[4]), ("村级评议公示", "done", D[11]),
                                ("乡镇审核", "current", None), ("县级确定", "todo", None),
                                ("已纳入监测", "todo", None)]


def test_included_case_dates_every_step_and_later_help_moves_nothing():
    history = _walk(*OPENED, (12, S.TOWNSHIP_REVIEW, S.COUNTY_REVIEW), (14, S.COUNTY_REVIEW, S.MONITORED),
                    (15, S.MONITORED, S.PAIRED), (16, S.PAIRED, S.PAIRED))
    progress = farmer_progress(S.PAIRED, history)
    assert [s.on for s in progress.steps] == [D[1], D[4], D[11], D[12], D[14], D[14]]
    assert progress.outcome == "included"


@pytest.mark.parametrize("refusal, label, done", [
    ((6, S.VERIFIED, S.REJECTED), "村级评议未通过", 2),
    ((12, S.TOWNSHIP_REVIEW, S.REJECTED), "乡镇审核未通过", 3),
    ((13, S.COUNTY_REVIEW, S.REJECTED), "县级确定：不予纳入", 4),
])
def test_a_refusal_shows_the_steps_taken_and_where_it_came(refusal, label, done):
    before = [m for m in OPENED if m[0] < refusal[0]] + [(12, S.TOWNSHIP_REVIEW, S.COUNTY_REVIEW)] * (done == 4)
    if refusal[1] is S.VERIFIED:  # village review failed before any notice
        before = OPENED[:4]
    progress = farmer_progress(S.REJECTED, _walk(*before, refusal))
    shown = _shown(progress)
    assert [s[0] for s in shown] == list(STEPS[:done]) + [label]
    assert all(status == "done" and on is not None for _, status, on in shown[:-1])
    assert shown[-1] == (label, "refused", D[refusal[0]])
    assert progress.outcome == "rejected" and progress.headline == "经审核，暂未纳入监测"


def test_a_step_sent_back_loses_its_date_until_done_again():
    returned = _walk(*OPENED, (12, S.TOWNSHIP_REVIEW, S.VERIFYING))
    assert _shown(farmer_progress(S.VERIFYING, returned))[:3] == [
        ("已受理", "done", D[1]), ("入户核实", "current", None), ("村级评议公示", "todo", None)]
    again = returned + _walk((14, S.VERIFYING, S.VERIFIED))
    assert farmer_progress(S.VERIFIED, again).steps[1].on == D[14]


def test_an_upheld_re_review_keeps_the_refusal_and_a_reopened_one_starts_again():
    refused = _walk(*OPENED[:4], (6, S.VERIFIED, S.REJECTED), (8, S.REJECTED, S.REJECTED))
    assert farmer_progress(S.REJECTED, refused).steps[-1] == farmer_progress(S.REJECTED, refused[:-1]).steps[-1]
    reopened = refused + _walk((20, S.REJECTED, S.RECEIVED))
    assert _shown(farmer_progress(S.RECEIVED, reopened))[:2] == [("已受理", "done", D[20]), ("入户核实", "current", None)]


def test_identified_again_after_the_look_back_forgets_the_first_pass():
    history = _walk(*OPENED, (12, S.TOWNSHIP_REVIEW, S.COUNTY_REVIEW), (14, S.COUNTY_REVIEW, S.MONITORED),
                    (20, S.MONITORED, S.ELIMINATED), (25, S.ELIMINATED, S.RECEIVED))
    assert [s.on for s in farmer_progress(S.RECEIVED, history).steps] == [D[25], None, None, None, None, None]


@pytest.mark.parametrize("state, earlier, allowed", [
    (S.REJECTED, [], True), (S.REJECTED, ["open"], False), (S.REJECTED, ["upheld"], False),
    (S.REJECTED, ["reopened"], True), (S.REJECTED, ["reopened", "upheld"], False),
    (S.RECEIVED, [], False), (S.MERGED, [], False), (S.HELPING, [], False),
])
def test_a_refusal_may_be_asked_about_once(state, earlier, allowed):
    assert may_ask_review(state, earlier) is allowed


@pytest.mark.parametrize("typed, clean, error", [
    ("  家里有人住院了 ", "家里有人住院了", None), ("", "", "请写一写"), ("\x00\x00 ", "", "请写一写"),
    ("难" * 501, "难" * 501, "500字以内"), ("第一行\n第二行", "第一行\n第二行", None),
])
def test_the_review_reason_is_plain_text(typed, clean, error):
    got, problem = check_review_reason(typed)
    assert got == clean
    assert (problem is None) if error is None else (error in problem)


def test_review_status_in_plain_words():
    asked, due, decided = date(2026, 11, 2), date(2026, 11, 17), date(2026, 11, 10)
    assert review_status("open", asked, due, None, "").headline == "您11月02日申请了复核，乡镇会在11月17日前答复。"
    upheld = review_status("upheld", asked, due, decided, "收入已核实")
    assert "维持原来的决定" in upheld.headline and "11月10日" in upheld.headline and upheld.note == "收入已核实"
    assert "重新核实" in review_status("reopened", asked, due, decided, "").headline


def _good(**kw):
    base = dict(name="王大山", id_number="11010519491231002X", phone="138 1234 5678",
                village_code="341599101001", hardships=["illness", "bogus"], description="老伴住院",
                consent=True, urgent="yes", household_size="4", income="12,000元")
    base.update(kw)
    return ReportInput(**base)


def test_a_good_report_is_cleaned():
    clean, errors = check_report(_good(), TODAY)
    assert errors == {}
    assert clean.phone == "13812345678" and clean.risk_types == ("illness",) and clean.urgent
    assert clean.household_size == 4 and clean.income == Decimal("12000")


@pytest.mark.parametrize("change, field, message", [
    (dict(name=""), "name", "请填写姓名"),
    (dict(id_number=""), "id_number", "请填写身份证号"),
    (dict(id_number="11010519491231002Y"), "id_number", "身份证号"),
    (dict(phone=""), "phone", "请填写手机号"),
    (dict(phone="0551-1234567"), "phone", "手机号"),
    (dict(village_code=""), "village_code", "请选择所在的村"),
    (dict(hardships=[]), "hardships", "请至少选一种困难"),
    (dict(description=" "), "description", "请简单说说"),
    (dict(description="难" * 501), "description", "500字以内"),
    (dict(urgent=""), "urgent", "请选择"),
    (dict(consent=False), "consent", "需要您同意"),
    (dict(household_size="0"), "household_size", "1到30"),
    (dict(income="很多"), "income", "收入请填数字"),
    (dict(income="NaN"), "income", "收入请填数字"),
    (dict(income="Infinity"), "income", "收入请填数字"),
    (dict(household_size="\u00b2"), "household_size", "1到30"),
])
def test_each_problem_is_reported_beside_its_field(change, field, message):
    clean, errors = check_report(_good(**change), TODAY)
    assert clean is None and message in errors[field]
    assert set(errors) == {field}


def test_every_hardship_maps_to_a_risk_type_with_plain_words():
    assert len(HARDSHIPS) >= 10 and all(label and "因" not in label for label in HARDSHIPS.values())


def test_policy_text_uses_the_regions_numbers():
    steps = next(s for s in SECTIONS if s.key == "steps")
    lines = render(steps.default, PolicySettings(notice_min_days=7, identification_days=20))
    assert any("不少于7天" in line for line in lines) and any("不超过20天" in line for line in lines)
    assert len(next(s for s in SECTIONS if s.key == "who").default.splitlines()) == 9  # nine key groups


def test_staff_text_cannot_reach_attributes_or_break_rendering():
    assert render("{notice_min_days.__class__} { x {unknown}", PolicySettings()) == [
        "{notice_min_days.__class__} { x {unknown}"]
