"""What a concentrated screening campaign (``ScreeningRound``) gathers beside its visits: the
problems each village finds (附件2), the rectification ledger (附件4) and the villages' weekly
figures as submitted (附件3, a snapshot later edits do not change)."""
from __future__ import annotations

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from domain.campaigns import LedgerState, ProblemArea, ProblemType, ReportState
from models.fieldwork import ScreeningRound
from models.household import Household
from models.region import Region
from models.types import EncryptedText, UTCDateTime, enum_check, utcnow
from models.user import User


class VillageProblem(db.Model):
    """One problem a village found in one area of 附件2 村级排查表."""

    __tablename__ = "village_problem"
    __table_args__ = (
        enum_check("area", ProblemArea),
        Index("ix_village_problem_round_village", "round_id", "village_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("screening_round.id"), nullable=False)
    village_id: Mapped[int] = mapped_column(ForeignKey("region.id"), nullable=False)
    area: Mapped[str] = mapped_column(String(16), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    remarks: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    round: Mapped[ScreeningRound] = relationship()
    village: Mapped[Region] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def area_enum(self) -> ProblemArea:
        return ProblemArea(self.area)


class LedgerItem(db.Model):
    """One line of the rectification ledger (附件4 问题整改台账)."""

    __tablename__ = "ledger_item"
    __table_args__ = (
        enum_check("problem_type", ProblemType),
        enum_check("state", LedgerState),
        Index("ix_ledger_item_round_region", "round_id", "region_id", "id"),
        Index("ix_ledger_item_state_deadline", "state", "deadline"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("screening_round.id"), nullable=False)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), nullable=False)  # the village
    unit: Mapped[str] = mapped_column(String(100), nullable=False)  # 单位: who is to fix it
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    problem_type: Mapped[str] = mapped_column(String(16), nullable=False)
    # Free text may name a person's illness or income: encrypted as the case's words are.
    problem = mapped_column(EncryptedText("ledger_item.problem"), nullable=False)
    measure = mapped_column(EncryptedText("ledger_item.measure"), nullable=False)
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    responsible_name: Mapped[str] = mapped_column(String(64), nullable=False)
    deadline = mapped_column(Date, nullable=False)
    state: Mapped[str] = mapped_column(String(8), nullable=False, default=LedgerState.FIXING.value)
    fixed_on = mapped_column(Date)
    fixed_note = mapped_column(EncryptedText("ledger_item.fixed_note"))
    evidence_key: Mapped[str | None] = mapped_column(String(255))  # the file store key of the proof
    evidence_type: Mapped[str | None] = mapped_column(String(64))
    remarks: Mapped[str | None] = mapped_column(Text)
    source_problem_id: Mapped[int | None] = mapped_column(ForeignKey("village_problem.id"), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    round: Mapped[ScreeningRound] = relationship()
    region: Mapped[Region] = relationship()
    household: Mapped[Household | None] = relationship()
    responsible: Mapped[User | None] = relationship(foreign_keys=[responsible_id])
    source_problem: Mapped[VillageProblem | None] = relationship()


class WeeklyReport(db.Model):
    """A village's week of 附件3 as it was submitted (报送) on its Friday: the computed figures and
    the ones the village typed, frozen; the township may send it back with a reason."""

    __tablename__ = "weekly_report"
    __table_args__ = (
        enum_check("state", ReportState),
        UniqueConstraint("round_id", "village_id", "week_ending", name="uq_weekly_report_round_village_week"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("screening_round.id"), nullable=False)
    village_id: Mapped[int] = mapped_column(ForeignKey("region.id"), nullable=False, index=True)
    week_ending = mapped_column(Date, nullable=False)
    figures: Mapped[dict] = mapped_column(JSON, nullable=False)   # counts only: no personal data
    entered: Mapped[dict] = mapped_column(JSON, nullable=False)
    state: Mapped[str] = mapped_column(String(12), nullable=False, default=ReportState.SUBMITTED.value)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    returned_reason: Mapped[str | None] = mapped_column(Text)
    returned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    returned_at = mapped_column(UTCDateTime)

    round: Mapped[ScreeningRound] = relationship()
    village: Mapped[Region] = relationship()
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    returned_by: Mapped[User | None] = relationship(foreign_keys=[returned_by_id])
