"""附件3 排查情况统计表: a village's weekly figures, computed from the data, and its Friday 报送.

Seed 004: "各村要每周统计排查工作进度，填报排查情况统计表……每周五下班前报送镇乡村振兴工作站备案". The week
closes on a Friday (``domain.campaigns.week_ending``); its figures count from the campaign's
first day to that Friday (or the campaign's last day, if earlier), in Beijing time:

- 应排查 / 已排查 (户/人): the area's households on the register now, and those with a visit in
  that time; people are the members present;
- new monitored households per category (脱贫不稳定户, 边缘易致贫户, 突发严重困难户): cases identified
  (``identified_on``) in that time;
- 回退 and 重新识别: the look-back steps (``Action.LOOKBACK_REVERT`` / ``REIDENTIFY``) taken then;
- measures of households still monitored (not cancelled), households in the elimination steps
  now (本次拟标记消除风险数), and measures of the campaign's year for 脱贫户 and eliminated cases;
- the problems of 附件2 in the form's three areas (总数/正在整改: open unless the ledger item made
  from it is fixed).

The village types only ``FORM3_ENTERED``: grids and grid workers after adjustment, trainings,
规模性返贫风险隐患 (是/否, 是 with a note), workers blocked by the epidemic (总人数/已解决) and
remarks. 报送 keeps the figures and the typed values as a ``WeeklyReport``: later edits of the
data never change it. The township (or the county) sends a report back with a reason; the
village may then submit that week again, which replaces it.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.worksheet.cell_range import CellRange
from sqlalchemy import func, select

from core.clock import WORK_TZ
from core.extensions import db
from domain.campaigns import LedgerState, ReportState, week_ending
from domain.case_states import ELIMINATION_STATES, MONITORED_STATES, Action, CaseState
from domain.enums import HouseholdAttribute, MeasureStatus, MemberStatus, MonitoringCategory, RegionLevel, Role
from domain.screening_forms import FORM3_ENTERED, FORM3_PROBLEM_AREAS, depth, form3_header, form3_title, leaves
from models import Case, CaseEvent, Household, Member, PlanMeasure, Region, ScreeningRound, User, Visit
from models.campaign import LedgerItem, VillageProblem, WeeklyReport
from models.types import utcnow
from services.accounts import scoping
from services.campaigns import campaigns, exports, form1
from services.errors import NotFound, PermissionDenied, ValidationFailed
from services.platform import audit, jobs

SUBMITTERS = frozenset({Role.VILLAGE_STAFF})
REVIEWERS = frozenset({Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF})
MAX_COUNT = 100_000
MAX_NOTE = 500
NEW_CATEGORIES = {"new_unstable_pair": MonitoringCategory.UNSTABLE_LIFTED,
                  "new_marginal_pair": MonitoringCategory.MARGINAL,
                  "new_sudden_pair": MonitoringCategory.SUDDEN_HARDSHIP}
_NOT_COUNTED = (CaseState.MERGED.value, CaseState.CLEARED.value, CaseState.REJECTED.value)
_PAIR = re.compile(r"^\s*(\d{1,6})\s*/\s*(\d{1,6})\s*$")


# --- the figures -----------------------------------------------------------------------------------

def labels(year: int) -> dict[str, str]:
    """Each figure's column title in the form."""
    return {leaf.key: leaf.title for leaf in leaves(form3_header(year))}


def period(campaign: ScreeningRound, friday: date) -> tuple[date, date]:
    """The days a week's figures count: the campaign's first day to the Friday (or its last day)."""
    return campaign.starts_on, min(friday, campaign.ends_on)


def _moments(first: date, last: date) -> tuple[datetime, datetime]:
    return (datetime.combine(first, time.min, tzinfo=WORK_TZ),
            datetime.combine(last + timedelta(days=1), time.min, tzinfo=WORK_TZ))


