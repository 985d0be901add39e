"""Reading the audit log: search with paging and the .xlsx export (a job). The retention job that
archives old entries is ``services.platform.audit_archive``.

Who reads it: auditors (审计监督人员, bound to a province, city or county) see the entries of
the people whose account lies in their region's subtree; admins see every entry, including
those with no person (a farmer's self-report, a failed login for an unknown name, the system).
Nobody else (PermissionDenied). Reading is itself audited: each page of results, each export
and each archive download writes an entry, whose detail names the filters by ids and codes
only (a typed name is resolved to account ids first, and never recorded or put in an address).

The log grows without end, so every query stands on an indexed column: the person (``user_id``),
the object (``object_type, object_id``), the time (``at``) and the id for the order and the
pages (keyset paging, newest first: a page is the next ``PAGE_SIZE`` ids below or above one it
names, never an offset). Totals are not counted on the page.

"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable, Mapping

from openpyxl import Workbook
from sqlalchemy import Select, exists, func, or_, select, true

from core.clock import WORK_TZ
from core.extensions import db
from domain import numbers
from domain.audit_labels import ACTIONS, OBJECT_TYPES, action_label, object_label
from domain.enums import Role
from domain.jobs import JobKind
from models import AuditLog, Job, Region, User
from services.accounts import scoping
from services.errors import NotFound, PermissionDenied
from services.platform import audit, jobs

READERS = frozenset({Role.ADMIN, Role.AUDITOR})
PAGE_SIZE = 50
MAX_PERSONS = 50          # accounts one typed name may stand for (people sharing a name)
EXPORT_LIMIT = 1_000_000  # an .xlsx sheet holds 1,048,576 rows
EXPORT_BATCH = 2000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LARGEST_ID = 2**31 - 1
_FIRST_YEAR, _LAST_YEAR = 2000, 2999
_ACTION_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz_")


def may_read(user: User) -> bool:
    return user.role_enum in READERS


def require_reader(user: User) -> None:
    if not may_read(user):
        raise PermissionDenied("审计日志仅供审计监督人员和系统管理员查看")


def is_admin(user: User) -> bool:
    return user.role_enum is Role.ADMIN


# --- filters ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    user_ids: tuple[int, ...] = ()
    object_type: str = ""
    object_id: int | None = None
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def args(self) -> dict[str, object]:
        """As query-string arguments (and a job's parameters): ids, codes and dates only."""
        values = {"user": [str(i) for i in self.user_ids], "object_type": self.object_type,
                  "object_id": str(self.object_id) if self.object_id else "", "action": self.action,
                  "from": self.date_from.isoformat() if self.date_from else "",
                  "to": self.date_to.isoformat() if self.date_to else ""}
        return {k: v for k, v in values.items() if v}

    def describe(self) -> str:
        """For the audit entry of a search or an export (no personal data: ids and codes)."""
        parts = []
        if self.user_ids:
            parts.append("user=" + ",".join(str(i) for i in self.user_ids))
        if self.object_type:
            parts.append(f"object={self.object_type}:{self.object_id or '*'}")
        if self.action:
            parts.append(f"action={self.action}")
        if self.date_from:
            parts.append(f"from={self.date_from.isoformat()}")
        if self.date_to:
            parts.append(f"to={self.date_to.isoformat()}")
        return " ".join(parts) or "all"


def _getlist(source: Mapping, name: str) -> list[str]:
    if hasattr(source, "getlist"):
        return list(source.getlist(name))
    value = source.get(name)
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]


def _text(source: Mapping, name: str) -> str:
    value = source.get(name)
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    return str(value or "").strip()


def _day(text: str, label: str, name: str, errors: dict[str, str]) -> date | None:
    if not text:
        return None
    if len(text) == 10 and text[4] == "-" and text[7] == "-" and all(
            numbers.is_digits(part, 4) for part in (text[:4], text[5:7], text[8:])):
        try:
            day = date(int(text[:4]), int(text[5:7]), int(text[8:]))
        except ValueError:
            day = None
        if day is not None and _FIRST_YEAR <= day.year <= _LAST_YEAR:
            return day
        if day is not None:
            errors[name] = f"{label}应在 {_FIRST_YEAR} 年到 {_LAST_YEAR} 年之间"
            return None
    errors[name] = f"{label}不是有效的日期，格式应为 年-月-日，例如 2026-11-20"
    return None


