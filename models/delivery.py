"""Messages beyond the app: one row per message per channel (SMS, WeChat), each staff member's
chosen channel and bound WeChat, and a farmer's WeChat bound to their report.

No phone number, openid or message text is kept in plaintext: the address is looked up when
the message is sent (the staff account's phone, the case's phone, the bound openid), and only
its keyed hash is kept here, to count what one number received (the rate limit). The template
fields (case number, step, due date; the farmer's milestone words) are stored encrypted.
"""
from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from domain.channels import Channel, DeliveryStatus, StaffChoice, Template
from models.farmer import FormSubmission
from models.types import EncryptedText, UTCDateTime, enum_check, utcnow
from models.user import User


class Delivery(db.Model):
    __tablename__ = "delivery"
    __table_args__ = (
        enum_check("channel", Channel),
        enum_check("status", DeliveryStatus),
        enum_check("template", Template),
        CheckConstraint("(user_id IS NULL) <> (submission_id IS NULL)", name="one_recipient"),
        # One message per recipient, channel and occasion, however often it is queued.
        UniqueConstraint("channel", "recipient", "dedupe_key", name="uq_delivery_recipient_key"),
        # The sweep: what is due to be sent or polled.
        Index("ix_delivery_due", "status", "next_attempt_at"),
        # The rate limit: what one number received lately.
        Index("ix_delivery_address", "address_index", "sent_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(8), nullable=False)
    # "user:<id>" or "form:<id>": the unique key's recipient (the two columns below may be NULL).
    recipient: Mapped[str] = mapped_column(String(24), nullable=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("form_submission.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"), index=True)
    template: Mapped[str] = mapped_column(String(8), nullable=False)
    dedupe_key: Mapped[str] = mapped_column(String(120), nullable=False)
    params = mapped_column(EncryptedText("delivery.params"), nullable=False)  # JSON of the fields
    address_index: Mapped[str | None] = mapped_column(String(64))  # keyed hash of the number/openid
    status: Mapped[str] = mapped_column(String(12), nullable=False, default=DeliveryStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at = mapped_column(UTCDateTime)  # a send or, once sent, a status poll; NULL: done
    provider_id: Mapped[str | None] = mapped_column(String(64))  # Aliyun BizId, WeChat msgid
    request_id: Mapped[str | None] = mapped_column(String(64))  # the provider's RequestId
    last_error: Mapped[str | None] = mapped_column(String(64))  # the provider's code, never its text
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    sent_at = mapped_column(UTCDateTime)
    finished_at = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship()
    submission: Mapped[FormSubmission | None] = relationship()

    @property
    def status_enum(self) -> DeliveryStatus:
        return DeliveryStatus(self.status)


class ChannelPreference(db.Model):
    """A staff member's choice (in-app only, + SMS, + WeChat) and the WeChat bound to them."""

    __tablename__ = "channel_preference"
    __table_args__ = (enum_check("choice", StaffChoice),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    choice: Mapped[str] = mapped_column(String(8), nullable=False, default=StaffChoice.IN_APP.value)
    wechat_openid = mapped_column(EncryptedText("channel_preference.openid"))
    wechat_index: Mapped[str | None] = mapped_column(String(64), unique=True)  # one account per WeChat
    wechat_bound_at = mapped_column(UTCDateTime)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()


class SubmissionWechat(db.Model):
    """A farmer who reported through the mini program and subscribed: their openid, encrypted,
    kept with their report. Their milestone messages then go by WeChat instead of SMS."""

    __tablename__ = "submission_wechat"

    submission_id: Mapped[int] = mapped_column(ForeignKey("form_submission.id"), primary_key=True)
    openid = mapped_column(EncryptedText("submission_wechat.openid"), nullable=False)
    openid_index: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    bound_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
