"""The file store's housekeeping: serving stored files, deleting them after commit, and the
nightly sweep of files no row refers to.

Rows name their files by key (``core.filestore``). A file is written before the row that names
it is committed, so a request that fails after storing a file leaves an orphan behind; a row's
file is deleted only after the deletion of the row has committed (``delete_after_commit``, via
the outbox), so a rolled-back change never loses a file. The sweep removes what is left over.

What refers to a file: a photo and its thumbnail (``photo_upload``), a visit's signature, a step's
evidence (``event_evidence``) and a job's result (``job.result_key``).

A self-report's photos kept between attempts at the form (``pending/…``, see
``services.farmer.selfreport``) are referred to by no row: the form's ``form_submission`` row is written
only when the form is finally accepted, in the same unit of work that copies the photos into
the case's evidence and deletes them after commit. While the farmer is still correcting the
form there is no row at all, so those photos are kept by their age alone: a form left for more
than a day is abandoned, and its photos go with the next sweep.

Keys are opaque and server-made, but they are never logged with anything else: log lines here
carry counts only.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable

from sqlalchemy import select

from core.extensions import db
from core.filestore import FileMissing, is_key, store
from models import AuditArchive, EventEvidence, Job, LedgerItem, PhotoUpload, Visit
from services.errors import NotFound
from services.platform import outbox

log = logging.getLogger("shoudi.files")

DELETE_KIND = "file.delete"
SWEEP_AGE = timedelta(days=1)
_BATCH = 500
# Every column that holds a file-store key.
KEY_COLUMNS = (PhotoUpload.stored_name, PhotoUpload.thumb_name, Visit.signature_file, AuditArchive.file_key,
               EventEvidence.stored_name, Job.result_key, LedgerItem.evidence_key)


# --- serving ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ServedFile:
    """A stored file ready to be answered: its bytes and the validators for conditional GETs."""

    content: bytes
    content_type: str
    etag: str
    modified: datetime | None = None
    download_name: str | None = None


def served(key: str, content_type: str, *, modified: datetime | None = None,
           download_name: str | None = None, etag: str | None = None) -> ServedFile:
    """The file stored under ``key``; NotFound when it is gone. The caller checks the scope."""
    try:
        content = store().get(key)
    except FileMissing:
        raise NotFound("stored file") from None
    return ServedFile(content, content_type, etag or hashlib.sha256(content).hexdigest()[:32],
                      modified, download_name)


# --- deleting after commit -------------------------------------------------------------------

def delete_after_commit(keys: Iterable[str]) -> None:
    """Delete these files once the current unit of work commits (never if it rolls back)."""
    keys = sorted({key for key in keys if key})
    if not keys:
        return
    if not all(is_key(key) for key in keys):
        raise ValueError("invalid file key")
    outbox.add(DELETE_KIND, keys=keys)


@outbox.handler(DELETE_KIND)
def _delete(payload: dict) -> None:
    keys = [key for key in payload.get("keys", ()) if is_key(key)]
    # A key named again by a row since (it never happens by design) is kept: losing a file is
    # worse than keeping one.
    kept = referred(keys)
    for key in keys:
        if key not in kept:
            store().delete(key)  # already gone: fine, the handler may run twice


# --- the sweep -------------------------------------------------------------------------------

def referred(keys: Iterable[str]) -> set[str]:
    """Those of ``keys`` that some row refers to."""
    keys = list(keys)
    found: set[str] = set()
    for start in range(0, len(keys), _BATCH):
        batch = keys[start:start + _BATCH]
        for column in KEY_COLUMNS:
            found.update(db.session.execute(select(column).where(column.in_(batch))).scalars())
    return found


def sweep_orphans(now: datetime, older_than: timedelta = SWEEP_AGE,
                  progress: Callable[[int, int], None] | None = None) -> int:
    """Delete stored files that no row refers to and that are older than ``older_than``.

    Younger files are left alone: their row may not be committed yet (a request stores its
    files first), or they are a form's kept photos. Returns how many files were deleted.
    Anything in the store that is not a server-made key is never touched.
    """
    if now.tzinfo is None:  # the store's times are UTC
        now = now.replace(tzinfo=timezone.utc)
    cutoff = now - older_than
    candidates = [key for key, modified in store().list() if modified < cutoff and is_key(key)]
    total, deleted = len(candidates), 0
    if progress is not None:
        progress(0, total)
    for start in range(0, total, _BATCH):
        batch = candidates[start:start + _BATCH]
        kept = referred(batch)
        for key in batch:
            if key not in kept:
                store().delete(key)
                deleted += 1
        if progress is not None:
            progress(min(start + _BATCH, total), total)
    log.info("file sweep: %d old files checked, %d orphans deleted", total, deleted)
    return deleted
