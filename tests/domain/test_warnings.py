"""Grading department rows into 红/橙/黄 warnings, from the published practice the issue cites:
医保 out of pocket above 10,000 yuan a year (脱贫户/监测户) or 26,000 (一般农户), a single hospital
stay above 6,000 / 10,000; severe at twice the line or by its nature (特困申请, disability grade
1–2, D级 house, compulsory-school dropout, 停水 twice the days); severe and 脱贫户/监测户 → 红,
severe or 脱贫户/监测户 → 橙, otherwise 黄; answers due in 3, 7 and 15 days."""
from datetime import date
from decimal import Decimal

import pytest

from domain.department_lists import ListKind
from domain.settings import InvalidSetting, PolicySettings
from domain.warnings import (Feedback, FeedbackRefused, Grade, Thresholds, check_feedback, deadline_days, due_on,
                             evaluate, grade, is_overdue, most_pressing, parse_threshold)

LIFTED, MONITORED, ORDINARY = "lifted", "monitored", "ordinary"
DEFAULTS = Thresholds()
ON = date(2026, 10, 1)


def _medical(out_of_pocket=None, largest_stay=None) -> dict:
    facts = {"period_start": date(2026, 1, 1), "period_end": date(2026, 10, 31)}
    if out_of_pocket is not None:
        facts["out_of_pocket"] = Decimal(out_of_pocket)
    if largest_stay is not None:
        facts["largest_stay"] = Decimal(largest_stay)
    return facts


def _graded(kind, facts, attribute):
    signal = evaluate(kind, facts, attribute, DEFAULTS)
    return None if signal is None else grade(signal, attribute)


def test_the_defaults_are_the_published_figures_and_deadlines():
    assert (DEFAULTS.medical_vulnerable, DEFAULTS.medical_other) == (Decimal("10000"), Decimal("26000"))
    assert (DEFAULTS.hospital_stay_vulnerable, DEFAULTS.hospital_stay_other) == (Decimal("6000"), Decimal("10000"))
    assert DEFAULTS.outage_days == 7 and DEFAULTS.severe_ratio == 2
    assert deadline_days(PolicySettings()) == {Grade.RED: 3, Grade.ORANGE: 7, Grade.YELLOW: 15}


@pytest.mark.parametrize("attribute,amount,expected", [
    (LIFTED, "10000", None),            # not above the line
    (LIFTED, "10000.01", Grade.ORANGE),
    (MONITORED, "19999.99", Grade.ORANGE),
    (MONITORED, "20000", Grade.RED),    # twice the line
    (ORDINARY, "12000", None),          # the lower line is for 脱贫户 and 监测户 only
    (ORDINARY, "26000", None),
    (ORDINARY, "26000.01", Grade.YELLOW),
    (ORDINARY, "52000", Grade.ORANGE),
    (None, "30000", Grade.YELLOW),      # a household of no recorded kind is graded as 一般农户
])
def test_yearly_out_of_pocket_costs(attribute, amount, expected):
    assert _graded(ListKind.MEDICAL, _medical(out_of_pocket=amount), attribute) is expected


@pytest.mark.parametrize("attribute,stay,expected", [
    (MONITORED, "6000", None),
    (MONITORED, "6000.01", Grade.ORANGE),
    (LIFTED, "12000", Grade.RED),
    (ORDINARY, "8000", None),
    (ORDINARY, "10000.01", Grade.YELLOW),
    (ORDINARY, "20000", Grade.ORANGE),
])
def test_a_single_hospital_stay(attribute, stay, expected):
    assert _graded(ListKind.MEDICAL, _medical(out_of_pocket="100", largest_stay=stay), attribute) is expected


def test_the_figures_say_what_crossed_which_line():
    signal = evaluate(ListKind.MEDICAL, _medical(out_of_pocket="12000"), LIFTED, DEFAULTS)
    assert "2026-01-01至2026-10-31" in signal.figures
    assert "12,000元" in signal.figures and "10,000元" in signal.figures and "脱贫户、监测户" in signal.figures
    assert signal.risk_types == ("illness",)


@pytest.mark.parametrize("kind,facts,severe", [
    (ListKind.CIVIL, {"matter": "特困申请", "on": ON}, True),
    (ListKind.CIVIL, {"matter": "低保申请", "on": ON}, False),
    (ListKind.CIVIL, {"matter": "临时救助", "on": ON, "amount": Decimal("3000")}, False),
    (ListKind.DISABILITY, {"grade": 1, "on": ON}, True),
    (ListKind.DISABILITY, {"grade": 2, "on": ON, "disability_type": "视力"}, True),
    (ListKind.DISABILITY, {"grade": 3, "on": ON}, False),
    (ListKind.DISABILITY, {"grade": 4, "on": ON}, False),
    (ListKind.EDUCATION, {"situation": "辍学", "stage": "小学", "on": ON}, True),
    (ListKind.EDUCATION, {"situation": "辍学", "stage": "初中", "on": ON}, True),
    (ListKind.EDUCATION, {"situation": "辍学", "stage": "高中", "on": ON}, False),
    (ListKind.EDUCATION, {"situation": "非义务教育在校", "stage": "大专", "on": ON}, False),
    (ListKind.HOUSING, {"house_grade": "C级", "on": ON}, False),
    (ListKind.HOUSING, {"house_grade": "D级", "on": ON}, True),
    (ListKind.WATER, {"problem": "停水", "outage_days": 7, "on": ON}, False),
    (ListKind.WATER, {"problem": "停水", "outage_days": 14, "on": ON}, True),
    (ListKind.WATER, {"problem": "水质不达标", "on": ON}, False),
    (ListKind.DISASTER, {"disaster": "洪涝", "on": ON, "loss": Decimal("20000")}, True),  # 2 × 10,000
    (ListKind.EMPLOYMENT, {"situation": "失业", "on": ON}, False),
])
def test_severity_by_nature_and_the_grade_matrix(kind, facts, severe):
    for attribute in (LIFTED, MONITORED, ORDINARY):
        vulnerable = attribute != ORDINARY
        expected = (Grade.RED if vulnerable else Grade.ORANGE) if severe else (
            Grade.ORANGE if vulnerable else Grade.YELLOW)
        assert _graded(kind, facts, attribute) is expected, (attribute, facts)


