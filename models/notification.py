"""In-app notifications: the notification centre of each staff member.

Titles carry case numbers, steps and dates, never names or other personal data, so they are
safe to show on a shared screen and to hand to an SMS or WeChat template later.
"""
from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from domain.enums import NotificationKind
from models.case import Case
from models.types import UTCDateTime, enum_check, utcnow
from models.user import User


class Notification(db.Model):
    __tablename__ = "notification"
    __table_args__ = (
        enum_check("kind", NotificationKind),
        # One reminder per person and occasion: running the reminder job twice adds nothing.
        UniqueConstraint("user_id", "dedupe_key", name="uq_notification_user_dedupe"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False, index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    link: Mapped[str | None] = mapped_column(String(200))
    dedupe_key: Mapped[str] = mapped_column(String(120), nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    read_at = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    case: Mapped[Case | None] = relationship()
