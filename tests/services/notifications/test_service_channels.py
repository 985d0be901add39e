"""SMS (Aliyun) and WeChat subscribe messages for staff, against a local server speaking the
providers' shapes: what is sent and signed, nothing for rolled-back work, retries with back-off
over moved clocks, permanent failures, the per-number limit, delivery receipts, and the logs."""
from __future__ import annotations

import json
import logging
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from channels_support import (APPID, SIGN_NAME, SMS_5XX, SMS_BAD_KEY, SMS_BAD_NUMBER, SMS_MISSING_PARAMETER,
                              SMS_NO_MONEY, SMS_RATE_LIMITED, SMS_STAFF, STAFF_PHONE, WX_STAFF,
                              app_config, provider, world)  # noqa: F401  (fixtures)
from core.extensions import db
from domain.channels import Channel, DeliveryStatus, StaffChoice, Template
from domain.workflow import Action, CaseState
from models import ChannelPreference, Delivery
from models.types import utcnow
from office_support import drive, new_case
from services.errors import ValidationFailed
from services.notifications import notify
from services.notifications.channels import ledger, staff
from services.notifications.channels.registry import CHANNELS_EXTENSION, from_config
from services.platform import scheduled
from services.workflow import cases
from services.workflow.cases import StepInput

S = CaseState
START = date(2026, 11, 1)  # identification due 16 November
PHONE = STAFF_PHONE



def deliveries() -> list[Delivery]:
    db.session.expire_all()
    return list(db.session.execute(select(Delivery).order_by(Delivery.id)).scalars())


def sweep(at) -> int:
    done = 0
    for _ in scheduled.channel_round(at):
        db.session.commit()
        done += 1
    return done


def by_sms(world, who="grid_a1"):
    staff.choose(world.users[who], "sms")
    db.session.commit()


def to_verifier(world):
    """A case whose next step (入户核实) is grid_a1's: one message to them."""
    return drive(world, new_case(world, START), S.VERIFYING, START)


# --- SMS ------------------------------------------------------------------------------------------

def test_a_staff_to_do_goes_by_sms_signed_with_the_documented_fields(world, provider):
    by_sms(world)
    case = to_verifier(world)
    [row] = deliveries()
    [sent] = provider.sent
    assert provider.bad_signatures == 0
    assert (sent["PhoneNumbers"], sent["SignName"], sent["TemplateCode"]) == (PHONE, SIGN_NAME, SMS_STAFF)
    assert json.loads(sent["TemplateParam"]) == {"case": str(case.id), "step": "入户核实", "due": "2026-11-16"}
    assert sent["OutId"] == str(row.id)
    assert (row.channel, row.template, row.status, row.attempts) == ("sms", "staff", "sent", 1)
    assert (row.provider_id, row.request_id, row.user_id, row.case_id) == ("900001^0", "r-1", world.users["grid_a1"].id, case.id)
    assert row.next_attempt_at is not None  # a receipt to ask for
    stored = db.session.execute(text("SELECT params, address_index, recipient, dedupe_key FROM delivery")).one()
    assert all(PHONE not in value and PHONE[-4:] not in value for value in stored)
    assert "入户核实" not in stored.params  # the fields are encrypted


def test_only_those_who_chose_sms_get_one_and_a_repeat_adds_nothing(world, provider):
    by_sms(world)
    case = to_verifier(world)
    notify.case_changed(case, None)  # the same occasion told again
    db.session.commit()
    assert len(provider.sent) == 1 and len(deliveries()) == 1  # the village desk chose nothing


def test_nothing_is_sent_for_rolled_back_work(world, provider):
    by_sms(world)
    case = drive(world, new_case(world, START), S.RECEIVED, START)
    village = world.users["village_a"]
    cases.perform(village, case.id, Action.ASSIGN_VERIFIER, StepInput(assignee_id=world.users["grid_a1"].id),
                  today=START)
    db.session.flush()
    db.session.rollback()
    assert provider.tried == [] and deliveries() == []
    cases.perform(db.session.merge(village), case.id, Action.ASSIGN_VERIFIER,
                  StepInput(assignee_id=world.users["grid_a1"].id), today=START)
    db.session.commit()
    assert len(provider.sent) == 1