@pytest.mark.parametrize("kind,facts", [
    (ListKind.EDUCATION, {"situation": "非义务教育在校", "stage": "小学", "on": ON}),  # a pupil at school
    (ListKind.EDUCATION, {"situation": "非义务教育在校", "stage": "初中", "on": ON}),
    (ListKind.HOUSING, {"house_grade": "A级", "on": ON}),
    (ListKind.HOUSING, {"house_grade": "B级", "on": ON}),
    (ListKind.WATER, {"problem": "停水", "outage_days": 6, "on": ON}),
    (ListKind.WATER, {"problem": "停水", "outage_days": 1, "on": ON}),
])
def test_what_is_no_warning_for_anybody(kind, facts):
    for attribute in (LIFTED, MONITORED, ORDINARY):
        assert evaluate(kind, facts, attribute, DEFAULTS) is None


@pytest.mark.parametrize("attribute,loss,expected", [
    (ORDINARY, "10000", None), (ORDINARY, "10000.01", Grade.YELLOW),
    (MONITORED, "5000", None), (MONITORED, "5000.01", Grade.ORANGE), (LIFTED, "10000", Grade.RED),
])
def test_disaster_losses_by_household_kind(attribute, loss, expected):
    facts = {"disaster": "风雹", "on": ON, "loss": Decimal(loss)}
    assert _graded(ListKind.DISASTER, facts, attribute) is expected


def test_a_region_s_own_figures_replace_the_defaults():
    # Yangyuan's way: 50 % of the province's rural income per head (say 17,000) for 脱贫户/监测户.
    own = DEFAULTS.with_overrides({"medical_vulnerable": "8,500元", "severe_ratio": "1.5"})
    assert own.medical_vulnerable == Decimal("8500") and own.medical_other == Decimal("26000")
    signal = evaluate(ListKind.MEDICAL, _medical(out_of_pocket="13000"), LIFTED, own)
    assert grade(signal, LIFTED) is Grade.RED  # 13,000 ≥ 1.5 × 8,500


@pytest.mark.parametrize("name,raw", [
    ("medical_vulnerable", ""), ("medical_vulnerable", "abc"), ("medical_vulnerable", "NaN"),
    ("medical_vulnerable", "Infinity"), ("medical_vulnerable", "10000.001"), ("medical_vulnerable", "50"),
    ("outage_days", "0"), ("severe_ratio", "1"), ("severe_ratio", "²"), ("no_such_figure", "1"),
])
def test_a_bad_threshold_is_refused_in_chinese(name, raw):
    with pytest.raises(InvalidSetting) as raised:
        parse_threshold(name, raw)
    message = raised.value.message
    assert raised.value.field == name and any("\u4e00" <= c <= "\u9fff" for c in message), message


def test_deadlines_by_grade_and_lateness():
    days = deadline_days(PolicySettings())
    sent = date(2026, 11, 20)
    assert due_on(Grade.RED, sent, days) == date(2026, 11, 23)
    assert due_on(Grade.ORANGE, sent, days) == date(2026, 11, 27)
    assert due_on(Grade.YELLOW, sent, days) == date(2026, 12, 5)
    due = date(2026, 11, 23)
    assert not is_overdue(due, date(2026, 11, 23), date(2026, 12, 30))  # answered on the day
    assert is_overdue(due, date(2026, 11, 24), date(2026, 11, 24))
    assert not is_overdue(due, None, date(2026, 11, 23))
    assert is_overdue(due, None, date(2026, 11, 24))


def test_the_most_pressing_grade():
    assert most_pressing(["yellow", "red", "orange"]) is Grade.RED
    assert most_pressing(["yellow", "orange"]) is Grade.ORANGE
    assert most_pressing([]) is None


@pytest.mark.parametrize("code,reason", [("included", ""), ("helped", ""), ("no_risk", "家中已有稳定务工收入"),
                                         ("wrong", "身份证号属于同名他人")])
def test_each_of_the_four_answers(code, reason):
    found, why = check_feedback(code, f"  {reason}  ")
    assert found is Feedback(code) and why == reason
    assert found.counts_as_included is (code in ("included", "helped"))


@pytest.mark.parametrize("code,reason,field,words", [
    ("no_risk", "", "reason", "经核实无风险"),
    ("wrong", "   ", "reason", "信息有误"),
    ("", "", "result", "请选择"),
    ("maybe", "", "result", "请选择"),
    ("no_risk", "x" * 501, "reason", "500"),
    ("no_risk", "无风险\x00", "reason", "字符"),
])
def test_an_answer_is_refused_beside_its_field(code, reason, field, words):
    with pytest.raises(FeedbackRefused) as raised:
        check_feedback(code, reason)
    assert raised.value.field == field and words in raised.value.message
