"""The consent wording on file: each version's text, kept as shown, for the reports given under it.

A report's row names its wording's version; the wording's row is written by the first report
made under that version (the report's own INSERT finds it missing and says so, see
``services.farmer.selfreport``), so no request pays for looking it up, and a changed wording is
on file from its first report on.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.extensions import db
from domain.consent import CONSENT_BODY, CONSENT_VERSION
from models import ConsentWording, FormSubmission


def ensure_current_wording() -> None:
    """Put the current wording on file unless it is there (safe when two reports race to it)."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(ConsentWording).values(version=CONSENT_VERSION, body=CONSENT_BODY)
                       .on_conflict_do_nothing(index_elements=["version"]))


def wording(version: str) -> str | None:
    """The text shown under a version, word for word (None for an unknown version)."""
    return db.session.execute(select(ConsentWording.body).where(ConsentWording.version == version)).scalar()


@dataclass(frozen=True)
class ConsentRecord:
    """A report's consent as kept with the case's history (structured, no personal data)."""

    at: datetime
    version: str
    channel: str
    taken_by_id: int | None

    def as_data(self) -> dict:
        data = {"at": self.at.isoformat(), "version": self.version, "channel": self.channel}
        if self.taken_by_id is not None:
            data["taken_by"] = self.taken_by_id
        return data


def of_submission(row: FormSubmission) -> ConsentRecord | None:
    if row.consent_at is None or row.consent_version is None or row.consent_channel is None:
        return None  # a report received before consent was recorded
    return ConsentRecord(row.consent_at, row.consent_version, row.consent_channel, row.consent_taken_by_id)

