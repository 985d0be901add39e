"""A farmer hears of their report three times at most: accepted (受理), decided (纳入监测, or not,
with the step that refused it), and help started (帮扶计划, or the green channel).

Only a farmer who consented on the report (the self-report's or 代申报's consent) and left a
phone hears anything, once per case and milestone, by SMS — or by WeChat when they reported
through the mini program and subscribed (``subscribe``). The text has the milestone's words
and nothing of the person (no name, ID number, health or money).

The case service calls ``notify.case_changed`` after each step; the hook below adds an outbox
row for the steps that are milestones, so nothing is told of work that rolls back.
"""
from __future__ import annotations

from sqlalchemy import select

from core.extensions import db
from domain.channels import Channel, Milestone, Template, farmer_text, milestone_of
from models import Case, FormSubmission, SubmissionWechat
from models.types import utcnow
from services.notifications import notify
from services.notifications.channels import ledger
from services.notifications.channels.registry import current
from services.notifications.channels.staff import openid_from
from services.errors import NotFound, ValidationFailed
from services.farmer.selfreport import valid_token
from services.platform import outbox


def _on_case_changed(case: Case, action) -> None:
    milestone = milestone_of(getattr(action, "value", action))
    setup = current()
    if milestone is None or not (setup.on(Channel.SMS, Template.FARMER) or setup.on(Channel.WECHAT, Template.FARMER)):
        return
    outbox.add("channel.farmer", case_id=case.id, milestone=milestone.value, action=getattr(action, "value", action))


notify.CASE_HOOKS.append(_on_case_changed)


@outbox.handler("channel.farmer")
def _tell_farmer(payload: dict) -> None:
    case = db.session.get(Case, payload["case_id"])
    if case is not None:
        tell_farmer(case, Milestone(payload["milestone"]), payload.get("action"))


def tell_farmer(case: Case, milestone: Milestone, action: str | None) -> int:
    """Queue the milestone's message to each consenting reporter of the case; how many."""
    setup, now = current(), utcnow()
    params = farmer_text(milestone, action).as_params()
    key = f"farmer:{case.id}:{milestone.value}"
    phone = case.claimed_phone
    queued = 0
    for row in _consenting_reports(case):
        openid = db.session.execute(select(SubmissionWechat.openid)
                                    .where(SubmissionWechat.submission_id == row.id)).scalar_one_or_none()
        if openid and setup.on(Channel.WECHAT, Template.FARMER):
            channel, address = Channel.WECHAT, openid
        elif phone and setup.on(Channel.SMS, Template.FARMER):
            channel, address = Channel.SMS, phone
        else:
            continue
        if ledger.queue(channel, Template.FARMER, params, key, address, now, submission=row, case_id=case.id):
            queued += 1
        break  # one report of the case speaks for the farmer: one message per case and milestone
    return queued


def _consenting_reports(case: Case) -> list[FormSubmission]:
    return list(db.session.execute(
        select(FormSubmission).where(FormSubmission.case_id == case.id, FormSubmission.consent_at.is_not(None))
        .order_by(FormSubmission.id)).scalars())


def subscribe(token: str, code: str) -> None:
    """A farmer who reported through the mini program binds their WeChat to that report."""
    wechat = current().wechat
    if wechat is None or not current().on(Channel.WECHAT, Template.FARMER):
        raise ValidationFailed({"code": "微信订阅消息尚未开通"})
    row = db.session.execute(select(FormSubmission).where(FormSubmission.token == token)).scalar_one_or_none() \
        if valid_token(token) else None
    if row is None or row.consent_at is None:
        raise NotFound("no such report")
    openid = openid_from(wechat, code)
    bound = db.session.get(SubmissionWechat, row.id) or SubmissionWechat(submission_id=row.id)
    bound.openid, bound.openid_index, bound.bound_at = openid, ledger.address_index(Channel.WECHAT, openid), utcnow()
    db.session.add(bound)
