"""低保标准 per region and year (``domain.dibao``): the rural standard a household's per-capita
income is compared with for the 低保渐退期, and the urban monthly standard 临时救助 counts in."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Integer, Numeric, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from models.region import Region


class DibaoStandard(db.Model):
    """A region's own 低保标准 for a year, inherited by its subtree (the nearest node wins)."""

    __tablename__ = "dibao_standard"
    __table_args__ = (
        UniqueConstraint("region_id", "year", name="uq_dibao_standard_region_year"),
        CheckConstraint("rural_annual > 0", name="rural_annual_positive"),
        CheckConstraint("urban_monthly > 0", name="urban_monthly_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), nullable=False, index=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    rural_annual: Mapped[Decimal] = mapped_column(Numeric(10, 2), nullable=False)   # 元/人·年
    urban_monthly: Mapped[Decimal] = mapped_column(Numeric(10, 2), nullable=False)  # 元/人·月

    region: Mapped[Region] = relationship()
