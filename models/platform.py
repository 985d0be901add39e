"""The platform's own tables: the outbox of side effects and the jobs of the queue.

``outbox`` rows are written in the same transaction as the work that causes them and acted on
only after it commits, so rolled-back work has no side effects. ``job`` rows record long work
done by the queue with its progress, so a person can watch it and download the result.
"""
from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from domain.jobs import JobKind, JobState
from models.region import Region
from models.types import UTCDateTime, enum_check, utcnow
from models.user import User


class OutboxItem(db.Model):
    """One side effect to carry out after commit: its kind names the handler, the payload holds
    ids and codes only (never personal data: rows may be read by whoever runs the queue)."""

    __tablename__ = "outbox"
    __table_args__ = (
        # The sweeper looks for what is still waiting, oldest first.
        Index("ix_outbox_pending", "dispatched_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    payload: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # Claimed by a consumer (cleared again when its handler fails), then done.
    claimed_at = mapped_column(UTCDateTime)
    dispatched_at = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))


class Job(db.Model):
    __tablename__ = "job"
    __table_args__ = (
        enum_check("kind", JobKind),
        enum_check("state", JobState),
        Index("ix_job_state_heartbeat", "state", "heartbeat_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    state: Mapped[str] = mapped_column(String(10), nullable=False, default=JobState.QUEUED.value)
    # Who started it (None for the scheduler) and the region it works on: the scope of its page.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    params: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    total: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str | None] = mapped_column(String(300))
    # The result file: a file-store key (server-made) and the name offered for download.
    result_key: Mapped[str | None] = mapped_column(String(200))
    result_name: Mapped[str | None] = mapped_column(String(200))
    result_type: Mapped[str | None] = mapped_column(String(100))
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    error_detail: Mapped[str | None] = mapped_column(Text)  # exception class only, for operators
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    started_at = mapped_column(UTCDateTime)
    heartbeat_at = mapped_column(UTCDateTime)
    finished_at = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship()
    region: Mapped[Region | None] = relationship()

    @property
    def state_enum(self) -> JobState:
        return JobState(self.state)

    @property
    def kind_enum(self) -> JobKind:
        return JobKind(self.kind)
