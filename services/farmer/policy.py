"""The 明白纸 for a village: its policy page, its printed sheet's content, its scan counter."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.extensions import db
from domain.eligibility import NoMonitoringLine
from domain.enums import RegionLevel, Role
from domain.policy_text import HOTLINE, SECTIONS, render
from domain.selfreport import HARDSHIPS
from models import PolicyText, Region, ScanCount, User
from services.accounts import scoping
from services.errors import NotFound, PermissionDenied, ValidationFailed
from services.platform import audit
from services.regions import settings, tree

MAX_SECTION_LENGTH = 2000


@dataclass(frozen=True)
class Contact:
    role: str
    name: str
    phone: str | None  # staff numbers printed on the sheet are public on purpose


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    lines: list[str]


@dataclass(frozen=True)
class PolicyPage:
    village_code: str
    village_name: str
    township_name: str
    county_name: str
    year: int
    line: Decimal | None
    sections: list[Section]
    contacts: list[Contact]
    hotline: str

    @property
    def place(self) -> str:
        return f"{self.county_name}{self.township_name}{self.village_name}"

    @property
    def line_text(self) -> str:
        if self.line is None:
            return ""
        return f"{self.year}年监测范围：家庭年人均纯收入低于{self.line:,.0f}元"


def village_for_code(code: str) -> Region:
    """The village a printed code stands for today (renamed and merged codes still answer)."""
    region = tree.resolve_code(code or "")
    if region is None or region.level != RegionLevel.VILLAGE.value:
        raise NotFound("no such village")
    return region


def region_for_code(code: str) -> Region:
    region = tree.resolve_code(code or "")
    if region is None:
        raise NotFound("no such region")
    return region


def texts_for(region: Region) -> dict[str, str]:
    """Each section's text for the region: the nearest region's own text, else the default."""
    chain = region.ancestor_ids
    rows = db.session.execute(select(PolicyText).where(PolicyText.region_id.in_(chain))).scalars().all()
    depth = {rid: i for i, rid in enumerate(chain)}
    texts = {spec.key: spec.default for spec in SECTIONS}
    for row in sorted(rows, key=lambda r: depth[r.region_id]):
        texts[row.key] = row.body
    return texts


def policy_page(village: Region, today: date) -> PolicyPage:
    policy = settings.policy_for(village)
    texts = texts_for(village)
    try:
        line = settings.monitoring_line(village, today.year)
    except NoMonitoringLine:
        line = None
    township = village.parent
    county = township.parent if township else None
    return PolicyPage(
        village_code=village.code, village_name=village.name,
        township_name=township.name if township else "", county_name=county.name if county else "",
        year=today.year, line=line,
        sections=[Section(spec.key, spec.title, render(texts[spec.key], policy)) for spec in SECTIONS],
        contacts=contacts_for(village), hotline=HOTLINE)


def contacts_for(village: Region) -> list[Contact]:
    """Village staff and the grid workers of the village, who farmers can call."""
    rows = db.session.execute(
        select(User).join(Region, User.region_id == Region.id)
        .where(Region.path.startswith(village.path), User.active.is_(True),
               User.role.in_([Role.VILLAGE_STAFF.value, Role.GRID_WORKER.value]))
        .order_by(User.role.desc(), User.id)).scalars().all()
    return [Contact(Role(u.role).label, u.full_name, u.phone) for u in rows]


def counties() -> list[Region]:
    """The counties a farmer may choose from, ordered by code."""
    return list(db.session.execute(select(Region).where(
        Region.level == RegionLevel.COUNTY.value, Region.active.is_(True)).order_by(Region.code)).scalars())


def county_choices(found: list[Region] | None = None) -> list[tuple[str, str]]:
    """(code, "地市 县") for the first choice of the picker: the city's name too, since two
    provinces may each have a 城关区-like name."""
    found = counties() if found is None else found
    parents = {r.id: r.name for r in db.session.execute(select(Region).where(
        Region.id.in_({c.parent_id for c in found if c.parent_id}))).scalars()}
    return [(c.code, f"{parents[c.parent_id]} {c.name}" if c.parent_id in parents else c.name) for c in found]


def county_of(code: str) -> Region | None:
    """The county a code names (a county's code, or the code of any place in it; old codes too)."""
    region = tree.resolve_code((code or "").strip()[:20]) if code and code.strip() else None
    if region is None:
        return None
    county_id = region.county_id
    if county_id is None:
        return None
    return region if county_id == region.id else db.session.get(Region, county_id)


def village_choices(county: Region) -> list[tuple[str, str]]:
    """(code, "乡镇 村") for the village picker: the villages of one county, ordered by code."""
    villages = db.session.execute(select(Region).where(
        Region.level == RegionLevel.VILLAGE.value, Region.active.is_(True),
        Region.path.startswith(county.path, autoescape=True)).order_by(Region.code)).scalars().all()
    townships = {r.id: r.name for r in db.session.execute(select(Region).where(
        Region.id.in_({v.parent_id for v in villages if v.parent_id}))).scalars()}
    return [(v.code, f"{townships[v.parent_id]} {v.name}" if v.parent_id in townships else v.name)
            for v in villages]


@dataclass(frozen=True)
class VillagePicker:
    """What the self-report form offers: the villages of one county, the county named by the
    QR code's village, or chosen first (a list of counties when the system holds several)."""
    county_code: str  # "" while no county is chosen
    county_name: str
    counties: list[tuple[str, str]]  # the first choice; empty when there is only one county
    villages: list[tuple[str, str]]  # the chosen county's villages; empty before the choice
    village_code: str  # today's code of the village the QR code (or the form) named, else ""
    county_unknown: bool = False  # a county was asked for that does not exist


def picker(village_code: str = "", county_code: str = "") -> VillagePicker:
    """The county comes from the village code (the printed sheet's, old codes too), else from
    ``county_code``, else it is the only county there is; the villages offered are its own."""
    village = tree.resolve_code(village_code.strip()[:20]) if village_code and village_code.strip() else None
    if village is not None and village.level != RegionLevel.VILLAGE.value:
        village = None
    county = county_of(village.code) if village is not None else None
    unknown = False
    if county is None and county_code and county_code.strip():
        county = county_of(county_code)
        unknown = county is None
    all_counties = counties()
    if county is None and len(all_counties) == 1 and not unknown:
        county = all_counties[0]
    offered = county_choices(all_counties) if len(all_counties) > 1 else []
    return VillagePicker(county_code=county.code if county else "", county_name=county.name if county else "",
                         counties=offered, villages=village_choices(county) if county else [],
                         village_code=village.code if village is not None else "", county_unknown=unknown)


def hardship_choices() -> list[tuple[str, str]]:
    return [(risk.value, label) for risk, label in HARDSHIPS.items()]


def may_edit_texts(user: User) -> bool:
    return user.role in (Role.COUNTY_STAFF.value, Role.ADMIN.value)


@dataclass(frozen=True)
class EditableSection:
    key: str
    title: str
    own_text: str  # this region's own text ("" when it inherits)
    shown_text: str  # what the page shows now


def editable_sections(actor: User, region: Region) -> list[EditableSection]:
    if not may_edit_texts(actor):
        raise PermissionDenied("只有县级工作人员可以修改明白纸内容")
    if not scoping.in_scope(actor, region):
        raise NotFound("region outside scope")
    own = {row.key: row.body for row in db.session.execute(
        select(PolicyText).where(PolicyText.region_id == region.id)).scalars()}
    shown = texts_for(region)
    return [EditableSection(spec.key, spec.title, own.get(spec.key, ""), shown[spec.key]) for spec in SECTIONS]


def save_text(actor: User, region: Region, key: str, body: str) -> None:
    """County staff set a section's text for their county or any region under it.

    An empty body removes the region's own text, so the default (or a higher region's) shows.
    """
    if not may_edit_texts(actor):
        raise PermissionDenied("只有县级工作人员可以修改明白纸内容")
    if not scoping.in_scope(actor, region):
        raise NotFound("region outside scope")
    if key not in {spec.key for spec in SECTIONS}:
        raise ValidationFailed({key: "没有这一栏"})
    body = body.replace("\r\n", "\n").strip()
    if len(body) > MAX_SECTION_LENGTH:
        raise ValidationFailed({key: f"每栏不超过{MAX_SECTION_LENGTH}字"})
    row = db.session.execute(select(PolicyText).where(
        PolicyText.region_id == region.id, PolicyText.key == key)).scalar_one_or_none()
    if not body:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(PolicyText(region_id=region.id, key=key, body=body, updated_by_id=actor.id))
    else:
        row.body, row.updated_by_id = body, actor.id
    db.session.flush()
    audit.record(actor, "update", "policy_text", region.id, f"key={key}")


def count_scan(village: Region, day: date) -> None:
    """Add one scan for the village and day, safely under concurrent scans (one upsert)."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(ScanCount).values(region_id=village.id, day=day, count=1)
    statement = statement.on_conflict_do_update(
        index_elements=["region_id", "day"], set_={"count": ScanCount.count + 1})
    db.session.execute(statement)


def scans_in_scope(actor: User, today: date, days: int = 30) -> int:
    since = today - timedelta(days=days - 1)
    query = (select(func.coalesce(func.sum(ScanCount.count), 0))
             .join(Region, ScanCount.region_id == Region.id)
             .where(scoping.region_condition(actor), ScanCount.day >= since))
    return int(db.session.execute(query).scalar_one())
