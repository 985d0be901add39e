"""附件1 到户排查表 as an .xlsx, in seed 004's layout, for a village, a township or the county.

One row per household screened in the campaign: its latest visit between the campaign's first
and last day (``exports.window``) gives the method, the per-capita income and the answers to
the form's questions; the register gives the head's name, the members present and the
household's attribute. The title and 填表时间 come first, then the three header rows with their
merged cells as ``domain.screening_forms`` lays them out.

A county holds some 100,000 households: the visits are read in batches (``yield_per``) and
streamed into a write-only workbook, the members of each batch read with one query, so memory
stays bounded whatever the county's size. The sheet prints on A4 landscape, fitted to the
page's width, with the header rows repeated on every page and frozen on screen.

The file names the households' heads: only staff in scope start it (``exports.start``), and each
export is audited with its size.
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Callable, Iterator

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import func

from core.extensions import db
from domain.campaigns import default_income_period
from domain.enums import HouseholdAttribute, MemberStatus, RegionLevel
from domain.fieldwork import VisitMethod
from domain.screening import QUESTION_KEYS
from domain.screening_forms import depth, form1_header, form1_title, header_cells, leaves
from models import Household, Member, Region, ScreeningRound, User, Visit
from services.accounts import scoping
from services.campaigns import campaigns, exports
from services.platform import audit, jobs

BATCH = 1000
TITLE_ROW, DATE_ROW, HEADER_ROW = 1, 2, 3  # 1-based rows of the sheet
ANSWER_WORDS = {"yes": "是", "no": "否"}
METHOD_WORDS = {True: "电话核查", False: "入户排查"}  # remote (phone, WeChat, QQ, video) or at home
WIDTHS = {"seq": 5, "place": 12, "head": 9, "size": 6, "attribute": 9, "method": 9, "per_capita": 13,
          "above_line": 9, "difficulties_and_requests": 22, "remarks": 14}
QUESTION_WIDTH = 7

_thin = Side(style="thin")
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
HEADER_FONT = Font(bold=True, size=9)
HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
TITLE_FONT = Font(bold=True, size=16)


@dataclass(frozen=True)
class Screened:
    """A household's screening: its latest visit in the campaign's window."""

    household_id: int
    region_id: int
    attribute: str
    method: str
    answers: str | None
    per_capita: Decimal | None


def title(campaign: ScreeningRound, region: Region) -> str:
    """The seed's title: "XX乡镇XX村（社区）<year>年…到户排查表" for a village; a township's or the
    county's export carries its own name."""
    year = campaigns.year_of(campaign)
    if region.level == RegionLevel.VILLAGE.value:
        township = region.parent.name if region.parent is not None else ""
        return form1_title(township, region.name, year)
    return f"{region.name}{year}年防止返贫监测帮扶集中排查到户排查表"


def header(campaign: ScreeningRound):
    start, end = campaign.income_start, campaign.income_end
    if start is None or end is None:
        start, end = default_income_period(campaigns.year_of(campaign))
    return form1_header(start, end, Decimal(campaign.monitoring_line or 0))


def write_form1(actor: User, campaign: ScreeningRound, region: Region, today: date,
                progress: Callable[[int, int], None] | None = None) -> tuple[bytes, int]:
    """(the workbook, households written) of ``region`` in ``actor``'s scope."""
    tree = header(campaign)
    columns = leaves(tree)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("到户排查表")
    rows = depth(tree)
    setup_sheet(sheet, [WIDTHS.get(leaf.key, QUESTION_WIDTH) for leaf in columns], rows)
    width = len(columns)
    sheet.append([cell(sheet, title(campaign, region), TITLE_FONT, Alignment(horizontal="center"))])
    sheet.append([f"填表时间：{exports.file_date(today)}"])
    sheet.merged_cells.add(CellRange(min_row=TITLE_ROW, max_row=TITLE_ROW, min_col=1, max_col=width))
    sheet.merged_cells.add(CellRange(min_row=DATE_ROW, max_row=DATE_ROW, min_col=1, max_col=width))
    for line in header_rows(sheet, tree, width):
        sheet.append(line)
    places = _places(actor, region)
    line = campaign.monitoring_line
    keys = [leaf.key for leaf in columns]
    total = _count(actor, campaign, region)
    written = 0
    for batch in _batches(_screened(actor, campaign, region)):
        heads, sizes = _members(actor, [s.household_id for s in batch])
        for screened in batch:
            written += 1
            values = _row(written, screened, places, heads, sizes, line)
            sheet.append([values.get(key, "") for key in keys])
        if progress is not None:
            progress(written, max(total, written))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), written


