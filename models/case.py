"""Cases: the life of one clue, from first report through monitoring, help and elimination.

The current state is a column guarded by a CHECK constraint; every change of it is a
``CaseEvent`` written by ``services.workflow.cases`` (the one place that changes state).
"""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from core.extensions import db
from domain.deadlines import DeadlineKind
from domain.enums import CaseSource, MonitoringCategory, Role
from domain.evidence import EvidenceKind
from domain.warnings import Grade
from domain.workflow import Action, CaseState
from models.household import Household
from models.personal import ID_NUMBER, PHONE, MaskedField, ProtectedField
from models.region import Region
from models.types import EncryptedDecimal, EncryptedText, UTCDateTime, enum_check, utcnow
from models.user import User


# A person's own cases, one index per column that names them: with what a list filters, sorts and
# counts them by, so the inbox reads them from the indexes alone (services.accounts.scoping).
OWN_CASE_INDEXES = (("verifier", "verifier_id"), ("original_verifier", "original_verifier_id"),
                    ("pair_cadre", "pair_cadre_id"), ("reported_by", "reported_by_id"))
OWN_CASE_INCLUDE = ("region_path", "verifier_id", "original_verifier_id", "pair_cadre_id", "reported_by_id", "id",
                    "due_date", "clue_date", "urgent", "green_channel_at")
# The states of an open case (``CaseState.is_open``), as the partial index's SQL predicate.
OPEN_STATES_SQL = "state IN ({})".format(", ".join(f"'{s.value}'" for s in CaseState if s.is_open))
UNMATCHED_SQL = "household_id IS NULL"
ELIMINATED_SQL = f"state = '{CaseState.ELIMINATED.value}'"


