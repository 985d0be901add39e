"""Importing the household register from the national system's export (农户档案库导入).

``import_register`` reads the file (``register_file``), finds the header and reads each row
(``domain.register_columns``, ``domain.register_rows``), places each household in a village or
grid of the importer's scope (``register_places``), matches it with what is registered — by
户编号, else by its head's ID number, each person by the blind index of their ID number — and
works out what would change. A dry run stops there; otherwise the households without problems
are written, in batches. The caller commits (the CLI command, or the import job).

Nothing is deleted: a registered member missing from the file is reported. A person found in
another household moves to the one the file names, with a warning. Every written household is
audited with the names of the fields that changed, never their values.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from typing import Callable, Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.extensions import db
from domain.enums import HouseholdAttribute, MemberStatus, Relation, Role
from domain.register_columns import HEADER_SEARCH_ROWS, Header, HeaderNotFound, find_header
from domain.register_rows import (HouseholdDraft, PersonRow, ReadRow, RowProblem, group, local_code,
                                  local_household_id, read_row)
from models import Household, Member, User
from models.personal import ID_NUMBER, PHONE, blind_index
from services.accounts import scoping
from services.errors import PermissionDenied, ValidationFailed
from services.households import incomes, register_file
from services.households.register_places import Places
from services.platform import audit

IMPORT_ROLES = frozenset({Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF})
BATCH = 500  # households written per flush, and looked up per query

HOUSEHOLD_FIELDS = {"region_id": "所在村/组", "attribute": "户类型", "monitoring_category": "监测对象类别",
                    "risk_types": "风险类型", "net_income": "家庭纯收入", "risk_eliminated": "是否风险消除",
                    "risk_eliminated_on": "风险消除时间"}
MEMBER_FIELDS = {"name": "姓名", "relation": "与户主关系", "health": "健康状况", "disability_grade": "残疾等级",
                 "labour_capacity": "劳动技能", "schooling": "在校生状况", "phone_index": "联系电话",
                 "gender": "性别", "ethnicity": "民族", "education": "文化程度", "work_status": "务工状况",
                 "work_months": "务工时间", "medical_insured": "是否参加城乡居民基本医疗保险",
                 "minimum_living": "是否享受低保", "extreme_poverty": "是否特困供养", "household_id": "所在户"}


@dataclass(frozen=True)
class Problem:
    line: int
    column: str  # the column's title as the file writes it; "" for the whole row
    reason: str


@dataclass(frozen=True)
class Warning:
    line: int
    text: str


@dataclass
class HouseholdOutcome:
    code: str
    place: str
    status: str  # new | updated | unchanged
    changed: list[str] = field(default_factory=list)  # labels of the household's fields
    people_new: int = 0
    people_updated: int = 0
    people_unchanged: int = 0
    member_changes: int = 0


@dataclass
class ImportReport:
    dry_run: bool
    households: list[HouseholdOutcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)

    @property
    def rejected_lines(self) -> set[int]:
        return {p.line for p in self.problems}

    def count(self, status: str) -> int:
        return sum(1 for h in self.households if h.status == status)

    def people(self, status: str) -> int:
        return sum(getattr(h, f"people_{status}") for h in self.households)

    def summary(self) -> str:
        verb = "将" if self.dry_run else "已"
        return (f"农户：{verb}新增 {self.count('new')} 户、{verb}更新 {self.count('updated')} 户、"
                f"无变化 {self.count('unchanged')} 户；人员：新增 {self.people('new')} 人、"
                f"更新 {self.people('updated')} 人、无变化 {self.people('unchanged')} 人；"
                f"有错误的行 {len(self.rejected_lines)} 行（整户未导入），提示 {len(self.warnings)} 条")


def import_register(actor: User, content: bytes, *, today: date, dry_run: bool,
                    progress: Callable[..., None] | None = None) -> ImportReport:
    """Check (and unless ``dry_run``, write) the households of a register file.

    Two passes: every household is checked first, reporting ``progress(done, total)``; then the
    accepted ones are written (after ``progress(total, total, "正在写入…")``), so that no write
    is pending while progress is reported (SQLite would make the progress writer wait)."""
    if actor.role_enum not in IMPORT_ROLES:
        raise PermissionDenied("农户档案由县级或乡镇工作人员导入")
    try:
        header, read = _read(register_file.rows(content), today)
    except (register_file.UnreadableFile, HeaderNotFound) as exc:
        raise ValidationFailed({"file": str(exc)}) from None
    grouped = group(read)
    report = ImportReport(dry_run=dry_run)
    report.problems += [_problem(header, p) for p in grouped.problems]
    places = Places(actor)
    total = len(grouped.households)
    accepted: list[HouseholdDraft] = []
    for start in range(0, total, BATCH):
        accepted += _check_batch(actor, grouped.households[start:start + BATCH], places, header, report)
        if progress is not None:
            progress(min(start + BATCH, total), total)
    if not dry_run and accepted:
        if progress is not None:
            progress(total, total, "正在写入…")
        for start in range(0, len(accepted), BATCH):
            _write_batch(actor, accepted[start:start + BATCH], places, today)
    report.problems.sort(key=lambda p: (p.line, p.column))
    audit.record(actor, "import_register" if not dry_run else "import_register_preview", "household", None,
                 f"new={report.count('new')} updated={report.count('updated')} "
                 f"unchanged={report.count('unchanged')} rejected_rows={len(report.rejected_lines)}")
    return report


def _read(rows: Iterator[list[object]], today: date) -> tuple[Header, list[ReadRow]]:
    top = list(islice(rows, HEADER_SEARCH_ROWS))
    header = find_header(top)
    read: list[ReadRow] = []
    for index, row in enumerate(_chain(top[header.row + 1:], rows), start=header.row + 2):
        cells = {key: row[column] for key, column in header.columns.items() if column < len(row)}
        if all(v is None or str(v).strip() == "" for v in cells.values()):
            continue  # blank lines between blocks, and Excel's formatted-but-empty rows
        read.append(read_row(index, cells, today))
    return header, read


def _chain(first: list, rest: Iterable) -> Iterator:
    yield from first
    yield from rest


def _problem(header: Header, problem: RowProblem) -> Problem:
    return Problem(problem.line, header.title(problem.column) if problem.column else "", problem.reason)


# --- one batch of households ---------------------------------------------------------------------

def _registered(batch: list[HouseholdDraft]) -> tuple[dict, dict, dict]:
    """What is registered for a batch: households by 户编号, members by ID index, and the index
    of each person's ID number."""
    by_code = {h.code: h for h in db.session.execute(
        select(Household).where(Household.code.in_([d.code for d in batch]))
        .options(selectinload(Household.members), selectinload(Household.incomes))).scalars()}
    local_ids = [i for i in (local_household_id(d.code) for d in batch) if i is not None]
    if local_ids:
        by_code.update({local_code(h.id): h for h in db.session.execute(
            select(Household).where(Household.id.in_(local_ids))
            .options(selectinload(Household.members), selectinload(Household.incomes))).scalars()})
    indexes = {p.id_number: blind_index(ID_NUMBER, p.id_number) for d in batch for p in d.people}
    members = {m.id_number_index: m for m in db.session.execute(
        select(Member).where(Member.id_number_index.in_(list(indexes.values())))
        .options(selectinload(Member.household).options(selectinload(Household.members),
                                                         selectinload(Household.incomes)))).scalars()}
    return by_code, members, indexes


