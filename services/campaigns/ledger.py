"""附件4 问题整改台账: the rectification ledger of a campaign.

Each item names the unit that fixes it (单位), the village, optionally a household (its head;
the ID number masked on screen, in full only in the export), the problem type (the seven of
DOMAIN.md), the problem, the measure, the responsible person (a staff account in scope, or a
name typed) and a deadline. It is 整改中 until marked 已整改 with the day and a piece of evidence
(a PDF or a photo, checked by ``services.platform.uploads``, kept in the file store), and 已逾期
while still being fixed after its deadline (``domain.campaigns.ledger_status``). A village
problem of 附件2 goes on the ledger in one step, once (``source_problem_id`` is unique).

Village staff keep their village's items; township and county staff their area's. The list
shows the overdue items first. The daily reminder job tells the responsible person
(``services.notifications.reminders.ledger_reminders``).

The export (``services.campaigns.form4``) is the seed's layout.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Mapping

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from core.extensions import db
from core.filestore import new_key, store
from domain import numbers
from domain.campaigns import MAX_TEXT, TYPE_OF_AREA, LedgerState, ProblemArea, ProblemType, ledger_status
from domain.enums import Role
from domain.masking import mask_id_number
from models import Household, Region, ScreeningRound, User
from models.campaign import LedgerItem
from services.accounts import scoping
from services.campaigns import campaigns, problems
from services.errors import NotFound, ValidationFailed
from services.fieldwork import worklists
from services.platform import audit, files
from services.platform.uploads import FileRejected, check_evidence

PER_PAGE = 50
MAX_UNIT = 100
MAX_NAME = 64
MAX_NOTE = 500
STATUSES = (("overdue", "已逾期"), ("fixing", "整改中"), ("fixed", "已整改"))
FIELDS = ("village", "unit", "household_id", "problem_type", "problem", "measure", "responsible_id",
          "responsible_name", "deadline", "remarks", "source")
# Accounts that may be named responsible: people who do the work (not admins or auditors).
RESPONSIBLE_ROLES = (Role.GRID_WORKER, Role.PAIR_CADRE, Role.VILLAGE_STAFF, Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF,
                     Role.DEPARTMENT)
SUFFIXES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}

require_viewer = problems.require_viewer
campaign = problems.campaign


# --- reading ---------------------------------------------------------------------------------------

def item(actor: User, found: ScreeningRound, item_id: int) -> LedgerItem:
    """One item of the campaign in the person's scope; NotFound otherwise."""
    if not 0 < item_id < 2**31:
        raise NotFound("ledger item")
    row = db.session.execute(
        select(LedgerItem).join(Region, LedgerItem.region_id == Region.id)
        .where(LedgerItem.id == item_id, LedgerItem.round_id == found.id, scoping.region_condition(actor))
    ).scalars().first()
    if row is None or not campaigns.covers(found, row.region):
        raise NotFound("ledger item")
    return row


@dataclass(frozen=True)
class LedgerRow:
    id: int
    unit: str
    village: str
    head: str
    id_masked: str
    problem_type: str
    problem: str
    measure: str
    responsible: str
    deadline: date
    status: str
    status_class: str
    fixed_on: date | None
    remarks: str
    from_problem: bool
    fixing: bool


@dataclass(frozen=True)
class LedgerPage:
    rows: list[LedgerRow]
    total: int
    page: int
    pages: int
    counts: dict[str, int]   # per status code


STATUS_CLASS = {"已逾期": "late", "整改中": "", "已整改": "done"}


def row_of(found: LedgerItem, today: date) -> LedgerRow:
    head = found.household.head if found.household is not None else None
    status = ledger_status(found.state, found.deadline, today)
    return LedgerRow(found.id, found.unit, found.region.name, head.name if head else "",
                     mask_id_number(head.id_number) if head and head.id_number else "",
                     ProblemType(found.problem_type).label, found.problem or "", found.measure or "",
                     found.responsible_name, found.deadline, status, STATUS_CLASS.get(status, ""), found.fixed_on,
                     found.remarks or "", found.source_problem_id is not None,
                     found.state == LedgerState.FIXING.value)


