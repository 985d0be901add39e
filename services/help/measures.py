"""The county measure library (县级帮扶措施库): help plans are chosen from it.

Everyone working in a county reads its library; only county staff keep it (DOMAIN: 县 "keeps
the measure library"). A measure is never deleted, because plans refer to it: it is
deactivated, and an inactive measure is no longer offered for new plans.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from core.extensions import db
from domain.enums import Department, HelpKind, RegionLevel, RiskType, Role
from models import Measure, Region, User
from services.errors import NotFound, PermissionDenied, ValidationFailed
from services.platform import audit

NAME_MAX = 100


@dataclass(frozen=True)
class MeasureInput:
    name: str
    kind: str | None
    department: str | None
    risk_types: tuple[str, ...]
    toilet_upgrade: bool = False
    temporary_relief: bool = False  # 临时救助: planned with its amount and kind (domain.relief)


@dataclass(frozen=True)
class MeasureRow:
    id: int
    name: str
    kind: str
    kind_label: str
    department: str
    risk_types: tuple[str, ...]
    risk_labels: str
    active: bool
    toilet_upgrade: bool
    temporary_relief: bool


@dataclass(frozen=True)
class KindGroup:
    kind: str
    label: str
    measures: list[MeasureRow] = field(default_factory=list)


def county_of(region: Region) -> Region:
    """The county whose library serves ``region`` (the county node above it, or itself)."""
    if region.level == RegionLevel.COUNTY.value:
        return region
    if region.level_enum.above_county:
        raise PermissionDenied("帮扶措施库由各县维护，地市和省级账号没有自己的措施库")
    query = select(Region).where(Region.id.in_(region.ancestor_ids),
                                 Region.level == RegionLevel.COUNTY.value)
    county = db.session.execute(query).scalars().first()
    if county is None:
        raise NotFound("no county above the region")
    return county


def may_edit(actor: User) -> bool:
    return actor.role == Role.COUNTY_STAFF.value


def _require_editor(actor: User) -> None:
    if not may_edit(actor):
        raise PermissionDenied("只有县级工作人员可以维护帮扶措施库")


def department_label(code: str | None) -> str:
    return Department(code).label if code else "无（村级、结对干部落实）"


def row(measure: Measure) -> MeasureRow:
    return MeasureRow(
        id=measure.id, name=measure.name, kind=measure.kind, kind_label=HelpKind(measure.kind).label,
        department=department_label(measure.department), risk_types=tuple(measure.risk_types),
        risk_labels="、".join(RiskType(r).label for r in measure.risk_types),
        active=measure.active, toilet_upgrade=measure.toilet_upgrade,
        temporary_relief=measure.is_temporary_relief)


def _sort_key(measure: Measure) -> tuple:
    """五帮 order, then the order the county entered them; within 改善式 the toilet upgrade
    first, as a plan must list it first."""
    return (HelpKind.codes().index(measure.kind), not measure.toilet_upgrade, measure.id)


def measures_of(county: Region, *, active_only: bool = False) -> list[Measure]:
    query = select(Measure).where(Measure.county_id == county.id)
    if active_only:
        query = query.where(Measure.active.is_(True))
    return sorted(db.session.execute(query).scalars(), key=_sort_key)


def grouped(measures: list[Measure]) -> list[KindGroup]:
    groups = {kind.value: KindGroup(kind.value, kind.label) for kind in HelpKind}
    for measure in measures:
        groups[measure.kind].measures.append(row(measure))
    return [g for g in groups.values() if g.measures]


def library(actor: User, *, include_inactive: bool = True) -> list[KindGroup]:
    """The library of the actor's county, grouped by the five kinds of help (read-only view)."""
    return grouped(measures_of(county_of(actor.region), active_only=not include_inactive))


def get(actor: User, measure_id: int) -> Measure:
    """A measure of the actor's county; NotFound for any other."""
    measure = db.session.get(Measure, measure_id)
    if measure is None or measure.county_id != county_of(actor.region).id:
        raise NotFound("measure not in the county")
    return measure


def _validate(county: Region, data: MeasureInput, current_id: int | None = None) -> dict:
    errors: dict[str, str] = {}
    name = " ".join(data.name.split())
    if not name:
        errors["name"] = "请填写措施名称"
    elif len(name) > NAME_MAX:
        errors["name"] = f"措施名称不超过{NAME_MAX}个字"
    else:
        query = select(Measure.id).where(Measure.county_id == county.id,
                                         func.lower(Measure.name) == name.lower())
        if current_id is not None:
            query = query.where(Measure.id != current_id)
        if db.session.execute(query).first() is not None:
            errors["name"] = "本县措施库已有同名措施"
    if data.kind not in HelpKind.codes():
        errors["kind"] = "请选择属于五帮中的哪一类" if not data.kind else "帮扶类型无效"
    if data.department and data.department not in Department.codes():
        errors["department"] = "责任部门无效"
    if not data.risk_types:
        errors["risk_types"] = "请至少选择一种针对的风险类型"
    elif any(r not in RiskType.codes() for r in data.risk_types):
        errors["risk_types"] = "风险类型无效"
    if data.toilet_upgrade and data.kind in HelpKind.codes() and data.kind != HelpKind.IMPROVEMENT.value:
        errors["toilet_upgrade"] = "户厕改造属于改善式帮扶，请把帮扶类型选为改善式"
    if errors:
        raise ValidationFailed(errors)
    return {"name": name, "kind": data.kind, "department": data.department or None,
            "risk_types": list(dict.fromkeys(data.risk_types)), "toilet_upgrade": data.toilet_upgrade,
            "is_temporary_relief": data.temporary_relief}


def create(actor: User, data: MeasureInput) -> Measure:
    _require_editor(actor)
    county = county_of(actor.region)
    values = _validate(county, data)
    measure = Measure(county=county, active=True, **values)
    db.session.add(measure)
    db.session.flush()
    audit.record(actor, "create", "measure", measure.id, f"kind={measure.kind}")
    return measure


def update(actor: User, measure_id: int, data: MeasureInput) -> Measure:
    """Change a measure. Plans already made keep the department they were handed to."""
    _require_editor(actor)
    measure = get(actor, measure_id)
    values = _validate(measure.county, data, current_id=measure.id)
    changed = sorted(k for k, v in values.items() if getattr(measure, k) != v)
    for key, value in values.items():
        setattr(measure, key, value)
    db.session.flush()
    audit.record(actor, "update", "measure", measure.id, "fields=" + ",".join(changed))
    return measure


def set_active(actor: User, measure_id: int, active: bool) -> Measure:
    _require_editor(actor)
    measure = get(actor, measure_id)
    measure.active = active
    db.session.flush()
    audit.record(actor, "update", "measure", measure.id, "active" if active else "deactivated")
    return measure