def compute(actor: User, campaign: ScreeningRound, village: Region, friday: date) -> dict:
    """The computed figures of ``village`` for the week closing on ``friday`` (counts only)."""
    first, last = period(campaign, friday)
    start, end = _moments(first, last)
    households = campaigns.region_households(actor, campaign, village)
    cases = scoping.cases(actor).where(Case.region_path.startswith(village.path, autoescape=True),
                                       Case.household_id.is_not(None), Case.state.not_in(_NOT_COUNTED))
    figures: dict = {
        "to_screen_pair": _pair(households.with_only_columns(Household.id)),
        "screened_pair": _pair(households.join(Visit, Visit.household_id == Household.id)
                               .where(Visit.visited_at >= start, Visit.visited_at < end)
                               .with_only_columns(Household.id)),
    }
    for key, category in NEW_CATEGORIES.items():
        figures[key] = _pair(cases.where(Case.category == category.value, Case.identified_on >= first,
                                         Case.identified_on <= last).with_only_columns(Case.household_id))
    for key, action in (("reverted_pair", Action.LOOKBACK_REVERT), ("reidentified_pair", Action.REIDENTIFY)):
        figures[key] = _pair(cases.join(CaseEvent, CaseEvent.case_id == Case.id)
                             .where(CaseEvent.action == action.value, CaseEvent.at >= start, CaseEvent.at < end)
                             .with_only_columns(Case.household_id))
    measures = cases.join(PlanMeasure, PlanMeasure.case_id == Case.id).where(
        PlanMeasure.status != MeasureStatus.CANCELLED.value, PlanMeasure.planned_on <= last)
    figures["measures_unresolved"] = _count(measures.where(
        Case.state.in_([s.value for s in MONITORED_STATES if s not in ELIMINATION_STATES])))
    figures["proposed_elimination_pair"] = _pair(cases.where(
        Case.state.in_([s.value for s in ELIMINATION_STATES])).with_only_columns(Case.household_id))
    year = campaigns.year_of(campaign)
    lifted = select(Household.id).where(Household.attribute == HouseholdAttribute.LIFTED.value)
    figures["measures_lifted"] = _count(measures.where(
        PlanMeasure.planned_on >= date(year, 1, 1), PlanMeasure.planned_on <= date(year, 12, 31),
        (Case.state == CaseState.ELIMINATED.value) | Case.household_id.in_(lifted)))
    figures.update(problem_counts(campaign, village))
    return figures


def _pair(ids) -> list[int]:
    """[households, people present] of a query of household ids."""
    ids = ids.distinct().subquery()
    households = db.session.execute(select(func.count()).select_from(ids)).scalar_one()
    people = db.session.execute(select(func.count(Member.id)).where(
        Member.household_id.in_(select(ids.c[0])), Member.status == MemberStatus.PRESENT.value)).scalar_one()
    return [households, people]


def _count(query) -> int:
    return db.session.execute(query.with_only_columns(func.count(func.distinct(PlanMeasure.id)))).scalar_one()


def problem_counts(campaign: ScreeningRound, village: Region) -> dict[str, list[int]]:
    """[total, being fixed] of 附件2's problems in each of 附件3's problem columns."""
    fixed = select(LedgerItem.source_problem_id).where(LedgerItem.state == LedgerState.FIXED.value,
                                                       LedgerItem.source_problem_id.is_not(None))
    rows = db.session.execute(
        select(VillageProblem.area, VillageProblem.id.in_(fixed))
        .where(VillageProblem.round_id == campaign.id, VillageProblem.village_id == village.id)).all()
    counts = {}
    for key, areas in FORM3_PROBLEM_AREAS.items():
        mine = [is_fixed for area, is_fixed in rows if area in {a.value for a in areas}]
        counts[key] = [len(mine), sum(1 for is_fixed in mine if not is_fixed)]
    return counts


# --- what the village types -----------------------------------------------------------------------

