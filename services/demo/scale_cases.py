"""Cases for ``flask seed-scale``: about 0.3 a household, in every state of ``CaseState`` — most
risks eliminated or refused, a tenth helped now, a few thousand a county still being identified
or eliminated — each with the events of the steps that brought it there (``scale_stories``).

A case's own fields are what its steps set (as ``services.workflow.case_effects`` sets them):
the verifier at assignment, the notice dates, the category and risk types at the county's
confirmation, the pair cadre, the last evaluation, the elimination and look-back days; its due
date is ``domain.deadlines.current_deadline`` of those dates. ``region_path`` is copied from the
region, as the model's validator copies it for ORM writes. The household's attribute, category
and 是否风险消除 follow its latest case.
"""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from itertools import accumulate

from domain.deadlines import CaseDates, current_deadline
from domain.enums import CaseSource, HouseholdAttribute, KeyGroup, MonitoringCategory, RiskType, Role
from domain.helpplan import PlanMaker, makers_words
from domain.lookup import new_lookup_code
from domain.settings import PolicySettings
from domain.workflow import Action, CaseState
from models import Case, CaseEvent
from models.personal import ID_NUMBER, PHONE, blind_index
from services.demo import scale_names
from services.demo.scale_common import Ids, moment
from services.demo.scale_help import HelpRows, plan_names
from services.demo.scale_people import Family, People
from services.demo.scale_regions import County, Village
from services.demo.scale_stories import Story, merged, tell

A, S = Action, CaseState

STATE_WEIGHTS = {
    S.REPORTED: 0.6, S.RECEIVED: 0.5, S.VERIFYING: 1.0, S.VERIFIED: 0.4, S.PUBLICIZING: 0.4, S.TOWNSHIP_REVIEW: 0.4,
    S.COUNTY_REVIEW: 0.4, S.MONITORED: 0.4, S.PAIRED: 0.4, S.VISITED: 0.4, S.HELPING: 9.0, S.ELIM_PROPOSED: 0.5,
    S.ELIM_VERIFIED: 0.4, S.ELIM_PUBLICIZING: 0.4, S.ELIM_TOWNSHIP_REVIEW: 0.4, S.ELIM_COUNTY_REVIEW: 0.4,
    S.ELIM_APPROVED: 0.3, S.ELIMINATED: 55.0, S.REJECTED: 20.0, S.CLEARED: 2.0}  # MERGED: second reports
_STATES, _CUMULATIVE = list(STATE_WEIGHTS), list(accumulate(STATE_WEIGHTS.values()))
_SOURCES = {CaseSource.GRID_VISIT: 45, CaseSource.DEPARTMENT_WARNING: 18, CaseSource.SELF_REPORT: 15,
            CaseSource.PROXY_REPORT: 10, CaseSource.HOTLINE: 5, CaseSource.PETITION: 4, CaseSource.MEDIA: 3}
_SOURCE_LIST, _SOURCE_CUMULATIVE = list(_SOURCES), list(accumulate(_SOURCES.values()))
_RISKS = {RiskType.ILLNESS: 20, RiskType.UNSTABLE_WORK: 14, RiskType.SCHOOLING: 12, RiskType.LACK_LABOUR: 10,
          RiskType.LACK_SKILLS: 8, RiskType.LACK_FUNDS: 8, RiskType.DISABILITY: 6, RiskType.DISASTER: 6,
          RiskType.ACCIDENT: 6, RiskType.HOUSING: 4, RiskType.FAILED_INDUSTRY: 4, RiskType.OTHER: 2,
          RiskType.EPIDEMIC: 1, RiskType.WATER: 1}
_RISK_CODES, _RISK_CUMULATIVE = [r.value for r in _RISKS], list(accumulate(_RISKS.values()))
_SIGNED = {A.TOWNSHIP_APPROVE, A.TOWNSHIP_REJECT, A.COUNTY_CONFIRM, A.ELIM_VERIFY, A.ELIM_VILLAGE_REVIEW,
           A.ELIM_TOWNSHIP_APPROVE, A.ELIM_COUNTY_APPROVE}
