"""Cases driven to a given state through the real services, for back-office tests.

Lives at the top of tests/ (which pytest puts on sys.path), so service, HTTP and browser
tests share it. Every step goes through ``services.workflow.cases.perform`` with the inputs the policy
asks for, on dates counted from ``start``.
"""
from __future__ import annotations

import sys
from datetime import date, timedelta
from decimal import Decimal

import files_support
from core import clock
from core.extensions import db
from domain.deadlines import quarter_code
from domain.enums import CaseSource
from domain.evidence import ELIMINATION_PAPERS
from domain.workflow import Action, CaseState
from factories import World, household
from models import Case, Evaluation
from services.workflow import cases
from services.workflow.cases import Evidence, StepInput

PDF = files_support.pdf("test paper")  # a real one-page PDF: uploads are parsed


def review(day: date) -> dict:
    return {"date": day.isoformat(), "participants": "村两委、驻村工作队、村民代表", "result": "同意"}


def papers() -> list[Evidence]:
    return [Evidence(k.label + ".pdf", PDF, "application/pdf", k.value) for k in ELIMINATION_PAPERS]


# (who, action, day offset from start, StepInput fields); ``world`` fills in the people.
def _chain(world: World, start: date) -> list[tuple[str, Action, int, dict]]:
    return [
        ("village_a", Action.ACCEPT, 0, {}),
        ("village_a", Action.ASSIGN_VERIFIER, 0, {"assignee_id": world.users["grid_a1"].id}),
        ("grid_a1", Action.VERIFY, 2, {"comment": "入户核实"}),
        ("village_a", Action.VILLAGE_REVIEW_PASS, 4,
         {"review": review(start + timedelta(days=4)), "notice_start": start + timedelta(days=4)}),
        ("village_a", Action.CLOSE_NOTICE, 9, {"notice_end": start + timedelta(days=9)}),
        ("township", Action.TOWNSHIP_APPROVE, 10, {"signed": True}),
        ("county", Action.COUNTY_CONFIRM, 11, {"category": "marginal", "risk_types": ("illness",), "signed": True,
                                             "reason": "人均收入高于监测范围，但老人住院开支大，经研判确定纳入"}),
        ("township", Action.ASSIGN_PAIR_CADRE, 12, {"assignee_id": world.users["cadre_a"].id}),
        ("cadre_a", Action.FIRST_VISIT, 14, {}),
        ("village_a", Action.MAKE_HELP_PLAN, 18, {}),
    ]


def new_case(world: World, start: date, *, net_income=Decimal("30000"), urgent: bool = False) -> Case:
    """A self-report about a 2-person household in grid A1 (village A), opened on ``start``."""
    h = household(world.grid_a1, start, size=2, net_income=net_income)
    case = cases.open_case(None, h.region, CaseSource.SELF_REPORT, today=start, household=h,
                           risk_types=["illness"], words="家里老人住院", urgent=urgent)
    db.session.commit()  # the report is a request of its own: its unit of work commits
    return case


def drive(world: World, case: Case, until: CaseState, start: date) -> Case:
    """Take the steps of identification and help, in order, until the case is in ``until``.

    Note: MAKE_HELP_PLAN here goes through ``perform`` without plan rows; tests of the help
    plan itself use ``services.help.plans``.
    """
    for who, action, offset, kw in _chain(world, start):
        if case.state_enum is until:
            break
        cases.perform(world.users[who], case.id, action, StepInput(**kw), today=start + timedelta(days=offset))
        db.session.commit()  # each step is a request of its own: its unit of work commits
    assert case.state_enum is until, f"could not drive the case to {until.value}"
    return case


def put_on_elimination_list(world: World, case: Case, day: date) -> Evaluation:
    """A quarterly evaluation that judged the risk gone and put the household on the list."""
    evaluation = Evaluation(case=case, quarter=quarter_code(day), evaluated_on=day, measures_in_place=True,
                            measures_working=True, risk_gone=True, propose_elimination=True,
                            actor=world.users["village_a"])
    db.session.add(evaluation)
    db.session.flush()
    return evaluation


class Calendar:
    """The date the whole application believes it is, for tests that let weeks pass.

    Pages and API handlers ask ``core.clock.today()`` (directly, or through a name imported
    from it); both are pointed at this calendar, so no production code carries a test hook.
    """

    def __init__(self, monkeypatch, start: date):
        self.day = start
        real = clock.today
        monkeypatch.setattr(clock, "today", self.today)
        for name, module in list(sys.modules.items()):
            if name.split(".")[0] in ("portal", "api", "services") and getattr(module, "today", None) is real:
                monkeypatch.setattr(module, "today", self.today)

    def today(self) -> date:
        return self.day

    def advance(self, days: int) -> date:
        self.day += timedelta(days=days)
        return self.day