def test_a_5xx_then_the_providers_rate_limit_are_retried_with_back_off(world, provider):
    by_sms(world)
    provider.sms.extend([SMS_5XX, SMS_RATE_LIMITED])
    to_verifier(world)
    [row] = deliveries()
    assert (row.status, row.attempts, row.last_error) == ("queued", 1, "http_5xx")
    first = row.next_attempt_at
    assert sweep(first - timedelta(seconds=1)) == 0 and len(provider.tried) == 1  # not yet due
    assert sweep(first) == 1
    [row] = deliveries()
    assert (row.status, row.attempts, row.last_error) == ("queued", 2, "isv.BUSINESS_LIMIT_CONTROL")
    assert row.next_attempt_at - first >= timedelta(minutes=30)  # the provider's limit asks for longer
    second = row.next_attempt_at
    assert sweep(second - timedelta(minutes=1)) == 0
    sweep(second)
    [row] = deliveries()
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, None)
    assert len(provider.sent) == 1 and len(provider.tried) == 3


@pytest.mark.parametrize("answer", [SMS_BAD_NUMBER, SMS_MISSING_PARAMETER])
def test_a_permanent_error_is_kept_with_the_providers_code_and_not_tried_again(world, provider, answer):
    by_sms(world)
    provider.sms.append(answer)
    to_verifier(world)
    [row] = deliveries()
    assert (row.status, row.attempts, row.last_error, row.next_attempt_at) == ("failed", 1, answer[1], None)
    assert row.finished_at is not None
    sweep(utcnow() + timedelta(days=1))
    assert len(provider.tried) == 1


@pytest.mark.parametrize("answer", [SMS_NO_MONEY, SMS_BAD_KEY])
def test_account_problems_wait_for_an_operator(world, provider, answer):
    by_sms(world)
    provider.sms.append(answer)
    to_verifier(world)
    [row] = deliveries()
    assert (row.status, row.last_error) == ("queued", answer[1])
    sweep(row.next_attempt_at)
    assert deliveries()[0].status == "sent"


def test_tries_stop_at_the_cap(app, world, provider):
    app.extensions[CHANNELS_EXTENSION] = _with_provider(app, provider, SHOUDI_CHANNEL_MAX_ATTEMPTS=3)
    by_sms(world)
    provider.sms.extend([SMS_5XX] * 5)
    to_verifier(world)
    for _ in range(4):
        row = deliveries()[0]
        if row.next_attempt_at is None:
            break
        sweep(row.next_attempt_at)
    [row] = deliveries()
    assert (row.status, row.attempts, row.last_error, row.next_attempt_at) == ("failed", 3, "http_5xx", None)
    assert len(provider.tried) == 3


def _with_provider(app, provider, **more):
    return from_config({**app.config, **provider.config(**more)})


def test_an_unreachable_provider_is_tried_again(app, world, provider):
    app.extensions[CHANNELS_EXTENSION] = _with_provider(app, provider, SHOUDI_SMS_ENDPOINT="http://127.0.0.1:9/")
    by_sms(world)
    to_verifier(world)
    [row] = deliveries()
    assert (row.status, row.last_error) == ("queued", "unreachable")
    app.extensions[CHANNELS_EXTENSION] = _with_provider(app, provider)
    sweep(row.next_attempt_at)
    assert deliveries()[0].status == "sent"


def test_a_wrong_secret_is_refused_by_the_signature_check(app, world, provider):
    app.extensions[CHANNELS_EXTENSION] = _with_provider(app, provider, SHOUDI_SMS_ACCESS_KEY_SECRET="not-it")
    by_sms(world)
    to_verifier(world)
    assert provider.bad_signatures == 1 and provider.sent == []
    assert deliveries()[0].last_error == "SignatureDoesNotMatch"


# --- the number's own limit ---------------------------------------------------------------------

def _three_messages(world):
    user = world.users["grid_a1"]
    now = utcnow()
    for n in range(3):
        ledger.queue(Channel.SMS, Template.STAFF, {"case": str(n), "step": "入户核实", "due": "无"}, f"test:{n}",
                     PHONE, now, user=user)
    db.session.commit()


