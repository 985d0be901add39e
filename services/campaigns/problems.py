"""附件2 村级排查表: the problems each village finds in a campaign, by area.

Village staff add, correct and remove their own village's problems (``VillageProblem``) in each
area of the form (防返贫动态监测, 网格化管理, 规模性返贫风险隐患, 政策落实, 资金使用管理, 乡村建设,
乡村治理, 其他); township and county staff read them village by village and export the form. A
problem is put on the rectification ledger (附件4, ``services.campaigns.ledger``) once; it is then
no longer removed here (the ledger item names it).

The export is the seed's layout: the title "XX乡镇XX村<year>年防止返贫监测帮扶集中排查村级排查表", one
header row (``FORM2_COLUMNS``), then one row per village: 序号, 乡镇, 行政村, each area's problems
joined with "；", 备注 (the problems' remarks). A township's or the county's file has a row for
every village of the campaign's area in the person's scope, problems or not.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Iterable, Mapping

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import func, select

from core.extensions import db
from domain.campaigns import MAX_TEXT, ProblemArea
from domain.enums import RegionLevel, Role
from domain.screening_forms import FORM2_COLUMNS, form2_title
from models import Job, Region, ScreeningRound, User
from models.campaign import LedgerItem, VillageProblem
from services.accounts import scoping
from services.campaigns import campaigns, exports
from services.errors import NotFound, PermissionDenied, ValidationFailed
from services.platform import audit, jobs

MAX_REMARKS = 200
VIEW_ROLES = exports.EXPORT_ROLES  # village, township and county staff


# --- who may ---------------------------------------------------------------------------------------

def require_viewer(actor: User) -> None:
    if actor.role_enum not in VIEW_ROLES:
        raise PermissionDenied("村级排查表由村、乡镇、县级工作人员填写和查看")


def may_edit(actor: User, village: Region) -> bool:
    """Village staff fill their own village's form (附件2 is the village's)."""
    return actor.role_enum is Role.VILLAGE_STAFF and actor.region_id == village.id


def campaign(actor: User, round_id: int) -> ScreeningRound:
    """The campaign in the person's reach (403 for roles without the form, 404 outside)."""
    require_viewer(actor)
    return campaigns.get(actor, round_id)


def villages(actor: User, found: ScreeningRound) -> list[Region]:
    """The villages of the campaign's area in the person's scope."""
    return exports.villages_of(actor, found, actor.region)


def village(actor: User, found: ScreeningRound, code: str | None) -> Region:
    """A village of the campaign in the person's scope by code; a village person's own without
    one. NotFound for any other code."""
    if not code and actor.region.level == RegionLevel.VILLAGE.value:
        code = actor.region.code
    chosen = next((v for v in villages(actor, found) if v.code == (code or "")[:20]), None)
    if chosen is None:
        raise NotFound("village")
    return chosen


# --- reading ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProblemLine:
    id: int
    text: str
    remarks: str
    ledger_item_id: int | None   # the ledger item made from it, if any


@dataclass(frozen=True)
class AreaBlock:
    code: str
    label: str
    short: str
    problems: list[ProblemLine]


@dataclass(frozen=True)
class VillageCount:
    code: str
    name: str
    township: str
    problems: int
    on_ledger: int


def _on_ledger(problem_ids: Iterable[int]) -> dict[int, int]:
    ids = list(problem_ids)
    if not ids:
        return {}
    return dict(db.session.execute(select(LedgerItem.source_problem_id, LedgerItem.id)
                                   .where(LedgerItem.source_problem_id.in_(ids))).all())


def by_area(found: ScreeningRound, chosen: Region) -> list[AreaBlock]:
    """The village's problems in each area of the form, in the form's order."""
    rows = list(db.session.execute(
        select(VillageProblem).where(VillageProblem.round_id == found.id, VillageProblem.village_id == chosen.id)
        .order_by(VillageProblem.id)).scalars())
    ledger = _on_ledger(p.id for p in rows)
    return [AreaBlock(area.value, area.label, area.short,
                      [ProblemLine(p.id, p.text, p.remarks or "", ledger.get(p.id)) for p in rows if p.area == area.value])
            for area in ProblemArea]


