"""The delivery ledger: a message queued per channel, sent after commit, retried, polled.

``queue`` writes a ``delivery`` row (unique per channel, recipient and occasion: queuing twice
adds nothing) and an outbox row; after the work commits the consumer ``send``s it. A failure
the provider calls passing (rate limit, busy, 5xx, timeout) waits 1, 2, 4 … minutes (longer
when the provider asks) up to ``SHOUDI_CHANNEL_MAX_ATTEMPTS`` tries; a permanent one is kept
with the provider's code. Before each send the number's own limit (``SHOUDI_CHANNEL_RATE_LIMIT``,
per phone number or WeChat) is checked: a message over it waits for a free place, untried, for a
day at most.
``due``/``work`` are the periodic sweep: retries that are due, hand-overs that were lost, and
the delivery status of sent SMS (QuerySendDetails) until a receipt or two days.

The number or openid is looked up when sending, from the account, the case or the binding;
the row keeps only its keyed hash. Logs carry ids and codes.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.clock import WORK_TZ
from core.extensions import db
from domain.channels import Channel, DeliveryStatus, Template, next_attempt, rate_limited_until
from models import ChannelPreference, Delivery, FormSubmission, SubmissionWechat, User
from models.personal import PHONE, blind_index
from models.types import utcnow
from services.notifications.channels.base import Outcome, Result
from services.notifications.channels.registry import Setup, current, wechat_data
from services.platform import outbox

log = logging.getLogger("shoudi.channels")
WECHAT_KIND = "wechat.openid"  # the blind index's purpose for openids
# A fresh row is left to its outbox hand-over this long before the sweep takes it.
HANDOVER_GRACE = timedelta(minutes=2)
POLL_EVERY = timedelta(minutes=5)
POLL_FOR = timedelta(days=2)
LEASE = timedelta(minutes=2)
# A message the number's limit would hold longer than this after it was queued is dropped (kept
# as failed with NUMBER_LIMIT): a to-do a day late is noise, and the in-app centre has it anyway.
HELD_AT_MOST = timedelta(days=1)
NUMBER_LIMIT = "number_limit"  # a send in progress is not taken by the sweep meanwhile
Q, S = DeliveryStatus.QUEUED.value, DeliveryStatus.SENT.value


def address_index(channel: Channel, address: str) -> str:
    return blind_index(PHONE if channel is Channel.SMS else WECHAT_KIND, address)


def queue(channel: Channel, template: Template, params: dict[str, str], dedupe_key: str, address: str,
          now: datetime, *, user: User | None = None, submission: FormSubmission | None = None,
          case_id: int | None = None) -> int | None:
    """Queue one message; the row's id, or None when this occasion was queued before."""
    recipient = f"user:{user.id}" if user is not None else f"form:{submission.id}"
    values = {"channel": channel.value, "recipient": recipient, "user_id": user.id if user else None,
              "submission_id": submission.id if submission else None, "case_id": case_id,
              "template": template.value, "dedupe_key": dedupe_key[:120],
              "params": json.dumps(params, ensure_ascii=False), "address_index": address_index(channel, address),
              "status": Q, "attempts": 0, "next_attempt_at": now + HANDOVER_GRACE, "created_at": now}
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (insert(Delivery).values(**values)
                 .on_conflict_do_nothing(index_elements=["channel", "recipient", "dedupe_key"])
                 .returning(Delivery.id))
    delivery_id = db.session.execute(statement).scalar_one_or_none()
    if delivery_id is not None:
        outbox.add("channel.send", delivery_id=delivery_id)
    return delivery_id


@outbox.handler("channel.send")
def _send_after_commit(payload: dict) -> None:
    send(payload["delivery_id"], utcnow())


# --- sending ------------------------------------------------------------------------------------

def send(delivery_id: int, now: datetime) -> None:
    """Send one queued message if it is due (the first try is due at once)."""
    row = db.session.get(Delivery, delivery_id)
    if row is None or row.status != Q or (row.attempts and row.next_attempt_at > now):
        return
    setup, channel, template = current(), Channel(row.channel), Template(row.template)
    if not setup.on(channel, template):
        return _end(row, DeliveryStatus.FAILED, "channel_off", now)
    address = _address(row, channel)
    if address is None:
        return _end(row, DeliveryStatus.FAILED, "no_address", now)
    until = _limited_until(row, setup, now)
    if until is not None and until - row.created_at > HELD_AT_MOST:
        return _end(row, DeliveryStatus.FAILED, NUMBER_LIMIT, now)  # stale by then: the app has it
    if until is not None:
        row.next_attempt_at = until
        log.info("delivery %s waits for the number's limit", row.id)
        return None
    if not _claim(row, now):
        return None
    params = json.loads(row.params)
    template_id = setup.template_id(channel, template)
    if channel is Channel.SMS:
        outcome = setup.sms.send(address, template_id, params, str(row.id), now)
    else:
        outcome = setup.wechat.send(address, template_id, setup.wechat_pages.get(template, ""),
                                    wechat_data(template, params), now)
    _apply(row, outcome, setup, now)
    return None