def _common(source: Mapping, errors: dict[str, str]) -> dict:
    """The fields the form and the address share: object, action and dates."""
    object_type = _text(source, "object_type")
    if object_type and object_type not in OBJECT_TYPES:
        errors["object_type"] = "对象类型无效"
        object_type = ""
    object_text = _text(source, "object_id")
    object_id = None
    if object_text:
        object_id = numbers.whole(object_text, 1, LARGEST_ID)
        if object_id is None:
            errors["object_id"] = "对象编号应为正整数（系统内的编号，如农户 12、案件 7）"
        elif not object_type and "object_type" not in errors:
            errors["object_type"] = "按对象编号查找时，请选择对象类型"
    action = _text(source, "action")
    if action and (len(action) > 32 or not set(action) <= _ACTION_CHARS):
        errors["action"] = "操作类型无效"
        action = ""
    date_from = _day(_text(source, "from"), "开始日期", "from", errors)
    date_to = _day(_text(source, "to"), "结束日期", "to", errors)
    if date_from and date_to and date_from > date_to:
        errors["to"] = "结束日期不能早于开始日期"
    return {"object_type": object_type, "object_id": object_id if object_type else None, "action": action,
            "date_from": date_from, "date_to": date_to}


def _people(actor: User) -> Select:
    """The ids of the accounts whose entries ``actor`` may read (admins: every account)."""
    if is_admin(actor):
        return select(User.id)
    return scoping.users(actor).with_only_columns(User.id)


def read_query(actor: User, source: Mapping) -> tuple[Filters, dict[str, str]]:
    """Filters from an address or a job's parameters (persons as account ids). Bad values are
    field errors; an account outside the reader's scope is NotFound, as an unknown one."""
    require_reader(actor)
    errors: dict[str, str] = {}
    ids: list[int] = []
    for text in _getlist(source, "user")[:MAX_PERSONS + 1]:
        value = numbers.whole(str(text).strip(), 1, LARGEST_ID)
        if value is None or len(ids) >= MAX_PERSONS:
            errors["person"] = "人员编号无效"
            ids = []
            break
        if value not in ids:
            ids.append(value)
    if ids:
        found = set(db.session.execute(_people(actor).where(User.id.in_(ids))).scalars())
        if found != set(ids):
            raise NotFound("account not in scope")
    return Filters(user_ids=tuple(sorted(ids)), **_common(source, errors)), errors


def read_form(actor: User, form: Mapping) -> tuple[Filters, dict[str, str]]:
    """Filters from the search form: the person typed as a login name or a name, resolved to
    the ids of the accounts in the reader's scope."""
    require_reader(actor)
    errors: dict[str, str] = {}
    ids: tuple[int, ...] = ()
    typed = _text(form, "person")
    if typed:
        if len(typed) > 64 or not typed.isprintable():
            errors["person"] = "人员应填写登录名或姓名（不超过64个字）"
        else:
            found = list(db.session.execute(
                _people(actor).where(or_(User.username == typed, User.full_name == typed))
                .order_by(User.id).limit(MAX_PERSONS)).scalars())
            if not found:
                errors["person"] = "没有找到这个人员（请填写登录名或姓名），或其账号不在您的管辖范围内"
            ids = tuple(found)
    return Filters(user_ids=ids, **_common(form, errors)), errors


def person_text(filters: Filters) -> str:
    """What the person field shows for filters read from an address: the login name of one
    account, or the name shared by several."""
    if not filters.user_ids:
        return ""
    rows = db.session.execute(select(User.username, User.full_name).where(User.id.in_(filters.user_ids))).all()
    if len(rows) == 1:
        return rows[0].username
    return rows[0].full_name if rows else ""