def cell(sheet, value, font: Font, align: Alignment, border: Border | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font, cell.alignment = font, align
    if border is not None:
        cell.border = border
    return cell


def setup_sheet(sheet, widths: list[float], header_depth: int) -> None:
    """What a write-only sheet needs before its first row: widths, print and view settings (A4
    landscape fitted to the width, the header rows repeated on every page and frozen)."""
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.row_dimensions[TITLE_ROW].height = 28
    last_header = HEADER_ROW + header_depth - 1
    for row in range(HEADER_ROW, last_header + 1):
        sheet.row_dimensions[row].height = 60 if row < last_header else 110
    sheet.freeze_panes = f"D{last_header + 1}"
    sheet.print_title_rows = f"{HEADER_ROW}:{last_header}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_options.gridLines = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.3


def header_rows(sheet, tree, width: int) -> list[list]:
    """The header's rows as styled cells; each merged range added to the sheet."""
    cells = header_cells(tree)
    rows = [[cell(sheet, None, HEADER_FONT, HEADER_ALIGN, BORDER) for _ in range(width)]
            for _ in range(depth(tree))]
    for place in cells:
        rows[place.row][place.col] = cell(sheet, place.title, HEADER_FONT, HEADER_ALIGN, BORDER)
        if place.merged:
            sheet.merged_cells.add(CellRange(min_row=HEADER_ROW + place.row, max_row=HEADER_ROW + place.last_row,
                                             min_col=place.col + 1, max_col=place.last_col + 1))
    return rows


def _visits(actor: User, campaign: ScreeningRound, region: Region):
    """The visits in the campaign's window of the households of ``region`` in its area."""
    start, end = campaigns.window(campaign)
    return (campaigns.region_households(actor, campaign, region).join(Visit, Visit.household_id == Household.id)
            .where(Visit.visited_at >= start, Visit.visited_at < end))


def _count(actor: User, campaign: ScreeningRound, region: Region) -> int:
    query = _visits(actor, campaign, region).with_only_columns(func.count(func.distinct(Household.id)))
    return db.session.execute(query).scalar_one()


def _screened(actor: User, campaign: ScreeningRound, region: Region) -> Iterator[Screened]:
    """Each household's latest visit in the window, streamed in the order of the places."""
    query = (_visits(actor, campaign, region)
             .with_only_columns(Household.id, Household.region_id, Household.attribute, Visit.method,
                                Visit.answers, Visit.per_capita_income)
             .order_by(Region.path, Household.id, Visit.visited_at, Visit.id)
             .execution_options(yield_per=BATCH))
    current = None
    for row in db.session.execute(query):
        if current is not None and current.household_id != row[0]:
            yield current
        current = Screened(*row)
    if current is not None:
        yield current


def _batches(items: Iterator[Screened]) -> Iterator[list[Screened]]:
    batch: list[Screened] = []
    for item in items:
        batch.append(item)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _members(actor: User, ids: list[int]) -> tuple[dict[int, str], dict[int, int]]:
    """The heads' names and the number of members present, of a batch of households. Only
    the name and the head flag are read: nothing is decrypted."""
    heads: dict[int, str] = {}
    sizes: dict[int, int] = {}
    rows = db.session.execute(scoping.members(actor).with_only_columns(Member.household_id, Member.name,
                                                                      Member.is_head)
                              .where(Member.household_id.in_(ids), Member.status == MemberStatus.PRESENT.value))
    for household_id, name, is_head in rows:
        sizes[household_id] = sizes.get(household_id, 0) + 1
        if is_head:
            heads[household_id] = name
    return heads, sizes


def _places(actor: User, region: Region) -> dict[int, str]:
    """村组 of every village and grid of the region: the village, or the village and its group."""
    found = {r.id: r for r in db.session.execute(
        scoping.regions(actor).where(Region.path.startswith(region.path, autoescape=True),
                                     Region.level.in_([RegionLevel.VILLAGE.value, RegionLevel.GRID.value])))
        .scalars()}
    places: dict[int, str] = {}
    for node in found.values():
        if node.level == RegionLevel.GRID.value and node.parent_id in found:
            village = found[node.parent_id].name
            places[node.id] = node.name if node.name.startswith(village) else f"{village}{node.name}"
        else:
            places[node.id] = node.name
    return places


def _row(seq: int, screened: Screened, places: dict[int, str], heads: dict[int, str], sizes: dict[int, int],
         line: Decimal | None) -> dict:
    answers = _answers(screened.answers)
    values = {"seq": seq, "place": places.get(screened.region_id, ""), "head": heads.get(screened.household_id, ""),
              "size": sizes.get(screened.household_id, 0),
              "attribute": HouseholdAttribute(screened.attribute).label,
              "method": METHOD_WORDS[VisitMethod(screened.method).remote],
              "per_capita": screened.per_capita, "above_line": _above(screened.per_capita, line)}
    for key, answer in answers.items():
        question = QUESTION_KEYS.get(key)
        if question is not None:
            values[key] = ANSWER_WORDS.get(answer, "") if question.kind == "yes_no" else str(answer)
    return values


def _answers(text: str | None) -> dict:
    if not text:
        return {}
    try:
        found = json.loads(text)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _above(per_capita: Decimal | None, line: Decimal | None) -> str:
    """是否高于本市监测范围: 是 above the campaign's line, 否 at or below it; blank without an income."""
    if per_capita is None or line is None:
        return ""
    return "是" if per_capita > line else "否"


@exports.writer("form1")
def form1_xlsx(job, progress: jobs.Progress) -> jobs.JobResult:
    user, campaign, region, today = exports.job_context(job)
    data, households = write_form1(user, campaign, region, today, progress)
    audit.record(user, "export", "screening_round", campaign.id,
                 f"form1 xlsx: region={region.code} households={households}")
    return jobs.JobResult(message=f"共 {households} 户", data=data, content_type=exports.XLSX,
                          filename=f"附件1到户排查表-{region.name}-{campaigns.year_of(campaign)}.xlsx")
