"""Field work for ``flask seed-scale``: each county's concentrated screening (集中排查) of last year
and one running now (as the demo's: seed 004's three phases, started ten days ago), and the grid
workers' visits: about half the households have last year's visit on record and about half have
been visited so far this year, so the field app's 未走访 list and the campaign's progress have
work left to show.

Answers follow the household (a disabled member, a single old person, a monitored household);
about one visit in seventy says a household not monitored should be, which puts it on the grid
worker's follow-up list.
"""
from __future__ import annotations

import hashlib
import json
import random
import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from core.clock import WORK_TZ
from core.extensions import db
from domain.campaigns import Phase, default_phases
from domain.enums import HouseholdAttribute
from domain.fieldwork import AwayReason, VisitMethod
from domain.screening import QUESTIONS
from models import Region, ScreeningRound, Visit
from services.demo.scale_common import Ids, moment
from services.demo.scale_people import Family
from services.demo.scale_regions import County
from services.regions import settings

_YES_NO = [q.key for q in QUESTIONS if q.kind == "yes_no"]
# Questions whose usual answer is "yes" (the household is secure); the rest are risk flags.
_USUALLY_YES = {"housing_safe", "medical_secured", "compulsory_education_secured", "water_safe",
                "children_able_to_support", "children_supporting", "income_stable_half_year",
                "risk_stably_eliminated", "measures_in_place", "measures_targeted", "system_data_accurate"}
_METHODS = (VisitMethod.HOME, VisitMethod.PHONE, VisitMethod.WECHAT, VisitMethod.VIDEO)
_METHOD_CUMULATIVE = (86, 94, 98, 100)
_AWAY = list(AwayReason)
_SECURE_ANSWERS = {key: "yes" if key in _USUALLY_YES else "no" for key in _YES_NO}
SEEN_LAST_YEAR, SEEN_THIS_YEAR = 0.5, 0.55


def campaign_rows(county: County, ids: Ids, today: date, now: datetime) -> list[dict]:
    """Last year's campaign (seed 004's dates) and one running now, over the whole county."""
    region = db.session.get(Region, county.id)
    start, end = today - timedelta(days=10), today + timedelta(days=20)
    running = [Phase("全面工作部署", start, start + timedelta(days=4)),
               Phase("开展集中排查", start + timedelta(days=5), today + timedelta(days=10)),
               Phase("信息采集录入", today + timedelta(days=11), end)]
    rows = []
    for phases in (default_phases(today.year - 1), running):
        first, last = phases[0].starts_on, phases[-1].ends_on
        income_end = first.replace(day=1) - timedelta(days=1)
        rows.append({
            "id": ids.take(ScreeningRound.__table__), "county_id": county.id,
            "name": f"{first.year}年防止返贫监测帮扶集中排查", "starts_on": first, "ends_on": last, "year": first.year,
            "monitoring_line": settings.monitoring_line(region, first.year),
            "income_start": income_end.replace(year=income_end.year - 1) + timedelta(days=1), "income_end": income_end,
            "phases": [p.as_dict() for p in phases], "area": [], "created_by_id": county.staff_id,
            "created_at": datetime.combine(first, time(9), tzinfo=WORK_TZ)})
    return rows


class VisitRows:
    def __init__(self, rng: random.Random, ids: Ids, today: date, now: datetime):
        self.rng, self.ids, self.today, self.now = rng, ids, today, now
        last_year = default_phases(today.year - 1)[1]  # 开展集中排查
        self.windows = ((last_year.starts_on, last_year.ends_on, SEEN_LAST_YEAR),
                        (today - timedelta(days=10), today, SEEN_THIS_YEAR))
        self.rows: list[dict] = []

    def start_batch(self) -> None:
        self.rows = []

    def for_household(self, family: Family) -> None:
        for first, last, share in self.windows:
            if self.rng.random() < share:
                day = first + timedelta(days=self.rng.randint(0, (last - first).days))
                self._visit(family, min(moment(self.rng, day), self.now - timedelta(minutes=30)))

    def _visit(self, family: Family, at: datetime) -> None:
        rng = self.rng
        household = family.row
        monitored = household["attribute"] == HouseholdAttribute.MONITORED.value
        answers = dict(_SECURE_ANSWERS)
        answers.update(
            housing_safe="yes" if household["housing_safe"] else "no",
            water_safe="yes" if household["water_safe"] else "no",
            disabled_family="yes" if family.disabled else "no",
            single_person="yes" if family.size == 1 else "no",
            elderly_alone="yes" if family.elderly_alone else "no",
            whole_household_no_labour="yes" if family.workers == 0 else "no",
            rigid_spending_or_drop="yes" if family.ill and rng.random() < 0.3 else "no")
        should_monitor = not monitored and rng.random() < 0.014
        answers["should_monitor"] = "yes" if should_monitor else "no"
        if should_monitor or (family.ill and rng.random() < 0.2):
            answers["difficulties_and_requests"] = "家中有人长期看病，医药费负担较重"
        method = rng.choices(_METHODS, cum_weights=_METHOD_CUMULATIVE)[0]
        client_uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        per_capita = household["net_income"] / family.size
        text = json.dumps(answers, ensure_ascii=False)
        self.rows.append({
            "id": self.ids.take(Visit.__table__), "client_uuid": client_uuid,
            "payload_sha256": hashlib.sha256(f"{client_uuid}{text}".encode()).hexdigest(),
            "household_id": household["id"], "case_id": None, "worker_id": family.grid.worker_id,
            "method": method.value, "visited_at": at,
            "reached_person": "户主本人" if method.remote else None,
            "reached_via": method.label if method.remote else None,
            "away_reason": rng.choice(_AWAY).value if method.remote else None,
            "answers": text, "should_monitor": should_monitor, "household_size": family.size,
            "income_items": None, "net_income": None,
            "per_capita_income": per_capita.quantize(Decimal("1")), "gps": None, "signature_file": None,
            "signer_name": None, "notes": None, "created_at": at + timedelta(minutes=rng.randint(1, 20))})
