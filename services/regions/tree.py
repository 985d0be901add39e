"""Region tree use cases: create, import from CSV, rename, merge, resolve old codes."""
from __future__ import annotations

import csv
import io
import re
import time
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import bindparam, func, literal, select, update

from core.extensions import db
from domain.enums import RegionLevel
from domain.regions import code_problem, parent_problem, parse_level
from models import Case, Household, Region, RegionAlias, User
from services.errors import ValidationFailed
from services.platform import audit
from services.regions import merging

CSV_COLUMNS = ("code", "name", "parent_code", "level")
CSV_HEADER_ALIASES = {"代码": "code", "区划代码": "code", "名称": "name", "上级代码": "parent_code",
                      "层级": "level", "级别": "level"}
MAX_NAME_LENGTH = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def name_problem(name: str) -> str | None:
    """Why ``name`` (already stripped) cannot name a region, or None when it can."""
    if not name:
        return "名称不能为空"
    if len(name) > MAX_NAME_LENGTH:
        return f"名称不超过{MAX_NAME_LENGTH}个字"
    if _CONTROL.search(name):
        return "名称含有无法识别的字符"
    return None


# Built once: every self-report and every scan of a printed sheet looks its village up by code.
_BY_CODE = select(Region).where(Region.code == bindparam("code"))


def by_code(code: str) -> Region | None:
    return db.session.execute(_BY_CODE, {"code": code}).scalar_one_or_none()


def chain(region: Region) -> list[Region]:
    """The region and the regions above it, from the top of the tree down, in one query."""
    ids = region.ancestor_ids
    found = {r.id: r for r in db.session.execute(select(Region).where(Region.id.in_(ids))).scalars()}
    return [found[i] for i in ids if i in found]


# --- village codes, remembered --------------------------------------------------------------
# Every self-report names its village by the code printed on the sheet, and codes change only
# when the county renames or merges villages: each process remembers a village code's id for
# VILLAGE_CODE_TTL seconds instead of asking the database on every report. A rename keeps the
# village's id (the old code becomes an alias). After a merge another process may hold the
# merged-away id until it expires; a row written with it fails on its foreign key, and the
# caller forgets the codes (``forget_village_codes``) and asks for the report again. The memory
# belongs to the application (one per database), not to the module.
VILLAGE_CODE_TTL = 60.0
_MAX_REMEMBERED = 200_000
_REMEMBERED = "shoudi_village_codes"


def _village_ids() -> dict[str, tuple[int, float]]:
    return current_app.extensions.setdefault(_REMEMBERED, {})


def village_id_for_code(code: str) -> int | None:
    """The id of the village a code stands for today (old codes included), or None."""
    remembered, now = _village_ids(), time.monotonic()
    hit = remembered.get(code)
    if hit is not None and hit[1] > now:
        return hit[0]
    region = resolve_code(code)
    if region is None or region.level != RegionLevel.VILLAGE.value:
        return None  # unknown codes are not remembered: what a client sends cannot fill memory
    if len(remembered) >= _MAX_REMEMBERED:
        remembered.clear()
    remembered[code] = (region.id, now + VILLAGE_CODE_TTL)
    return region.id


def forget_village_codes() -> None:
    _village_ids().clear()


def resolve_code(code: str) -> Region | None:
    """The region a code stands for today, following renamed and merged codes."""
    region = by_code(code)
    if region is not None:
        return region
    alias = db.session.execute(
        select(RegionAlias).where(RegionAlias.old_code == code)).scalar_one_or_none()
    return alias.region if alias is not None else None


def create_region(code: str, name: str, level: RegionLevel, parent: Region | None) -> Region:
    name = name.strip()
    if name_problem(name):
        raise ValidationFailed({"name": name_problem(name)})
    problem = code_problem(code, level) or parent_problem(
        level, code, parent.level_enum if parent else None, parent.code if parent else None)
    if problem:
        raise ValidationFailed({"code": problem})
    if resolve_code(code) is not None:
        raise ValidationFailed({"code": "该代码已被使用"})
    region = Region(code=code, name=name.strip(), level=level.value, parent=parent)
    db.session.add(region)
    db.session.flush()  # the id is part of the path
    region.path = f"{parent.path if parent else '/'}{region.id}/"
    return region


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, message)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        lines = [f"新建 {len(self.created)} 个，改名 {len(self.renamed)} 个，未变 {self.unchanged} 个，"
                 f"错误 {len(self.errors)} 行"]
        lines += [f"  第{line}行：{message}" for line, message in self.errors]
        return "\n".join(lines)


