"""Managing the region tree from the administration pages: browse level by level, search by
name or code (old codes too), import a CSV or an .xlsx, add a grid, rename, merge.

Admins manage every region under their node; county staff their county. Anyone else is
refused (403); a node outside the person's part of the tree answers 404. The changes are
``services.regions.tree``'s (the same checks as the command line), and each is audited there
or here.
"""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from core.extensions import db
from domain.enums import RegionLevel, Role
from domain.workflow import CaseState
from models import Case, Household, Region, RegionAlias, User
from services.accounts import scoping
from services.errors import NotFound, PermissionDenied, ValidationFailed
from services.platform import audit
from services.regions import merging, tree

MANAGER_ROLES = (Role.ADMIN, Role.COUNTY_STAFF)
OPEN_STATES = tuple(s.value for s in CaseState if s.is_open)
MAX_SEARCH_LENGTH = 30
MAX_SEARCH_RESULTS = 50
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 10_000
IMPORT_SUFFIXES = (".csv", ".xlsx")
ALIAS_REASONS = {"rename": "改名/换代码", "merge": "合并"}


def may_manage(user: User) -> bool:
    return user.role_enum in MANAGER_ROLES


def check_manager(user: User) -> None:
    if not may_manage(user):
        raise PermissionDenied("只有系统管理员和县级工作人员可以管理区划")


def node(actor: User, region_id: int) -> Region:
    """A region of the actor's part of the tree (403 for other roles, 404 outside it)."""
    check_manager(actor)
    return scoping.get(actor, Region, region_id)


# --- browsing -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ChildRow:
    id: int
    code: str
    name: str
    level: str
    children: int
    households: int
    open_cases: int


@dataclass(frozen=True)
class AliasRow:
    old_code: str
    old_name: str
    reason: str
    changed_on: date | None


@dataclass
class NodePage:
    region: Region
    level: str
    chain: list[Region]  # from the top of the tree down to the node's parent
    households: int
    open_cases: int
    children: list[ChildRow] = field(default_factory=list)
    child_level: str = ""
    aliases: list[AliasRow] = field(default_factory=list)
    own_node: bool = False  # the actor's own node: merged by nobody here
    may_add_grid: bool = False


def _counts_below(parent_id: int) -> tuple[dict[int, int], dict[int, int], dict[int, int]]:
    """For each child of ``parent_id``: its own children, the households and the open cases in
    its subtree. Three grouped queries, whatever the number of nodes below."""
    child = aliased(Region)
    below = Region.path.startswith(child.path)
    grandchildren = dict(db.session.execute(
        select(child.id, func.count(Region.id)).join(Region, Region.parent_id == child.id)
        .where(child.parent_id == parent_id).group_by(child.id)).all())
    households = dict(db.session.execute(
        select(child.id, func.count(Household.id)).join(Region, below)
        .join(Household, Household.region_id == Region.id)
        .where(child.parent_id == parent_id).group_by(child.id)).all())
    cases = dict(db.session.execute(
        select(child.id, func.count(Case.id)).join(Region, below)
        .join(Case, Case.region_id == Region.id)
        .where(child.parent_id == parent_id, Case.state.in_(OPEN_STATES)).group_by(child.id)).all())
    return grandchildren, households, cases


def _subtree_counts(region: Region) -> tuple[int, int]:
    under = Region.path.startswith(region.path, autoescape=True)
    households = db.session.execute(select(func.count(Household.id))
                                    .join(Region, Household.region_id == Region.id).where(under)).scalar_one()
    cases = db.session.execute(select(func.count(Case.id)).join(Region, Case.region_id == Region.id)
                               .where(under, Case.state.in_(OPEN_STATES))).scalar_one()
    return int(households), int(cases)


def node_page(actor: User, region: Region) -> NodePage:
    """A node's code, level, parent chain, children with their figures, and old codes.

    Figures are counts, never rows: an admin (who reads no household) sees them too."""
    check_manager(actor)
    if not scoping.in_scope(actor, region):
        raise NotFound("region outside scope")
    households, open_cases = _subtree_counts(region)
    page = NodePage(region=region, level=region.level_enum.label, chain=tree.chain(region)[:-1],
                    households=households, open_cases=open_cases,
                    own_node=region.id == actor.region_id,
                    may_add_grid=region.level == RegionLevel.VILLAGE.value)
    child_level = region.level_enum.child_level()
    page.child_level = child_level.label if child_level else ""
    grandchildren, counts, cases = _counts_below(region.id)
    rows = db.session.execute(select(Region).where(Region.parent_id == region.id)
                              .order_by(Region.code)).scalars()
    page.children = [ChildRow(r.id, r.code, r.name, r.level_enum.label, grandchildren.get(r.id, 0),
                              counts.get(r.id, 0), cases.get(r.id, 0)) for r in rows]
    page.aliases = [AliasRow(a.old_code, a.old_name, ALIAS_REASONS.get(a.reason, a.reason), a.changed_on)
                    for a in db.session.execute(select(RegionAlias).where(RegionAlias.region_id == region.id)
                                                .order_by(RegionAlias.id)).scalars()]
    return page


