"""Help after inclusion: the measures of a household's help plan and the quarterly evaluations.

A plan is the set of ``PlanMeasure`` rows of a case that are not cancelled, in ``position``
order; revising a plan cancels or adds rows, so what was planned stays on record.
"""
from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from domain.enums import Department, MeasureStatus
from domain.measures import OPEN_STATUSES
from domain.relief import ReliefKind
from models.case import Case
from models.measure import Measure
from models.types import EncryptedText, UTCDateTime, enum_check, utcnow
from models.user import User


# The measures still being carried out (``domain.measures.is_open`` less the case's state), as
# the partial index's SQL predicate.
OPEN_MEASURES_SQL = "status IN ({})".format(", ".join(f"'{s.value}'" for s in sorted(OPEN_STATUSES, key=str)))


class PlanMeasure(db.Model):
    __tablename__ = "plan_measure"
    __table_args__ = (
        enum_check("status", MeasureStatus),
        enum_check("department", Department, nullable=True),
        enum_check("relief_kind", ReliefKind, nullable=True),
        CheckConstraint("amount IS NULL OR amount > 0", name="amount_positive"),
        # The open measures of each case, with what the task and overdue lists filter, sort and
        # show: a county's lists join its cases to their open measures from this index alone,
        # never the measures of the whole province.
        Index("ix_plan_measure_open", "case_id",
              postgresql_include=["due_on", "department", "measure_id", "status", "id"],
              postgresql_where=text(OPEN_MEASURES_SQL), sqlite_where=text(OPEN_MEASURES_SQL)),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), nullable=False, index=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measure.id"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Copied from the library when planned, so a later library edit does not move the work.
    department: Mapped[str | None] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=MeasureStatus.PLANNED.value,
                                        index=True)
    planned_on = mapped_column(Date, nullable=False)
    due_on = mapped_column(Date)
    done_on = mapped_column(Date)
    note = mapped_column(EncryptedText("plan_measure.note"))  # may speak of health or income
    # 临时救助 (seed 003): the amount in yuan and 急难型/支出型, for a relief measure only.
    amount = mapped_column(Numeric(12, 2))
    relief_kind: Mapped[str | None] = mapped_column(String(16))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    case: Mapped[Case] = relationship()
    measure: Mapped[Measure] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])

    @property
    def status_enum(self) -> MeasureStatus:
        return MeasureStatus(self.status)


class Evaluation(db.Model):
    """帮扶效果评估 (seed 000, every quarter): are measures in place, working, is the risk gone?"""

    __tablename__ = "evaluation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), nullable=False, index=True)
    quarter: Mapped[str] = mapped_column(String(7), nullable=False)  # "2026Q4"
    evaluated_on = mapped_column(Date, nullable=False)
    measures_in_place: Mapped[bool] = mapped_column(Boolean, nullable=False)
    measures_working: Mapped[bool] = mapped_column(Boolean, nullable=False)
    risk_gone: Mapped[bool] = mapped_column(Boolean, nullable=False)
    # The collective judgement (集体研判) that puts the household on the elimination list.
    propose_elimination: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    comment = mapped_column(EncryptedText("evaluation.comment"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    case: Mapped[Case] = relationship()
    actor: Mapped[User | None] = relationship()
