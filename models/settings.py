"""Settings that vary by region and year: policy overrides and the yearly monitoring line."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from models.region import Region


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
