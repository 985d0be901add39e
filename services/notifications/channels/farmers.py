"""A farmer hears of their report three times at most: accepted (受理), decided (纳入监测, or not,
with the step that refused it), and help started (帮扶计划, or the green channel).

Only a farmer who consented on the report (the self-report's or 代申报's consent) and left a
phone hears anything, once per case, milestone and phone, by SMS — or by WeChat when they reported
through the mini program and subscribed (``subscribe``). The text has the milestone's words
and nothing of the person (no name, ID number, health or money).

The case service calls ``notify.case_changed`` after each step; the hook below adds an outbox
row for the steps that are milestones, so nothing is told of work that rolls back.
"""
from __future__ import annotations

from sqlalchemy import or_, select

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
from services.farmer.tracking import phone_on_file
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
    """Queue the milestone's message to each farmer following the case; how many were queued."""
    setup, now = current(), utcnow()
    params = farmer_text(milestone, action).as_params()
    key = f"farmer:{case.id}:{milestone.value}"
    queued, told = 0, set()
    for row in _followers(case):
        reported = row.case  # the record the report made: its phone is the one the consent covers
        if reported.claimed_phone_index in told:
            continue  # one message per phone, however many reports it made
        openid = db.session.execute(select(SubmissionWechat.openid)
                                    .where(SubmissionWechat.submission_id == row.id)).scalar_one_or_none()
        if openid and setup.on(Channel.WECHAT, Template.FARMER):
            channel, address = Channel.WECHAT, openid
        elif reported.claimed_phone and setup.on(Channel.SMS, Template.FARMER):
            channel, address = Channel.SMS, reported.claimed_phone
        else:
            continue
        told.add(reported.claimed_phone_index)
        if ledger.queue(channel, Template.FARMER, params, key, address, now, submission=row, case_id=case.id):
            queued += 1
    return queued


def _followers(case: Case) -> list[FormSubmission]:
    """The consenting reports whose record is this case (the report that opened it), or a record
    merged into it whose phone is on file for it — those whose /track shows this case's progress.
    A report joined to a case staff opened (代申报) is not among them: the case's phone is not its."""
    own = (select(FormSubmission).join(Case, FormSubmission.case_id == Case.id)
           .where(FormSubmission.consent_at.is_not(None), FormSubmission.joined.is_(False),
                  or_(Case.id == case.id, Case.merged_into_id == case.id))
           .order_by(FormSubmission.id))
    return [row for row in db.session.execute(own).scalars()
            if row.case_id == case.id or phone_on_file(case, row.case.claimed_phone_index)]


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