def counts(actor: User, found: ScreeningRound) -> list[VillageCount]:
    """For a township or the county: each village's number of problems and of those on the ledger."""
    places = villages(actor, found)
    ids = [v.id for v in places]
    problems = dict(db.session.execute(
        select(VillageProblem.village_id, func.count()).where(VillageProblem.round_id == found.id,
                                                              VillageProblem.village_id.in_(ids))
        .group_by(VillageProblem.village_id)).all()) if ids else {}
    ledger = dict(db.session.execute(
        select(VillageProblem.village_id, func.count()).join(LedgerItem, LedgerItem.source_problem_id == VillageProblem.id)
        .where(VillageProblem.round_id == found.id, VillageProblem.village_id.in_(ids))
        .group_by(VillageProblem.village_id)).all()) if ids else {}
    townships = _names({v.parent_id for v in places})
    return [VillageCount(v.code, v.name, townships.get(v.parent_id, ""), problems.get(v.id, 0), ledger.get(v.id, 0))
            for v in places]


def _names(ids: set) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(Region.id, Region.name).where(Region.id.in_(ids))).all())


def problem(actor: User, found: ScreeningRound, problem_id: int) -> VillageProblem:
    """One problem of the campaign in the person's scope; NotFound otherwise."""
    if not 0 < problem_id < 2**31:
        raise NotFound("problem")
    row = db.session.execute(
        select(VillageProblem).join(Region, VillageProblem.village_id == Region.id)
        .where(VillageProblem.id == problem_id, VillageProblem.round_id == found.id,
               scoping.region_condition(actor))).scalars().first()
    if row is None or not campaigns.covers(found, row.village):
        raise NotFound("problem")
    return row


# --- writing ---------------------------------------------------------------------------------------

def _checked(typed: Mapping[str, str]) -> tuple[str, str, str]:
    errors: dict[str, str] = {}
    area = (typed.get("area") or "").strip()
    text = (typed.get("text") or "").strip()
    remarks = (typed.get("remarks") or "").strip()
    if not area:
        errors["area"] = "请选择问题所属方面"
    elif area not in ProblemArea.codes():
        errors["area"] = "问题所属方面无效"
    if not text:
        errors["text"] = "请填写发现的问题"
    elif len(text) > MAX_TEXT:
        errors["text"] = f"问题不超过{MAX_TEXT}个字"
    if len(remarks) > MAX_REMARKS:
        errors["remarks"] = f"备注不超过{MAX_REMARKS}个字"
    if errors:
        raise ValidationFailed(errors)
    return area, text, remarks


def _require_editor(actor: User, chosen: Region) -> None:
    if not may_edit(actor, chosen):
        raise PermissionDenied("村级排查表由本村的村级工作人员填写")


def add(actor: User, found: ScreeningRound, chosen: Region, typed: Mapping[str, str]) -> VillageProblem:
    """A problem the village found (area, text, remarks), or ValidationFailed per field."""
    _require_editor(actor, chosen)
    area, text, remarks = _checked(typed)
    row = VillageProblem(round_id=found.id, village_id=chosen.id, area=area, text=text, remarks=remarks or None,
                         created_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "create", "village_problem", row.id, f"round={found.id} area={area}")
    return row


def edit(actor: User, found: ScreeningRound, problem_id: int, typed: Mapping[str, str]) -> VillageProblem:
    row = problem(actor, found, problem_id)
    _require_editor(actor, row.village)
    row.area, row.text, remarks = _checked(typed)
    row.remarks = remarks or None
    audit.record(actor, "update", "village_problem", row.id, f"round={found.id} area={row.area}")
    return row


