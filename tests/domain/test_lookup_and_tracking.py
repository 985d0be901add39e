import random
from datetime import date
from decimal import Decimal

import pytest

from domain.case_states import CaseState
from domain.lookup import ALPHABET, LENGTH, format_lookup_code, new_lookup_code, normalize_lookup_code
from domain.policy_text import SECTIONS, render
from domain.selfreport import HARDSHIPS, ReportInput, check_report
from domain.settings import PolicySettings
from domain.tracking import STEPS, farmer_progress

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
