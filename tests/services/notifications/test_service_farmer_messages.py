"""A farmer who consented hears of their report by SMS (or WeChat, when subscribed in the mini
program) at three milestones only: accepted, decided (included, or not with the refusing step),
help started; once each, with no personal data in the text or the logs."""
from __future__ import annotations

import json
import logging
from datetime import date

import pytest
from sqlalchemy import select, update

from channels_support import SMS_FARMER, WX_FARMER, app_config, provider, world  # noqa: F401  (fixtures)
from core.extensions import db
from domain.channels import Milestone
from domain.enums import CaseSource
from domain.selfreport import ReportInput
from domain.workflow import Action, CaseState
from factories import household, new_id
from models import Case, Delivery, FormSubmission
from office_support import drive, review
from services.farmer import selfreport
from services.errors import NotFound, ValidationFailed
from services.notifications.channels import farmers
from services.platform import scheduled
from services.workflow import cases
from services.workflow.cases import StepInput

S = CaseState
START = date(2026, 11, 1)
PHONE = "13812345678"
NAME = "王大山"



def report(world, token: str, consent: bool = True, *, id_number: str | None = None, phone: str = PHONE,
           household_phone: str | None = None) -> Case:
    """A farmer's own report about a registered household, recorded by the queue (a household
    already registered when ``id_number`` is given)."""
    if id_number is None:
        id_number = new_id()
        household(world.grid_a1, START, id_number=id_number, phone=household_phone)
        db.session.commit()
    raw = ReportInput(name=NAME, id_number=id_number, phone=phone, village_code=world.village_a.code,
                      hardships=["illness"], description="老伴住院花了五万多", consent=True, urgent="no")
    selfreport.submit(raw, None, token, START)
    db.session.commit()  # the queue records it as a case at once (tests run the queue inline)
    row = db.session.execute(select(FormSubmission).where(FormSubmission.token == token)).scalar_one()
    if not consent:  # a report received before consent was recorded
        db.session.execute(update(FormSubmission).where(FormSubmission.id == row.id).values(consent_at=None))
        db.session.commit()
    return db.session.get(Case, row.case_id)


def texts(provider) -> list[dict]:
    assert all(p["TemplateCode"] == SMS_FARMER and p["PhoneNumbers"] == PHONE for p in provider.sent)
    return [json.loads(p["TemplateParam"]) for p in provider.sent]


def sweep_all(provider):
    """Messages to one number wait their turn (one a minute): let the clock run past them."""
    for _ in range(10):
        db.session.expire_all()
        waiting = db.session.execute(select(Delivery.next_attempt_at).where(Delivery.status == "queued")
                                     .order_by(Delivery.next_attempt_at)).scalars().first()
        if waiting is None:
            return
        for _ in scheduled.channel_round(waiting):
            db.session.commit()


TOKEN = "farmer-report-token-0001"


def test_accepted_included_and_help_started_once_each(world, provider):
    case = report(world, TOKEN)
    assert provider.sent == []  # nothing at the report itself
    drive(world, case, S.HELPING, START)
    sweep_all(provider)
    assert texts(provider) == [
        {"progress": "已受理", "note": "将入户核实，可凭查询码查看进度"},
        {"progress": "已纳入监测", "note": "将为您明确帮扶干部"},
        {"progress": "帮扶已开始", "note": "帮扶措施已落实，有困难可联系村里"},
    ]
    assert farmers.tell_farmer(case, Milestone.ACCEPTED, "accept") == 0  # once per case
    db.session.commit()
    assert len(provider.sent) == 3
    rows = db.session.execute(select(Delivery)).scalars().all()
    assert {(r.template, r.channel, r.recipient.split(":")[0], r.user_id) for r in rows} == {("farmer", "sms", "form", None)}