def suggested(actor: User, village: Region, previous: WeeklyReport | None) -> dict[str, str]:
    """The form's first values: last week's typed values, else the village's grids and grid
    workers as the register of accounts has them."""
    if previous is not None:
        return {key: str(previous.entered.get(key, "")) for key in FORM3_ENTERED}
    grids = db.session.execute(scoping.regions(actor).with_only_columns(func.count(Region.id)).where(
        Region.parent_id == village.id, Region.level == RegionLevel.GRID.value)).scalar_one()
    workers = db.session.execute(scoping.users(actor).with_only_columns(func.count(User.id)).where(
        User.role == Role.GRID_WORKER.value, User.active.is_(True),
        Region.path.startswith(village.path, autoescape=True))).scalar_one()
    return {"grids": str(grids), "grid_workers": str(workers), "trainings": "0", "large_scale_risk": "否",
            "blocked_workers": "0/0", "remarks": ""}


def check_entered(raw: dict) -> tuple[dict, dict[str, str]]:
    """(the typed values, cleaned; errors by field) — every field checked at once."""
    clean: dict = {}
    errors: dict[str, str] = {}
    for key, label in (("grids", "调整后的网格数"), ("grid_workers", "调整后的网格员数"), ("trainings", "网格员培训人次")):
        text = _text(raw.get(key), 12)
        if not (text.isascii() and text.isdigit()) or int(text) > MAX_COUNT:
            errors[key] = f"“{label}”请填写0到{MAX_COUNT}之间的整数"
        else:
            clean[key] = int(text)
    risk = _text(raw.get("large_scale_risk"), MAX_NOTE + 2)
    note = risk[1:].lstrip("，,：:；; ")
    if risk == "否":
        clean["large_scale_risk"] = "否"
    elif risk.startswith("是") and note:
        clean["large_scale_risk"] = f"是，{note}"
    else:
        errors["large_scale_risk"] = "请填“否”，或填“是”并详细说明（如：是，洪灾影响种植户）"
    pair = _PAIR.match(_text(raw.get("blocked_workers"), 20))
    if pair is None or not pair.group(1).isascii() or not pair.group(2).isascii():
        errors["blocked_workers"] = "请按“总人数/已解决”填写，如 3/1"
    elif int(pair.group(2)) > int(pair.group(1)):
        errors["blocked_workers"] = "已解决人数不能多于总人数"
    else:
        clean["blocked_workers"] = f"{int(pair.group(1))}/{int(pair.group(2))}"
    remarks = _text(raw.get("remarks"), MAX_NOTE + 1)
    if len(remarks) > MAX_NOTE:
        errors["remarks"] = f"备注不超过{MAX_NOTE}字"
    else:
        clean["remarks"] = remarks
    return clean, errors


def _text(value, limit: int) -> str:
    """A typed value as text: stripped, cut to ``limit``, control characters (NUL …) removed."""
    text = str(value or "")[: limit * 4]
    return "".join(ch for ch in text if ch >= " " or ch in "\n").strip()[:limit]


# --- the village's week ------------------------------------------------------------------------

@dataclass(frozen=True)
class Week:
    campaign: ScreeningRound
    village: Region
    friday: date
    figures: dict
    report: WeeklyReport | None   # this week's, if submitted or sent back
    previous: WeeklyReport | None  # the latest of an earlier week
    open_problem: str             # why the week cannot be submitted now ("" when it can)

    @property
    def submitted(self) -> bool:
        return self.report is not None and self.report.state == ReportState.SUBMITTED.value

    @property
    def returned(self) -> bool:
        return self.report is not None and self.report.state == ReportState.RETURNED.value


def require_submitter(actor: User) -> Region:
    """The village of a village staff member (the only ones who 报送)."""
    if actor.role_enum not in SUBMITTERS or actor.region.level != RegionLevel.VILLAGE.value:
        raise PermissionDenied("本周排查情况由村级工作人员报送")
    return actor.region