def _status_condition(status: str, today: date):
    fixing = LedgerItem.state == LedgerState.FIXING.value
    return {"overdue": fixing & (LedgerItem.deadline < today), "fixing": fixing & (LedgerItem.deadline >= today),
            "fixed": LedgerItem.state == LedgerState.FIXED.value}[status]


def in_scope_query(actor: User, found: ScreeningRound, chosen: Region | None):
    places = [v.id for v in (problems.villages(actor, found) if chosen is None else [chosen])]
    return (select(LedgerItem).join(Region, LedgerItem.region_id == Region.id)
            .where(LedgerItem.round_id == found.id, LedgerItem.region_id.in_(places), scoping.region_condition(actor)))


def listing(actor: User, found: ScreeningRound, today: date, *, chosen: Region | None = None, status: str = "",
            page: int = 1) -> LedgerPage:
    """The items of the campaign in scope (one village with ``chosen``), overdue first, then those
    being fixed by deadline, then those fixed."""
    query = in_scope_query(actor, found, chosen)
    rank = case((LedgerItem.state == LedgerState.FIXED.value, 2), (LedgerItem.deadline < today, 0), else_=1)
    counts = {code: db.session.execute(query.where(_status_condition(code, today))
                                       .with_only_columns(func.count(LedgerItem.id))).scalar_one()
              for code, _ in STATUSES}
    if status in counts:
        query = query.where(_status_condition(status, today))
    total = counts[status] if status in counts else sum(counts.values())
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    found_rows = db.session.execute(
        query.options(selectinload(LedgerItem.region), selectinload(LedgerItem.household).selectinload(Household.members))
        .order_by(rank, LedgerItem.deadline, LedgerItem.id).limit(PER_PAGE).offset((page - 1) * PER_PAGE)).scalars()
    return LedgerPage([row_of(r, today) for r in found_rows], total, page, pages, counts)


def responsibles(actor: User) -> list[tuple[str, str]]:
    """The staff accounts of the person's scope who may be named responsible: (id, label)."""
    found = db.session.execute(
        scoping.users(actor).where(User.active.is_(True), User.role.in_([r.value for r in RESPONSIBLE_ROLES]))
        .order_by(Region.code, User.role, User.id)).scalars()
    return [(str(u.id), f"{u.full_name}（{u.role_enum.label}，{u.region.name}）") for u in found]


@dataclass(frozen=True)
class HouseholdChoice:
    id: int
    head: str
    id_masked: str
    place: str


def find_households(actor: User, found: ScreeningRound, text: str) -> list[HouseholdChoice]:
    """A posted search (a head's name, or the last 4 digits of an ID number) among the households
    of the campaign's villages in scope; masked numbers only."""
    rows = worklists.search(actor, (text or "").strip()[:30])
    places = {v.id for v in problems.villages(actor, found)}
    kept = _households_in(places, [r.id for r in rows])
    return [HouseholdChoice(r.id, r.head, r.id_masked, r.region) for r in rows if r.id in kept][:20]


def _households_in(village_ids: set[int], ids: list[int]) -> set[int]:
    if not ids:
        return set()
    return {h.id for h in db.session.execute(select(Household).where(Household.id.in_(ids))
                                             .options(selectinload(Household.region))).scalars()
            if h.region.village_id in village_ids}


def household_choice(actor: User, household_id: int) -> HouseholdChoice:
    home = scoping.get(actor, Household, household_id)
    head = home.head
    return HouseholdChoice(home.id, head.name if head else "",
                           mask_id_number(head.id_number) if head and head.id_number else "", home.region.name)


# --- the form --------------------------------------------------------------------------------------

def blank(actor: User, found: ScreeningRound, problem_id: int | None = None) -> dict[str, str]:
    """The new item's form: the unit is the person's own; "列入整改台账" on a village problem fills
    the village, the type its area speaks of (``TYPE_OF_AREA``) and the problem's words."""
    typed = dict.fromkeys(FIELDS, "")
    typed["unit"] = actor.region.name
    if actor.region.level == "village":
        typed["village"] = actor.region.code
    if problem_id is not None:
        source = problems.problem(actor, found, problem_id)
        typed.update(village=source.village.code, unit=source.village.name, source=str(source.id),
                     problem_type=TYPE_OF_AREA[ProblemArea(source.area)].value, problem=source.text,
                     remarks=source.remarks or "")
    return typed


