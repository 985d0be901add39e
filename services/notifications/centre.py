"""Each staff member's notification centre (消息): their own notifications only, a page at a
time; marking read is theirs only too."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update

from core.clock import WORK_TZ
from core.extensions import db
from domain.enums import NotificationKind
from models import Notification, User
from models.types import utcnow
from services.errors import NotFound

PAGE_SIZE = 50

@dataclass(frozen=True)
class NotificationRow:
    id: int
    kind: str
    tone: str  # the tag colour: overdue, soon or ok
    title: str
    case_id: int | None
    at: str
    unread: bool


@dataclass(frozen=True)
class Centre:
    rows: list[NotificationRow]
    unread: int
    total: int
    page: int
    pages: int


_TONES = {NotificationKind.OVERDUE.value: "overdue", NotificationKind.DUE_SOON.value: "soon",
          NotificationKind.MEASURE.value: "overdue"}


def unread_count(user: User) -> int:
    query = select(func.count(Notification.id)).where(Notification.user_id == user.id,
                                                      Notification.read_at.is_(None))
    return db.session.execute(query).scalar_one()


def centre(user: User, page: int = 1) -> Centre:
    """The person's own notifications: unread first, then newest first, a page at a time."""
    total = db.session.execute(
        select(func.count(Notification.id)).where(Notification.user_id == user.id)).scalar_one()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    query = (select(Notification).where(Notification.user_id == user.id)
             .order_by(Notification.read_at.is_not(None), Notification.created_at.desc(),
                       Notification.id.desc())
             .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    rows = [NotificationRow(id=n.id, kind=NotificationKind(n.kind).label, tone=_TONES.get(n.kind, "ok"),
                            title=n.title,
                            case_id=n.case_id,
                            at=n.created_at.astimezone(WORK_TZ).strftime("%Y-%m-%d %H:%M"),
                            unread=n.read_at is None)
            for n in db.session.execute(query).scalars()]
    return Centre(rows=rows, unread=unread_count(user), total=total, page=page, pages=pages)


def mark_read(user: User, notification_id: int) -> Notification:
    """Mark one of the person's own notifications read; anyone else's is NotFound."""
    found = db.session.execute(
        select(Notification).where(Notification.id == notification_id, Notification.user_id == user.id)
    ).scalar_one_or_none()
    if found is None:
        raise NotFound("notification not found")
    if found.read_at is None:
        found.read_at = utcnow()
    return found


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow()))
    return result.rowcount or 0
