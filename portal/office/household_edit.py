"""Keeping the register (维护农户档案) from the office: 登记农户 from the household list, and on the
household page 编辑 (the household's facts), 新增成员 (新生儿/婚入/迁入, or 补录), each member's
编辑 and 减少 (死亡/婚出/迁出).

Village, township and county staff only (others 403); households and members outside the scope
are not found (404). A refused form answers 400 with each message beside its field and what
was typed kept; nothing of it is saved. A save returns to the household page (303), whose
address says only what was done. The member form holds the full ID number and phone, so showing
it is an audited read, like the household page.
"""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from core.clock import today
from core.extensions import db
from domain.enums import (Gender, Health, HouseholdAttribute, KeyGroup, LabourCapacity, MonitoringCategory,
                          Relation, RiskType, Schooling)
from models import Household, Member
from portal.office.blueprint import bp
from portal.office.formdata import FormReader
from services.accounts import scoping
from services.errors import ValidationFailed
from services.households import editing
from services.households.editing import HouseholdInput
from services.households.records import MemberInput
from services.platform import audit

YES_NO = [("1", "是"), ("0", "否")]
CHOICES = {
    "relation": Relation.choices(),
    "relation_member": [c for c in Relation.choices() if c[0] != Relation.HEAD.value],
    "health": [c for c in Health.choices() if c[0] != Health.HEALTHY.value],
    "grade": [("1", "一级"), ("2", "二级"), ("3", "三级"), ("4", "四级")],
    "labour": LabourCapacity.choices(), "schooling": Schooling.choices(), "gender": Gender.choices(),
    "yes_no": YES_NO, "safe": YES_NO,
    "attribute": HouseholdAttribute.choices(), "category": MonitoringCategory.choices(),
    "risk": RiskType.choices(), "key_group": KeyGroup.choices(),
    "join": editing.JOIN_CHOICES, "leave": editing.LEAVE_CHOICES,
}
# Suggestions only (the national file's words vary by year): any text is kept as written.
SUGGEST = {
    "ethnicity": ("汉族", "回族", "满族", "壮族", "苗族", "土家族", "彝族", "藏族", "维吾尔族", "蒙古族"),
    "education": ("学龄前儿童", "文盲或半文盲", "小学", "初中", "高中", "中专", "大专及以上"),
    "work_status": ("未务工", "乡镇内务工", "县内乡外务工", "省内县外务工", "省外务工"),
}
_FLAGS = ("medical_insured", "minimum_living", "extreme_poverty")
_SAFETY = ("sanitary_toilet", "housing_safe", "water_safe")
# The fields each form shows (a message under any other key is shown above the form).
PERSON_KEYS = ("name", "relation", "id_number", "gender", "ethnicity", "phone", "health", "disability_grade",
               "health_detail", "labour_capacity", "work_status", "work_months", "schooling", "education", *_FLAGS)
HOUSEHOLD_KEYS = editing.HOUSEHOLD_FIELDS


def _page(household_id: int, done: str, anchor: str):
    return redirect(url_for("portal.household_detail", household_id=household_id, done=done) + anchor, code=303)


def _render(template: str, status: int = 200, **context):
    return render_template(template, choices=CHOICES, suggest=SUGGEST, **context), status


def _refused(exc: ValidationFailed, reader: FormReader) -> dict[str, str]:
    """The service's messages and the form reader's (a date it could not read says so, rather
    than 'please fill in the date')."""
    db.session.rollback()
    return {**exc.fields, **reader.errors}


# --- reading the forms -------------------------------------------------------------------------

def _member_input(reader: FormReader, relation: str | None = None) -> MemberInput:
    form = reader.form
    flags = {f: reader.tristate(f, "是或否") for f in _FLAGS}
    return MemberInput(
        name=form.get("name", ""), relation=relation or form.get("relation", ""),
        labour_capacity=form.get("labour_capacity", ""), id_number=form.get("id_number", "").strip() or None,
        health=form.get("health", "") or Health.HEALTHY.value, disability_grade=form.get("disability_grade") or None,
        schooling=form.get("schooling") or None, phone=form.get("phone", "").strip() or None,
        health_detail=form.get("health_detail", ""), gender=form.get("gender") or None,
        ethnicity=form.get("ethnicity", ""), education=form.get("education", ""),
        work_status=form.get("work_status", ""), work_months=form.get("work_months", "").strip() or None, **flags)


def _household_input(reader: FormReader) -> HouseholdInput:
    form = reader.form
    return HouseholdInput(
        address=form.get("address", ""), code=form.get("code", ""), attribute=form.get("attribute", ""),
        monitoring_category=form.get("monitoring_category", ""),
        risk_types=tuple(v for v in form.getlist("risk_types") if v),
        key_groups=tuple(v for v in form.getlist("key_groups") if v),
        **{f: reader.tristate(f, "是、否或尚未核实") for f in _SAFETY})


def _tri(value: bool | None) -> str:
    return {True: "1", False: "0", None: ""}[value]


def _household_values(h: Household) -> MultiDict:
    values = MultiDict({"address": h.address or "", "code": h.code or "", "attribute": h.attribute,
                        "monitoring_category": h.monitoring_category or "",
                        **{f: _tri(getattr(h, f)) for f in _SAFETY}})
    values.setlist("risk_types", list(h.risk_types or ()))
    values.setlist("key_groups", list(h.key_groups or ()))
    return values