def typed_of(found: LedgerItem) -> dict[str, str]:
    """An item's values as the edit form shows them."""
    return {"village": found.region.code, "unit": found.unit, "household_id": str(found.household_id or ""),
            "problem_type": found.problem_type, "problem": found.problem or "", "measure": found.measure or "",
            "responsible_id": str(found.responsible_id or ""),
            "responsible_name": "" if found.responsible_id else found.responsible_name,
            "deadline": found.deadline.isoformat(), "remarks": found.remarks or "",
            "source": str(found.source_problem_id or "")}


@dataclass(frozen=True)
class Values:
    village: Region
    unit: str
    household_id: int | None
    problem_type: str
    problem: str
    measure: str
    responsible: User | None
    responsible_name: str
    deadline: date
    remarks: str


def _text(typed, name, label, limit, errors, *, required=True) -> str:
    value = (typed.get(name) or "").strip()
    if required and not value:
        errors[name] = f"请填写{label}"
    elif len(value) > limit:
        errors[name] = f"{label}不超过{limit}个字"
    return value


def read_id(value: str | None) -> int | None:
    """A posted id: whole, positive and within the database's ids; None otherwise."""
    return numbers.whole((value or "").strip(), low=1)


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def check(actor: User, found: ScreeningRound, typed: Mapping[str, str], today: date,
          current: LedgerItem | None = None) -> Values:
    """The form's values, or ValidationFailed with a message beside each field."""
    errors: dict[str, str] = {}
    village = next((v for v in problems.villages(actor, found) if v.code == (typed.get("village") or "").strip()), None)
    if village is None:
        errors["village"] = "请选择村（社区）" if not typed.get("village") else "所选村（社区）不在本次排查范围内"
    unit = _text(typed, "unit", "单位", MAX_UNIT, errors)
    problem = _text(typed, "problem", "具体问题", MAX_TEXT, errors)
    measure = _text(typed, "measure", "整改措施", MAX_TEXT, errors)
    remarks = _text(typed, "remarks", "备注", problems.MAX_REMARKS, errors, required=False)
    kind = (typed.get("problem_type") or "").strip()
    if kind not in ProblemType.codes():
        errors["problem_type"] = "请选择问题类型" if not kind else "问题类型无效"
    household_id = None
    if (typed.get("household_id") or "").strip():
        household_id = read_id(typed.get("household_id"))
        if household_id is None or not _households_in({village.id} if village else set(), [household_id]) \
                or not _household_in_scope(actor, household_id):
            errors["household_id"] = "所选农户不在该村，请重新查找"
    responsible, name = None, ""
    if (typed.get("responsible_id") or "").strip():
        responsible = _responsible(actor, read_id(typed.get("responsible_id")))
        if responsible is None:
            errors["responsible_id"] = "所选责任人不在本辖区"
        else:
            name = responsible.full_name
    else:
        name = _text(typed, "responsible_name", "整改责任人（或从名单中选择）", MAX_NAME, errors)
    deadline = _day(typed.get("deadline"))
    if deadline is None:
        errors["deadline"] = "请填写整改时限" if not typed.get("deadline") else "整改时限格式应为 年-月-日，例如 2026-12-31"
    elif deadline < today and (current is None or deadline != current.deadline):
        errors["deadline"] = "整改时限不能早于今天"
    if errors:
        raise ValidationFailed(errors)
    return Values(village, unit, household_id, kind, problem, measure, responsible, name, deadline, remarks)


def _household_in_scope(actor: User, household_id: int) -> bool:
    try:
        scoping.require(actor, Household, household_id)
    except NotFound:
        return False
    return True


def _responsible(actor: User, user_id: int | None) -> User | None:
    if user_id is None or not 0 < user_id < 2**31:
        return None
    return db.session.execute(
        scoping.users(actor).where(User.id == user_id, User.active.is_(True),
                                   User.role.in_([r.value for r in RESPONSIBLE_ROLES]))).scalars().first()