@dataclass(frozen=True)
class SearchHit:
    id: int
    code: str
    name: str
    level: str
    place: str  # the names above it, for telling two 新村 apart
    via_alias: str  # "旧代码 … / 原名 …" when found through an old code or name


def search(actor: User, text: str) -> list[SearchHit]:
    """Regions of the actor's part of the tree whose name contains ``text`` or whose code (or
    an old code, or an old name) matches it; at most ``MAX_SEARCH_RESULTS``."""
    check_manager(actor)
    text = (text or "").strip()
    if not text:
        return []
    if len(text) > MAX_SEARCH_LENGTH:
        raise ValidationFailed({"q": f"查找内容不超过{MAX_SEARCH_LENGTH}个字"})
    if any(ord(c) < 32 for c in text):
        raise ValidationFailed({"q": "查找内容含有无法识别的字符"})
    direct = db.session.execute(
        scoping.regions(actor).where(or_(Region.name.contains(text, autoescape=True),
                                         Region.code.startswith(text, autoescape=True)))
        .order_by(Region.path).limit(MAX_SEARCH_RESULTS)).scalars().all()
    aliased_hits = db.session.execute(
        scoping.regions(actor).join(RegionAlias, RegionAlias.region_id == Region.id)
        .where(or_(RegionAlias.old_code.startswith(text, autoescape=True),
                   RegionAlias.old_name.contains(text, autoescape=True)))
        .add_columns(RegionAlias.old_code, RegionAlias.old_name)
        .order_by(RegionAlias.old_code).limit(MAX_SEARCH_RESULTS)).all()
    found: dict[int, tuple[Region, str]] = {r.id: (r, "") for r in direct}
    for region, old_code, old_name in aliased_hits:
        found.setdefault(region.id, (region, f"旧代码 {old_code}（原名 {old_name}）"))
    hits = list(found.values())[:MAX_SEARCH_RESULTS]
    names = _names_of({i for region, _ in hits for i in region.ancestor_ids[:-1]})
    return [SearchHit(r.id, r.code, r.name, r.level_enum.label,
                      " / ".join(names.get(i, "") for i in r.ancestor_ids[:-1]), via)
            for r, via in hits]


def _names_of(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(select(Region.id, Region.name).where(Region.id.in_(ids))).all())


# --- import ---------------------------------------------------------------------------------

def file_text(filename: str, content: bytes) -> str:
    """The uploaded file as the CSV text ``tree.import_csv`` reads: a .csv as it is (UTF-8, or
    GB18030 as Excel saves it in China), an .xlsx's first sheet written out as CSV, so both go
    through the same reader and the same checks."""
    name = (filename or "").lower()
    if not name.endswith(IMPORT_SUFFIXES):
        raise ValidationFailed({"file": "请上传 .csv 或 .xlsx 文件"})
    if not content:
        raise ValidationFailed({"file": "文件是空的"})
    if len(content) > MAX_IMPORT_BYTES:
        raise ValidationFailed({"file": f"文件不超过{MAX_IMPORT_BYTES // 1024 // 1024}MB，请分批导入"})
    text = _xlsx_as_csv(content) if name.endswith(".xlsx") else _decoded(content)
    if "\x00" in text:
        raise ValidationFailed({"file": "文件含有无法识别的字符，请另存为 CSV（UTF-8）后再上传"})
    if text.count("\n") > MAX_IMPORT_ROWS + 1:
        raise ValidationFailed({"file": f"一次最多导入{MAX_IMPORT_ROWS}行，请分批导入"})
    return text


