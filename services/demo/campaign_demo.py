"""The demo's concentrated screening: a campaign running now over the whole county with seed
004's three phases, the county's line and the last twelve months' income; 青山村 has found two
problems (附件2), one of which is on the rectification ledger (附件4) with its responsible person.
"""
from __future__ import annotations

from datetime import date, timedelta

from core.extensions import db
from domain.campaigns import Phase
from models import Region, ScreeningRound, User
from services.campaigns import ledger, problems
from services.regions import settings


def seed_campaign(county: Region, staff: dict[str, User], today: date) -> ScreeningRound:
    start, end = today - timedelta(days=10), today + timedelta(days=20)
    phases = [Phase("全面工作部署", start, start + timedelta(days=4)),
              Phase("开展集中排查", start + timedelta(days=5), today + timedelta(days=10)),
              Phase("信息采集录入", today + timedelta(days=11), end)]
    income_end = start.replace(day=1) - timedelta(days=1)
    campaign = ScreeningRound(
        county=county, name=f"{start.year}年防止返贫监测帮扶集中排查", year=start.year,
        monitoring_line=settings.monitoring_line(county, start.year),
        income_start=income_end.replace(year=income_end.year - 1) + timedelta(days=1), income_end=income_end,
        phases=[p.as_dict() for p in phases], area=[], starts_on=start, ends_on=end,
        created_by_id=staff["county"].id)
    db.session.add(campaign)
    db.session.flush()
    village_staff = staff["village"]
    qingshan = village_staff.region
    problems.add(village_staff, campaign, qingshan, {
        "area": "grids", "text": "第3网格网格员外出务工，网格暂由村干部代管，需调整网格员"})
    found = problems.add(village_staff, campaign, qingshan, {
        "area": "policy", "text": "2户C级危房改造补助资金尚未拨付到户"})
    typed = ledger.blank(village_staff, campaign, found.id)
    typed.update(measure="联系镇住建办核实名单，督促补助资金本月内拨付到户",
                 responsible_id=str(village_staff.id), deadline=(today + timedelta(days=7)).isoformat())
    ledger.add(village_staff, campaign, typed, today)
    return campaign
