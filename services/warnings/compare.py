"""Comparing department rows with the register, and raising the warnings (比对预警).

Two passes, as the register import: ``plan`` only reads (each row's fingerprint against the
county's earlier rows, its person by the blind index of the ID number, the household's kind, the
year's thresholds) and reports progress; ``write`` then stores the rows and the warnings, with no
progress written meanwhile (SQLite would make the progress writer wait for the open write).

A warning for a household with an open case joins that case's timeline; otherwise it opens a
case (source 部门筛查预警) in the village's triage inbox, whose words carry the department, the
grade, the figures and the answer's deadline. Either way the case carries the most pressing
warning still unanswered (``Case.warning_grade`` / ``warning_due``) for the inbox.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable, Iterable, Iterator, Sequence

from sqlalchemy import and_, func, insert, or_, select
from sqlalchemy.orm import joinedload

from core.extensions import db
from domain.department_lists import ListKind, ListRow, facts_from_json
from domain.enums import CaseSource, MemberStatus
from domain.warnings import VULNERABLE, Grade, Signal, deadline_days, due_on, evaluate, grade
from domain.workflow import CaseState
from models import Case, DepartmentList, DepartmentRow, DepartmentWarning, Household, Member, Region, User
from models.personal import ID_NUMBER, blind_index
from services.platform import audit
from services.regions import settings
from services.regions.warning_thresholds import thresholds_for
from services.warnings.pending import show_pending_of
from services.workflow import cases

BATCH = 1000
FINGERPRINT_KIND = "department_row"
OPEN_STATES = tuple(s.value for s in CaseState if s.is_open)


def fingerprint(kind: ListKind, id_number: str, facts_json: str) -> str:
    """A keyed hash of what the row says: the same row sent twice has the same fingerprint, and
    the fingerprint tells nothing without the key."""
    return blind_index(FINGERPRINT_KIND, f"{kind.value}|{id_number}|{facts_json}")


def row_year(facts: dict, today: date) -> int:
    """The year whose thresholds apply: the period's end, else the row's date, else this year."""
    when = facts.get("period_end") or facts.get("on")
    return when.year if when else today.year


@dataclass(slots=True)
class Planned:
    """One row's outcome, worked out before anything is written."""

    line: int
    name: str
    id_number: str
    facts_json: str
    fingerprint: str
    member_id: int | None = None
    household_id: int | None = None
    signal: Signal | None = None
    grade: Grade | None = None
    index: str = ""  # the blind index of the ID number, when already known

    @property
    def state(self) -> str:
        if self.member_id is None:
            return "unmatched"
        return "warning" if self.signal is not None else "no_warning"


@dataclass
class Plan:
    kind: ListKind
    county: Region
    rows: list[Planned] = field(default_factory=list)
    repeated: int = 0   # sent before (same fingerprint in the county), or twice in this file

    def count(self, state: str) -> int:
        return sum(1 for p in self.rows if p.state == state)

    def grades(self) -> dict[str, int]:
        found = {g.value: 0 for g in Grade}
        for p in self.rows:
            if p.grade is not None:
                found[p.grade.value] += 1
        return found


class _Grading:
    """Thresholds read once per village and year (a county has a few hundred villages)."""

    def __init__(self, kind: ListKind, today: date):
        self.kind, self.today = kind, today
        self._thresholds: dict[tuple[int, int], object] = {}

    def signal(self, facts: dict, person: "_Registered") -> Signal | None:
        key = (person.region_id, row_year(facts, self.today))
        if key not in self._thresholds:
            self._thresholds[key] = thresholds_for(db.session.get(Region, person.region_id), key[1])
        return evaluate(self.kind, facts, person.attribute, self._thresholds[key])


@dataclass(frozen=True, slots=True)
class _Registered:
    """What matching needs of a registered person: no object, nothing decrypted."""

    member_id: int
    household_id: int
    region_id: int
    attribute: str
    present: bool


