"""The pure rules of the channels (back-off, the per-number limit, the farmer's words) and the
Aliyun signature against the worked example of Aliyun's SMS signature documentation."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from domain.channels import (DEFAULT_RATE_LIMIT, Milestone, Window, farmer_text, milestone_of, next_attempt,
                             parse_rate_limit, rate_limited_until, staff_params)
from domain.workflow import Action
from services.notifications.channels.aliyun import canonical_query, percent_encode, signature

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=timezone.utc)
MINUTE = timedelta(minutes=1)


def test_back_off_doubles_from_a_minute_up_to_six_hours():
    waits = [next_attempt(NOW, n) - NOW for n in range(1, 12)]
    assert waits[:5] == [MINUTE, 2 * MINUTE, 4 * MINUTE, 8 * MINUTE, 16 * MINUTE]
    assert waits[-1] == timedelta(hours=6) and max(waits) == timedelta(hours=6)
    assert next_attempt(NOW, 1, at_least=timedelta(minutes=30)) == NOW + timedelta(minutes=30)


def test_rate_limits_are_read_from_text():
    assert parse_rate_limit(DEFAULT_RATE_LIMIT) == (
        Window(1, MINUTE), Window(5, timedelta(hours=1)), Window(10, timedelta(days=1)))
    for bad in ("", "0/minute", "5/week", "five/hour", "1/minute;;x"):
        with pytest.raises(ValueError):
            parse_rate_limit(bad)


def test_a_number_waits_for_the_fullest_window_to_free_a_place():
    windows = parse_rate_limit("1/minute;3/hour")
    assert rate_limited_until([], NOW, windows) is None
    assert rate_limited_until([NOW - 2 * MINUTE], NOW, windows) is None
    assert rate_limited_until([NOW - 30 * timedelta(seconds=1)], NOW, windows) == NOW + 30 * timedelta(seconds=1)
    three = [NOW - 50 * MINUTE, NOW - 20 * MINUTE, NOW - 5 * MINUTE]
    assert rate_limited_until(three, NOW, windows) == NOW + 10 * MINUTE  # the oldest leaves the hour


def test_milestones_and_the_farmers_words():
    assert milestone_of(Action.ACCEPT) is Milestone.ACCEPTED
    assert milestone_of("county_confirm") is Milestone.INCLUDED
    assert milestone_of(Action.MAKE_HELP_PLAN) is milestone_of(Action.GREEN_CHANNEL) is Milestone.HELP
    assert {milestone_of(a) for a in (Action.VILLAGE_REVIEW_FAIL, Action.TOWNSHIP_REJECT, Action.COUNTY_REJECT)} \
        == {Milestone.NOT_INCLUDED}
    assert milestone_of(Action.VERIFY) is None and milestone_of(None) is None and milestone_of("nonsense") is None
    assert farmer_text(Milestone.NOT_INCLUDED, "township_reject").note == "乡镇审核未通过，如有异议可申请复核"
    assert farmer_text(Milestone.NOT_INCLUDED, None).note == "经审核，如有异议可申请复核"
    for milestone in Milestone:
        for action in (None, *Action):
            text = farmer_text(milestone, action if milestone is Milestone.NOT_INCLUDED else None)
            assert len(text.progress) <= 20 and len(text.note) <= 20  # a WeChat "thing" field


def test_staff_fields_are_what_the_title_carries():
    assert staff_params(12, "入户核实", "2026-11-16") == {"case": "12", "step": "入户核实", "due": "2026-11-16"}
    assert staff_params(None, "", None) == {"case": "-", "step": "待办", "due": "无"}


def test_the_signature_of_alibaba_clouds_worked_example():
    params = {"AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123",
              "PhoneNumbers": "15300000001", "RegionId": "cn-hangzhou", "SignName": "阿里云短信测试专用",
              "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
              "SignatureVersion": "1.0", "TemplateCode": "SMS_71390007", "TemplateParam": '{"customer":"test"}',
              "Timestamp": "2017-07-12T02:42:19Z", "Version": "2017-05-25"}
    assert signature(params, "testSecret", "GET") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    assert percent_encode("a b*~/") == "a%20b%2A~%2F"
    assert canonical_query({"b": "2", "a": "1 "}) == "a=1%20&b=2"