def _matched(draft: HouseholdDraft, by_code: dict, members: dict, indexes: dict) -> Household | None:
    head_member = _present(members.get(indexes[draft.head.id_number]))
    return by_code.get(draft.code) or (head_member.household if head_member else None)


def _present(member: Member | None) -> Member | None:
    return member if member is not None and member.status == MemberStatus.PRESENT.value else None


def _departed_here(member: Member | None, household: Household | None) -> bool:
    """A person recorded here as died or gone whom the file still lists: the file (an export
    older than the record, usually) does not bring them back."""
    return (member is not None and _present(member) is None
            and household is not None and member.household_id == household.id)


def _write_batch(actor: User, batch: list[HouseholdDraft], places: Places, today: date) -> None:
    by_code, members, indexes = _registered(batch)
    written = [_apply(actor, draft, _matched(draft, by_code, members, indexes),
                      places.resolve(draft.place).region, members, indexes, write=True, today=today)
               for draft in batch]
    db.session.flush()  # the new households' ids, for the audit
    for outcome, household in written:
        audit.record(actor, "import_create" if outcome.status == "new" else "import_update", "household",
                     household.id, f"fields={','.join(outcome.changed) or '-'} members={outcome.member_changes}"[:255])
    _release([household for _, household in written], by_code, members)