@dataclass
class _Row:
    line: int
    code: str
    name: str
    parent_code: str
    level: RegionLevel


def _read_rows(text: str, report: ImportReport) -> list[_Row]:
    try:
        return _read_csv(text, report)
    except csv.Error as exc:  # a stray quote or a NUL: the line the reader stopped at
        report.errors.append((0, f"文件无法按CSV读取：{exc}"))
        return []


def _read_csv(text: str, report: ImportReport) -> list[_Row]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None:
        report.errors.append((1, "文件为空"))
        return []
    names = [CSV_HEADER_ALIASES.get(h.strip(), h.strip().lower()) for h in header]
    missing = [c for c in CSV_COLUMNS if c not in names]
    if missing:
        report.errors.append((1, f"表头缺少列：{', '.join(missing)}（应为 code,name,parent_code,level）"))
        return []
    rows = []
    for line_no, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        record = dict(zip(names, (v.strip() for v in values)))
        level = parse_level(record.get("level", ""))
        if level is None:
            report.errors.append((line_no, f"层级“{record.get('level', '')}”无法识别（县/乡镇/村/网格）"))
            continue
        if not record.get("code") or not record.get("name"):
            report.errors.append((line_no, "代码和名称不能为空"))
            continue
        problem = name_problem(record["name"])
        if problem:
            report.errors.append((line_no, problem))
            continue
        rows.append(_Row(line_no, record["code"], record["name"], record.get("parent_code", ""), level))
    return rows


def import_csv(text: str, actor: User | None = None, *, within: Region | None = None,
               dry_run: bool = False) -> ImportReport:
    """Import (code, name, parent code, level) rows. All or nothing: any bad row, nothing saved.

    Rows may come in any order; parents are created before children. An existing code with a
    new name is renamed; an existing code under another parent or level is an error (moves are
    not done by import). A province, a city or a county may start a tree (no parent code), but
    a row whose parent is already known (in the file or the database) must name it.

    ``within``: every row must lie under this node (the importing person's own part of the
    tree). ``dry_run``: check everything and report, then change nothing (and audit nothing).
    """
    report = ImportReport()
    rows = _read_rows(text, report)
    seen: dict[str, int] = {}
    for row in rows:
        if row.code in seen:
            report.errors.append((row.line, f"代码 {row.code} 与第{seen[row.code]}行重复"))
        seen.setdefault(row.code, row.line)
    file_rows = {row.code: row for row in rows}
    depth_order = sorted(rows, key=lambda r: list(RegionLevel).index(r.level))
    savepoint = db.session.begin_nested()
    for row in depth_order:
        message = _import_row(row, file_rows, report, within)
        if message:
            report.errors.append((row.line, message))
    report.errors.sort()
    if report.errors or dry_run:
        savepoint.rollback()
        if dry_run and not report.errors:
            return report

        report.created.clear()
        report.renamed.clear()
        report.unchanged = 0
        return report
    savepoint.commit()
    audit.record(actor, "import", "region", None,
                 f"created={len(report.created)} renamed={len(report.renamed)}")
    return report


def _expected_parent_code(row: _Row) -> str | None:
    """The division code a province-coded node's parent must have (12-digit codes only)."""
    if row.level is RegionLevel.CITY:
        return row.code[:2] + "0" * 10
    if row.level is RegionLevel.COUNTY:
        return row.code[:4] + "0" * 8
    return None