class Case(db.Model):
    __tablename__ = "case_file"
    __table_args__ = (
        enum_check("state", CaseState),
        enum_check("source", CaseSource),
        enum_check("category", MonitoringCategory, nullable=True),
        enum_check("deadline_kind", DeadlineKind, nullable=True),
        enum_check("warning_grade", Grade, nullable=True),
        # Scoping (services.accounts.scoping): "the cases under this node" is a prefix of
        # region_path, and each person's own cases one of these ids; every list adds the state.
        # varchar_pattern_ops lets PostgreSQL answer LIKE 'prefix%' from the index whatever the
        # database's collation.
        Index("ix_case_file_scope", "region_path", "state", postgresql_ops={"region_path": "varchar_pattern_ops"}),
        *(Index(f"ix_case_file_{name}", column, "state", postgresql_include=list(OWN_CASE_INCLUDE))
          for name, column in OWN_CASE_INDEXES),
        # The cases of an area that carry a clock, by their due day: the overdue list and the
        # reminders read only the cases due by a day, not every case of the area.
        Index("ix_case_file_clock", "region_path", "due_date", postgresql_ops={"region_path": "varchar_pattern_ops"},
              postgresql_where=text("due_date IS NOT NULL"), sqlite_where=text("due_date IS NOT NULL")),
        # The open cases of an area with what the inbox sorts and counts by: the inbox reads its
        # order and totals from this index alone (no table row) and only then its 50 rows.
        Index("ix_case_file_open_inbox", "region_path", "state", postgresql_ops={"region_path": "varchar_pattern_ops"},
              postgresql_include=["id", "due_date", "clue_date", "urgent", "green_channel_at"],
              postgresql_where=text(OPEN_STATES_SQL), sqlite_where=text(OPEN_STATES_SQL)),
        # The eliminated cases of an area with what 回头看 sorts, counts and flags by: its list
        # reads them from this index alone (services.elimination.lookback).
        Index("ix_case_file_eliminated", "region_path", postgresql_ops={"region_path": "varchar_pattern_ops"},
              postgresql_include=["id", "deadline_kind", "due_date", "eliminated_on", "household_id"],
              postgresql_where=text(ELIMINATED_SQL), sqlite_where=text(ELIMINATED_SQL)),
        # Clues not linked to a household, by the name they gave or its given name
        # (``services.households.name_search``): the inbox's search reads them from here.
        Index("ix_case_file_unmatched_claim", "claimed_name", postgresql_ops={"claimed_name": "varchar_pattern_ops"},
              postgresql_where=text(UNMATCHED_SQL), sqlite_where=text(UNMATCHED_SQL)),
        Index("ix_case_file_unmatched_given_name", func.substr(text("claimed_name"), 2).label("given_name"),
              postgresql_ops={"given_name": "text_pattern_ops"},
              postgresql_where=text(UNMATCHED_SQL), sqlite_where=text(UNMATCHED_SQL)),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(24), nullable=False)
    state: Mapped[str] = mapped_column(String(24), nullable=False, index=True)
    urgent: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # green channel asked
    risk_types: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    # Where the clue belongs: the household's node, or the village it was reported for.
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), nullable=False, index=True)
    # The region's path (``/1/7/42/``), copied so the scope is one indexed prefix match on this
    # table: set with the region (below), rewritten when regions move (services.regions.tree).
    region_path: Mapped[str] = mapped_column(String(255), nullable=False, default="", server_default="")
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # What the reporter said, and who they said they were, until matched to a household.
    reporter_words = mapped_column(EncryptedText("case.reporter_words"))
    claimed_name: Mapped[str | None] = mapped_column(String(64))
    claimed_id_number_enc = mapped_column(EncryptedText("case.claimed_id_number"))
    claimed_id_number_index: Mapped[str | None] = mapped_column(String(64), index=True)
    claimed_phone_enc = mapped_column(EncryptedText("case.claimed_phone"))
    claimed_phone_index: Mapped[str | None] = mapped_column(String(64), index=True)

    # The farmer's own estimate on the self-report form (optional); staff verify it.
    reported_household_size: Mapped[int | None] = mapped_column(Integer)
    reported_income = mapped_column(EncryptedDecimal("case.reported_income"))
    # What the farmer uses on /track; NULL for clues that did not come from a person.
    lookup_code: Mapped[str | None] = mapped_column(String(12), unique=True)

    clue_date = mapped_column(Date, nullable=False)
    due_date = mapped_column(Date, index=True)
    deadline_kind: Mapped[str | None] = mapped_column(String(16))

    verifier_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    original_verifier_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    pair_cadre_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    category: Mapped[str | None] = mapped_column(String(24))
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"))

    green_channel_at = mapped_column(UTCDateTime)
    notice_start = mapped_column(Date)
    notice_end = mapped_column(Date)
    identified_on = mapped_column(Date)
    paired_on = mapped_column(Date)
    # The help plan: who made it together (domain.helpplan.PlanMaker codes) and the household's
    # will to develop (None: not recorded).
    plan_makers: Mapped[list | None] = mapped_column(JSON)
    development_will: Mapped[bool | None] = mapped_column(Boolean)
    last_evaluation_on = mapped_column(Date)
    eliminated_on = mapped_column(Date)
    lookback_on = mapped_column(Date)  # the look-back (回头看) found the household stable
    national_recorded_at = mapped_column(UTCDateTime)
    # The most severe department warning still waiting for the village's answer, and the day the
    # earliest is due (kept by services.warnings; the inbox shows them without a join).
    warning_grade: Mapped[str | None] = mapped_column(String(8))
    warning_due = mapped_column(Date)
    # 逾期升级 (services.notifications.escalation): when the desk above was told that a step is
    # overdue, and the due date and state it was told of. The case's current step is escalated
    # while both still match the case; a step taken or a new due date leaves them behind.
    escalated_at = mapped_column(UTCDateTime)
    escalated_due = mapped_column(Date)
    escalated_state: Mapped[str | None] = mapped_column(String(24))
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    region: Mapped[Region] = relationship()
    household: Mapped[Household | None] = relationship()
    reported_by: Mapped[User | None] = relationship(foreign_keys=[reported_by_id])
    verifier: Mapped[User | None] = relationship(foreign_keys=[verifier_id])
    original_verifier: Mapped[User | None] = relationship(foreign_keys=[original_verifier_id])
    pair_cadre: Mapped[User | None] = relationship(foreign_keys=[pair_cadre_id])
    merged_into: Mapped["Case | None"] = relationship(remote_side=[id])
    events: Mapped[list["CaseEvent"]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan")

    claimed_id_number = ProtectedField(ID_NUMBER, "claimed_id_number", with_tail=False)
    claimed_phone = ProtectedField(PHONE, "claimed_phone", with_tail=False)
    claimed_id_number_masked = MaskedField("claimed_id_number", ID_NUMBER)

    @validates("region")
    def _copy_region_path(self, key, region: Region) -> Region:
        self.region_path = region.path
        return region

    @property
    def state_enum(self) -> CaseState:
        return CaseState(self.state)

    @property
    def is_open(self) -> bool:
        return self.state_enum.is_open


class CaseEvent(db.Model):
    """One step in a case's life: who did what, as which role, when, and on what evidence."""

    __tablename__ = "case_event"
    __table_args__ = (
        enum_check("action", Action, nullable=True),
        enum_check("actor_role", Role, nullable=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), nullable=False, index=True)
    # NULL action: the report that opened the case.
    action: Mapped[str | None] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str] = mapped_column(String(24), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))  # NULL: the farmer
    actor_role: Mapped[str | None] = mapped_column(String(20))
    at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    comment = mapped_column(EncryptedText("case_event.comment"))  # may speak of health or income
    signed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    data: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)  # structured, non-personal

    case: Mapped[Case] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
    evidence: Mapped[list["EventEvidence"]] = relationship(
        back_populates="event", cascade="all, delete-orphan")


class EventEvidence(db.Model):
    """A file backing a step (minutes, a notice photo, a signed form), under a server-made name."""

    __tablename__ = "event_evidence"
    __table_args__ = (enum_check("kind", EvidenceKind, nullable=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("case_event.id"), nullable=False, index=True)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    label: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    kind: Mapped[str | None] = mapped_column(String(32))  # which required paper this is, if any
    content_type: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)

    event: Mapped[CaseEvent] = relationship(back_populates="evidence")
