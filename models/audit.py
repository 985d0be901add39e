"""The audit log: append-only, never holding personal data itself.

Append-only is enforced twice: the ORM refuses updates and deletes of loaded rows, and a
database trigger (created by the migration and by ``create_all``) refuses them in SQL. The one
exception is the retention job's: an entry may leave the table only once it lies in a range an
``AuditArchive`` row says was written to the file store.
"""
from __future__ import annotations

from sqlalchemy import DDL, CheckConstraint, Index, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from models.types import UTCDateTime, utcnow


class AuditLog(db.Model):
    __tablename__ = "audit_log"
    # "Who viewed it" on a household page reads the log by object, the audit search by person or
    # object, newest first: the id closes each index, so PostgreSQL reads them in order without
    # a sort (SQLite's indexes end with the rowid anyway).
    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_id", "id"),
                      Index("ix_audit_log_user", "user_id", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at = mapped_column(UTCDateTime, nullable=False, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer)  # no FK: logs outlive accounts
    role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    object_type: Mapped[str] = mapped_column(String(32), nullable=False)
    object_id: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(45))
    detail: Mapped[str] = mapped_column(String(255), nullable=False, default="")


class AuditLogIsAppendOnly(Exception):
    pass


@event.listens_for(AuditLog, "before_update")
@event.listens_for(AuditLog, "before_delete")
def _refuse_change(mapper, connection, target):
    raise AuditLogIsAppendOnly("audit_log rows cannot be changed or deleted")


class AuditArchive(db.Model):
    """One run of the retention job: the entries ``first_id``..``last_id`` (all older than
    ``cutoff``) written to the file store under ``file_key``, then removed from the table."""

    __tablename__ = "audit_archive"
    __table_args__ = (CheckConstraint("first_id <= last_id", name="id_range"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_id: Mapped[int] = mapped_column(Integer, nullable=False)
    last_id: Mapped[int] = mapped_column(Integer, nullable=False)
    entries: Mapped[int] = mapped_column(Integer, nullable=False)
    cutoff = mapped_column(UTCDateTime, nullable=False)
    file_key: Mapped[str] = mapped_column(String(255), nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


# The triggers name both tables, so they are created once every table exists.
SQLITE_TRIGGERS = [
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
       WHEN NOT EXISTS (SELECT 1 FROM audit_archive a WHERE old.id BETWEEN a.first_id AND a.last_id)
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
]
POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM audit_archive a
                                         WHERE OLD.id BETWEEN a.first_id AND a.last_id) THEN
           RETURN OLD;
         END IF;
         RAISE EXCEPTION 'audit_log is append-only';
       END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
       FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
]

for _sql in SQLITE_TRIGGERS:
    event.listen(db.metadata, "after_create", DDL(_sql).execute_if(dialect="sqlite"))
for _sql in POSTGRES_TRIGGERS:
    event.listen(db.metadata, "after_create", DDL(_sql).execute_if(dialect="postgresql"))
