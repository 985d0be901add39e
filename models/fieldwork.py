"""Field work: screening rounds, visits (入户 or remote checks), their photos, API tokens, and the
township heads' yearly visits (党政主职遍访).

Visits and photos carry the client's UUID under a unique constraint: a phone that retries a
send after losing signal can never make a second record.
"""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from domain.fieldwork import AwayReason, VisitMethod
from domain.head_visits import HeadTitle
from models.case import Case
from models.household import Household
from models.region import Region
from models.types import EncryptedDecimal, EncryptedText, UTCDateTime, enum_check, utcnow
from models.user import User


class ApiToken(db.Model):
    """A bearer token for the mini program. Only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = mapped_column(UTCDateTime, nullable=False)
    revoked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    user: Mapped[User] = relationship()


class ScreeningRound(db.Model):
    """A concentrated screening campaign (集中排查) of a county: every household visited."""

    __tablename__ = "screening_round"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="dates_in_order"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("region.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    starts_on = mapped_column(Date, nullable=False)  # the first phase's first day
    ends_on = mapped_column(Date, nullable=False)    # the last phase's last day
    year: Mapped[int | None] = mapped_column(Integer)
    monitoring_line = mapped_column(Numeric(10, 2))  # 监测范围 the campaign screens against
    income_start = mapped_column(Date)               # 上年度家庭人均纯收入's twelve months
    income_end = mapped_column(Date)
    phases: Mapped[list | None] = mapped_column(JSON)  # [{name, starts_on, ends_on}] (domain.campaigns.Phase)
    # The townships it covers (ids); empty or NULL: the whole county.
    area: Mapped[list | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at = mapped_column(UTCDateTime)

    county: Mapped[Region] = relationship()
    created_by: Mapped[User | None] = relationship()


class Visit(db.Model):
    __tablename__ = "visit"
    __table_args__ = (
        enum_check("method", VisitMethod),
        enum_check("away_reason", AwayReason, nullable=True),
        # A household's visits by time: its latest visit (the field app's follow-ups, the lists'
        # last-visit column) is the end of its range here.
        Index("ix_visit_household_visited", "household_id", "visited_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True, nullable=False)
    payload_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), nullable=False, index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"), index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False, index=True)
    method: Mapped[str] = mapped_column(String(8), nullable=False)
    visited_at = mapped_column(UTCDateTime, nullable=False, index=True)
    # Remote checks: who was reached, on which number or account, and why the family is away.
    reached_person = mapped_column(EncryptedText("visit.reached_person"))
    reached_via = mapped_column(EncryptedText("visit.reached_via"))
    away_reason: Mapped[str | None] = mapped_column(String(12))
    answers = mapped_column(EncryptedText("visit.answers"))  # JSON of the screening answers
    should_monitor: Mapped[bool | None] = mapped_column(Boolean)  # kept plain: follow-up lists
    household_size: Mapped[int | None] = mapped_column(Integer)
    income_items = mapped_column(EncryptedText("visit.income_items"))  # JSON
    net_income = mapped_column(EncryptedDecimal("visit.net_income"))
    per_capita_income = mapped_column(EncryptedDecimal("visit.per_capita_income"))
    gps = mapped_column(EncryptedText("visit.gps"))  # "lat,lng,accuracy": where the family lives
    signature_file: Mapped[str | None] = mapped_column(String(80))
    signer_name = mapped_column(EncryptedText("visit.signer_name"))
    notes = mapped_column(EncryptedText("visit.notes"))
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    household: Mapped[Household] = relationship()
    case: Mapped[Case | None] = relationship()
    worker: Mapped[User] = relationship()
    photos: Mapped[list["PhotoUpload"]] = relationship(back_populates="visit", order_by="PhotoUpload.id")


class PhotoUpload(db.Model):
    """A photo sent from the field, re-encoded without metadata, under server-made names."""

    __tablename__ = "photo_upload"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True, nullable=False)
    raw_sha256: Mapped[str] = mapped_column(String(64), nullable=False)  # of the bytes sent
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False, index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visit.id"), index=True)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    thumb_name: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    visit: Mapped[Visit | None] = relationship(back_populates="photos")


class HeadVisit(db.Model):
    """党政主职遍访: a visit by the township's 党委书记 or 乡镇长 to a household still at risk
    (``domain.head_visits``)."""

    __tablename__ = "head_visit"
    __table_args__ = (
        enum_check("visitor_title", HeadTitle),
        Index("ix_head_visit_township_year", "township_id", "visited_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), nullable=False, index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"))
    township_id: Mapped[int] = mapped_column(ForeignKey("region.id"), nullable=False)
    visitor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    visitor_title: Mapped[str] = mapped_column(String(16), nullable=False)
    visited_on = mapped_column(Date, nullable=False)
    note = mapped_column(EncryptedText("head_visit.note"))  # may speak of health or income
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    visitor: Mapped[User] = relationship()