def test_one_number_gets_at_most_its_share_per_window(app, world, provider):
    app.extensions[CHANNELS_EXTENSION] = _with_provider(app, provider, SHOUDI_CHANNEL_RATE_LIMIT="1/minute;2/hour")
    _three_messages(world)
    rows = deliveries()
    assert [r.status for r in rows] == ["sent", "queued", "queued"] and len(provider.tried) == 1
    first = rows[0].sent_at
    assert rows[1].attempts == 0 and rows[1].next_attempt_at == first + timedelta(minutes=1)
    sweep(first + timedelta(seconds=30))
    assert len(provider.tried) == 1
    sweep(first + timedelta(minutes=1))
    rows = deliveries()
    assert [r.status for r in rows] == ["sent", "sent", "queued"]
    assert rows[2].next_attempt_at == first + timedelta(hours=1)  # two an hour
    sweep(first + timedelta(minutes=30))
    assert len(provider.tried) == 2
    sweep(first + timedelta(hours=1))
    assert [r.status for r in deliveries()] == ["sent", "sent", "sent"]


# --- delivery receipts ----------------------------------------------------------------------------

def test_the_receipt_is_asked_for_until_delivered(world, provider):
    by_sms(world)
    provider.receipts.extend([1, 3])
    to_verifier(world)
    [row] = deliveries()
    sweep(row.next_attempt_at)
    [query] = provider.queries
    assert (query["PhoneNumber"], query["BizId"]) == (PHONE, row.provider_id)
    assert query["SendDate"] == row.sent_at.astimezone(ledger.WORK_TZ).strftime("%Y%m%d")
    row = deliveries()[0]
    assert row.status == "sent"
    sweep(row.next_attempt_at)
    row = deliveries()[0]
    assert (row.status, row.next_attempt_at) == ("delivered", None) and row.finished_at is not None
    sweep(utcnow() + timedelta(hours=1))
    assert len(provider.queries) == 2


def test_a_failed_receipt_keeps_the_carriers_code(world, provider):
    by_sms(world)
    provider.receipts.append(2)
    to_verifier(world)
    sweep(deliveries()[0].next_attempt_at)
    row = deliveries()[0]
    assert (row.status, row.last_error) == ("failed", "MK:0001")


def test_receipts_are_not_asked_for_after_two_days(world, provider):
    by_sms(world)
    to_verifier(world)
    row = deliveries()[0]
    sweep(row.sent_at + timedelta(days=3))
    assert provider.queries == [] and deliveries()[0].next_attempt_at is None


# --- WeChat -------------------------------------------------------------------------------------------

def by_wechat(world, who="grid_a1", code="good-grid"):
    user = world.users[who]
    staff.bind_wechat(user, code)
    staff.choose(user, "wechat")
    db.session.commit()


def test_a_staff_to_do_goes_as_a_subscribe_message(world, provider):
    by_wechat(world)
    case = to_verifier(world)
    [pushed] = provider.pushed
    assert pushed == {"touser": "openid-grid", "template_id": WX_STAFF, "page": "pages/index/index",
                      "data": {"thing1": {"value": "入户核实"}, "character_string2": {"value": str(case.id)},
                               "thing3": {"value": "2026-11-16"}}}
    [row] = deliveries()
    assert (row.channel, row.status, row.provider_id, row.next_attempt_at) == ("wechat", "sent", "7001", None)
    stored = db.session.execute(text("SELECT wechat_openid, wechat_index FROM channel_preference")).one()
    assert all("openid-grid" not in value for value in stored)


def test_the_token_is_kept_and_renewed_once_when_it_expires(world, provider):
    by_wechat(world)
    to_verifier(world)
    assert provider.tokens_issued == 1
    provider.wechat.append("expire")
    case = drive(world, new_case(world, START), S.VERIFYING, START)
    second = deliveries()[1]
    assert second.attempts == 0  # one a minute to one WeChat: it waits its turn
    sweep(second.next_attempt_at)
    assert len(provider.pushed) == 2 and provider.pushed[1]["data"]["character_string2"]["value"] == str(case.id)
    assert provider.tokens_issued == 3  # the first, the one revoked, the fresh one


@pytest.mark.parametrize("errcode, status, retried", [
    (43101, "refused", False), (45009, "queued", True), (-1, "queued", True), (47003, "failed", False)])
def test_wechat_error_codes(world, provider, errcode, status, retried):
    by_wechat(world)
    provider.wechat.append(errcode)
    to_verifier(world)
    [row] = deliveries()
    assert (row.status, row.last_error) == (status, str(errcode))
    if errcode == 45009:
        assert row.next_attempt_at - row.created_at >= timedelta(minutes=30)
    sweep(utcnow() + timedelta(hours=2))
    assert (len(provider.pushed) == 1) is retried


