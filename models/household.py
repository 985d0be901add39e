"""Households (户) and their members, with protected ID numbers, phones, health and income."""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from domain.enums import (Health, HouseholdAttribute, LabourCapacity, MonitoringCategory, Relation,
                          Schooling)
from models.personal import ID_NUMBER, PHONE, MaskedField, ProtectedField
from models.region import Region
from models.types import EncryptedDecimal, EncryptedText, UTCDateTime, enum_check, utcnow


class Household(db.Model):
    __tablename__ = "household"
    __table_args__ = (
        enum_check("attribute", HouseholdAttribute),
        enum_check("monitoring_category", MonitoringCategory, nullable=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The most specific region node: the grid, or the village where there are no grids.
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), nullable=False, index=True)
    code: Mapped[str | None] = mapped_column(String(32), unique=True)  # 户编号
    address: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    attribute: Mapped[str] = mapped_column(String(16), nullable=False, default=HouseholdAttribute.ORDINARY.value)
    monitoring_category: Mapped[str | None] = mapped_column(String(24))
    risk_types: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    key_groups: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    # Income and spending are sensitive (PIPL): stored encrypted, compared in Python.
    net_income = mapped_column(EncryptedDecimal("household.net_income"))
    last_year_income = mapped_column(EncryptedDecimal("household.last_year_income"))
    rigid_spending = mapped_column(EncryptedDecimal("household.rigid_spending"))
    # None: not yet checked. False: the help plan must start its 改善式 help with 户厕改造.
    sanitary_toilet: Mapped[bool | None] = mapped_column(Boolean)
    income_period_start = mapped_column(Date)
    income_period_end = mapped_column(Date)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    region: Mapped[Region] = relationship()
    members: Mapped[list["Member"]] = relationship(
        back_populates="household", cascade="all, delete-orphan", order_by="Member.id")

    @property
    def head(self) -> "Member | None":
        return next((m for m in self.members if m.is_head), None)

    @property
    def size(self) -> int:
        return len(self.members)


class Member(db.Model):
    __tablename__ = "member"
    __table_args__ = (
        enum_check("relation", Relation),
        enum_check("health", Health),
        enum_check("labour_capacity", LabourCapacity),
        enum_check("schooling", Schooling, nullable=True),
        CheckConstraint("disability_grade IS NULL OR (disability_grade BETWEEN 1 AND 4)",
                        name="disability_grade_range"),
        CheckConstraint("disability_grade IS NULL OR health = 'disabled'", name="grade_only_if_disabled"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    is_head: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    relation: Mapped[str] = mapped_column(String(16), nullable=False)
    health: Mapped[str] = mapped_column(String(16), nullable=False, default=Health.HEALTHY.value)
    disability_grade: Mapped[int | None] = mapped_column(Integer)
    labour_capacity: Mapped[str] = mapped_column(String(16), nullable=False)
    schooling: Mapped[str | None] = mapped_column(String(16))
    health_detail = mapped_column(EncryptedText("member.health_detail"))
    # The blind index is unique: one person cannot be registered in two households.
    id_number_enc = mapped_column(EncryptedText("member.id_number"))
    id_number_index: Mapped[str | None] = mapped_column(String(64), unique=True)
    id_number_tail_index: Mapped[str | None] = mapped_column(String(64), index=True)
    phone_enc = mapped_column(EncryptedText("member.phone"))
    phone_index: Mapped[str | None] = mapped_column(String(64), index=True)
    phone_tail_index: Mapped[str | None] = mapped_column(String(64), index=True)

    household: Mapped[Household] = relationship(back_populates="members")

    id_number = ProtectedField(ID_NUMBER, "id_number")
    phone = ProtectedField(PHONE, "phone")
    id_number_masked = MaskedField("id_number", ID_NUMBER)
    phone_masked = MaskedField("phone", PHONE)
