"""What a merged region (撤并) leaves behind and where it goes; used by ``tree.merge``.

``tree.merge`` moves the source's children, households, cases and staff to the target. Here the
rest of what was recorded about the place follows it: the sheet scans (added up day by day with
the target's), the self-report forms, 党政主职遍访, a campaign's village problems, weekly reports
and ledger items, department lists, rows and warnings, measures, screening rounds, jobs, and
the history of the source's settings.

The source's own settings are not moved: after the merge the target's (or those it inherits)
are in force. A source that still has settings of its own (政策参数, 监测标准, 低保标准, 预警阈值,
明白纸内容) is refused until they are cleared on the settings pages, so that no household's line
or deadline changes without someone deciding it. So is a merge whose records would collide
with the target's: a campaign's report for the same week, a measure of the same name, the same
row of a department list.
"""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import aliased

from core.extensions import db
from models import (DepartmentList, DepartmentRow, DepartmentWarning, DibaoStandard, FormSubmission, HeadVisit, Job,
                    LedgerItem, Measure, MonitoringLine, PolicyText, Region, RegionPolicy, ScanCount, ScreeningRound,
                    SettingChange, VillageProblem, WarningThreshold, WeeklyReport)
from services.errors import ValidationFailed

OWN_SETTINGS = ((RegionPolicy, "政策参数"), (MonitoringLine, "监测标准"), (DibaoStandard, "低保标准"),
                (WarningThreshold, "预警阈值"), (PolicyText, "明白纸内容"))
# The column of each record that names the place it happened in.
FOLLOWING = (FormSubmission.region_id, HeadVisit.township_id, VillageProblem.village_id, WeeklyReport.village_id,
             LedgerItem.region_id, DepartmentList.county_id, DepartmentRow.county_id, DepartmentWarning.county_id,
             DepartmentWarning.region_id, Measure.county_id, ScreeningRound.county_id, Job.region_id,
             SettingChange.region_id)
SHOWN = 5  # colliding names quoted in a refusal


def refusal(source: Region, target: Region) -> str | None:
    """Why ``source`` cannot be merged into ``target`` now, or None."""
    own = [label for model, label in OWN_SETTINGS
           if db.session.execute(select(model.id).where(model.region_id == source.id).limit(1)).first()]
    if own:
        return (f"“{source.name}”还有自己的{'、'.join(own)}。合并后按“{target.name}”的设置执行，"
                f"请先在设置页面清除“{source.name}”自己的设置，再合并")
    weeks = _both(WeeklyReport, WeeklyReport.village_id, source, target, WeeklyReport.round_id,
                  WeeklyReport.week_ending, shown=WeeklyReport.week_ending)
    if weeks:
        return f"两地在同一轮排查的同一周都报送了周报（{_listed(weeks)}），请先处理后再合并"
    names = _both(Measure, Measure.county_id, source, target, Measure.name, shown=Measure.name)
    if names:
        return f"两县的帮扶措施库有同名措施（{_listed(names)}），请先改名后再合并"
    if _both(DepartmentRow, DepartmentRow.county_id, source, target, DepartmentRow.fingerprint,
             shown=DepartmentRow.id):
        return "两县导入的部门数据中有同一人的同一条记录，请先处理部门预警后再合并"
    return None


def move_records(source: Region, target: Region) -> None:
    """Everything recorded about ``source`` now names ``target`` (after ``refusal`` said None)."""
    _add_up_scans(source, target)
    for column in FOLLOWING:
        db.session.execute(update(column.class_).where(column == source.id).values({column.key: target.id})
                           .execution_options(synchronize_session=False))


def _add_up_scans(source: Region, target: Region) -> None:
    """One count per village and day: a day both were scanned is added to the target's."""
    scans = ScanCount.__table__
    theirs = scans.alias("source_scans")
    mine = scans.alias("target_scans")
    both_days = select(theirs.c.day).where(theirs.c.region_id == source.id)
    db.session.execute(scans.update().where(scans.c.region_id == target.id, scans.c.day.in_(both_days))
                       .values(count=scans.c.count + select(theirs.c.count).where(
                           theirs.c.region_id == source.id, theirs.c.day == scans.c.day).scalar_subquery()))
    db.session.execute(scans.delete().where(scans.c.region_id == source.id, scans.c.day.in_(
        select(mine.c.day).where(mine.c.region_id == target.id))))
    db.session.execute(scans.update().where(scans.c.region_id == source.id).values(region_id=target.id))


def _both(model, column, source: Region, target: Region, *keys, shown) -> list:
    """Values of ``shown`` for the records of ``source`` whose ``keys`` a record of ``target``
    has too."""
    other = aliased(model)
    clash = (select(shown).where(column == source.id)
             .where(select(other.id).where(getattr(other, column.key) == target.id,
                                            *(getattr(other, k.key) == k for k in keys)).exists())
             .order_by(shown).limit(SHOWN + 1))
    return list(db.session.execute(clash).scalars())


def _listed(values: list) -> str:
    text = "、".join(str(v) for v in values[:SHOWN])
    return text + "等" if len(values) > SHOWN else text