def test_a_refusal_says_which_step_refused_and_not_the_staffs_words(world, provider):
    case = report(world, TOKEN)
    drive(world, case, S.VERIFIED, START)
    cases.perform(world.users["village_a"], case.id, Action.VILLAGE_REVIEW_FAIL,
                  StepInput(reason="家里新盖了楼房，收入高于监测范围", review=review(date(2026, 11, 5))),
                  today=date(2026, 11, 5))
    db.session.commit()
    sweep_all(provider)
    assert texts(provider)[-1] == {"progress": "暂未纳入监测", "note": "村级评议未通过，如有异议可申请复核"}
    assert len(provider.sent) == 2
    assert all("楼房" not in p["TemplateParam"] for p in provider.sent)


def test_without_consent_nothing_is_sent(world, provider):
    case = report(world, TOKEN, consent=False)
    drive(world, case, S.VERIFYING, START)
    sweep_all(provider)
    assert provider.tried == []


def test_a_hotline_clue_with_a_phone_is_not_messaged(world, provider):
    """A clue staff typed in carries no consent of the farmer's (no report form): no message."""
    h = household(world.grid_a1, START, phone=PHONE)
    case = cases.open_case(world.users["village_a"], world.village_a, CaseSource.HOTLINE, today=START,
                           household=h, claimed_phone=PHONE, risk_types=["illness"])
    db.session.commit()
    drive(world, case, S.VERIFYING, START)
    sweep_all(provider)
    assert case.claimed_phone == PHONE and provider.tried == []


def test_a_farmer_who_subscribed_in_the_mini_program_gets_wechat_instead(world, provider):
    case = report(world, TOKEN)
    farmers.subscribe(TOKEN, "good-farmer")
    db.session.commit()
    drive(world, case, S.RECEIVED, START)
    [pushed] = provider.pushed
    assert pushed == {"touser": "openid-farmer", "template_id": WX_FARMER, "page": "pages/track/index",
                      "data": {"thing1": {"value": "已受理"}, "thing2": {"value": "将入户核实，可凭查询码查看进度"}}}
    assert provider.tried == []


def test_subscribing_needs_the_reports_token_and_a_good_code(world, provider):
    report(world, TOKEN)
    with pytest.raises(NotFound):
        farmers.subscribe("no-such-report-token-99", "good-x")
    with pytest.raises(NotFound):
        farmers.subscribe("bad token\x00", "good-x")
    with pytest.raises(ValidationFailed) as refused:
        farmers.subscribe(TOKEN, "expired-code")
    assert set(refused.value.fields) == {"code"}


def test_no_name_id_or_phone_in_the_texts_or_the_logs(world, provider, caplog):
    caplog.set_level(logging.DEBUG)
    case = report(world, TOKEN)
    id_number = case.household.members[0].id_number
    drive(world, case, S.HELPING, START)
    sweep_all(provider)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    shown = "\n".join(p["TemplateParam"] for p in provider.sent)
    assert len(provider.sent) == 3 and "delivery" in logged
    for secret in (NAME, NAME[0] + "*", id_number, id_number[-4:], PHONE, PHONE[-4:], "住院", "五万"):
        assert secret not in shown and secret not in logged


def test_a_later_report_merged_into_the_case_is_told_only_if_its_phone_is_on_file(world, provider):
    """As on /track: someone who typed a neighbour's ID number learns nothing of the neighbour's case."""
    case = report(world, TOKEN, household_phone="13700000001")
    id_number = case.household.members[0].id_number
    stranger = report(world, "farmer-report-token-0003", id_number=id_number, phone="13600000002")
    spouse = report(world, "farmer-report-token-0004", id_number=id_number, phone="13700000001")
    assert stranger.merged_into_id == spouse.merged_into_id == case.id
    drive(world, case, S.RECEIVED, START)
    sweep_all(provider)
    assert sorted(p["PhoneNumbers"] for p in provider.sent) == ["13700000001", PHONE]
    assert {json.loads(p["TemplateParam"])["progress"] for p in provider.sent} == {"已受理"}