def _release(*loaded) -> None:
    """Let go of a finished batch's households and members (written, or only compared), so the
    session does not grow with the file: 100,000 people would otherwise stay in memory."""
    households = set()
    for group_ in loaded:
        for item in (group_.values() if isinstance(group_, dict) else group_):
            households.add(item.household if isinstance(item, Member) else item)
    for household in households:
        if household is not None and household in db.session:
            db.session.expunge(household)  # its members go with it (cascade)


def _check_batch(actor: User, batch: list[HouseholdDraft], places: Places, header: Header,
                 report: ImportReport) -> list[HouseholdDraft]:
    """Check a batch against the register and report each household; the ones to write."""
    by_code, members, indexes = _registered(batch)
    accepted: list[HouseholdDraft] = []
    for draft in batch:
        problems: list[Problem] = []
        warnings: list[Warning] = []
        resolved = places.resolve(draft.place)
        if resolved.region is None:
            problems += [Problem(line, header.title("village"), resolved.problem) for line in draft.lines]
        elif resolved.note:
            warnings.append(Warning(draft.lines[0], f"户编号 {draft.code}：{resolved.note}"))
        household = _matched(draft, by_code, members, indexes)
        if local_household_id(draft.code) is not None and draft.code not in by_code:
            problems += [Problem(line, header.title("household_code"), f"户编号“{draft.code}”不是本系统登记的农户")
                         for line in draft.lines]
        if household is not None and not scoping.in_scope(actor, household.region):
            problems += [Problem(line, header.title("household_code"), "这一户已登记在您负责的区域以外")
                         for line in draft.lines]
        warnings += [Warning(draft.lines[0], f"户编号 {draft.code}：{note}") for note in draft.notes()]
        for person in draft.people:
            member = members.get(indexes[person.id_number])
            if _departed_here(member, household):
                warnings.append(Warning(person.line, f"此人已记录为{MemberStatus(member.status).label}"
                                                     f"（{member.left_on.isoformat()}），文件中仍在户，未恢复，请核实"))
                continue
            if member is not None and _present(member) is None:
                warnings.append(Warning(person.line, f"此人已从户编号 {member.household.code or member.household_id}"
                                                     f"减少（{MemberStatus(member.status).label}），导入后登记在户编号 {draft.code}"))
                member = None
            if member is None and person.labour is None:
                problems.append(Problem(person.line, header.title("labour"), "劳动技能不能为空"))
            if member is not None and (household is None or member.household_id != household.id):
                if not scoping.in_scope(actor, member.household.region):
                    problems.append(Problem(person.line, header.title("id_number"),
                                            "此人已登记在您负责的区域以外的农户中"))
                else:
                    warnings.append(Warning(person.line, f"此人原在户编号 {member.household.code or member.household_id}，"
                                                         f"导入后转入户编号 {draft.code}"))
        if problems:
            report.problems += problems
            report.problems += [Problem(line, "", "同户其他行有错误，整户未导入")
                                for line in draft.lines if line not in {p.line for p in problems}]
            continue
        report.warnings += warnings
        outcome, _ = _apply(actor, draft, household, resolved.region, members, indexes, write=False)
        if household is not None:
            listed = {indexes[p.id_number] for p in draft.people}
            missing = [m for m in household.members if m.id_number_index not in listed]
            if missing:
                report.warnings.append(Warning(draft.lines[0], f"户编号 {draft.code}：系统中有 {len(missing)} 名成员"
                                                               "不在文件中，未删除，请核实是否为自然减少"))
        report.households.append(outcome)
        if outcome.status != "unchanged":
            accepted.append(draft)
    _release(by_code, members)
    return accepted