def _import_row(row: _Row, file_rows: dict[str, _Row], report: ImportReport,
                within: Region | None = None) -> str | None:
    problem = code_problem(row.code, row.level)
    if problem:
        return problem
    parent = by_code(row.parent_code) if row.parent_code else None
    if row.parent_code and parent is None:
        if row.parent_code in file_rows:
            return f"上级区划 {row.parent_code} 有误，本行无法导入"
        return f"上级区划 {row.parent_code} 不存在"
    expected = _expected_parent_code(row) if not row.parent_code else None
    if expected and (expected in file_rows or by_code(expected) is not None):
        return f"上级代码为空，但上级区划 {expected} 已有，请填写上级代码"
    existing_row = by_code(row.code)
    if within is not None:
        inside = (within.contains(existing_row) if existing_row is not None
                  else parent is not None and within.contains(parent))
        if not inside:
            return f"区划 {row.code} 不在您管理的范围（{within.name}）内"
    problem = parent_problem(row.level, row.code, parent.level_enum if parent else None,
                             parent.code if parent else None)
    if problem:
        return problem
    existing = existing_row
    if existing is not None:
        if existing.level != row.level.value or existing.parent_id != (parent.id if parent else None):
            return f"代码 {row.code} 已存在，但层级或上级不同（导入不移动区划）"
        if existing.name != row.name:
            existing.name = row.name
            report.renamed.append(row.code)
        else:
            report.unchanged += 1
        return None
    if resolve_code(row.code) is not None:
        return f"代码 {row.code} 是已改名或合并区划的旧代码，不能再用"
    create_region(row.code, row.name, row.level, parent)
    report.created.append(row.code)
    return None


def rename(actor: User | None, region: Region, new_name: str, new_code: str | None = None,
           on: date | None = None) -> Region:
    """Rename a region (and optionally give it a new code); the old code stays resolvable."""
    new_name = new_name.strip()
    new_code = (new_code or "").strip() or None
    if name_problem(new_name):
        raise ValidationFailed({"name": name_problem(new_name)})
    if new_name == region.name and (not new_code or new_code == region.code):
        raise ValidationFailed({"name": "名称和代码都没有变化"})
    old = f"{region.code} {region.name}"
    if new_code and new_code != region.code:
        parent = region.parent
        problem = code_problem(new_code, region.level_enum) or parent_problem(
            region.level_enum, new_code, parent.level_enum if parent else None, parent.code if parent else None)
        if problem:
            raise ValidationFailed({"code": problem})
        if resolve_code(new_code) is not None:
            raise ValidationFailed({"code": "该代码已被使用"})
        db.session.add(RegionAlias(region=region, old_code=region.code, old_name=region.name,
                                   reason="rename", changed_on=on))
        region.code = new_code
    region.name = new_name
    db.session.flush()
    forget_village_codes()
    audit.record(actor, "rename", "region", region.id, f"from={old}")
    return region


def merge(actor: User | None, source: Region, target: Region, on: date | None = None) -> Region:
    """Merge ``source`` into ``target`` (same level): children, households, cases and staff move,
    and every other record of the place (``merging``); refused while the source has settings of
    its own or records that would collide with the target's.

    The source row is removed; its code (and any older codes) now resolve to the target.
    """
    if source.id == target.id:
        raise ValidationFailed({"target": "不能合并到自身"})
    if source.level != target.level:
        raise ValidationFailed({"target": "只能合并同一层级的区划"})
    if target.path.startswith(source.path):
        raise ValidationFailed({"target": "不能合并到自己的下级"})
    refused = merging.refusal(source, target)
    if refused:
        raise ValidationFailed({"target": refused})
    merging.move_records(source, target)
    for child in list(source.children):
        _move(child, target)
    for model in (Household, User):
        db.session.execute(update(model).where(model.region_id == source.id).values(region_id=target.id))
    db.session.execute(update(Case).where(Case.region_id == source.id)
                       .values(region_id=target.id, region_path=target.path))
    db.session.execute(update(RegionAlias).where(RegionAlias.region_id == source.id)
                       .values(region_id=target.id))
    old_code, old_name = source.code, source.name
    db.session.delete(source)
    db.session.flush()
    db.session.add(RegionAlias(region=target, old_code=old_code, old_name=old_name,
                               reason="merge", changed_on=on))
    db.session.flush()
    forget_village_codes()
    audit.record(actor, "merge", "region", target.id, f"from={old_code}")
    return target


def _move(region: Region, new_parent: Region) -> None:
    old_prefix = region.path
    new_prefix = f"{new_parent.path}{region.id}/"
    region.parent = new_parent
    for node in db.session.execute(select(Region).where(Region.path.startswith(old_prefix))).scalars():
        node.path = new_prefix + node.path[len(old_prefix):]
    # The cases below keep their region's path (the scope's prefix match reads it).
    db.session.execute(update(Case).where(Case.region_path.startswith(old_prefix))
                       .values(region_path=literal(new_prefix) + func.substr(Case.region_path, len(old_prefix) + 1))
                       .execution_options(synchronize_session="fetch"))
