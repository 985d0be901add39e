"""The farmer's self-report (自主申报) and the grid worker's report on a farmer's behalf (代申报).

Submitting is quick: the report is checked, and the form's row (unique by its one-time
token, the report encrypted, with its consent: when, which wording, which channel, and for
代申报 the worker who took it) and an outbox row are written; nothing else. A double tap, a
resend or two simultaneous posts end on the same row. Once that commits, the queue records
it (``record``): a report about a household whose case is still open joins that case,
otherwise a case is opened with its lookup code. Until then the farmer's page says it is being
recorded and refreshes itself, usually for less than a second.
"""
from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from core.extensions import db
from core.filestore import FileMissing, store
from domain.consent import CONSENT_VERSION, PROXY_REPORT_CHANNEL, SELF_REPORT_CHANNEL
from domain.enums import CaseSource, Role
from domain.selfreport import MAX_PHOTOS, CleanReport, ReportInput, check_report
from models import ConsentWording, FormSubmission, Household, Member, Region, User
from models.personal import ID_NUMBER, PHONE, blind_index
from models.types import utcnow
from services.accounts import scoping
from services.errors import ValidationFailed
from services.farmer import consent
from services.farmer.tracking import phone_on_file
from services.platform import files, outbox
from services.regions import tree
from services.platform.photos import Photo, PhotoRejected, process_photo
from services.workflow import cases
from services.workflow.cases import Evidence

PROXY_ROLES = (Role.GRID_WORKER.value, Role.VILLAGE_STAFF.value)
# 代申报 names a village of the worker's own village (scoping.may_report_at).
OUTSIDE_VILLAGE = "只能为自己负责的村代申报"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


@dataclass(frozen=True)
class Submitted:
    case_id: int | None  # None: received, still being recorded by the queue
    lookup_code: str | None  # None: not yet, or (代申报 only) the case's code is not shown (``show_code``)
    joined: bool  # told that it joined the household's open case: 代申报 within the worker's area only
    resent: bool = False  # the token had been used: the first submission's answer again

    @property
    def recorded(self) -> bool:
        return self.case_id is not None


def new_form_token() -> str:
    return secrets.token_urlsafe(24)


def valid_token(token: str | None) -> bool:
    return bool(token and _TOKEN.match(token))


def result_for_token(token: str) -> Submitted | None:
    if not valid_token(token):
        return None
    row = db.session.execute(select(FormSubmission).where(FormSubmission.token == token)).scalar_one_or_none()
    if row is None:
        return None
    if row.case_id is None:
        return Submitted(None, None, False, resent=True)
    return Submitted(row.case_id, row.case.lookup_code if row.show_code else None, row.joined, resent=True)


def pending_photo_count(token: str) -> int:
    return len(_pending_keys(token))


def submit(raw: ReportInput, uploads: list[bytes] | None, token: str, today: date,
           actor: User | None = None) -> Submitted:
    """Check the report and hand it to the queue. Raises ValidationFailed with a message per
    field; a token already used answers with that submission's result.

    Photos that passed the checks are kept with the token while the farmer corrects other
    fields, so they need not be chosen again. ``uploads`` None means the channel takes no
    photos at all (the JSON API): nothing is kept or looked for in the file store.
    """
    if not valid_token(token):
        raise ValidationFailed({"": "页面已过期，请重新打开申报页面"})
    if uploads is not None:  # a form with photos: a resend must not store them again
        earlier = result_for_token(token)
        if earlier is not None:
            return earlier
    clean, errors = check_report(raw, today)
    photo_error = _keep_photos(token, uploads) if uploads is not None else None
    if photo_error:
        errors["photos"] = photo_error
    village_id = _village_id(raw.village_code, errors)
    if actor is not None and village_id is not None and not (
            actor.role in PROXY_ROLES and scoping.may_report_at(actor, db.session.get(Region, village_id))):
        errors["village_code"] = OUTSIDE_VILLAGE
    if errors:
        earlier = result_for_token(token)  # a resend of an accepted form is not re-checked
        if earlier is not None:
            return earlier
        raise ValidationFailed(errors)
    try:
        # Of two requests with this token, the second waits here, then fails.
        row_id, version = db.session.execute(_INSERT_SUBMISSION, {
            "token": token, "region_id": village_id, "actor_id": actor.id if actor else None,
            "reported_on": today, "report": _to_json(clean, photos=uploads is not None),
            "consent_at": utcnow(), "consent_channel": PROXY_REPORT_CHANNEL if actor else SELF_REPORT_CHANNEL,
            "consent_taken_by_id": actor.id if actor else None, "wording": CONSENT_VERSION}).one()
    except IntegrityError:
        db.session.rollback()
        earlier = result_for_token(token)
        if earlier is not None:
            return earlier
        if db.session.get(Region, village_id) is None:  # merged away since this process looked
            tree.forget_village_codes()
            raise ValidationFailed({"": "村的代码刚刚调整过，请再提交一次"}) from None
        raise ValidationFailed({"": "这份申报正在提交，请稍候刷新页面"}) from None
    if version is None:  # the first report under this wording: put the wording on file
        consent.ensure_current_wording()
        db.session.execute(update(_SUBMISSIONS).where(_SUBMISSIONS.c.id == row_id)
                           .values(consent_version=CONSENT_VERSION))
    outbox.add("report.record", submission_id=row_id)
    return Submitted(None, None, False)