def _source(actor: User, found: ScreeningRound, typed: Mapping[str, str], village: Region) -> int | None:
    if not (typed.get("source") or "").strip():
        return None
    problem_id = read_id(typed.get("source"))
    source = problems.problem(actor, found, problem_id or 0)  # NotFound outside scope
    if source.village_id != village.id:
        raise ValidationFailed({"village": "列入台账的问题属于另一个村"})
    if db.session.execute(select(LedgerItem.id).where(LedgerItem.source_problem_id == source.id)).first():
        raise ValidationFailed({"": "该问题已列入整改台账"})
    return source.id


def _apply(row: LedgerItem, values: Values) -> None:
    row.region_id, row.unit, row.household_id = values.village.id, values.unit, values.household_id
    row.problem_type, row.problem, row.measure = values.problem_type, values.problem, values.measure
    row.responsible_id = values.responsible.id if values.responsible else None
    row.responsible_name, row.deadline, row.remarks = values.responsible_name, values.deadline, values.remarks or None


def add(actor: User, found: ScreeningRound, typed: Mapping[str, str], today: date) -> LedgerItem:
    """A new item (整改中); with ``source``, the village problem it is made from (once only)."""
    require_viewer(actor)
    values = check(actor, found, typed, today)
    row = LedgerItem(round_id=found.id, state=LedgerState.FIXING.value, created_by_id=actor.id,
                     source_problem_id=_source(actor, found, typed, values.village))
    _apply(row, values)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "create", "ledger_item", row.id,
                 f"round={found.id} type={row.problem_type} from_problem={row.source_problem_id or '-'}")
    return row


def edit(actor: User, found: ScreeningRound, item_id: int, typed: Mapping[str, str], today: date) -> LedgerItem:
    """Correct an item still being fixed (its source problem stays)."""
    row = item(actor, found, item_id)
    if row.state != LedgerState.FIXING.value:
        raise ValidationFailed({"": "已整改的问题不能再修改"})
    values = check(actor, found, typed, today, current=row)
    if row.source_problem_id and values.village.id != row.region_id:
        raise ValidationFailed({"village": "由村级排查表列入的问题不能改到另一个村"})
    _apply(row, values)
    audit.record(actor, "update", "ledger_item", row.id, f"round={found.id}")
    return row


def mark_fixed(actor: User, found: ScreeningRound, item_id: int, typed: Mapping[str, str], evidence: bytes | None,
               today: date) -> LedgerItem:
    """已整改 on a day (not after today) with a piece of evidence (PDF, JPG or PNG) and a note."""
    row = item(actor, found, item_id)
    if row.state != LedgerState.FIXING.value:
        raise ValidationFailed({"": "该问题已标记为已整改"})
    errors: dict[str, str] = {}
    fixed_on = _day(typed.get("fixed_on"))
    if fixed_on is None:
        errors["fixed_on"] = "请填写整改完成日期" if not typed.get("fixed_on") else "日期格式应为 年-月-日，例如 2026-11-20"
    elif fixed_on > today:
        errors["fixed_on"] = "整改完成日期不能晚于今天"
    note = _text(typed, "fixed_note", "整改情况说明", MAX_NOTE, errors, required=False)
    checked = None
    if not evidence:
        errors["evidence"] = "请上传整改佐证材料（PDF、JPG或PNG）"
    else:
        try:
            checked = check_evidence(evidence, "整改佐证材料")
        except FileRejected as exc:
            errors["evidence"] = str(exc)
    if errors:
        raise ValidationFailed(errors)
    key = new_key("evidence", SUFFIXES[checked.content_type])
    store().put(key, checked.content, checked.content_type)
    row.state, row.fixed_on, row.fixed_note = LedgerState.FIXED.value, fixed_on, note or None
    row.evidence_key, row.evidence_type = key, checked.content_type
    audit.record(actor, "update", "ledger_item", row.id, f"round={found.id} fixed_on={fixed_on.isoformat()}")
    return row


def evidence_file(actor: User, found: ScreeningRound, item_id: int) -> files.ServedFile:
    row = item(actor, found, item_id)
    if not row.evidence_key:
        raise NotFound("no evidence")
    served = files.served(row.evidence_key, row.evidence_type or "application/octet-stream",
                          download_name=f"整改佐证-{row.id}{SUFFIXES.get(row.evidence_type or '', '')}")
    audit.record(actor, "read", "ledger_item", row.id, "evidence")
    return served