def week(actor: User, campaign: ScreeningRound, today: date) -> Week:
    """The village's current week: its figures now, its report if any."""
    village = require_submitter(actor)
    if not campaigns.covers(campaign, village):
        raise NotFound("campaign")
    friday = week_ending(today)
    report = _report(campaign, village, friday)
    previous = db.session.execute(
        select(WeeklyReport).where(WeeklyReport.round_id == campaign.id, WeeklyReport.village_id == village.id,
                                   WeeklyReport.week_ending < friday)
        .order_by(WeeklyReport.week_ending.desc())).scalars().first()
    return Week(campaign, village, friday, compute(actor, campaign, village, friday), report, previous,
                _closed(campaign, today))


def _closed(campaign: ScreeningRound, today: date) -> str:
    if today < campaign.starts_on:
        return "该次集中排查尚未开始"
    if week_ending(today) > week_ending(campaign.ends_on):
        return "该次集中排查已结束，不再报送"
    return ""


def _report(campaign: ScreeningRound, village: Region, friday: date) -> WeeklyReport | None:
    return db.session.execute(select(WeeklyReport).where(
        WeeklyReport.round_id == campaign.id, WeeklyReport.village_id == village.id,
        WeeklyReport.week_ending == friday)).scalars().first()


def submit(actor: User, campaign: ScreeningRound, raw: dict, today: date) -> WeeklyReport:
    """报送 the current week: the figures computed now and the typed values, frozen. A week sent
    back is submitted again in its place; a week already submitted is refused."""
    current = week(actor, campaign, today)
    if current.open_problem:
        raise ValidationFailed({"": current.open_problem})
    entered, errors = check_entered(raw)
    if errors:
        raise ValidationFailed(errors)
    if current.submitted:
        raise ValidationFailed({"": "本周已报送；如需更正，请乡镇退回后重新报送"})
    report = current.report or WeeklyReport(round_id=campaign.id, village_id=current.village.id,
                                            week_ending=current.friday)
    report.figures, report.entered = current.figures, entered
    report.state, report.submitted_by_id, report.submitted_at = ReportState.SUBMITTED.value, actor.id, utcnow()
    report.returned_reason = report.returned_by_id = report.returned_at = None
    db.session.add(report)
    db.session.flush()
    audit.record(actor, "submit", "weekly_report", report.id, f"week={current.friday.isoformat()}")
    return report


# --- the township's view ------------------------------------------------------------------------

@dataclass(frozen=True)
class VillageWeek:
    village: Region
    report: WeeklyReport | None

    @property
    def state(self) -> str:
        return ReportState(self.report.state).label if self.report is not None else "未报送"

    @property
    def submitted(self) -> bool:
        return self.report is not None and self.report.state == ReportState.SUBMITTED.value


def require_reviewer(actor: User) -> None:
    if actor.role_enum not in REVIEWERS:
        raise PermissionDenied("报送情况由乡镇或县级工作人员查看")


def status(actor: User, campaign: ScreeningRound, friday: date) -> list[VillageWeek]:
    """Every village of the person's scope in the campaign's area, with its report of the week;
    those not submitted first."""
    require_reviewer(actor)
    villages = [v for v in db.session.execute(
        scoping.regions(actor).where(Region.level == RegionLevel.VILLAGE.value).order_by(Region.code)).scalars()
        if campaigns.covers(campaign, v)]
    reports = {r.village_id: r for r in db.session.execute(select(WeeklyReport).where(
        WeeklyReport.round_id == campaign.id, WeeklyReport.week_ending == friday,
        WeeklyReport.village_id.in_([v.id for v in villages]))).scalars()}
    rows = [VillageWeek(v, reports.get(v.id)) for v in villages]
    return sorted(rows, key=lambda row: row.submitted)


