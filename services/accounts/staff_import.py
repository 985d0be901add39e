"""Staff accounts from a spreadsheet (批量建账号): ``.xlsx``, ``.xls`` or ``.csv`` with a header row.

Columns, found by their header (order free): 姓名, 用户名, 手机号, 角色 (the Chinese name or the
code), 区划 (a code, or names from the township down: "青山镇/青山村"), 部门 (行业部门 only). Each
row is checked as the single-account form checks it. Nothing is half-done: with any row refused,
the caller rolls the whole file back and shows the refusals by line; a dry run checks every row
and keeps nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from domain.enums import Department, Role
from models import User
from services.accounts import staff
from services.accounts.staff import AccountInput
from services.errors import ValidationFailed
from services.households.register_file import UnreadableFile, rows as table_rows

# Each account costs a password hash (scrypt, tens of milliseconds): a file is checked within a
# request, so a county splits its staff list by township.
MAX_ROWS = 300
MAX_BYTES = 2 * 1024 * 1024
COLUMNS = {"full_name": ("姓名",), "username": ("用户名", "登录名", "账号"), "phone": ("手机号", "手机号码", "手机"),
           "role": ("角色",), "region": ("区划", "所属区划", "区划代码", "区划名称"), "department": ("部门", "行业部门")}
REQUIRED = ("full_name", "username", "role", "region")
LABELS = {"full_name": "姓名", "username": "用户名", "phone": "手机号", "role": "角色", "region": "区划",
          "department": "部门", "password": "密码", "": ""}
_ROLES = {**{r.value: r.value for r in Role}, **{r.label: r.value for r in Role}}
_DEPARTMENTS = {**{d.value: d.value for d in Department}, **{d.label: d.value for d in Department}}


@dataclass(frozen=True)
class Created:
    line: int
    username: str
    full_name: str
    role: str
    password: str  # the one-time password, shown once


@dataclass
class ImportReport:
    dry_run: bool
    rows: int = 0
    created: list[Created] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def import_accounts(actor: User, content: bytes, *, dry_run: bool) -> ImportReport:
    """Create the accounts of the file (the caller commits, or rolls back when ``errors``)."""
    staff.require_manager(actor)
    if not content:
        raise ValidationFailed({"file": "请选择要导入的表格文件"})
    if len(content) > MAX_BYTES:
        raise ValidationFailed({"file": "文件超过2MB，请分成几个文件导入"})
    try:
        lines = list(_read(content))
    except UnreadableFile as exc:
        raise ValidationFailed({"file": str(exc)}) from None
    if not lines:
        raise ValidationFailed({"file": "表格是空的"})
    columns = _columns(lines[0][1])
    report = ImportReport(dry_run=dry_run)
    seen: dict[str, int] = {}
    for line, cells in lines[1:]:
        if not any(str(c).strip() for c in cells if c is not None):
            continue
        report.rows += 1
        if report.rows > MAX_ROWS:
            raise ValidationFailed({"file": f"一次最多导入{MAX_ROWS}个账号，请分成几个文件"})
        data = _row(cells, columns)
        if data.username.strip() in seen:
            report.errors.append((line, f"用户名与第{seen[data.username.strip()]}行重复"))
            continue
        seen[data.username.strip()] = line
        _create(actor, line, data, report)
    return report


def _read(content: bytes):
    for number, cells in enumerate(table_rows(content), start=1):
        yield number, list(cells)


def _columns(header: list[object]) -> dict[str, int]:
    names = [str(c).strip() if c is not None else "" for c in header]
    found = {}
    for key, aliases in COLUMNS.items():
        for index, name in enumerate(names):
            if name in aliases:
                found[key] = index
                break
    missing = [COLUMNS[key][0] for key in REQUIRED if key not in found]
    if missing:
        raise ValidationFailed({"file": "第1行应为表头，缺少列：" + "、".join(missing)})
    return found


def _cell(cells: list[object], columns: dict[str, int], key: str) -> str:
    index = columns.get(key)
    if index is None or index >= len(cells) or cells[index] is None:
        return ""
    value = cells[index]
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone or a code typed into a number cell
    return str(value).strip()[:200]


def _row(cells: list[object], columns: dict[str, int]) -> AccountInput:
    role = _cell(cells, columns, "role")
    department = _cell(cells, columns, "department")
    return AccountInput(full_name=_cell(cells, columns, "full_name"), username=_cell(cells, columns, "username"),
                        phone=_cell(cells, columns, "phone"), role=_ROLES.get(role, role),
                        region=_cell(cells, columns, "region"), department=_DEPARTMENTS.get(department, department))


def _create(actor: User, line: int, data: AccountInput, report: ImportReport) -> None:
    """One row. Every check comes before the account is written, so a refused row leaves nothing
    behind and the rows after it are still checked (against the ones before, already in the
    transaction). No savepoint: on SQLite a savepoint opened before any write is the
    transaction itself, and releasing it would commit."""
    try:
        made, password = staff.create(actor, data)
    except ValidationFailed as exc:
        report.errors.append((line, "；".join(f"{LABELS.get(k, k)}：{m}" if k else m
                                             for k, m in exc.fields.items())))
        return
    report.created.append(Created(line, made.username, made.full_name, made.role_enum.label, password))