def read_cursor(source: Mapping) -> tuple[str, int | None, str | None]:
    """The page: ("before", id) for older entries, ("after", id) for newer ones, or the newest
    page; and a message when the page asked for cannot be read (the newest page is shown)."""
    for direction in ("before", "after"):
        text = _text(source, direction)
        if text:
            value = numbers.whole(text, 1, LARGEST_ID)
            if value is None:
                return "", None, "页码无效，已显示最新的记录"
            return direction, value, None
    return "", None, None


def _bounds(day: date) -> datetime:
    """Midnight at the start of ``day`` in China, in UTC (how ``at`` is stored)."""
    return datetime.combine(day, time.min, tzinfo=WORK_TZ).astimezone(timezone.utc)


def _in_scope(actor: User):
    """The entry's account lies in the reader's subtree: checked row by row (two primary-key
    lookups) while the entries are read newest first, so a page stops after ``PAGE_SIZE``
    matches. (``user_id IN (the accounts)`` would make SQLite gather and sort every entry of
    the whole region first.)"""
    return exists().where(User.id == AuditLog.user_id, Region.id == User.region_id,
                          scoping.region_condition(actor))


def conditions(actor: User, filters: Filters) -> list:
    """The WHERE of a reader's search: scope and filters, each on an indexed column."""
    found = [] if is_admin(actor) else [_in_scope(actor)]
    if filters.user_ids:
        found.append(AuditLog.user_id.in_(filters.user_ids))
    if filters.object_type:
        found.append(AuditLog.object_type == filters.object_type)
        if filters.object_id:
            found.append(AuditLog.object_id == str(filters.object_id))
    if filters.action:
        found.append(AuditLog.action == filters.action)
    if filters.date_from:
        found.append(AuditLog.at >= _bounds(filters.date_from))
    if filters.date_to:
        found.append(AuditLog.at < _bounds(filters.date_to + timedelta(days=1)))
    return found or [true()]


# --- the page --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    id: int
    at: str            # China time
    person: str
    role: str
    action: str
    action_code: str
    object: str
    object_id: str
    ip: str
    detail: str


@dataclass(frozen=True)
class LogPage:
    entries: list[Entry]
    older: int | None   # ``before`` for the next (older) page, if there is one
    newer: int | None   # ``after`` for the previous (newer) page, if there is one
    newest: bool        # the first page (no cursor)


_COLUMNS = (AuditLog.id, AuditLog.at, AuditLog.user_id, AuditLog.role, AuditLog.action, AuditLog.object_type,
            AuditLog.object_id, AuditLog.ip, AuditLog.detail)


def search(actor: User, filters: Filters, *, direction: str = "", cursor: int | None = None) -> LogPage:
    """One page of the entries the reader may see, newest first; audited with its filters.
    ``before`` an id: the page of older entries below it; ``after`` an id: the newer ones above."""
    require_reader(actor)
    where = conditions(actor, filters)
    base = select(*_COLUMNS).where(*where)
    if direction == "after" and cursor:
        rows = db.session.execute(base.where(AuditLog.id > cursor).order_by(AuditLog.id.asc())
                                  .limit(PAGE_SIZE + 1)).all()
        more_newer = len(rows) > PAGE_SIZE
        rows = list(reversed(rows[:PAGE_SIZE]))
        more_older = bool(rows) and _any(where, AuditLog.id < rows[-1].id)
    elif direction == "before" and cursor:
        rows = db.session.execute(base.where(AuditLog.id < cursor).order_by(AuditLog.id.desc())
                                  .limit(PAGE_SIZE + 1)).all()
        more_older = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        more_newer = bool(rows) and _any(where, AuditLog.id > rows[0].id)
    else:
        direction, cursor = "", None
        rows = db.session.execute(base.order_by(AuditLog.id.desc()).limit(PAGE_SIZE + 1)).all()
        more_older, more_newer = len(rows) > PAGE_SIZE, False
        rows = rows[:PAGE_SIZE]
    if not rows and direction:  # nothing beyond that id: the newest page instead
        return search(actor, filters)
    entries = _entries(rows)
    page = f" {direction}={cursor}" if direction else ""
    audit.record(actor, "read", "audit_log", None, f"{filters.describe()}{page}: {len(entries)} shown")
    return LogPage(entries=entries, older=rows[-1].id if more_older else None,
                   newer=rows[0].id if more_newer else None, newest=not direction)