def _decoded(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationFailed({"file": "文件编码无法识别，请另存为 CSV（UTF-8）后再上传"})


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value == value and value not in (float("inf"), float("-inf")) \
            and value.is_integer():
        return str(int(value))  # a code typed as a number
    return str(value)


def _xlsx_as_csv(content: bytes) -> str:
    from openpyxl import load_workbook  # only the import needs it

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, IndexError, AttributeError):
        raise ValidationFailed({"file": "无法读取这个 Excel 文件，请确认是 .xlsx 格式"}) from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise ValidationFailed({"file": "Excel 文件里没有工作表"})
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        for n, row in enumerate(sheet.iter_rows(values_only=True)):
            if n > MAX_IMPORT_ROWS + 1:
                raise ValidationFailed({"file": f"一次最多导入{MAX_IMPORT_ROWS}行，请分批导入"})
            writer.writerow([_cell(v) for v in row[:8]])
        return out.getvalue()
    except ValidationFailed:
        raise
    except Exception:  # noqa: BLE001 - a damaged sheet inside a valid zip: any openpyxl error
        raise ValidationFailed({"file": "无法读取这个 Excel 文件，请确认是 .xlsx 格式"}) from None
    finally:
        book.close()


def import_text(actor: User, text: str, *, dry_run: bool) -> tree.ImportReport:
    """Check (``dry_run``) or import the rows, every one within the actor's node; all or nothing."""
    check_manager(actor)
    if "\x00" in text:
        raise ValidationFailed({"file": "文件含有无法识别的字符"})
    if text.count("\n") > MAX_IMPORT_ROWS + 1:
        raise ValidationFailed({"file": f"一次最多导入{MAX_IMPORT_ROWS}行，请分批导入"})
    return tree.import_csv(text, actor, within=actor.region, dry_run=dry_run)


# --- changes --------------------------------------------------------------------------------

def add_grid(actor: User, village: Region, code: str, name: str) -> Region:
    """A grid (网格/村民组) under a village of the actor's part of the tree."""
    check_manager(actor)
    if not scoping.in_scope(actor, village):
        raise NotFound("region outside scope")
    if village.level != RegionLevel.VILLAGE.value:
        raise ValidationFailed({"code": "网格只能加在村/社区下"})
    code = (code or "").strip()
    if not code:
        raise ValidationFailed({"code": "请填写网格代码"})
    grid = tree.create_region(code, name or "", RegionLevel.GRID, village)
    audit.record(actor, "create", "region", grid.id, f"grid {grid.code} under {village.code}")
    return grid


def rename(actor: User, region: Region, name: str, code: str | None, today: date) -> Region:
    check_manager(actor)
    if not scoping.in_scope(actor, region):
        raise NotFound("region outside scope")
    return tree.rename(actor, region, name or "", code, on=today)


def merge_targets(actor: User, source: Region) -> list[tuple[int, str]]:
    """The siblings a node may be merged into: same parent, same level, in the actor's part."""
    check_manager(actor)
    if source.parent_id is None:
        return []
    rows = db.session.execute(scoping.regions(actor).where(
        Region.parent_id == source.parent_id, Region.level == source.level, Region.id != source.id)
        .order_by(Region.code)).scalars()
    return [(r.id, f"{r.name}（{r.code}）") for r in rows]


@dataclass(frozen=True)
class MergePlan:
    source: Region
    target: Region
    children: int
    households: int
    open_cases: int
    staff: int


def _check_merge(actor: User, source: Region, raw_target: str) -> Region:
    check_manager(actor)
    if not scoping.in_scope(actor, source):
        raise NotFound("region outside scope")
    if source.id == actor.region_id or not actor.region.contains(source):
        raise ValidationFailed({"target": "不能合并您自己所在的区划"})
    target_id = _whole(raw_target)
    choices = {rid for rid, _ in merge_targets(actor, source)}
    if target_id not in choices:
        raise ValidationFailed({"target": "请从列表中选择同一上级下的区划"})
    target = db.session.get(Region, target_id)
    refused = merging.refusal(source, target)  # said at the confirmation step already
    if refused:
        raise ValidationFailed({"target": refused})
    return target


def _whole(raw) -> int | None:
    text = (raw or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 10 else None


def merge_plan(actor: User, source: Region, raw_target: str) -> MergePlan:
    """What a merge would move, for the confirmation step."""
    target = _check_merge(actor, source, raw_target)
    households, open_cases = _subtree_counts(source)
    children = db.session.execute(select(func.count(Region.id)).where(Region.parent_id == source.id)).scalar_one()
    staff = db.session.execute(select(func.count(User.id)).where(User.region_id == source.id)).scalar_one()
    return MergePlan(source, target, int(children), households, open_cases, int(staff))


def merge(actor: User, source: Region, raw_target: str, today: date) -> Region:
    target = _check_merge(actor, source, raw_target)
    return tree.merge(actor, source, target, on=today)
