"""The register part of the household page (农户档案): the members present with every detail the
national file keeps, those who left (已减少成员) with status and date, what the members make of
the household (低保户 / 特困户, ``domain.members.welfare_labels``), 住房 and 饮水 safety, and the
edit links for the staff who keep the register (``services.households.editing``).

Built for a household already loaded by ``records.read_household`` (an audited read); the
people who left are masked: only those present are needed in full.
"""
from __future__ import annotations

from dataclasses import dataclass

from domain.enums import Gender, Health, JoinReason, LabourCapacity, MemberStatus, Relation, Schooling
from domain.members import welfare_labels
from models import Household, Member, User
from portal.household_timeline import day, label
from services.households import editing

# What the page says after a change, by the ``done`` code of the redirect (no personal data).
DONE = {
    "created": ("members", "农户已登记。请继续补录其他家庭成员。"),
    "household": ("facts", "基本情况已保存。"),
    "member": ("members", "成员信息已保存。"),
    "joined": ("members", "已新增成员。"),
    "left": ("members", "已记录成员减少。"),
    "unchanged": ("members", "没有修改任何内容。"),
    "unchanged_facts": ("facts", "没有修改任何内容。"),
}
YES_NO_BLANK = {True: "是", False: "否", None: ""}
SAFETY = {None: "尚未核实", True: "安全", False: "不安全"}


@dataclass(frozen=True)
class PresentRow:
    id: int
    name: str
    is_head: bool
    relation: str
    id_number: str
    gender: str
    ethnicity: str
    health: str
    health_detail: str
    labour: str
    schooling: str
    education: str
    work: str
    insured: str
    welfare: str          # 低保、特困 as this person's own record says
    phone: str
    joined: str           # "2026-03-01 新生儿" for a natural change; "" for those registered at first


@dataclass(frozen=True)
class DepartedRow:
    id: int
    name: str
    relation: str
    id_masked: str
    status: str
    left_on: str
    note: str
    joined: str


@dataclass(frozen=True)
class Roster:
    household_id: int
    present: tuple[PresentRow, ...]
    departed: tuple[DepartedRow, ...]
    welfare: tuple[str, ...]   # 低保户 / 特困户
    housing: str
    water: str
    may_edit: bool
    done_section: str          # "facts" | "members" | ""
    done: str


def _joined(m: Member) -> str:
    if not m.join_reason:
        return ""
    return f"{day(m.joined_on)} {label(JoinReason, m.join_reason)}".strip()


def _health(m: Member) -> str:
    text = label(Health, m.health)
    return text + (f"（{m.disability_grade}级）" if m.disability_grade else "")


def _work(m: Member) -> str:
    months = f"{m.work_months}个月" if m.work_months is not None else ""
    return "，".join(p for p in (m.work_status or "", months) if p)


def _present_row(m: Member) -> PresentRow:
    welfare = "、".join(w for w, on in (("低保", m.minimum_living), ("特困", m.extreme_poverty)) if on)
    return PresentRow(
        id=m.id, name=m.name, is_head=m.is_head, relation=label(Relation, m.relation),
        id_number=m.id_number or "", gender=label(Gender, m.gender), ethnicity=m.ethnicity or "",
        health=_health(m), health_detail=m.health_detail or "", labour=label(LabourCapacity, m.labour_capacity),
        schooling=label(Schooling, m.schooling), education=m.education or "", work=_work(m),
        insured=YES_NO_BLANK[m.medical_insured], welfare=welfare, phone=m.phone or "", joined=_joined(m))


def _departed_row(m: Member) -> DepartedRow:
    return DepartedRow(id=m.id, name=m.name, relation=label(Relation, m.relation), id_masked=m.id_number_masked,
                       status=label(MemberStatus, m.status), left_on=day(m.left_on), note=m.left_note or "",
                       joined=_joined(m))


def build(actor: User, household: Household, done: str = "") -> Roster:
    section, message = DONE.get(done, ("", ""))
    return Roster(
        household_id=household.id, present=tuple(_present_row(m) for m in sorted(household.members, key=lambda m: (not m.is_head, m.id))),
        departed=tuple(_departed_row(m) for m in editing.departed(household)),
        welfare=welfare_labels(household.members), housing=SAFETY[household.housing_safe],
        water=SAFETY[household.water_safe], may_edit=editing.may_edit(actor),
        done_section=section, done=message)