def _member_values(m: Member) -> MultiDict:
    return MultiDict({
        "name": m.name, "relation": m.relation, "id_number": m.id_number or "", "gender": m.gender or "",
        "ethnicity": m.ethnicity or "", "health": "" if m.health == Health.HEALTHY.value else m.health,
        "disability_grade": str(m.disability_grade or ""), "health_detail": m.health_detail or "",
        "labour_capacity": m.labour_capacity, "schooling": m.schooling or "", "education": m.education or "",
        "work_status": m.work_status or "", "work_months": "" if m.work_months is None else str(m.work_months),
        "phone": m.phone or "", **{f: _tri(getattr(m, f)) for f in _FLAGS}})


def _member_id(reader: FormReader, name: str) -> int | None:
    value = (reader.form.get(name) or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else None


# --- 登记农户 ------------------------------------------------------------------------------------

@bp.route("/households/new", methods=["GET", "POST"])
@login_required
def household_new():
    editing.require_editor(current_user)
    places = editing.places(current_user)
    errors: dict[str, str] = {}
    if request.method == "POST":
        reader = FormReader(request.form)
        try:
            household = editing.create_household(current_user, request.form.get("region_code", ""),
                                                  _household_input(reader), _member_input(reader), today())
            reader.done()
        except ValidationFailed as exc:
            errors = _refused(exc, reader)
        else:
            return _page(household.id, "created", "#members")
    values = request.form if request.method == "POST" else MultiDict({"attribute": HouseholdAttribute.ORDINARY.value})
    return _render("office/household_new.html", 400 if errors else 200, val=values, errors=errors, places=places,
                   shown=("region_code", *HOUSEHOLD_KEYS, *PERSON_KEYS))


# --- the household's facts ---------------------------------------------------------------------

@bp.route("/households/<int:household_id>/edit", methods=["GET", "POST"])
@login_required
def household_edit(household_id: int):
    editing.require_editor(current_user)
    household = scoping.get(current_user, Household, household_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        reader = FormReader(request.form)
        try:
            changed = editing.update_household(current_user, household_id, _household_input(reader))
            reader.done()
        except ValidationFailed as exc:
            errors = _refused(exc, reader)
        else:
            return _page(household_id, "household" if changed else "unchanged_facts", "#facts")
    values = request.form if request.method == "POST" else _household_values(household)
    return _render("office/household_edit.html", 400 if errors else 200, household=household, val=values,
                   errors=errors, shown=HOUSEHOLD_KEYS)


# --- members -----------------------------------------------------------------------------------

@bp.route("/households/<int:household_id>/members/new", methods=["GET", "POST"])
@login_required
def member_new(household_id: int):
    editing.require_editor(current_user)
    household = scoping.get(current_user, Household, household_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        reader = FormReader(request.form)
        joined_on = reader.day("joined_on", "增加日期")
        try:
            editing.add_member(current_user, household_id, _member_input(reader),
                               request.form.get("join_reason", "").strip() or None, joined_on, today())
            reader.done()
        except ValidationFailed as exc:
            errors = _refused(exc, reader)
        else:
            return _page(household_id, "joined", "#members")
    values = request.form if request.method == "POST" else MultiDict({"join_reason": "born"})
    return _render("office/member_new.html", 400 if errors else 200, household=household, val=values,
                   errors=errors, has_head=household.head is not None,
                   shown=("join_reason", "joined_on", *PERSON_KEYS))


@bp.route("/households/<int:household_id>/members/<int:member_id>/edit", methods=["GET", "POST"])
@login_required
def member_edit(household_id: int, member_id: int):
    editing.require_editor(current_user)
    member = editing.get_member(current_user, household_id, member_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        reader = FormReader(request.form)
        try:
            changed = editing.update_member(current_user, household_id, member_id,
                                            _member_input(reader), today())
            reader.done()
        except ValidationFailed as exc:
            errors = _refused(exc, reader)
        else:
            return _page(household_id, "member" if changed else "unchanged", "#members")
    else:
        audit.record(current_user, "read", "member", member.id, "edit form")  # shows the full numbers
    values = request.form if request.method == "POST" else _member_values(member)
    return _render("office/member_edit.html", 400 if errors else 200, household=member.household,
                   member=member, val=values, errors=errors, shown=PERSON_KEYS)


@bp.route("/households/<int:household_id>/members/<int:member_id>/leave", methods=["GET", "POST"])
@login_required
def member_leave(household_id: int, member_id: int):
    editing.require_editor(current_user)
    member = editing.get_member(current_user, household_id, member_id)
    household = member.household
    heads = editing.present_choices(household, member) if member.is_head else []
    errors: dict[str, str] = {}
    if request.method == "POST":
        reader = FormReader(request.form)
        left_on = reader.day("left_on", "减少日期")
        try:
            editing.record_departure(current_user, household_id, member_id, request.form.get("status", "").strip(),
                                     left_on, request.form.get("left_note", ""), today(),
                                     new_head_id=_member_id(reader, "new_head"))
            reader.done()
        except ValidationFailed as exc:
            errors = _refused(exc, reader)
        else:
            return _page(household_id, "left", "#departed")
    values = request.form if request.method == "POST" else MultiDict()
    return _render("office/member_leave.html", 400 if errors else 200, household=household, member=member,
                   heads=heads, val=values, errors=errors)