# Every self-report writes this row and nothing else reads it back in the request: one INSERT
# built once (an ORM flush of it cost as much as the rest of the request's statements). Its
# consent names the wording's version only if that wording is on file (the foreign key), found
# in the same statement: NULL means this is the first report under it (see above).
_SUBMISSIONS = FormSubmission.__table__
_INSERT_SUBMISSION = (
    insert(_SUBMISSIONS)
    .values(consent_version=select(ConsentWording.version)
            .where(ConsentWording.version == bindparam("wording")).scalar_subquery())
    .returning(_SUBMISSIONS.c.id, _SUBMISSIONS.c.consent_version))


def _to_json(clean: CleanReport, photos: bool) -> str:
    data = asdict(clean)
    data["income"] = None if clean.income is None else str(clean.income)
    data["photos"] = photos
    return json.dumps(data, ensure_ascii=False)


def _from_json(text: str) -> tuple[CleanReport, bool]:
    data = json.loads(text)
    photos = data.pop("photos")
    data["risk_types"] = tuple(data["risk_types"])
    data["income"] = None if data["income"] is None else Decimal(data["income"])
    return CleanReport(**data), photos


@outbox.handler("report.record")
def _record_submission(payload: dict) -> None:
    row = db.session.get(FormSubmission, payload["submission_id"])
    if row is None or row.case_id is not None:  # recorded already
        return
    record(row)


def record(row: FormSubmission) -> None:
    """Record a received report as a case, or join it to the household's open case.

    Whoever sends a farmer's own report (no account) gets the same answer either way: a lookup
    code of their own. Their words join the open case for staff, but they follow their own
    record, never the other case (``cases.keep_joined_report``), so typing a neighbour's ID
    number tells nothing about the neighbour. A worker's 代申报 is told that it joined, with the
    case's code if the phone given is on file for it, when the case lies in the worker's area.
    """
    clean, photos = _from_json(row.report)
    actor = db.session.get(User, row.actor_id) if row.actor_id else None
    source = CaseSource.PROXY_REPORT if actor is not None else CaseSource.SELF_REPORT
    pending_keys, pending_photos = _load_pending(row.token) if photos else ([], [])
    evidence = [Evidence(f"申报照片{i + 1}", data, "image/jpeg") for i, data in enumerate(pending_photos)]
    given = consent.of_submission(row)
    report_data = {"consent": given.as_data()} if given else {}
    household = _household_of(clean.id_number)
    open_case = cases.find_open_case(household=household) if household else None
    open_case = open_case or cases.find_open_case(id_number=clean.id_number)
    if actor is not None and not _may_report_for(actor, household):
        # 代申报 naming the ID number of a household registered beyond the worker's village: the
        # worker is answered as for any new report (no oracle) and never reaches that record. The
        # report stays in the village the form named; an open case of that household still gets
        # it as a report of its own merged into it, for staff (``keep_joined_report``).
        household = None
    if open_case is None:
        row.case, row.joined, row.show_code = cases.open_case(
            actor, household.region if household else _village_of(row, clean), source, today=row.reported_on,
            risk_types=list(clean.risk_types), words=clean.description, urgent=clean.urgent,
            household=household, claimed_name=clean.name, claimed_id_number=clean.id_number,
            claimed_phone=clean.phone, evidence=evidence,
            reported_household_size=clean.household_size, reported_income=clean.income,
            with_lookup_code=True, report_data=report_data), False, True
    elif actor is not None and scoping.in_scope(actor, open_case.region):
        cases.join_report(actor, open_case, source, words=clean.description, risk_types=list(clean.risk_types),
                          urgent=clean.urgent, evidence=evidence, report_data=report_data)
        row.case, row.joined = open_case, True
        row.show_code = phone_on_file(open_case, blind_index(PHONE, clean.phone))
        if row.show_code:
            cases.give_lookup_code(open_case)
    else:
        row.case, row.joined, row.show_code = cases.keep_joined_report(
            actor, open_case, household.region if household else _village_of(row, clean), source,
            today=row.reported_on, words=clean.description, risk_types=list(clean.risk_types),
            urgent=clean.urgent, household=household, claimed_name=clean.name,
            claimed_id_number=clean.id_number, claimed_phone=clean.phone, evidence=evidence,
            reported_household_size=clean.household_size, reported_income=clean.income,
            report_data=report_data), False, True
    row.report = None  # recorded in the case: the copy in the form's row is not kept
    db.session.flush()
    if pending_keys:
        files.delete_after_commit(pending_keys)  # copied into the evidence; kept if this rolls back


