"""The register (台账) as an .xlsx in the import's own layout, so that exporting and importing the
file again changes nothing: one row per person, the national export's column names, the values
in the words the import reads. A job writes it (it can hold a county's 100,000 people),
household by household in batches, streamed into the workbook.

The monitored households list (监测对象名单) is the same file for the 监测户 only, with two
columns the import ignores: 纳入监测时间 and 当前环节, from each household's latest monitoring case.

The file carries full ID numbers and phones: only county and township staff start it, for their
scope and the list's filters, and the export is audited with its size and filters.
"""
from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from typing import Callable, Iterator

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.extensions import db
from domain.eligibility import per_capita_income
from domain.enums import (Gender, Health, HouseholdAttribute, LabourCapacity, MonitoringCategory, Relation,
                          RiskType, Schooling)
from domain.case_states import CaseState
from domain.jobs import JobKind
from domain.register_columns import COLUMNS
from domain.register_rows import local_code
from models import Case, Household, Job, Region, User
from services.accounts import scoping
from services.errors import PermissionDenied
from services.households import register_list
from services.households.register_import import IMPORT_ROLES
from services.platform import audit, jobs

BATCH = 500
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# (column key, the header the file shows): the import's first name for each.
LAYOUT = [(key, COLUMNS[key][0]) for key in (
    "household_code", "county", "township", "village", "group", "name", "id_number", "relation", "size",
    "gender", "ethnicity", "education", "schooling", "health", "disability_grade", "labour", "work",
    "work_months", "phone", "insured", "minimum_living", "extreme_poverty", "attribute", "category",
    "risk_types", "net_income", "per_capita_income", "risk_eliminated", "eliminated_on")]
# The household's facts, written on its head's row only, as staff usually keep them.
HOUSEHOLD_KEYS = ("size", "net_income", "per_capita_income", "risk_eliminated", "eliminated_on")
MONITORING_TITLES = ("纳入监测时间", "当前环节")
_GRADES = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}


def start(actor: User, filters: register_list.Filters, today: date, *, monitored: bool = False) -> Job:
    if actor.role_enum not in IMPORT_ROLES:
        raise PermissionDenied("农户台账由县级或乡镇工作人员导出")
    return jobs.start(JobKind.REGISTER_EXPORT, actor, actor.region, filters=filters.args(),
                      today=today.isoformat(), monitored=monitored)


def register_xlsx(actor: User, filters: register_list.Filters, today: date,
                  progress: Callable[[int, int], None] | None = None, *,
                  monitored: bool = False) -> tuple[bytes, int, int]:
    """(the workbook, households, people) for the actor's scope and filters; with ``monitored``,
    the monitored households list."""
    if monitored:
        filters = replace(filters, attribute=HouseholdAttribute.MONITORED.value)
    query, _ = register_list.household_query(actor, filters, today)
    ids = list(db.session.execute(query.with_only_columns(Household.id).order_by(Household.id)).scalars())
    places = _places(actor)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("户成员信息")
    sheet.append([f"{'监测对象名单' if monitored else '农户档案（台账）'}，{today.isoformat()} 导出"])
    sheet.append([title for _, title in LAYOUT] + (list(MONITORING_TITLES) if monitored else []))
    people = 0
    for start_at in range(0, len(ids), BATCH):
        batch = ids[start_at:start_at + BATCH]
        cases = _monitoring(batch) if monitored else None
        for household_id, row in _rows(batch, places):
            if cases is not None:
                row += list(cases.get(household_id, ("", "")))
            sheet.append(row)
            people += 1
        if progress is not None:
            progress(min(start_at + BATCH, len(ids)), len(ids))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), len(ids), people


def _places(actor: User) -> dict[int, tuple[str, str, str, str]]:
    """For every village and grid of the scope: (county, township, village, group) names."""
    found = {r.id: r for r in db.session.execute(scoping.regions(actor)).scalars()}
    found.update({r.id: r for r in db.session.execute(
        select(Region).where(Region.id.in_(actor.region.ancestor_ids))).scalars()})
    names: dict[int, tuple[str, str, str, str]] = {}
    for region in found.values():
        chain = [found[i].name if i in found else "" for i in region.ancestor_ids]
        if len(chain) >= 3:
            names[region.id] = (chain[0], chain[1], chain[2], chain[3] if len(chain) > 3 else "")
    return names