def _any(where: list, condition) -> bool:
    return db.session.execute(select(AuditLog.id).where(*where, condition).limit(1)).first() is not None


def _people_names(user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = db.session.execute(select(User.id, User.username, User.full_name).where(User.id.in_(user_ids)))
    return {r.id: f"{r.full_name}（{r.username}）" for r in rows}


def _role_label(code: str | None) -> str:
    if not code:
        return ""
    try:
        return Role(code).label
    except ValueError:
        return code


def _entries(rows) -> list[Entry]:
    names = _people_names({r.user_id for r in rows if r.user_id is not None})
    return [Entry(id=r.id, at=r.at.astimezone(WORK_TZ).strftime("%Y-%m-%d %H:%M:%S"),
                  person=names.get(r.user_id, f"账号 {r.user_id}") if r.user_id is not None else "（无账号：农户或系统）",
                  role=_role_label(r.role), action=action_label(r.action), action_code=r.action,
                  object=object_label(r.object_type), object_id=r.object_id or "", ip=r.ip or "",
                  detail=r.detail or "") for r in rows]


def choices() -> dict[str, list[tuple[str, str]]]:
    return {"object_type": list(OBJECT_TYPES.items()), "action": list(ACTIONS.items())}


# --- the export ------------------------------------------------------------------------------

def start_export(actor: User, filters: Filters) -> Job:
    """The search's entries as an .xlsx, written by a job; only its starter downloads it."""
    require_reader(actor)
    return jobs.start(JobKind.AUDIT_EXPORT, actor, actor.region, filters=filters.args())


EXPORT_TITLES = ("编号", "时间（北京时间）", "人员", "角色", "操作", "操作代码", "对象类型", "对象编号", "IP 地址", "说明")


def export_xlsx(actor: User, filters: Filters,
                progress: Callable[[int, int], None] | None = None) -> tuple[bytes, int]:
    """(the workbook, entries written): newest first, at most ``EXPORT_LIMIT`` entries."""
    require_reader(actor)
    where = conditions(actor, filters)
    total = min(EXPORT_LIMIT, db.session.execute(
        select(func.count()).select_from(AuditLog).where(*where)).scalar_one())
    book = Workbook(write_only=True)
    sheet = book.create_sheet("审计日志")
    sheet.append([f"审计日志导出（条件：{filters.describe()}）"])
    sheet.append(list(EXPORT_TITLES))
    written, cursor = 0, None
    while written < total:
        query = select(*_COLUMNS).where(*where)
        if cursor is not None:
            query = query.where(AuditLog.id < cursor)
        rows = db.session.execute(query.order_by(AuditLog.id.desc())
                                  .limit(min(EXPORT_BATCH, total - written))).all()
        if not rows:
            break
        for e in _entries(rows):
            sheet.append([e.id, e.at, e.person, e.role, e.action, e.action_code, e.object, e.object_id, e.ip,
                          e.detail])
        written += len(rows)
        cursor = rows[-1].id
        if progress is not None:
            progress(written, total)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), written


@jobs.runner(JobKind.AUDIT_EXPORT)
def _export(job: Job, progress: jobs.Progress) -> jobs.JobResult:
    user = job.user
    if user is None or not user.active or not may_read(user):
        raise jobs.JobFailed("发起导出的账号已停用或已不能查看审计日志")
    try:
        filters, errors = read_query(user, job.params.get("filters", {}))
    except NotFound:
        raise jobs.JobFailed("所选人员已不在您的管辖范围内") from None
    if errors:
        raise jobs.JobFailed("导出条件无效，请重新查找后再导出")
    data, written = export_xlsx(user, filters, progress)
    audit.record(user, "export", "audit_log", None, f"xlsx: {written} entries; {filters.describe()}")
    limited = f"（只导出最新的 {EXPORT_LIMIT} 条）" if written >= EXPORT_LIMIT else ""
    return jobs.JobResult(message=f"共 {written} 条{limited}", data=data, content_type=XLSX,
                          filename=f"审计日志-{user.region.name}-{job.created_at.astimezone(WORK_TZ):%Y%m%d}.xlsx")