def _village_id(code: str, errors: dict) -> int | None:
    if "village_code" in errors:
        return None
    village_id = tree.village_id_for_code(code.strip())
    if village_id is None:
        errors["village_code"] = "没有找到这个村，请重新选择"
    return village_id


def _village_of(row: FormSubmission, clean: CleanReport) -> Region:
    """The row's village; if it was merged away after the request took its id from a process's
    memory (a database that checks no foreign keys kept the row), the village its code names now."""
    return row.region or tree.resolve_code(clean.village_code)


def _may_report_for(actor: User, household: Household | None) -> bool:
    """Whether a worker's 代申报 may name this registered household (None: not registered)."""
    return household is None or scoping.may_report_at(actor, household.region)


def _household_of(id_number: str) -> Household | None:
    member = db.session.execute(select(Member).where(
        Member.id_number_index == blind_index(ID_NUMBER, id_number))).scalar_one_or_none()
    return member.household if member else None


# --- photos kept with the form token between attempts ------------------------------------------
# Stored under pending/<digest of the token>/<n>.jpg: the token itself (which answers a resend
# with the lookup code) never appears in the store. No row refers to them (the form's row is
# written only when it is accepted), so a form abandoned for a day loses them to the sweep
# (services.platform.files).

def _pending_prefix(token: str) -> str:
    return f"pending/{hashlib.sha256(token.encode('ascii')).hexdigest()[:40]}/"


_PENDING_NAME = re.compile(r"^(\d{1,3})\.jpg$")


def _pending_keys(token: str) -> list[str]:
    """The form's kept photos, in the order they were chosen."""
    if not valid_token(token):
        return []
    numbered = []
    for key, _modified in store().list(_pending_prefix(token)):
        found = _PENDING_NAME.match(key.rsplit("/", 1)[1])
        if found:
            numbered.append((int(found.group(1)), key))
    return [key for _n, key in sorted(numbered)]


def _next_number(keys: list[str]) -> int:
    return int(_PENDING_NAME.match(keys[-1].rsplit("/", 1)[1]).group(1)) + 1 if keys else 0


def _keep_photos(token: str, uploads: list[bytes]) -> str | None:
    uploads = [data for data in uploads if data]
    kept = _pending_keys(token)
    if len(kept) + len(uploads) > MAX_PHOTOS:
        return f"最多上传{MAX_PHOTOS}张照片"
    processed: list[Photo] = []
    for data in uploads:
        try:
            processed.append(process_photo(data))
        except PhotoRejected as exc:
            return str(exc)
    for i, photo in enumerate(processed, start=_next_number(kept)):
        store().put(f"{_pending_prefix(token)}{i}.jpg", photo.content, photo.content_type)
    return None


def _load_pending(token: str) -> tuple[list[str], list[bytes]]:
    keys, contents = [], []
    for key in _pending_keys(token):
        try:
            contents.append(store().get(key))
        except FileMissing:  # swept just now (a form left for a day): go on without it
            continue
        keys.append(key)
    return keys, contents