def _monitoring(ids: list[int]) -> dict[int, tuple[str, str]]:
    """For each household, its latest case that reached monitoring: (纳入监测时间, 当前环节)."""
    found: dict[int, tuple[str, str]] = {}
    rows = db.session.execute(
        select(Case.household_id, Case.identified_on, Case.state)
        .where(Case.household_id.in_(ids), Case.identified_on.is_not(None))
        .order_by(Case.household_id, Case.identified_on, Case.id))
    for household_id, identified_on, state in rows:
        found[household_id] = (identified_on.isoformat(), CaseState(state).label)  # the latest wins
    return found


def _rows(ids: list[int], places: dict) -> Iterator[tuple[int, list]]:
    households = db.session.execute(select(Household).where(Household.id.in_(ids)).order_by(Household.id)
                                    .options(selectinload(Household.members))).scalars()
    for household in households:
        county, township, village, group = places.get(household.region_id, ("", "", "", ""))
        common = {"household_code": household.code or local_code(household.id), "county": county, "township": township,
                  "village": village, "group": group,
                  "attribute": HouseholdAttribute(household.attribute).label,
                  "category": MonitoringCategory(household.monitoring_category).label
                  if household.monitoring_category else "",
                  "risk_types": "、".join(RiskType(r).label for r in household.risk_types),
                  "size": household.size, "net_income": household.net_income,
                  "per_capita_income": per_capita_income(household.net_income, household.size)
                  if household.net_income is not None and household.size else None,
                  "risk_eliminated": _yes_no(household.risk_eliminated),
                  "eliminated_on": household.risk_eliminated_on.isoformat() if household.risk_eliminated_on else ""}
        for n, member in enumerate(sorted(household.members, key=lambda m: (not m.is_head, m.id))):
            values = {**common, "name": member.name, "id_number": member.id_number or "",
                      "relation": Relation(member.relation).label, "health": Health(member.health).label,
                      "disability_grade": _GRADES.get(member.disability_grade, ""),
                      "labour": LabourCapacity(member.labour_capacity).label,
                      "schooling": Schooling(member.schooling).label if member.schooling else "非在校生",
                      "phone": member.phone or "",
                      "gender": Gender(member.gender).label if member.gender else "",
                      "ethnicity": member.ethnicity or "", "education": member.education or "",
                      "work": member.work_status or "", "work_months": member.work_months,
                      "insured": _yes_no(member.medical_insured), "minimum_living": _yes_no(member.minimum_living),
                      "extreme_poverty": _yes_no(member.extreme_poverty)}
            if n:
                values.update(dict.fromkeys(HOUSEHOLD_KEYS))
            yield household.id, [values[key] for key, _ in LAYOUT]


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("是" if value else "否")


@jobs.runner(JobKind.REGISTER_EXPORT)
def _export(job: Job, progress: jobs.Progress) -> jobs.JobResult:
    user = job.user
    if user is None or not user.active or user.role_enum not in IMPORT_ROLES:
        raise jobs.JobFailed("发起导出的账号已停用或已不能导出农户台账")
    filters, _ = register_list.read_filters(register_list.choices(user), job.params.get("filters", {}))
    today = date.fromisoformat(job.params["today"])
    monitored = bool(job.params.get("monitored"))
    data, households, people = register_xlsx(user, filters, today, progress, monitored=monitored)
    what = "monitored list" if monitored else "register"
    audit.record(user, "export", "household", None,
                 f"{what} xlsx: households={households} people={people} filters={','.join(filters.args()) or '-'}")
    name = "监测对象名单" if monitored else "农户台账"
    return jobs.JobResult(message=f"共 {households} 户、{people} 人", data=data, content_type=XLSX,
                          filename=f"{name}-{user.region.name}-{today.isoformat()}.xlsx")
