"""Settings that vary by region and year: policy overrides and the yearly monitoring line."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from models.region import Region
from models.types import UTCDateTime, utcnow


class RegionPolicy(db.Model):
    """One override of a ``domain.settings.PolicySettings`` field for a region subtree."""

    __tablename__ = "region_policy"
    __table_args__ = (UniqueConstraint("region_id", "key", name="uq_region_policy_region_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), nullable=False, index=True)
    key: Mapped[str] = mapped_column(String(64), nullable=False)
    value: Mapped[str] = mapped_column(String(64), nullable=False)

    region: Mapped[Region] = relationship()


class MonitoringLine(db.Model):
    """The yearly per-capita income line (监测范围) set for a region and its subtree."""

    __tablename__ = "monitoring_line"
    __table_args__ = (UniqueConstraint("region_id", "year", name="uq_monitoring_line_region_year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), nullable=False, index=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2), nullable=False)

    region: Mapped[Region] = relationship()


class SettingChange(db.Model):
    """The history of a region's settings: each change of a policy value or a yearly line, with
    who made it, when, the value before and after (None: the inherited value) and why."""

    __tablename__ = "setting_change"
    __table_args__ = (Index("ix_setting_change_region_key", "region_id", "key", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), nullable=False)
    key: Mapped[str] = mapped_column(String(64), nullable=False)  # a policy field, or "monitoring_line"
    year: Mapped[int | None] = mapped_column(Integer)              # the line's year
    old_value: Mapped[str | None] = mapped_column(String(64))
    new_value: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(255), nullable=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    region: Mapped[Region] = relationship()