def _members_by_index(county: Region, indexes: Iterable[str]) -> dict[str, _Registered]:
    """The registered person of each blind index in the county: one who still belongs to the
    household before one who left it."""
    found: dict[str, _Registered] = {}
    query = (select(Member.id, Member.id_number_index, Member.status, Member.household_id, Household.region_id,
                    Household.attribute)
             .join(Household, Member.household_id == Household.id)
             .join(Region, Household.region_id == Region.id)
             .where(Member.id_number_index.in_(list(indexes)),
                    Region.path.startswith(county.path, autoescape=True))
             .order_by(Member.id))
    for member_id, index, status, household_id, region_id, attribute in db.session.execute(query):
        person = _Registered(member_id, household_id, region_id, attribute, status == MemberStatus.PRESENT.value)
        known = found.get(index)
        if known is None or (not known.present and person.present):
            found[index] = person
    return found


def _known_fingerprints(county: Region, prints: Sequence[str]) -> set[str]:
    return set(db.session.execute(select(DepartmentRow.fingerprint).where(
        DepartmentRow.county_id == county.id, DepartmentRow.fingerprint.in_(list(prints)))).scalars())


def _batches(items: Iterable, size: int) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def plan(kind: ListKind, county: Region, rows: Sequence[ListRow], today: date,
         progress: Callable[..., None] | None = None) -> Plan:
    """What comparing these rows would do (reads only)."""
    result = Plan(kind, county)
    grading = _Grading(kind, today)
    seen: set[str] = set()
    done = 0
    for batch in _batches(rows, BATCH):
        texts = [r.facts_json() for r in batch]
        prints = [fingerprint(kind, r.id_number, t) for r, t in zip(batch, texts)]
        known = _known_fingerprints(county, prints)
        fresh = []
        for row, text, mark in zip(batch, texts, prints):
            if mark in known or mark in seen:
                result.repeated += 1
                continue
            seen.add(mark)
            fresh.append(Planned(row.line, row.name, row.id_number, text, mark))
        _match(kind, county, fresh, grading)
        result.rows += fresh
        done += len(batch)
        if progress:
            progress(done, len(rows))
    return result


def _match(kind: ListKind, county: Region, planned: list[Planned], grading: _Grading) -> None:
    """Each row's person, signal and grade. One person may have several rows (two periods, two
    hospital stays): every one of them is matched."""
    by_index: dict[str, list[Planned]] = defaultdict(list)
    for item in planned:
        item.index = item.index or blind_index(ID_NUMBER, item.id_number)
        by_index[item.index].append(item)
    members = _members_by_index(county, by_index)
    for index, items in by_index.items():
        person = members.get(index)
        if person is None:
            continue
        for item in items:
            item.member_id, item.household_id = person.member_id, person.household_id
            item.signal = grading.signal(facts_from_json(kind, item.facts_json), person)
            item.grade = grade(item.signal, person.attribute) if item.signal else None


# --- writing ----------------------------------------------------------------------------------

@dataclass
class Written:
    warnings: int = 0
    opened: int = 0    # new cases in the villages' inboxes
    joined: int = 0    # joined a household's open case
    by_grade: dict = field(default_factory=lambda: {g.value: 0 for g in Grade})


def write(actor: User | None, dlist: DepartmentList, result: Plan, today: date) -> Written:
    """Store the planned rows of a new list and raise their warnings; the caller commits.

    The rows go in by bulk INSERTs of a thousand (encrypted by their column types, as the ORM
    would): a list of 200,000 rows kept as ORM objects would hold the whole list in the session."""
    if dlist.id is None:
        db.session.flush()
    table = DepartmentRow.__table__
    # Only the rows that raise a warning need their ids back (SQLite hands ids back in order one
    # row per statement): the others, most of a list, go in as a plain executemany.
    with_ids = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    found: list[tuple[int, Planned]] = []
    for batch in _batches(result.rows, BATCH):
        quiet = [_row_values(dlist, item, today) for item in batch if item.signal is None]
        if quiet:
            db.session.execute(insert(table), quiet)
        warned = [item for item in batch if item.signal is not None]
        if warned:
            ids = db.session.execute(with_ids, [_row_values(dlist, item, today) for item in warned]).scalars().all()
            found += zip(ids, warned, strict=True)
    dlist.rows, dlist.repeated = len(result.rows), result.repeated
    dlist.unmatched = result.count("unmatched")
    written = raise_warnings(actor, dlist, found, today)
    dlist.warnings = written.warnings
    return written