def remove(actor: User, found: ScreeningRound, problem_id: int) -> None:
    """Remove a problem typed by mistake; one on the ledger stays (the ledger item names it)."""
    row = problem(actor, found, problem_id)
    _require_editor(actor, row.village)
    if _on_ledger([row.id]):
        raise ValidationFailed({"": "该问题已列入整改台账，不能删除"})
    audit.record(actor, "delete", "village_problem", row.id, f"round={found.id} area={row.area}")
    db.session.delete(row)
    db.session.flush()


# --- the .xlsx (a job) -----------------------------------------------------------------------------

def start_export(actor: User, found: ScreeningRound, code: str | None, today: date) -> Job:
    """附件2 of a village, a township or the whole campaign in the person's scope, as a job."""
    require_viewer(actor)
    return exports.start(actor, found, "form2", exports.export_region(actor, found, code), today)


THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="center")
CENTRE = Alignment(wrap_text=True, vertical="center", horizontal="center")


def cell(sheet, value, *, bold: bool = False, centre: bool = False, size: int | None = None, box: bool = True):
    """A styled cell for a write-only sheet."""
    made = WriteOnlyCell(sheet, value=value)
    made.alignment = CENTRE if centre else WRAP
    if box:
        made.border = BOX
    if bold or size:
        made.font = Font(bold=bold, size=size or 11)
    return made


def print_setup(sheet, widths: list[float], title_rows: str, freeze: str) -> None:
    """A4 landscape, the columns fit one page wide, the header repeated on every printed page."""
    for n, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = width
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.print_title_rows = title_rows
    sheet.freeze_panes = freeze


def _title_names(region: Region) -> tuple[str, str]:
    """(乡镇, 村) for the title: a village's township and itself; a township or county alone."""
    if region.level == RegionLevel.VILLAGE.value:
        return (region.parent.name if region.parent else ""), region.name
    return region.name, ""


@exports.writer("form2")
def form2_xlsx(job: Job, progress: jobs.Progress) -> jobs.JobResult:
    user, found, region, today = exports.job_context(job)
    places = exports.villages_of(user, found, region)
    progress(0, len(places))
    problems = list(db.session.execute(
        select(VillageProblem).where(VillageProblem.round_id == found.id,
                                     VillageProblem.village_id.in_([v.id for v in places]))
        .order_by(VillageProblem.village_id, VillageProblem.id)).scalars()) if places else []
    townships = _names({v.parent_id for v in places})
    year = campaigns.year_of(found)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("村级排查表")
    last = get_column_letter(len(FORM2_COLUMNS))
    print_setup(sheet, [6, 10, 10] + [22] * len(ProblemArea) + [14], "2:2", "D3")
    sheet.merged_cells.add(f"A1:{last}1")
    sheet.row_dimensions[1].height = 30
    sheet.append([cell(sheet, form2_title(*_title_names(region), year), bold=True, centre=True, size=16, box=False)])
    sheet.append([cell(sheet, title, bold=True, centre=True) for title in FORM2_COLUMNS])
    for n, place in enumerate(places, start=1):
        own = [p for p in problems if p.village_id == place.id]
        areas = ["；".join(p.text for p in own if p.area == area.value) for area in ProblemArea]
        remarks = "；".join(p.remarks for p in own if p.remarks)
        values = [n, townships.get(place.parent_id, ""), place.name, *areas, remarks]
        sheet.append([cell(sheet, v, centre=i < 3) for i, v in enumerate(values)])
        if n % 50 == 0:
            progress(n, len(places))
    out = io.BytesIO()
    book.save(out)
    audit.record(user, "export", "village_problem", None,
                 f"form2 xlsx: round={found.id} region={region.code} villages={len(places)} problems={len(problems)}")
    return jobs.JobResult(message=f"共 {len(places)} 个村、{len(problems)} 个问题", data=out.getvalue(),
                          content_type=exports.XLSX,
                          filename=f"附件2村级排查表-{region.name}-{today.isoformat()}.xlsx")