def test_choices_that_cannot_work_are_refused_in_chinese(world, provider):
    user = world.users["village_a"]  # no phone, no WeChat
    for typed, message in (("sms", staff.NO_PHONE), ("wechat", staff.NOT_BOUND), ("fax", staff.BAD_CHOICE),
                           ("", staff.BAD_CHOICE), ("\x00", staff.BAD_CHOICE)):
        with pytest.raises(ValidationFailed) as refused:
            staff.choose(user, typed)
        assert refused.value.fields == {"choice": message}
    assert staff.choose(user, "in_app") is StaffChoice.IN_APP


def test_a_wechat_is_bound_to_one_account_and_can_be_unbound(world, provider):
    by_wechat(world)
    with pytest.raises(ValidationFailed) as taken:
        staff.bind_wechat(world.users["village_a"], "good-grid")
    assert taken.value.fields == {"code": staff.WECHAT_TAKEN}
    with pytest.raises(ValidationFailed):
        staff.bind_wechat(world.users["village_a"], "used-code")
    staff.unbind_wechat(world.users["grid_a1"])
    db.session.commit()
    row = db.session.get(ChannelPreference, world.users["grid_a1"].id)
    assert (row.choice, row.wechat_openid, row.wechat_index) == ("in_app", None, None)
    to_verifier(world)
    assert provider.pushed == [] and deliveries() == []


# --- off, and the logs ----------------------------------------------------------------------------

@pytest.mark.parametrize("app_config", [{}])
def test_without_configuration_the_channels_are_off_and_nothing_fails(world):
    page = staff.choice_page(world.users["grid_a1"])
    assert [o.available for o in page.options] == [True, False, False]
    assert page.options[1].note == staff.CHANNEL_OFF[Channel.SMS]
    with pytest.raises(ValidationFailed):
        staff.choose(world.users["grid_a1"], "sms")
    to_verifier(world)
    assert deliveries() == []


def test_logs_hold_ids_and_codes_only(world, provider, caplog):
    caplog.set_level(logging.DEBUG)
    by_sms(world)
    provider.sms.append(SMS_5XX)
    to_verifier(world)
    sweep(deliveries()[0].next_attempt_at)
    by_wechat(world, who="village_a", code="good-desk")
    drive(world, new_case(world, START), S.RECEIVED, START)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "delivery" in logged and "http_5xx" in logged
    for secret in (PHONE, PHONE[-4:], "openid-grid", "openid-desk", "good-desk", APPID, "入户核实"):
        assert secret not in logged


def test_the_delivery_statuses_are_checked_in_sql(world):
    user = world.users["grid_a1"]
    db.session.add(Delivery(channel="sms", recipient=f"user:{user.id}", user_id=user.id, template="staff",
                            dedupe_key="k", params="{}", status="lost"))
    with pytest.raises(Exception):
        db.session.flush()
    db.session.rollback()
    assert db.session.execute(select(func.count(Delivery.id))).scalar_one() == 0
    assert DeliveryStatus.REFUSED.final and not DeliveryStatus.SENT.final


def test_a_message_the_limit_would_hold_past_a_day_is_dropped(app, world, provider):
    app.extensions[CHANNELS_EXTENSION] = _with_provider(app, provider, SHOUDI_CHANNEL_RATE_LIMIT="1/day")
    _three_messages(world)
    rows = deliveries()
    assert [r.status for r in rows] == ["sent", "failed", "failed"]
    assert {r.last_error for r in rows[1:]} == {ledger.NUMBER_LIMIT} and len(provider.tried) == 1


def test_a_channel_left_unconfigured_is_said_once_per_process(caplog, monkeypatch):
    monkeypatch.setattr("services.notifications.channels.registry._said", set())
    with caplog.at_level(logging.INFO, logger="shoudi.channels"):
        for _ in range(3):
            setup = from_config({})
    assert setup.sms is None and setup.wechat is None
    said = [r.getMessage() for r in caplog.records if r.name == "shoudi.channels"]
    assert len(said) == 2 and "短信通道未配置" in said[0] and "微信订阅消息未配置" in said[1]