_REASONS = {A.VILLAGE_REVIEW_FAIL: "经民主评议，家庭人均纯收入高于监测范围，不予纳入",
            A.TOWNSHIP_REJECT: "经乡镇审核，家庭有稳定务工收入，不符合纳入条件",
            A.COUNTY_REJECT: "经部门信息比对，家庭人均纯收入高于监测范围，且无大额刚性支出",
            A.CLEAR_OUT: "经排查，该户家庭人均纯收入远高于监测范围，属错误纳入"}
_REFUSALS = (A.VILLAGE_REVIEW_FAIL, A.TOWNSHIP_REJECT, A.COUNTY_REJECT)
_SPOKEN = (CaseSource.SELF_REPORT, CaseSource.PROXY_REPORT, CaseSource.HOTLINE)  # the reporter's own words kept
_COMMENTS = {A.VERIFY: ("已入户核实，情况属实", "已入户核实，因病支出较大", "已入户核实，务工收入明显减少"),
             A.FIRST_VISIT: ("入户走访，了解家庭收入和实际困难",),
             A.MAKE_HELP_PLAN: ("村两委、网格员、驻村工作队和结对干部共同研究制定",)}
_WORDS = ("家里有人生病住院，花了不少钱", "今年务工收入少了很多", "房子漏雨，需要修缮", "孩子上学费用负担重",
          "遭了灾，庄稼绝收")
_PLAN_MAKERS = [m.value for m in PlanMaker]
_MAKERS_WORDS = makers_words(_PLAN_MAKERS)
# What the services record with these steps, the same for every generated case.
_FIXED_DATA = {
    A.FIRST_VISIT: {"notes": ["走访方式：入户"]},
    A.PROPOSE_ELIMINATION: {"natural": False, "guarantees_secure": True, "rigid_spending_resolved": True},
    A.ELIM_VERIFY: {"household_signed": True, "stand_in": False},
    A.ELIM_COUNTY_APPROVE: {"phone_survey": True, "onsite_check": False, "doubts_remain": False},
    A.CLEAR_OUT: {"cleared_out": True, "notes": ["清退：该户系错误纳入监测，不是风险消除"]}}
_REVIEWERS = "村两委、驻村工作队、村民代表"
_PER_HOUSEHOLD = ((0, 0.735), (1, 0.97))  # (cases, cumulative chance); else two


