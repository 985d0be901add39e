"""Households (户) and their members, with protected ID numbers, phones, health and income."""
from __future__ import annotations

from sqlalchemy import (JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String,
                        UniqueConstraint, and_, false, func, text)
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from core.extensions import db
from domain.enums import (Gender, Health, HouseholdAttribute, IncomeSource, JoinReason, LabourCapacity,
                          MemberStatus, MonitoringCategory, Relation, Schooling)
from models.personal import ID_NUMBER, PHONE, MaskedField, ProtectedField
from models.region import Region
from models.types import EncryptedDecimal, EncryptedText, UTCDateTime, enum_check, utcnow


class Household(db.Model):
    __tablename__ = "household"
    __table_args__ = (
        enum_check("attribute", HouseholdAttribute),
        enum_check("monitoring_category", MonitoringCategory, nullable=True),
        CheckConstraint("(dibao_phaseout_start IS NULL) = (dibao_phaseout_end IS NULL) "
                        "AND (dibao_phaseout_start IS NULL OR dibao_phaseout_start < dibao_phaseout_end)",
                        name="dibao_phaseout_in_order"),
        # The few households whose present members all lack labour, for 回头看's 回退 count.
        Index("ix_household_without_labour", "id", postgresql_where=text("without_labour"),
              sqlite_where=text("without_labour")),
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
    # 住房安全 and 饮水安全, as last checked (None: not yet checked).
    housing_safe: Mapped[bool | None] = mapped_column(Boolean)
    water_safe: Mapped[bool | None] = mapped_column(Boolean)
    # 是否风险消除 / 风险消除时间 as the national system has them.
    risk_eliminated: Mapped[bool | None] = mapped_column(Boolean)
    risk_eliminated_on = mapped_column(Date)
    income_period_start = mapped_column(Date)
    income_period_end = mapped_column(Date)
    # 低保渐退期 (domain.dibao), as the latest income record set it (services.households.incomes);
    # both None when the household has none. The end is indexed for the daily reminder.
    dibao_phaseout_start = mapped_column(Date)
    dibao_phaseout_end = mapped_column(Date, index=True)
    # 整户无劳动力 now (domain.members.whole_household_without_labour over the present members),
    # kept by models.labour whenever a member is added, changed or removed, so that 回头看 counts
    # its 回退 from an index instead of looking at the members of every eliminated household.
    without_labour: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                                 server_default=false())
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    region: Mapped[Region] = relationship()
    # The people living in the household now. Those who died or left stay on record and are
    # read through ``everyone``; sizes, labour and per-capita income count ``members`` only.
    members: Mapped[list["Member"]] = relationship(
        back_populates="household", cascade="all, delete-orphan", order_by="Member.id",
        primaryjoin=lambda: and_(Household.id == foreign(Member.household_id),
                                 Member.status == MemberStatus.PRESENT.value))
    everyone: Mapped[list["Member"]] = relationship(order_by="Member.id", viewonly=True)
    # The head alone (present), for list rows that show no one else: loading every member
    # decrypts every member's ID number, phone and health notes.
    head_member: Mapped["Member | None"] = relationship(
        viewonly=True, uselist=False,
        primaryjoin=lambda: and_(Household.id == foreign(Member.household_id), Member.is_head.is_(True),
                                 Member.status == MemberStatus.PRESENT.value))
    incomes: Mapped[list["HouseholdIncome"]] = relationship(
        back_populates="household", cascade="all, delete-orphan", order_by="HouseholdIncome.year")

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
        enum_check("gender", Gender, nullable=True),
        enum_check("status", MemberStatus),
        enum_check("join_reason", JoinReason, nullable=True),
        CheckConstraint("work_months IS NULL OR (work_months BETWEEN 0 AND 12)", name="work_months_range"),
        CheckConstraint("status = 'present' OR left_on IS NOT NULL", name="left_with_date"),
        # Name search is a prefix match of the name or of the given name (the name after a
        # one-character surname): services.identification.inbox.member_condition. These indexes
        # answer both on PostgreSQL whatever the collation.
        Index("ix_member_name_prefix", "name", postgresql_ops={"name": "varchar_pattern_ops"}),
        # Whether a household still has someone present and able to work (回头看's 整户无劳动力),
        # answered from the index for each household.
        Index("ix_member_household_labour", "household_id", "status", "labour_capacity"),
        Index("ix_member_given_name_prefix", func.substr(text("name"), 2).label("given_name"),
              postgresql_ops={"given_name": "text_pattern_ops"}),
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

    gender: Mapped[str | None] = mapped_column(String(8))
    ethnicity: Mapped[str | None] = mapped_column(String(16))  # 民族, as the national file spells it
    education: Mapped[str | None] = mapped_column(String(24))  # 文化程度
    work_status: Mapped[str | None] = mapped_column(String(24))  # 务工状况
    work_months: Mapped[int | None] = mapped_column(Integer)  # 务工时间（月）
    medical_insured: Mapped[bool | None] = mapped_column(Boolean)  # 参加城乡居民基本医疗保险
    minimum_living: Mapped[bool | None] = mapped_column(Boolean)  # 享受低保
    extreme_poverty: Mapped[bool | None] = mapped_column(Boolean)  # 特困供养
    # Natural changes (自然变更): who joined after registration and who left, with dates.
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=MemberStatus.PRESENT.value,
                                        server_default=MemberStatus.PRESENT.value)
    joined_on = mapped_column(Date)
    join_reason: Mapped[str | None] = mapped_column(String(16))
    left_on = mapped_column(Date)
    left_note: Mapped[str | None] = mapped_column(String(200))

    household: Mapped[Household] = relationship(back_populates="members")

    id_number = ProtectedField(ID_NUMBER, "id_number")
    phone = ProtectedField(PHONE, "phone")
    id_number_masked = MaskedField("id_number", ID_NUMBER)
    phone_masked = MaskedField("phone", PHONE)


class HouseholdIncome(db.Model):
    """One household's income for one year (收入台账): the last twelve months as measured on
    ``measured_on``. Amounts are sensitive and stored encrypted; ``net_income`` is what
    ``domain.income`` computed from the items (or the total alone, from the national file)."""

    __tablename__ = "household_income"
    __table_args__ = (
        UniqueConstraint("household_id", "year", name="uq_household_income_year"),
        enum_check("source", IncomeSource),
        CheckConstraint("household_size >= 1", name="household_size_positive"),
        CheckConstraint("period_start <= measured_on", name="period_in_order"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), nullable=False, index=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    period_start = mapped_column(Date, nullable=False)
    measured_on = mapped_column(Date, nullable=False)
    household_size: Mapped[int] = mapped_column(Integer, nullable=False)
    wages = mapped_column(EncryptedDecimal("household_income.wages"))
    business = mapped_column(EncryptedDecimal("household_income.business"))
    property = mapped_column(EncryptedDecimal("household_income.property"))
    transfers = mapped_column(EncryptedDecimal("household_income.transfers"))
    business_costs = mapped_column(EncryptedDecimal("household_income.business_costs"))
    medical_spending = mapped_column(EncryptedDecimal("household_income.medical_spending"))
    schooling_spending = mapped_column(EncryptedDecimal("household_income.schooling_spending"))
    disaster_spending = mapped_column(EncryptedDecimal("household_income.disaster_spending"))
    net_income = mapped_column(EncryptedDecimal("household_income.net_income"), nullable=False)
    source: Mapped[str] = mapped_column(String(16), nullable=False)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visit.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    household: Mapped[Household] = relationship(back_populates="incomes")
