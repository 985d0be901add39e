"""The county measure library (县级帮扶措施库) from which help plans are chosen."""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from domain.enums import Department, HelpKind
from models.region import Region
from models.types import enum_check


class Measure(db.Model):
    __tablename__ = "measure"
    __table_args__ = (
        enum_check("kind", HelpKind),
        enum_check("department", Department, nullable=True),
        UniqueConstraint("county_id", "name", name="uq_measure_county_name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("region.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    department: Mapped[str | None] = mapped_column(String(32))
    risk_types: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # 户厕改造: the first 改善式 measure for a household without a sanitary toilet (seed 000).
    toilet_upgrade: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # 临时救助: a plan records its amount and kind, checked against seed 003's multiples.
    is_temporary_relief: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    county: Mapped[Region] = relationship()