def _apply(actor: User, draft: HouseholdDraft, household: Household | None, region, members: dict,
           indexes: dict, write: bool, today: date | None = None) -> tuple[HouseholdOutcome, Household | None]:
    """Compare the draft with what is registered and, when ``write``, make them agree; the
    outcome, and the household (made, when new and written)."""
    place = region.name
    facts = draft.facts
    wanted = {"region_id": region.id, "attribute": facts.attribute.value if facts.attribute else None,
              "monitoring_category": facts.category.value if facts.category else None,
              "risk_types": [r.value for r in facts.risk_types] or None, "net_income": draft.net_income,
              "risk_eliminated": facts.risk_eliminated, "risk_eliminated_on": facts.eliminated_on}
    if household is None:
        outcome = HouseholdOutcome(draft.code, place, "new")
        if write:
            household = Household(region=region, code=draft.code,
                                  attribute=wanted["attribute"] or HouseholdAttribute.ORDINARY.value,
                                  monitoring_category=wanted["monitoring_category"],
                                  risk_types=wanted["risk_types"] or [],
                                  risk_eliminated=facts.risk_eliminated, risk_eliminated_on=facts.eliminated_on)
            db.session.add(household)
            if draft.net_income is not None:
                incomes.take_national_total(household, draft.net_income, household_size=len(draft.people),
                                            today=today)
    else:
        changed = [k for k, v in wanted.items() if v is not None and getattr(household, k) != v]
        if household.code != draft.code and local_household_id(draft.code) is None:
            changed.append("code")
        outcome = HouseholdOutcome(draft.code, place, "updated" if changed else "unchanged",
                                   [HOUSEHOLD_FIELDS.get(k, "户编号") for k in changed])
        if write:
            for key in changed:
                if key == "net_income":
                    incomes.take_national_total(household, draft.net_income, household_size=len(draft.people),
                                                today=today)
                else:
                    setattr(household, key, draft.code if key == "code" else wanted[key])
    member_changes: list[str] = []
    for person in draft.people:
        member = members.get(indexes[person.id_number])
        if _departed_here(member, household):
            outcome.people_unchanged += 1
            continue
        if member is not None and _present(member) is None:
            if write:
                member.id_number_index = None  # the person is registered anew where the file says
            member = None
        status, fields = _member_change(person, member, household)
        setattr(outcome, f"people_{status}", getattr(outcome, f"people_{status}") + 1)
        if status != "unchanged":
            member_changes.append(f"{status}:{','.join(fields)}" if fields else status)
        if write:
            _write_member(person, member, household)
    if outcome.status == "unchanged" and member_changes:
        outcome.status = "updated"
    outcome.member_changes = len(member_changes)
    return outcome, household


def _member_values(person: PersonRow) -> dict:
    return {"name": person.name, "relation": person.relation.value, "health": person.health.value,
            "disability_grade": person.disability_grade,
            "labour_capacity": person.labour.value if person.labour else None,
            "schooling": person.schooling.value if person.schooling else None,
            "phone_index": blind_index(PHONE, person.phone) if person.phone else None,
            "gender": person.gender.value if person.gender else None, "ethnicity": person.ethnicity,
            "education": person.education, "work_status": person.work_status, "work_months": person.work_months,
            "medical_insured": person.insured, "minimum_living": person.minimum_living,
            "extreme_poverty": person.extreme_poverty}


def _member_change(person: PersonRow, member: Member | None, household: Household | None) -> tuple[str, list[str]]:
    if member is None:
        return "new", []
    # An empty cell changes nothing (the file may leave out what it does not know).
    changed = [MEMBER_FIELDS[k] for k, v in _member_values(person).items()
               if v is not None and getattr(member, k) != v]
    if household is None or member.household_id != household.id:
        changed.append(MEMBER_FIELDS["household_id"])
    return ("updated" if changed else "unchanged"), changed


def _write_member(person: PersonRow, member: Member | None, household: Household) -> None:
    wanted = _member_values(person)
    wanted.pop("phone_index")
    if member is None:
        member = Member(is_head=person.relation is Relation.HEAD, **wanted)
        member.id_number = person.id_number
        member.phone = person.phone
        household.members.append(member)
        return
    for key, value in wanted.items():
        if value is not None:
            setattr(member, key, value)
    member.is_head = person.relation is Relation.HEAD
    if person.disability_grade is None and person.health.value != "disabled":
        member.disability_grade = None
    if person.phone:
        member.phone = person.phone
    if member.household is not household:
        member.household = household
