"""Recording visits and their photos, idempotently (the rule ODK Central uses).

A POST carrying a client UUID makes the record the first time; the same UUID with the same
content answers with the stored record again; the same UUID with other content is a conflict.
The unique constraint on the UUID, not a check-then-insert, settles concurrent duplicates:
the loser's transaction is rolled back whole (no savepoints: with SQLite's driver a released
savepoint commits) and the stored record is answered instead. A record is therefore the first
write of its request.
"""
from __future__ import annotations

import hashlib
import json
import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from core.clock import WORK_TZ
from core.extensions import db
from core.filestore import new_key, store
from domain import visit_proof
from domain.enums import MemberStatus
from domain.fieldwork import VisitMethod, remote_problems
from domain.screening import check_answers, net_income
from domain.workflow import Action, CaseState, TransitionRefused
from models import Case, Household, Member, PhotoUpload, User, Visit
from models.types import utcnow
from services.accounts import scoping
from services.errors import Conflict, NotFound, ValidationFailed
from services.platform import audit, files
from services.platform.photos import PhotoRejected, process_photo
from services.platform.signatures import SignatureRejected, clean_signature
from services.regions import settings
from services.workflow import cases
from services.workflow.cases import StepInput

MAX_VISIT_PHOTOS = 9


@dataclass
class VisitInput:
    client_uuid: str
    household_id: int
    method: str
    visited_at: str  # ISO 8601 with zone, from the phone
    case_id: int | None = None
    reached_person: str = ""
    reached_via: str = ""
    away_reason: str | None = None
    answers: dict = field(default_factory=dict)
    household_size: int | None = None
    income: dict = field(default_factory=dict)
    photos: list[str] = field(default_factory=list)  # client UUIDs of photos already uploaded
    gps: dict | None = None  # {"lat", "lng", "accuracy"}
    signature_png: str | None = None  # data URL of the signature drawn on screen
    signer_name: str = ""
    notes: str = ""

    def fingerprint(self) -> str:
        # The fields hold JSON values only, so they are encoded as they are: the same text as
        # asdict() gave (stored fingerprints still match), without copying every nested value.
        canonical = json.dumps(vars(self), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _valid_uuid(value: str) -> bool:
    try:
        return str(uuidlib.UUID(value)) == value.lower()
    except (ValueError, AttributeError, TypeError):
        return False


def _store(folder: str, content: bytes, suffix: str, content_type: str) -> str:
    """Store a file under a fresh server-made key; the key is what the row keeps."""
    key = new_key(folder, suffix)
    store().put(key, content, content_type)
    return key


def _discard(*keys: str) -> None:
    """Files of a row that was rolled back: nothing committed names them."""
    for key in keys:
        store().delete(key)


# --- photos ------------------------------------------------------------------------------------

def upload_photo(actor: User, client_uuid: str, data: bytes) -> tuple[PhotoUpload, bool]:
    """(the photo, created?) — a retry of the same upload returns the first record."""
    if not _valid_uuid(client_uuid):
        raise ValidationFailed({"client_uuid": "缺少或无效的客户端编号（UUID）"})
    raw_sha = hashlib.sha256(data).hexdigest()
    existing = _photo(client_uuid)
    if existing is not None:
        return _same_photo(existing, actor, raw_sha), False
    try:
        photo = process_photo(data)
    except PhotoRejected as exc:
        raise ValidationFailed({"file": str(exc)}) from None
    row = PhotoUpload(client_uuid=client_uuid, raw_sha256=raw_sha, user_id=actor.id,
                      stored_name=_store("photos", photo.content, ".jpg", "image/jpeg"),
                      thumb_name=_store("thumbs", photo.thumbnail, ".jpg", "image/jpeg"),
                      width=photo.width, height=photo.height)
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:  # a simultaneous retry stored it first: drop our copy of the files
        db.session.rollback()
        _discard(row.stored_name, row.thumb_name)
        return _same_photo(_photo(client_uuid), actor, raw_sha), False
    audit.record(actor, "create", "photo", row.id)
    return row, True


def _photo(client_uuid: str) -> PhotoUpload | None:
    return db.session.execute(select(PhotoUpload).where(PhotoUpload.client_uuid == client_uuid)).scalar_one_or_none()


def _same_photo(existing: PhotoUpload, actor: User, raw_sha: str) -> PhotoUpload:
    if existing.user_id != actor.id:
        raise NotFound("photo of another user")
    if existing.raw_sha256 != raw_sha:
        raise Conflict("该编号的照片已存在，内容不同")
    return existing


def photo_for(actor: User, client_uuid: str) -> PhotoUpload:
    """A photo the user may see: their own upload, or one attached to a visit in scope."""
    row = _photo(client_uuid)
    if row is None:
        raise NotFound("no such photo")
    if row.user_id != actor.id and (row.visit is None or not scoping.in_scope(actor, row.visit.household.region)):
        raise NotFound("photo outside scope")
    return row


def photo_file(actor: User, client_uuid: str, *, thumbnail: bool = False) -> files.ServedFile:
    """The stored JPEG (or its thumbnail) of a photo the user may see; NotFound otherwise."""
    row = photo_for(actor, client_uuid)
    return files.served(row.thumb_name if thumbnail else row.stored_name, "image/jpeg",
                        modified=row.created_at)



def visit_photo_file(actor: User, photo_id: int, *, thumbnail: bool) -> files.ServedFile:
    """The stored JPEG of a visit photo whose household is in the reader's scope (the household
    page); the read is audited. NotFound for a missing photo, one not attached to a visit, or one
    outside scope."""
    photo = db.session.get(PhotoUpload, photo_id)
    if photo is None or photo.visit is None:
        raise NotFound("photo")
    household_id = photo.visit.household_id
    scoping.require(actor, Household, household_id)
    stored = photo.thumb_name if thumbnail else photo.stored_name
    found = files.served(stored, "image/jpeg", modified=photo.created_at)
    audit.record(actor, "read", "photo", photo.id, f"household={household_id} {'thumbnail' if thumbnail else 'full'}")
    return found


def visit_signature_file(actor: User, visit_id: int) -> files.ServedFile:
    """The drawn signature (PNG) of a visit whose household is in the reader's scope (the household
    page), like ``visit_photo_file``; the read is audited. NotFound for a missing visit, one
    without a signature, or one outside scope."""
    visit = db.session.get(Visit, visit_id)
    if visit is None or not visit.signature_file:
        raise NotFound("signature")
    scoping.require(actor, Household, visit.household_id)
    found = files.served(visit.signature_file, "image/png", modified=visit.created_at)
    audit.record(actor, "read", "signature", visit.id, f"household={visit.household_id}")
    return found


def signature_file(actor: User, client_uuid: str) -> files.ServedFile:
    """The drawn signature of a visit the user may read (``visit_for``); audited. NotFound when
    the visit has none."""
    visit = visit_for(actor, client_uuid)
    if not visit.signature_file:
        raise NotFound("signature")
    found = files.served(visit.signature_file, "image/png", modified=visit.created_at)
    audit.record(actor, "read", "signature", visit.id, f"household={visit.household_id}")
    return found


# --- visits ------------------------------------------------------------------------------------

def record_visit(actor: User, data: VisitInput, *, now: datetime | None = None) -> tuple[Visit, bool]:
    """(the visit, created?). A visit that verifies a case completes its verification step.

    ``now`` is when the record arrived (the server's clock unless given): the visit's time is
    judged against it (``domain.visit_proof``) and it is stored as the row's ``created_at``.

    A resend is not looked up first: most visits are new, and a resend shows itself by failing,
    either a check (its photos are attached already, its case has moved on, it is too old by now)
    or the insert (its UUID is taken). Only then is the stored visit read and answered."""
    if not _valid_uuid(data.client_uuid):
        raise ValidationFailed({"client_uuid": "缺少或无效的客户端编号（UUID）"})
    fingerprint = data.fingerprint()
    arrived = now or utcnow()
    try:
        values, photos, case, signature, step = _checked_visit(actor, data, fingerprint, arrived)
    except (NotFound, ValidationFailed, TransitionRefused):
        existing = _visit(data.client_uuid)
        if existing is None:
            raise
        return _same_visit(existing, actor, fingerprint), False
    try:
        # The household's scope is checked by the insert itself: one statement for both.
        visit_id = scoping.insert_for_household(actor, Visit.__table__, values)
    except IntegrityError:  # a resend, or a simultaneous retry recorded it first
        db.session.rollback()
        return _same_visit(_visit(data.client_uuid), actor, fingerprint), False
    if visit_id is None:  # the household is not in scope (or no longer, for a resend)
        existing = _visit(data.client_uuid)
        if existing is None:
            raise NotFound("household not in scope")
        return _same_visit(existing, actor, fingerprint), False
    visit = _inserted_visit(visit_id, values, photos, case)
    if signature is not None:
        # Stored once the row is sure, so a resend stores nothing; if the request fails later,
        # the orphan sweep removes the file.
        store().put(visit.signature_file, signature, "image/png")
    if step is not None:
        cases.perform(actor, case.id, Action.VERIFY, step, today=visit.visited_at.date())
    audit.record(actor, "create", "visit", visit_id, f"household={visit.household_id}")
    return visit, True


def _inserted_visit(visit_id: int, values: dict, photos: list[PhotoUpload], case: Case | None) -> Visit:
    """The row just inserted, as the session's object, without reading it back: made as if it
    had been loaded, with its photos and case known. The photos are attached at the flush.

    The visit is the grid worker's most frequent write: a prebuilt INSERT costs less than half
    of an ORM flush of the same row (21 columns, three relationships)."""
    visit = Visit(id=visit_id, **values)
    make_transient_to_detached(visit)
    db.session.add(visit)
    set_committed_value(visit, "photos", photos)
    set_committed_value(visit, "case", case)
    for photo in photos:
        photo.visit_id = visit_id
    return visit


def _checked_visit(actor: User, data: VisitInput, fingerprint: str, arrived: datetime
                   ) -> tuple[dict, list[PhotoUpload], Case | None, bytes | None, StepInput | None]:
    """The new visit's column values, its photos and case, its signature image, and the
    verification step it completes; or NotFound (the case), ValidationFailed or
    TransitionRefused, before anything is written. The household's scope is checked on insert."""
    case = scoping.get(actor, Case, data.case_id) if data.case_id is not None else None
    if case is not None and case.state_enum is CaseState.VERIFYING:
        cases.ensure_turn(actor, case, Action.VERIFY)  # another role's step: 409 before the fields
    fields, photos, signature = _check(actor, data, data.household_id, case, arrived)
    step = None
    if case is not None and case.state_enum is CaseState.VERIFYING:
        step = StepInput(comment=f"入户核实（{VisitMethod(fields['method']).label}）",
                         signed=bool(data.signature_png))
        cases.check(actor, case, Action.VERIFY, step, today=fields["visited_at"].date())
    values = dict(client_uuid=data.client_uuid, payload_sha256=fingerprint, household_id=data.household_id,
                  case_id=case.id if case is not None else None, worker_id=actor.id, created_at=arrived,
                  **fields)
    return values, photos, case, signature, step


def visit_for(actor: User, client_uuid: str) -> Visit:
    """A visit the user may read: their own, or one of a household in their scope (like
    ``photo_for``), with its photos and case loaded."""
    visit = db.session.execute(
        select(Visit).where(Visit.client_uuid == client_uuid)
        .options(selectinload(Visit.photos), selectinload(Visit.case), selectinload(Visit.household))
    ).scalar_one_or_none()
    if visit is None or (visit.worker_id != actor.id and not scoping.in_scope(actor, visit.household.region)):
        raise NotFound("visit outside scope")
    return visit


def visits_of(household: Household) -> list[Visit]:
    """The household's visits, newest first (for a record already read through
    ``records.read_household``)."""
    query = (select(Visit).where(Visit.household_id == household.id)
             .order_by(Visit.visited_at.desc(), Visit.id.desc()))
    return list(db.session.execute(query).scalars())


def _visit(client_uuid: str) -> Visit | None:
    return db.session.execute(select(Visit).where(Visit.client_uuid == client_uuid)).scalar_one_or_none()


def _same_visit(existing: Visit, actor: User, fingerprint: str) -> Visit:
    if existing.worker_id != actor.id:
        raise NotFound("visit of another user")
    if existing.payload_sha256 != fingerprint:
        raise Conflict("该编号的走访记录已存在，内容不同")
    return existing


def _own_photos(actor: User, uuids: list[str], errors: dict) -> list[PhotoUpload]:
    rows = [_photo(client_uuid) for client_uuid in uuids]
    if any(row is None or row.user_id != actor.id or row.visit_id is not None for row in rows):
        errors["photos"] = "有照片还没有上传成功，请先上传照片"
        return []
    return rows


def _check(actor: User, data: VisitInput, household_id: int, case: Case | None, arrived: datetime
           ) -> tuple[dict, list[PhotoUpload], bytes | None]:
    """The visit's columns, its photos and its signature image (to be stored under the key in
    ``signature_file``), or ValidationFailed with every problem found (NotFound when reading the
    household's settings finds it outside the actor's scope)."""
    errors: dict[str, str] = {}
    try:
        method = VisitMethod(data.method)
    except ValueError:
        errors["method"] = "请选择走访方式：入户、电话、微信、QQ或视频"
        method = None
    if method is not None:
        errors.update(remote_problems(method, data.reached_person or "", data.reached_via or "",
                                      data.away_reason))
    visited_at = _visit_time(actor, data, household_id, case, arrived, errors)
    answers, answer_errors = check_answers(data.answers)
    errors.update({f"answers.{k}": v for k, v in answer_errors.items()})
    size = data.household_size or _member_count(household_id) or 1
    income = None
    if any(str(v).strip() for v in (data.income or {}).values()):
        income, income_errors = net_income(data.income, size)
        errors.update({f"income.{k}": v for k, v in income_errors.items()})
    gps = _gps(data.gps, errors)
    if case is not None and case.household_id not in (None, household_id):
        errors["case_id"] = "这条线索不是这一户的"
    if len(data.photos) > MAX_VISIT_PHOTOS:
        errors["photos"] = f"每次走访最多{MAX_VISIT_PHOTOS}张照片"
    photos = _own_photos(actor, data.photos, errors)
    signature = _signature(data.signature_png, errors)
    if signature and not data.signer_name.strip():
        errors["signer_name"] = "请填写签字人姓名"
    if errors:
        raise ValidationFailed(errors)
    return dict(
        method=method.value, visited_at=visited_at,
        reached_person=data.reached_person.strip() or None if method.remote else None,
        reached_via=data.reached_via.strip() or None if method.remote else None,
        away_reason=data.away_reason if method.remote else None,
        answers=json.dumps(answers, ensure_ascii=False),
        should_monitor={"yes": True, "no": False}.get(answers.get("should_monitor")),
        household_size=size,
        income_items=json.dumps(data.income, ensure_ascii=False) if income else None,
        net_income=income.net_income if income else None,
        per_capita_income=income.per_capita if income else None,
        gps=gps, signature_file=new_key("signatures", ".png") if signature else None,
        signer_name=data.signer_name.strip() or None, notes=data.notes.strip() or None), photos, signature


def _member_count(household_id: int) -> int:
    """Counted, not loaded: loading the members would decrypt every one's ID number and phone.
    Only those present count (自然变更: who died or left stays on record)."""
    return db.session.execute(select(func.count(Member.id)).where(
        Member.household_id == household_id, Member.status == MemberStatus.PRESENT.value)).scalar_one()


def _parse_time(text: str, errors: dict) -> datetime | None:
    try:
        value = datetime.fromisoformat(str(text))
    except ValueError:
        errors["visited_at"] = "走访时间格式不对"
        return None
    if value.tzinfo is None:
        errors["visited_at"] = "走访时间缺少时区"
        return None
    try:
        in_utc = value.astimezone(timezone.utc)
    except (OverflowError, ValueError):  # year 1 with a zone east of UTC, year 9999 west of it
        in_utc = None
    if in_utc is None or not 2000 <= in_utc.year <= 2100:
        errors["visited_at"] = "走访时间不对，请检查手机的日期和时间"
        return None
    return value


def _visit_time(actor: User, data: VisitInput, household_id: int, case: Case | None, arrived: datetime,
                errors: dict) -> datetime | None:
    """The time to record, or None with the reason under ``visited_at`` (``domain.visit_proof``).

    The region's longest delay is read only for a visit that arrives days after it was made:
    the worker's usual visit, sent within the hour, costs no statement for it."""
    visited_at = _parse_time(data.visited_at, errors)
    if visited_at is None:
        return None
    max_delay = None
    if visit_proof.delay_may_matter(visited_at, arrived):
        max_delay = _policy(actor, household_id, case).visit_max_delay_days
    problem = visit_proof.time_problem(visited_at, arrived, zone=WORK_TZ, max_delay_days=max_delay,
                                       clue_date=case.clue_date if case is not None else None)
    if problem:
        errors["visited_at"] = problem
        return None
    return visit_proof.recorded_time(visited_at, arrived)


def _policy(actor: User, household_id: int, case: Case | None):
    """The settings of the visit's place: its case's region, or its household's (NotFound when
    the household is outside the actor's scope, as the insert would find)."""
    region = case.region if case is not None else scoping.get(actor, Household, household_id).region
    return settings.policy_for(region)


def _gps(gps: dict | None, errors: dict) -> str | None:
    if not gps:
        return None
    position = None
    if isinstance(gps, dict) and "lat" in gps and "lng" in gps:
        position = visit_proof.read_position(gps["lat"], gps["lng"], gps.get("accuracy"))
    if position is None:
        errors["gps"] = "定位数据无效"
        return None
    return visit_proof.stored_text(position)


def _signature(data_url: str | None, errors: dict) -> bytes | None:
    """The signature to store, decoded and redrawn (``services.platform.signatures``)."""
    if not data_url:
        return None
    try:
        return clean_signature(data_url)
    except SignatureRejected as exc:
        errors["signature_png"] = str(exc)
        return None