def send_back(actor: User, campaign: ScreeningRound, report_id: int, reason: str) -> WeeklyReport:
    """退回 a submitted report with a reason; the village may submit that week again."""
    require_reviewer(actor)
    report = db.session.get(WeeklyReport, report_id) if 0 < report_id < 2**31 else None
    if report is None or report.round_id != campaign.id or not scoping.in_scope(actor, report.village):
        raise NotFound("weekly report")
    reason = _text(reason, MAX_NOTE + 1)
    if not reason:
        raise ValidationFailed({"reason": "请填写退回原因"})
    if len(reason) > MAX_NOTE:
        raise ValidationFailed({"reason": f"退回原因不超过{MAX_NOTE}字"})
    if report.state != ReportState.SUBMITTED.value:
        raise ValidationFailed({"reason": "该周报送已退回"})
    report.state, report.returned_reason = ReportState.RETURNED.value, reason
    report.returned_by_id, report.returned_at = actor.id, utcnow()
    audit.record(actor, "return", "weekly_report", report.id, f"week={report.week_ending.isoformat()}")
    return report


def cell(value) -> str | int:
    """A figure as the form writes it: 户/人 and 总数/正在整改 pairs as "a/b"."""
    if isinstance(value, list):
        return "/".join(str(v) for v in value)
    return "" if value is None else value


# --- 附件3 as .xlsx -----------------------------------------------------------------------------

def write_form3(actor: User, campaign: ScreeningRound, region: Region, friday: date) -> tuple[bytes, int]:
    """(the workbook, villages written): one row per village of ``region`` that submitted the
    week closing on ``friday``, from its snapshot; header and merged cells as the seed's."""
    year = campaigns.year_of(campaign)
    tree = form3_header(year)
    keys = [leaf.key for leaf in leaves(tree)]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("排查情况统计表")
    form1.setup_sheet(sheet, [WIDTHS.get(key, 9) for key in keys], depth(tree))
    sheet.append([form1.cell(sheet, form3_title(year), form1.TITLE_FONT, Alignment(horizontal="center"))])
    sheet.append([f"填报单位：{region.name}　　截至{exports.file_date(friday)}（星期五）"])
    for row in (form1.TITLE_ROW, form1.DATE_ROW):
        sheet.merged_cells.add(CellRange(min_row=row, max_row=row, min_col=1, max_col=len(keys)))
    for line in form1.header_rows(sheet, tree, len(keys)):
        sheet.append(line)
    villages = exports.villages_of(actor, campaign, region)
    reports = {r.village_id: r for r in db.session.execute(select(WeeklyReport).where(
        WeeklyReport.round_id == campaign.id, WeeklyReport.week_ending == friday,
        WeeklyReport.state == ReportState.SUBMITTED.value,
        WeeklyReport.village_id.in_([v.id for v in villages]))).scalars()}
    written = 0
    for village in villages:
        report = reports.get(village.id)
        if report is None:
            continue
        written += 1
        values = {**report.figures, **report.entered, "seq": written, "village": village.name}
        sheet.append([cell(values.get(key)) for key in keys])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), written


WIDTHS = {"seq": 5, "village": 10, "large_scale_risk": 16, "remarks": 14}


@exports.writer("form3")
def form3_xlsx(job, progress) -> jobs.JobResult:
    user, campaign, region, _ = exports.job_context(job)
    try:
        friday = week_ending(date.fromisoformat(str(job.params.get("week"))))
    except ValueError:
        raise jobs.JobFailed("请选择要导出的周") from None
    data, villages = write_form3(user, campaign, region, friday)
    progress(villages, villages)
    audit.record(user, "export", "screening_round", campaign.id,
                 f"form3 xlsx: region={region.code} week={friday.isoformat()} villages={villages}")
    return jobs.JobResult(message=f"共 {villages} 个村已报送", data=data, content_type=exports.XLSX,
                          filename=f"附件3排查情况统计表-{region.name}-{friday.isoformat()}.xlsx")
