"""A small county measure library and cases with help plans, for the help-after-inclusion
tests (service and HTTP). Everything goes through the real services."""
from __future__ import annotations

from datetime import date, timedelta

from core.extensions import db
from domain.workflow import Action, CaseState
from factories import World
from models import Case, Measure
from office_support import drive, new_case
from services.help import measures, plans
from services.help.measures import MeasureInput
from services.help.plans import PlanChoice
from services.workflow import cases
from services.workflow.cases import StepInput

# (name, kind, department, risk types, toilet upgrade)
LIBRARY = [
    ("乡村公益性岗位", "development", "human_resources", ("unstable_work", "lack_labour"), False),
    ("发展庭院经济", "development", "agriculture", ("lack_funds", "lack_skills"), False),
    ("农村低保兜底", "security", "civil_affairs", ("lack_labour", "illness", "disability"), False),
    ("临时救助", "security", "civil_affairs", ("disaster", "accident", "illness"), False),
    ("医疗救助", "policy", "medical_insurance", ("illness",), False),
    ("先诊疗后付费", "policy", "health", ("illness",), False),
    ("结对关爱走访", "care", None, ("other",), False),
    ("户厕改造", "improvement", "agriculture", ("housing", "other"), True),
    ("人居环境整治", "improvement", None, ("housing",), False),
]


# Who made the plan together (seed 000 "共同商议"), as the plan forms post it.
PLAN_MAKERS = ("village_committee", "grid_worker", "pair_cadre")
PLAN_FACTS = {"plan_makers": list(PLAN_MAKERS), "development_will": "1"}


def library(world: World) -> dict[str, Measure]:
    made = {}
    for name, kind, department, risks, toilet in LIBRARY:
        made[name] = measures.create(world.users["county"], MeasureInput(name, kind, department, risks, toilet))
    db.session.flush()
    return made


def choices(lib: dict[str, Measure], *names: str, due: date | None = None) -> list[PlanChoice]:
    return [PlanChoice(lib[n].id, due) for n in names]


def visited_case(world: World, start: date, *, urgent: bool = False, labour: str | None = None,
                 toilet: bool | None = None) -> Case:
    """A case whose pair cadre has made the first visit (day 14 from ``start``)."""
    case = new_case(world, start, urgent=urgent)
    if labour is not None:
        for member in case.household.members:
            member.labour_capacity = labour
    case.household.sanitary_toilet = toilet
    return drive(world, case, CaseState.VISITED, start)


def plan_day(start: date) -> date:
    return start + timedelta(days=18)


def helping_case(world: World, lib: dict[str, Measure], start: date, *names: str) -> Case:
    """A working-age household with a plan made by village A's staff on day 18."""
    case = visited_case(world, start, toilet=True)
    plans.save_plan(world.users["village_a"], case.id, Action.MAKE_HELP_PLAN,
                        choices(lib, *(names or ("乡村公益性岗位", "医疗救助"))), today=plan_day(start),
                        makers=PLAN_MAKERS, development_will=True, will_given=True)
    db.session.flush()
    return case


def green_channel_case(world: World, start: date) -> Case:
    case = new_case(world, start, urgent=True)
    cases.perform(world.users["village_a"], case.id, Action.GREEN_CHANNEL, StepInput(), today=start)
    db.session.flush()
    return case
