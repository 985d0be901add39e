"""Department lists and the warnings they raise (部门筛查预警, ``domain.warnings``).

A list is kept as its rows: each person by the blind index of their ID number (the number itself
encrypted, as on the register), the department's facts encrypted (medical costs, disability,
losses are health and money). A row's ``fingerprint`` is a keyed hash of the list's kind, the
person and the facts, unique per county: the same row sent again (the same file twice, or
overlapping months) is recognised and raises nothing new. A row that matches a registered
person and is a warning has exactly one ``DepartmentWarning``; the warning opens a case or joins
the household's open case, and carries the village's answer back to the department.
"""
from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from domain.department_lists import ListKind
from domain.enums import Department
from domain.warnings import Feedback, Grade
from models.case import Case
from models.household import Household, Member
from models.personal import ID_NUMBER, MaskedField, ProtectedField
from models.region import Region
from models.types import EncryptedText, UTCDateTime, enum_check, utcnow
from models.user import User

ROW_STATES = ("unmatched", "no_warning", "warning")


class DepartmentList(db.Model):
    """One uploaded list, as confirmed after its check: who sent what, and what came of it."""

    __tablename__ = "department_list"
    __table_args__ = (
        enum_check("kind", ListKind),
        enum_check("department", Department),
        Index("ix_department_list_county_department", "county_id", "department", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("region.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    department: Mapped[str] = mapped_column(String(32), nullable=False)
    filename: Mapped[str] = mapped_column(String(100), nullable=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)          # usable rows in the file
    repeated: Mapped[int] = mapped_column(Integer, nullable=False, default=0)      # already sent before
    problems: Mapped[int] = mapped_column(Integer, nullable=False, default=0)      # rows refused
    unmatched: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    warnings: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    county: Mapped[Region] = relationship()
    uploaded_by: Mapped[User | None] = relationship()

    @property
    def kind_enum(self) -> ListKind:
        return ListKind(self.kind)


class DepartmentRow(db.Model):
    __tablename__ = "department_row"
    __table_args__ = (
        UniqueConstraint("county_id", "fingerprint", name="uq_department_row_county_fingerprint"),
        Index("ix_department_row_county_state", "county_id", "state", "id"),
        Index("ix_department_row_list_line", "list_id", "line"),
        # The CHECK is spelt out: the states are the rows' own, not a LabelledEnum.
        CheckConstraint("state IN ('unmatched', 'no_warning', 'warning')", name="state_valid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("department_list.id"), nullable=False)
    county_id: Mapped[int] = mapped_column(ForeignKey("region.id"), nullable=False)
    line: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    id_number_enc = mapped_column(EncryptedText("department_row.id_number"), nullable=False)
    id_number_index: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    facts_enc = mapped_column(EncryptedText("department_row.facts"), nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="unmatched")
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    compared_on = mapped_column(Date)

    list: Mapped[DepartmentList] = relationship()
    member: Mapped[Member | None] = relationship()

    id_number = ProtectedField(ID_NUMBER, "id_number", with_tail=False)
    id_number_masked = MaskedField("id_number", ID_NUMBER)


class DepartmentWarning(db.Model):
    __tablename__ = "department_warning"
    __table_args__ = (
        enum_check("grade", Grade),
        enum_check("department", Department),
        enum_check("kind", ListKind),
        enum_check("feedback", Feedback, nullable=True),
        Index("ix_department_warning_county_department", "county_id", "department", "id"),
        Index("ix_department_warning_region", "region_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    row_id: Mapped[int] = mapped_column(ForeignKey("department_row.id"), nullable=False, unique=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("department_list.id"), nullable=False)
    county_id: Mapped[int] = mapped_column(ForeignKey("region.id"), nullable=False)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), nullable=False)  # the household's node
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), nullable=False, index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), nullable=False, index=True)
    department: Mapped[str] = mapped_column(String(32), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    grade: Mapped[str] = mapped_column(String(8), nullable=False)
    figures = mapped_column(EncryptedText("department_warning.figures"), nullable=False)
    sent_on = mapped_column(Date, nullable=False)
    due_on = mapped_column(Date, nullable=False)
    joined_open_case: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    feedback: Mapped[str | None] = mapped_column(String(16))
    feedback_reason = mapped_column(EncryptedText("department_warning.feedback_reason"))
    feedback_on = mapped_column(Date)
    feedback_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    row: Mapped[DepartmentRow] = relationship()
    list: Mapped[DepartmentList] = relationship()
    region: Mapped[Region] = relationship(foreign_keys=[region_id])
    household: Mapped[Household] = relationship()
    case: Mapped[Case] = relationship()
    feedback_by: Mapped[User | None] = relationship()

    @property
    def grade_enum(self) -> Grade:
        return Grade(self.grade)

    @property
    def kind_enum(self) -> ListKind:
        return ListKind(self.kind)

    @property
    def feedback_enum(self) -> Feedback | None:
        return Feedback(self.feedback) if self.feedback else None


class WarningThreshold(db.Model):
    """A region's own figure of ``domain.warnings.Thresholds`` for a year (and later years, until
    one of them sets its own), inherited by its subtree: the nearest node wins."""

    __tablename__ = "warning_threshold"
    __table_args__ = (UniqueConstraint("region_id", "year", "key", name="uq_warning_threshold_region_year_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), nullable=False, index=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    key: Mapped[str] = mapped_column(String(32), nullable=False)
    value: Mapped[str] = mapped_column(String(32), nullable=False)

    region: Mapped[Region] = relationship()