def _claim(row: Delivery, now: datetime) -> bool:
    """Take the row for this try (one consumer at a time: the row stays locked until commit)."""
    taken = db.session.execute(
        update(Delivery).where(Delivery.id == row.id, Delivery.status == Q, Delivery.attempts == row.attempts)
        .values(attempts=Delivery.attempts + 1, next_attempt_at=now + LEASE)
        .execution_options(synchronize_session=False)).rowcount == 1
    if taken:
        db.session.refresh(row)
    return taken


def _apply(row: Delivery, outcome: Outcome, setup: Setup, now: datetime) -> None:
    row.request_id = outcome.request_id or row.request_id
    if outcome.result is Result.SENT:
        row.status, row.sent_at, row.provider_id, row.last_error = S, now, outcome.provider_id, None
        # SMS has a receipt to wait for; a WeChat message handed over has none.
        row.next_attempt_at = now + POLL_EVERY if row.channel == Channel.SMS.value and row.provider_id else None
        log.info("delivery %s %s sent", row.id, row.channel)
    elif outcome.result is Result.RETRY and row.attempts < setup.max_attempts:
        row.last_error, row.next_attempt_at = outcome.code, next_attempt(now, row.attempts, outcome.wait)
        log.warning("delivery %s %s retry after try %s code=%s", row.id, row.channel, row.attempts, outcome.code)
    elif outcome.result is Result.REFUSED:
        _end(row, DeliveryStatus.REFUSED, outcome.code, now)
    else:
        _end(row, DeliveryStatus.FAILED, outcome.code, now)


def _end(row: Delivery, status: DeliveryStatus, code: str, now: datetime) -> None:
    row.status, row.last_error, row.next_attempt_at, row.finished_at = status.value, code[:64], None, now
    log.warning("delivery %s %s %s code=%s", row.id, row.channel, status.value, code[:64])


def _limited_until(row: Delivery, setup: Setup, now: datetime) -> datetime | None:
    longest = max(w.length for w in setup.windows)
    sent = db.session.execute(select(Delivery.sent_at).where(
        Delivery.address_index == row.address_index, Delivery.sent_at.is_not(None),
        Delivery.sent_at > now - longest, Delivery.id != row.id)).scalars()
    return rate_limited_until(sent, now, setup.windows)


def _address(row: Delivery, channel: Channel) -> str | None:
    """The number or openid, looked up now (never kept on the row)."""
    if row.user_id is not None:
        user = row.user
        if user is None or not user.active:
            return None
        if channel is Channel.SMS:
            return user.phone
        return db.session.execute(select(ChannelPreference.wechat_openid)
                                  .where(ChannelPreference.user_id == user.id)).scalar_one_or_none()
    if channel is Channel.SMS:
        case = row.submission.case if row.submission is not None else None
        return case.claimed_phone if case is not None else None
    return db.session.execute(select(SubmissionWechat.openid)
                              .where(SubmissionWechat.submission_id == row.submission_id)).scalar_one_or_none()


# --- the periodic sweep ---------------------------------------------------------------------------

def due(now: datetime, limit: int = 200) -> list[int]:
    """Rows to send (retries due, lost hand-overs) or to poll (SMS awaiting a receipt)."""
    query = (select(Delivery.id)
             .where(Delivery.next_attempt_at <= now,
                    or_(Delivery.status == Q, and_(Delivery.status == S, Delivery.channel == Channel.SMS.value)))
             .order_by(Delivery.next_attempt_at).limit(limit))
    return list(db.session.execute(query).scalars())


def work(delivery_id: int, now: datetime) -> None:
    """One unit of the sweep: send a queued row, or ask for a sent SMS's receipt."""
    row = db.session.get(Delivery, delivery_id)
    if row is None:
        return
    if row.status == Q:
        send(delivery_id, now)
    elif row.status == S:
        poll(row, now)


def poll(row: Delivery, now: datetime) -> None:
    setup = current()
    if row.channel != Channel.SMS.value or not row.provider_id or row.next_attempt_at is None or row.next_attempt_at > now:
        return
    if setup.sms is None or now - row.sent_at > POLL_FOR:
        row.next_attempt_at = None  # no receipt to wait for any more: it stays "sent"
        return
    phone = _address(row, Channel.SMS)
    if phone is None:
        row.next_attempt_at = None
        return
    outcome = setup.sms.status(phone, row.provider_id, row.sent_at.astimezone(WORK_TZ).date(), now)
    if outcome.result is Result.DELIVERED:
        row.status, row.next_attempt_at, row.finished_at = DeliveryStatus.DELIVERED.value, None, now
        log.info("delivery %s delivered", row.id)
    elif outcome.result is Result.FAILED:
        _end(row, DeliveryStatus.FAILED, outcome.code, now)
    else:
        row.next_attempt_at = now + POLL_EVERY
