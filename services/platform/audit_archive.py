"""The audit log's retention: old entries archived to the file store, and the archives as the audit
page lists them (admins download them).

Retention (``archive``): entries older than the cutoff (``domain.audit_retention``) are written
in id order to one gzip CSV in the file store, an ``AuditArchive`` row records the range, and
only then are they deleted (the database trigger allows it only inside an archived range).
The run stops at the first entry younger than the cutoff, so a younger entry is never touched,
even one written out of order; and it always leaves the newest entry in place (SQLite gives the
next entry the highest id plus one, which must never fall inside an archived range).
"""
from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from sqlalchemy import delete, func, select

from core.clock import WORK_TZ
from core.extensions import db
from core.filestore import FileMissing, new_key, store
from domain import audit_retention
from domain.jobs import JobKind, JobState
from models import AuditArchive, AuditLog, Job, User
from services.errors import NotFound, PermissionDenied
from services.platform import audit
from services.platform.audit_log import LARGEST_ID, is_admin, require_reader

ARCHIVE_BATCH = 1000
ARCHIVE_LIMIT = 500_000   # per run; a first run on a years-old log continues the next night
GZIP = "application/gzip"
ARCHIVE_COLUMNS = ("id", "at_utc", "user_id", "role", "action", "object_type", "object_id", "ip", "detail")


# --- retention -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ArchiveRun:
    cutoff: datetime
    entries: int = 0
    first_id: int | None = None
    last_id: int | None = None
    archive_id: int | None = None
    file_key: str | None = None

    @property
    def filename(self) -> str:
        return f"审计日志归档-{self.first_id}-{self.last_id}.csv.gz"

    def summary(self) -> str:
        before = self.cutoff.astimezone(WORK_TZ).strftime("%Y-%m-%d %H:%M")
        if not self.entries:
            return f"没有早于 {before} 的审计日志需要归档"
        return f"已归档 {self.entries} 条审计日志（编号 {self.first_id}–{self.last_id}，均早于 {before}）"


class ArchiveConflict(Exception):
    """The entries changed under the run (another run archived them): nothing is kept."""


def archive(now: datetime, retention_days: int, *, batch: int = ARCHIVE_BATCH, limit: int = ARCHIVE_LIMIT,
            progress: Callable[..., None] | None = None) -> ArchiveRun:
    """Write the entries older than the cutoff to the file store, record the range, then delete
    them from the table (the caller commits). Returns what was done."""
    cutoff = audit_retention.archive_cutoff(now, retention_days)
    table = AuditLog.__table__
    start_after = db.session.execute(select(func.max(AuditArchive.last_id))).scalar() or 0
    newest = db.session.execute(select(func.max(table.c.id))).scalar()
    if newest is None:
        return ArchiveRun(cutoff)
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as packed, \
            io.TextIOWrapper(packed, encoding="utf-8", newline="") as text:
        writer = csv.writer(text)
        writer.writerow(ARCHIVE_COLUMNS)
        first = last = None
        count, cursor, young = 0, start_after, False
        while not young and count < limit:
            rows = db.session.execute(
                select(table).where(table.c.id > cursor, table.c.id < newest).order_by(table.c.id)
                .limit(min(batch, limit - count))).all()
            if not rows:
                break
            for row in rows:
                if not audit_retention.may_archive(row.at, cutoff):
                    young = True
                    break
                writer.writerow([row.id, row.at.astimezone(timezone.utc).isoformat(), row.user_id or "",
                                 row.role or "", row.action, row.object_type, row.object_id or "", row.ip or "",
                                 row.detail or ""])
                first = row.id if first is None else first
                last, count = row.id, count + 1
            cursor = rows[-1].id
            if progress is not None:
                progress(count)
    if not count:
        return ArchiveRun(cutoff)
    key = new_key("audit", ".gz")
    store().put(key, buffer.getvalue(), GZIP)
    record = AuditArchive(first_id=first, last_id=last, entries=count, cutoff=cutoff, file_key=key, created_at=now)
    db.session.add(record)
    db.session.flush()
    deleted = db.session.execute(delete(table).where(table.c.id.between(first, last), table.c.at < cutoff)).rowcount
    if deleted != count:
        raise ArchiveConflict(f"{deleted} != {count}")
    audit.record(None, "archive", "audit_log", record.id,
                 f"ids {first}-{last}: {count} entries before {cutoff.isoformat(timespec='seconds')}")
    return ArchiveRun(cutoff, count, first, last, record.id, key)


# --- the archives, as the audit page lists them ----------------------------------------------

@dataclass(frozen=True)
class ArchiveRow:
    id: int
    created: str
    first_id: int
    last_id: int
    entries: int
    cutoff: str


@dataclass(frozen=True)
class RunRow:
    id: int
    when: str
    state: str
    message: str


def archives(actor: User, limit: int = 20) -> list[ArchiveRow]:
    require_reader(actor)
    rows = db.session.execute(select(AuditArchive).order_by(AuditArchive.id.desc()).limit(limit)).scalars()
    return [ArchiveRow(id=a.id, created=a.created_at.astimezone(WORK_TZ).strftime("%Y-%m-%d %H:%M"),
                       first_id=a.first_id, last_id=a.last_id, entries=a.entries,
                       cutoff=a.cutoff.astimezone(WORK_TZ).strftime("%Y-%m-%d")) for a in rows]


def archive_runs(actor: User, limit: int = 10) -> list[RunRow]:
    """The latest runs of the retention job, with or without anything to archive (admins)."""
    if not is_admin(actor):
        return []
    jobs_ = db.session.execute(select(Job).where(Job.kind == JobKind.AUDIT_ARCHIVE.value)
                               .order_by(Job.id.desc()).limit(limit)).scalars()
    return [RunRow(id=j.id, when=(j.finished_at or j.created_at).astimezone(WORK_TZ).strftime("%Y-%m-%d %H:%M"),
                   state=JobState(j.state).label, message=j.message or "") for j in jobs_]


def archive_file(actor: User, archive_id: int) -> tuple[str, bytes]:
    """An archive's gzip CSV, for admins only (it holds every region's entries); audited."""
    require_reader(actor)
    if not is_admin(actor):
        raise PermissionDenied("归档文件包含所有地区的审计日志，仅系统管理员可以下载")
    record = db.session.get(AuditArchive, archive_id) if 0 < archive_id <= LARGEST_ID else None
    if record is None:
        raise NotFound("no such archive")
    try:
        data = store().get(record.file_key)
    except FileMissing:
        raise NotFound("archive file gone") from None
    audit.record(actor, "download", "audit_archive", record.id, f"ids {record.first_id}-{record.last_id}")
    return f"审计日志归档-{record.first_id}-{record.last_id}.csv.gz", data