def _row_values(dlist: DepartmentList, item: Planned, today: date) -> dict:
    """A stored row, as ``DepartmentRow.id_number`` (ProtectedField) would set it."""
    return {"list_id": dlist.id, "county_id": dlist.county_id, "line": item.line, "name": item.name,
            "id_number_enc": item.id_number, "id_number_index": item.index or blind_index(ID_NUMBER, item.id_number),
            "facts_enc": item.facts_json, "fingerprint": item.fingerprint, "state": item.state,
            "member_id": item.member_id, "compared_on": today}


def raise_warnings(actor: User | None, dlist: DepartmentList, found: list[tuple[int, Planned]],
                   today: date) -> Written:
    """One warning for each (row id, planned row) given. The warnings are flushed together, then
    audited, then each case touched shows its most pressing unanswered warning."""
    written = Written()
    households = _households({p.household_id for _, p in found})
    open_cases = _open_cases(households.keys())
    raised: list[tuple[DepartmentWarning, Planned]] = []
    # Nothing read while raising depends on the warnings and events not yet written, so they are
    # flushed with the next case opened rather than before every query (half the flushes).
    with db.session.no_autoflush:
        for row_id, item in found:
            household = households[item.household_id]
            warning, joined = _raise(actor, dlist, row_id, item, household, open_cases, today)
            raised.append((warning, item))
            written.warnings += 1
            written.joined += joined
            written.opened += not joined
            written.by_grade[warning.grade] += 1
    db.session.flush()
    for warning, item in raised:
        audit.record(actor, "create", "department_warning", warning.id,
                     f"list={dlist.id} line={item.line} grade={warning.grade} case={warning.case_id} "
                     f"joined={warning.joined_open_case}")
    show_pending_of([w.case for w, _ in raised])
    return written


def _households(ids: set[int]) -> dict[int, Household]:
    if not ids:
        return {}
    query = select(Household).where(Household.id.in_(ids)).options(joinedload(Household.region))
    return {h.id: h for h in db.session.execute(query).unique().scalars()}


def _open_cases(household_ids) -> dict[int, Case]:
    """Each household's open case (the oldest, as ``cases.find_open_case``), read at once."""
    ids = list(household_ids)
    found: dict[int, Case] = {}
    for batch in _batches(ids, BATCH):
        query = (select(Case).where(Case.household_id.in_(batch), Case.state.in_(OPEN_STATES))
                 .order_by(Case.id))
        for case in db.session.execute(query).scalars():
            found.setdefault(case.household_id, case)
    return found


def _raise(actor: User | None, dlist: DepartmentList, row_id: int, item: Planned, household: Household,
           open_cases: dict[int, Case], today: date) -> tuple[DepartmentWarning, bool]:
    kind = dlist.kind_enum
    level = item.grade
    due = due_on(level, today, deadline_days(settings.policy_for(household.region)))
    words = (f"【{level.label}】{kind.short}部门名单“{dlist.filename}”第{item.line}行：{item.name}，"
             f"{item.signal.figures}。请于{due.isoformat()}前入户核实，并把核实结果反馈部门。")
    data = {"department_warning": {"department": kind.department.value, "kind": kind.value,
                                   "grade": level.value, "list_id": dlist.id, "line": item.line}}
    case = open_cases.get(household.id)
    joined = case is not None
    if joined:
        cases.join_report(actor, case, CaseSource.DEPARTMENT_WARNING, words=words,
                          risk_types=list(item.signal.risk_types), urgent=False, report_data=data)
    else:
        case = cases.open_case(actor, household.region, CaseSource.DEPARTMENT_WARNING, today=today,
                               risk_types=list(item.signal.risk_types), words=words, household=household,
                               report_data=data)
        open_cases[household.id] = case
    warning = DepartmentWarning(row_id=row_id, list_id=dlist.id, county_id=dlist.county_id, region_id=household.region_id,
                                household_id=household.id, case=case, department=kind.department.value,
                                kind=kind.value, grade=level.value, figures=item.signal.figures, sent_on=today,
                                due_on=due, joined_open_case=joined)
    db.session.add(warning)
    return warning, joined