class CaseRows:
    """The cases of one batch of households, their events, plans and evaluations."""

    def __init__(self, rng: random.Random, ids: Ids, today: date, now: datetime, people: People):
        self.rng, self.ids, self.today, self.now, self.people = rng, ids, today, now, people
        self.policy = PolicySettings()
        self.lookup_codes: set[str] = set()
        self.owed: dict[int, list[CaseState]] = {}  # by county: the states not yet given a case
        self.start_batch()

    def start_batch(self) -> None:
        self.cases: list[dict] = []
        self.events: list[dict] = []
        self.help = HelpRows(self.rng, self.ids, self.today, self.now)

    # --- who ----------------------------------------------------------------------------------

    def _cast(self, county: County, village: Village, grid_worker_id: int, source: CaseSource) -> tuple[dict, dict]:
        """(ids, roles) of the people a case involves, by the part they play."""
        rng = self.rng
        draw = rng.random()
        verifier = ((grid_worker_id, Role.GRID_WORKER) if draw < 0.8 else
                    (rng.choice(village.cadre_ids), Role.PAIR_CADRE) if draw < 0.92 else
                    (village.staff_id, Role.VILLAGE_STAFF))
        reporter = {CaseSource.GRID_VISIT: (grid_worker_id, Role.GRID_WORKER),
                    CaseSource.PROXY_REPORT: (village.staff_id, Role.VILLAGE_STAFF),
                    CaseSource.HOTLINE: (county.staff_id, Role.COUNTY_STAFF),
                    CaseSource.PETITION: (county.staff_id, Role.COUNTY_STAFF),
                    CaseSource.MEDIA: (county.staff_id, Role.COUNTY_STAFF)}.get(source, (None, None))
        ids = {"reporter": reporter[0], "village": village.staff_id, "township": village.township.staff_id,
               "county": county.staff_id, "verifier": verifier[0], "cadre": rng.choice(village.cadre_ids)}
        roles = {"reporter": reporter[1], "village": Role.VILLAGE_STAFF, "township": Role.TOWNSHIP_STAFF,
                 "county": Role.COUNTY_STAFF, "verifier": verifier[1], "cadre": Role.PAIR_CADRE}
        return ids, roles

    def _source(self) -> CaseSource:
        return self.rng.choices(_SOURCE_LIST, cum_weights=_SOURCE_CUMULATIVE)[0]

    def _risks(self, family: Family | None) -> list[str]:
        rng = self.rng
        found = []
        if family is not None and family.ill and rng.random() < 0.8:
            found.append(RiskType.ILLNESS.value)
        if family is not None and family.disabled and rng.random() < 0.7:
            found.append(RiskType.DISABILITY.value)
        for _ in range(rng.choice((1, 1, 2)) - min(len(found), 1)):
            risk = rng.choices(_RISK_CODES, cum_weights=_RISK_CUMULATIVE)[0]
            if risk not in found:
                found.append(risk)
        return found or [RiskType.OTHER.value]

    def _lookup_code(self) -> str:
        while True:
            code = new_lookup_code(self.rng.randrange)
            if code not in self.lookup_codes:
                self.lookup_codes.add(code)
                return code

    # --- households -----------------------------------------------------------------------------

    def for_household(self, family: Family, county: County) -> None:
        """The household's cases (none for most), and what the latest one makes of the household.
        Each county's first cases go through every state once, so that even a small county has
        them all; after that the states come in their proportions."""
        rng = self.rng
        draw = rng.random()
        count = next((n for n, chance in _PER_HOUSEHOLD if draw < chance), 2)
        if count == 0:
            return
        owed = self.owed.setdefault(county.id, [*_STATES, S.MERGED])
        owing = owed.pop(0) if owed else None
        target = owing if owing not in (None, S.MERGED) else rng.choices(_STATES, cum_weights=_CUMULATIVE)[0]
        if owing is S.MERGED:
            count = 2
        urgent = rng.random() < 0.06
        source = self._source()
        ids, roles = self._cast(county, family.grid.village, family.grid.worker_id, source)
        story = tell(target, rng, roles["verifier"], urgent)
        older = None
        if count == 2:  # an earlier report: merged into this case, or refused long before it
            if owing is S.MERGED or rng.random() < 0.4:
                older = merged(rng, max(0, story.age - rng.randint(0, 5)))
            else:
                older = tell(S.REJECTED, rng, roles["verifier"], False)
                older.age = max(older.age, story.age + rng.randint(30, 400))
        if older is not None and older.state is S.REJECTED:
            self._household_case(family, county, older, self._source(), False, None)
        case_id = self._household_case(family, county, story, source, urgent, (ids, roles))
        if older is not None and older.state is S.MERGED:
            self._household_case(family, county, older, self._source(), False, None, merged_into=case_id)

    def _household_case(self, family: Family, county: County, story: Story, source: CaseSource, urgent: bool,
                        cast: tuple[dict, dict] | None, merged_into: int | None = None) -> int:
        ids, roles = cast or self._cast(county, family.grid.village, family.grid.worker_id, source)
        risks = self._risks(family)
        lifted = family.lifted
        category = (MonitoringCategory.UNSTABLE_LIFTED if lifted and self.rng.random() < 0.85 else
                    MonitoringCategory.SUDDEN_HARDSHIP if not lifted and (urgent or self.rng.random() < 0.2) else
                    MonitoringCategory.MARGINAL).value
        row = self._case_row(story, source, urgent, risks, category, family.grid.id, family.grid.path,
                             family.row["id"], ids, roles, merged_into)
        if source in (CaseSource.SELF_REPORT, CaseSource.PROXY_REPORT):
            row["lookup_code"] = self._lookup_code()
            row["reported_household_size"] = family.size
        plan = plan_names(self.rng, risks, family.workers, family.row["sanitary_toilet"] is False)
        plan_day = self._events(row, story, ids, roles, category, [county.measure_ids[n] for n in plan], plan)
        if plan_day is not None:
            finished = max(story.proposals) if story.proposals else None
            self.help.plan(row["id"], county, plan, plan_day,
                           row["clue_date"] + timedelta(days=finished) if finished else None,
                           story.state is S.CLEARED, ids["village"])
        if merged_into is None:
            self._mark_household(family, row)
        return row["id"]

    def _mark_household(self, family: Family, case: dict) -> None:
        """As the county's confirmation, the announcement and 清退 leave the household."""
        state = CaseState(case["state"])
        household = family.row
        if state.is_monitored or state is S.ELIMINATED:
            household.update(attribute=HouseholdAttribute.MONITORED.value, monitoring_category=case["category"],
                             risk_types=list(case["risk_types"]), risk_eliminated=state is S.ELIMINATED,
                             risk_eliminated_on=case["eliminated_on"])
            if case["category"] == MonitoringCategory.SUDDEN_HARDSHIP.value:
                household["key_groups"] = [*household["key_groups"], KeyGroup.SUDDEN_HARDSHIP.value]
        elif state is S.CLEARED:
            household.update(risk_eliminated=False, risk_eliminated_on=None)

    # --- clues not yet matched to a household ---------------------------------------------------

    def unmatched(self, county: County, village: Village) -> None:
        """A clue about someone not (yet) found in the register, waiting in the village's inbox."""
        rng = self.rng
        source = rng.choice((CaseSource.SELF_REPORT, CaseSource.SELF_REPORT, CaseSource.HOTLINE,
                             CaseSource.PROXY_REPORT))
        grid = rng.choice(village.grids)
        ids, roles = self._cast(county, village, grid.worker_id, source)
        story = tell(rng.choice((S.REPORTED, S.REPORTED, S.RECEIVED)), rng, roles["verifier"], False)
        male = rng.random() < 0.6
        age = rng.randint(25, 80)
        id_number = self.people.id_number(county.code[:6], age, male)
        phone = f"170{rng.randrange(10**8):08d}" if rng.random() < 0.5 else None
        row = self._case_row(story, source, False, self._risks(None), None, village.id, village.path, None,
                             ids, roles, None)
        row.update(claimed_name=scale_names.person(rng, male), claimed_id_number_enc=id_number,
                   claimed_id_number_index=blind_index(ID_NUMBER, id_number), claimed_phone_enc=phone,
                   claimed_phone_index=blind_index(PHONE, phone) if phone else None,
                   reported_household_size=rng.randint(1, 6),
                   lookup_code=self._lookup_code() if source is not CaseSource.HOTLINE else None)
        self._events(row, story, ids, roles, None, [], [])

    # --- rows -------------------------------------------------------------------------------------

    def _case_row(self, story: Story, source: CaseSource, urgent: bool, risks: list[str], category: str | None,
                  region_id: int, region_path: str, household_id: int | None, ids: dict, roles: dict,
                  merged_into: int | None) -> dict:
        clue = self.today - timedelta(days=story.age)
        row = {
            "id": self.ids.take(Case.__table__), "source": source.value, "state": story.state.value, "urgent": urgent,
            "risk_types": risks, "region_id": region_id, "region_path": region_path, "household_id": household_id,
            "reported_by_id": ids["reporter"],
            "reporter_words": self.rng.choice(_WORDS) if source in _SPOKEN else None,
            "claimed_name": None, "claimed_id_number_enc": None, "claimed_id_number_index": None,
            "claimed_phone_enc": None, "claimed_phone_index": None, "reported_household_size": None,
            "reported_income": None, "lookup_code": None, "clue_date": clue, "due_date": None, "deadline_kind": None,
            "verifier_id": None, "original_verifier_id": None, "pair_cadre_id": None, "category": None,
            "rejection_reason": None, "merged_into_id": merged_into, "green_channel_at": None, "notice_start": None,
            "notice_end": None, "identified_on": None, "paired_on": None, "plan_makers": None, "development_will": None,
            "last_evaluation_on": None, "eliminated_on": None, "lookback_on": None, "national_recorded_at": None,
            "warning_grade": None, "warning_due": None, "created_at": self.now, "updated_at": self.now}
        self.cases.append(row)
        return row

    def _events(self, case: dict, story: Story, ids: dict, roles: dict, category: str | None,
                plan_ids: list[int], measure_names: list[str]) -> date | None:
        """The events of the story with the data the services give them, and the case's fields as
        its steps set them; returns the day of the help plan, if one was made."""
        rng = self.rng
        clue = case["clue_date"]
        days = [clue + timedelta(days=s.day) for s in story.steps]
        plan_day = None
        for step, day, at in zip(story.steps, days, self._moments(days)):
            actor = ids[step.actor]
            data: dict = {}
            action = step.action
            if action is None:
                data = {"source": case["source"]}
            elif action is A.ASSIGN_VERIFIER:
                case["verifier_id"] = data["verifier"] = ids["verifier"]
            elif action is A.VERIFY:
                case["original_verifier_id"] = data["verifier"] = ids["verifier"]
            elif action in (A.VILLAGE_REVIEW_PASS, A.ELIM_VILLAGE_REVIEW):
                case["notice_start"], case["notice_end"] = day, None
                data = {"review": {"date": day.isoformat(), "participants": _REVIEWERS, "result": "同意"},
                        "notice_start": day.isoformat()}
            elif action in (A.CLOSE_NOTICE, A.ELIM_CLOSE_NOTICE):
                case["notice_end"] = day
                data = {"notice_end": day.isoformat()}
            elif action is A.COUNTY_CONFIRM:
                case.update(category=category, identified_on=day)
                data = {"category": category, "risk_types": list(case["risk_types"])}
            elif action is A.GREEN_CHANNEL:
                case["green_channel_at"] = at
            elif action is A.RECORD_ENTRY:
                case["national_recorded_at"] = at
            elif action is A.ASSIGN_PAIR_CADRE:
                case.update(pair_cadre_id=ids["cadre"], paired_on=day)
                data = {"pair_cadre": ids["cadre"]}
            elif action is A.MAKE_HELP_PLAN:
                plan_day = day
                case.update(plan_makers=_PLAN_MAKERS, development_will=True)
                data = {"notes": [f"帮扶措施：{'、'.join(measure_names)}", f"共同商议：{_MAKERS_WORDS}"],
                        "plan": {"measures": plan_ids, "added": plan_ids, "cancelled": []}}
            elif action is A.QUARTERLY_EVALUATION:
                case["last_evaluation_on"] = day
                data = self.help.evaluation(case["id"], day, actor, step.day in story.proposals)
            elif action is A.ANNOUNCE:
                case["eliminated_on"] = day
            elif action is A.LOOKBACK_STABLE:
                case["lookback_on"] = day
            elif action is A.MERGE:
                data = {"merged_into": case["merged_into_id"]}
            elif action in _FIXED_DATA:
                data = _FIXED_DATA[action]
            if action in _REFUSALS:
                case["rejection_reason"] = _REASONS[action]
            comment = _REASONS.get(action) or (rng.choice(_COMMENTS[action]) if action in _COMMENTS else None)
            self.events.append({
                "id": self.ids.take(CaseEvent.__table__), "case_id": case["id"],
                "action": action.value if action else None, "from_state": step.before.value if step.before else None,
                "to_state": step.after.value, "actor_id": actor, "actor_role": roles[step.actor].value
                if actor is not None else None, "at": at, "comment": comment, "signed": action in _SIGNED,
                "data": data})
        dates = CaseDates(clue_date=clue, identified_on=case["identified_on"], paired_on=case["paired_on"],
                          monitored_since=case["identified_on"], last_evaluation_on=case["last_evaluation_on"],
                          notice_start=case["notice_start"], eliminated_on=case["eliminated_on"],
                          lookback_on=case["lookback_on"])
        deadline = current_deadline(story.state, dates, self.policy)
        if deadline is not None:
            case.update(due_date=deadline.due, deadline_kind=deadline.kind.value)
        return plan_day

    def _moments(self, days: list[date]) -> list[datetime]:
        """A working-day moment for each step, in order and none after now."""
        ceiling = self.now
        times = [moment(self.rng, day) for day in days]
        for i in range(len(times) - 1, -1, -1):  # from the last: each a minute or more before the next
            times[i] = min(times[i], ceiling)
            ceiling = times[i] - timedelta(minutes=1)
        return times
