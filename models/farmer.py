"""Farmer-facing records: one-time form tokens, QR scan counts, and the editable 明白纸 text."""
from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from models.case import Case
from models.region import Region
from models.types import EncryptedText, UTCDateTime, utcnow


class FormSubmission(db.Model):
    """A submitted self-report, by its one-time form token. The unique token makes a double tap
    or a resend of the same form land on the same row, even when both arrive at once.

    The request only checks the report and writes this row (the report itself encrypted); the
    queue then records it as a case, or joins it to the household's open case, and fills in
    ``case_id`` and clears ``report``. A row without a case is still being recorded.
    """

    __tablename__ = "form_submission"
    __table_args__ = (
        CheckConstraint("consent_channel IS NULL OR consent_channel IN ('self_report', 'proxy_report')",
                        name="consent_channel_valid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"), index=True)
    # Joined an open case and told so (代申报 within the worker's area); a farmer's own report
    # that joined one is never told: its case is a record of its own, merged into the open one.
    joined: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    show_code: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # Until recorded: the village, who entered it for the farmer (代申报), the day, the report.
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reported_on = mapped_column(Date)
    report = mapped_column(EncryptedText("form_submission.report"))
    # Consent to process sensitive personal data (PIPL Art. 29): when, to which wording, by which
    # channel, and for 代申报 the worker who took the farmer's spoken consent.
    consent_at = mapped_column(UTCDateTime)
    consent_version: Mapped[str | None] = mapped_column(ForeignKey("consent_wording.version"))
    consent_channel: Mapped[str | None] = mapped_column(String(16))
    consent_taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    case: Mapped[Case] = relationship()
    region: Mapped[Region | None] = relationship()


class ScanCount(db.Model):
    """How often a village's QR code was opened on a day. No personal data, no addresses."""

    __tablename__ = "scan_count"
    __table_args__ = (UniqueConstraint("region_id", "day", name="uq_scan_count_region_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), nullable=False, index=True)
    day = mapped_column(Date, nullable=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class PolicyText(db.Model):
    """A region's own text for one section of the policy page (overrides the default)."""

    __tablename__ = "policy_text"
    __table_args__ = (UniqueConstraint("region_id", "key", name="uq_policy_text_region_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), nullable=False, index=True)
    key: Mapped[str] = mapped_column(String(32), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    region: Mapped[Region] = relationship()


class ConsentWording(db.Model):
    """Each version of the consent wording shown on the report forms, its text kept as shown,
    so that a report's consent can be read back word for word."""

    __tablename__ = "consent_wording"

    version: Mapped[str] = mapped_column(String(32), primary_key=True)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class ReviewRequest(db.Model):
    """A farmer's request for a re-review (申请复核) of a refusal, from ``/track``: it reaches the
    township with a deadline and ends in a decision the farmer sees."""

    __tablename__ = "review_request"
    __table_args__ = (
        CheckConstraint("state IN ('open', 'upheld', 'reopened')", name="state_valid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), nullable=False, index=True)
    reason = mapped_column(EncryptedText("review_request.reason"), nullable=False)  # the farmer's words
    requested_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    due_on = mapped_column(Date, nullable=False, index=True)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="open", index=True)
    decided_at = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decision_note: Mapped[str | None] = mapped_column(Text)  # shown to the farmer: no personal data

    case: Mapped[Case] = relationship()