# --- the monthly comparison -------------------------------------------------------------------

RECOMPARE_DAYS = 366  # rows of lists sent within a year are compared again each month


@dataclass
class Recompare:
    """The stored rows of one county to compare again, with what comparing them found."""

    pairs: list[tuple[DepartmentRow, Planned]] = field(default_factory=list)


def _may_have_changed(county: Region):
    """The rows whose outcome can differ now, found by the database: one that matched nobody
    and whose person is registered in the county since, or one that raised nothing for a
    household now 脱贫户 or 监测户 (their figures are the lower ones). The others — most of a
    year of lists — are neither loaded nor decrypted."""
    registered = (select(Member.id).join(Household, Member.household_id == Household.id)
                  .join(Region, Household.region_id == Region.id)
                  .where(Member.id_number_index == DepartmentRow.id_number_index,
                         Region.path.startswith(county.path, autoescape=True)))
    now_vulnerable = (select(Member.id).join(Household, Member.household_id == Household.id)
                      .where(Member.id == DepartmentRow.member_id, Household.attribute.in_([a.value for a in VULNERABLE])))
    return or_(and_(DepartmentRow.state == "unmatched", registered.exists()),
               and_(DepartmentRow.state == "no_warning", now_vulnerable.exists()))


def recompare_plan(county: Region, today: date, progress: Callable[..., None] | None = None) -> Recompare:
    """The county's rows of the last year that matched nobody or raised nothing and may now
    (``_may_have_changed``), compared again (reads only)."""
    since = datetime.combine(today - timedelta(days=RECOMPARE_DAYS), time(), tzinfo=timezone.utc)
    query = (select(DepartmentRow).join(DepartmentList, DepartmentRow.list_id == DepartmentList.id)
             .where(DepartmentRow.county_id == county.id, DepartmentRow.state != "warning",
                    DepartmentList.uploaded_at >= since, _may_have_changed(county))
             .options(joinedload(DepartmentRow.list)).order_by(DepartmentRow.id))
    found = Recompare()
    by_kind: dict[str, list[tuple[DepartmentRow, Planned]]] = defaultdict(list)
    for row in db.session.execute(query).unique().scalars():
        pair = (row, Planned(row.line, row.name, "", row.facts_enc, row.fingerprint, index=row.id_number_index))
        by_kind[row.list.kind].append(pair)
        found.pairs.append(pair)
    done = 0
    for code, pairs in by_kind.items():
        grading = _Grading(ListKind(code), today)
        for batch in _batches(pairs, BATCH):
            _match(ListKind(code), county, [p for _, p in batch], grading)
            done += len(batch)
            if progress:
                progress(done, len(found.pairs))
    return found


def recompare_write(found: Recompare, today: date) -> dict:
    """Record what ``recompare_plan`` found; a row raises one warning at most."""
    counts = {"rows": len(found.pairs), "matched": 0, "warnings": 0}
    touched: dict[int, DepartmentList] = {}
    by_list: dict[int, list[tuple[DepartmentRow, Planned]]] = defaultdict(list)
    for row, item in found.pairs:
        if item.member_id is not None and row.member_id is None:
            counts["matched"] += 1
        row.member_id, row.state, row.compared_on = item.member_id, item.state, today
        touched[row.list_id] = row.list
        if item.signal is not None:
            by_list[row.list_id].append((row, item))
    for list_id, pairs_of_list in by_list.items():
        dlist = touched[list_id]
        written = raise_warnings(dlist.uploaded_by, dlist, [(r.id, p) for r, p in pairs_of_list], today)
        dlist.warnings += written.warnings
        counts["warnings"] += written.warnings
    db.session.flush()
    for dlist in touched.values():
        dlist.unmatched = db.session.execute(select(func.count()).select_from(DepartmentRow).where(
            DepartmentRow.list_id == dlist.id, DepartmentRow.state == "unmatched")).scalar_one()
    return counts


__all__ = ["Plan", "Planned", "Recompare", "Written", "fingerprint", "plan", "recompare_plan", "recompare_write", "row_year", "write"]
