"""Cases taken through risk elimination by the real use cases, for the elimination and
look-back tests (service and HTTP). Builds on ``office_support``."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from core.extensions import db
from domain.enums import IncomeSource
from domain.evidence import EvidenceKind
from domain.workflow import CaseState
from factories import World
from models import Case
from office_support import PDF, drive, new_case, put_on_elimination_list
from services.elimination import procedure
from services.households import incomes
from services.workflow.cases import Evidence

START_BEFORE = timedelta(days=400)  # monitored long enough for the 6-month minimum
REMEASURED_BEFORE = timedelta(days=30)  # income measured again after inclusion, before the list


def file(kind: EvidenceKind) -> list[Evidence]:
    return [Evidence(kind.label + ".pdf", PDF, "application/pdf", kind.value)]


def remeasure(case: Case, on: date, net_income=Decimal("30000")) -> None:
    """The household's income measured again on ``on`` (收入台账), as staff record it."""
    incomes.record_income(None, case.household, year=on.year, measured_on=on, net_total=net_income,
                          source=IncomeSource.STAFF, today=on)


def helping_case(world: World, day: date, **kw) -> Case:
    """A case in 帮扶中, monitored since well before ``day`` and put on the list at ``day``; its
    income, measured again a month before ``day``, has been above the line since inclusion."""
    start = day - START_BEFORE
    case = drive(world, new_case(world, start, **kw), CaseState.HELPING, start)
    remeasure(case, day - REMEASURED_BEFORE, kw.get("net_income", Decimal("30000")))
    put_on_elimination_list(world, case, day)
    return case


# (step, who, day offset, keyword arguments) of the five steps, the way the forms send them.
def five_steps(world: World, day: date) -> list[tuple]:
    return [
        (procedure.propose, "village_a", 0,
         dict(natural=False, guarantees_secure=True, rigid_spending_resolved=True, comment="季度评估会研判")),
        (procedure.verify, "grid_a1", 1,
         dict(findings="收入稳定，住院费用已报销", companions="乡镇干部王某、结对干部CADRE_A",
              household_signed=True, signed=True, signature=file(EvidenceKind.HOUSEHOLD_SIGNATURE))),
        (procedure.village_review, "village_a", 2,
         dict(review_date=day + timedelta(days=2), participants="村两委、村民代表", result="同意",
              notice_start=day + timedelta(days=2), signed=True, minutes=file(EvidenceKind.REVIEW_MINUTES))),
        (procedure.close_notice, "village_a", 8,
         dict(notice_end=day + timedelta(days=8), no_objection=True,
              notice_record=file(EvidenceKind.NOTICE_RECORD))),
        (procedure.township_approve, "township", 9,
         dict(papers=[item for k in (EvidenceKind.ELIMINATION_FORM, EvidenceKind.MEASURE_TABLE,
                                     EvidenceKind.EVALUATION_FORM, EvidenceKind.HELP_HANDBOOK)
                      for item in file(k)],
              opinion="资料齐全，同意", signed=True)),
        (procedure.county_approve, "county", 10,
         dict(household_survey="农户认可", department_survey="医保局确认已报销", survey_files=[],
              doubts_remain=False, onsite_notes="", onsite_files=[], opinion="同意", signed=True)),
        (procedure.announce, "county", 11, dict()),
    ]


def run_steps(world: World, case: Case, day: date, count: int = 7) -> Case:
    """Take the first ``count`` of the five steps (and the announcement), starting at ``day``."""
    for step, who, offset, kw in five_steps(world, day)[:count]:
        step(world.users[who], case.id, today=day + timedelta(days=offset), **kw)
    db.session.flush()
    return case


def eliminated_case(world: World, day: date) -> Case:
    """A case whose elimination was announced on ``day + 11``."""
    return run_steps(world, helping_case(world, day), day)
