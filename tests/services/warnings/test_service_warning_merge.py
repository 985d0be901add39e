"""A clue merged into another case of the same household takes its department warnings along:
the village answers them on the case it works, and the inbox shows them there."""
from datetime import date

import pytest
from sqlalchemy import select

from core.extensions import db
from domain.enums import CaseSource, HouseholdAttribute
from factories import build_world, household, medical_warnings
from models import CaseEvent
from services.identification import inbox_actions
from services.warnings import feedback
from services.workflow import cases

TODAY = date(2026, 11, 20)


@pytest.fixture
def world(app):
    return build_world()


def test_merging_the_warning_case_moves_its_warning_to_the_case_kept(world):
    made = household(world.village_a, TODAY)
    made.attribute = HouseholdAttribute.LIFTED.value
    [warning] = medical_warnings(world, [(made, "12000")], TODAY)
    raised = warning.case
    kept = cases.open_case(world.users["village_a"], made.region, CaseSource.GRID_VISIT, today=TODAY,
                           risk_types=["illness"], household=made)  # a duplicate clue of the same household
    assert (raised.warning_grade, kept.warning_grade) == ("orange", None)

    inbox_actions.merge(world.users["village_a"], raised.id, kept.id, today=TODAY)

    db.session.refresh(warning)
    assert warning.case_id == kept.id
    assert (raised.warning_grade, raised.warning_due) == (None, None)
    assert kept.warning_grade == "orange" and kept.warning_due == warning.due_on
    merged_event = db.session.execute(select(CaseEvent).where(CaseEvent.case_id == kept.id)
                                      .order_by(CaseEvent.id.desc())).scalars().first()
    assert merged_event.data == {"merged_case": raised.id, "warnings_moved": 1}
    feedback.answer(world.users["village_a"], warning.id, "included", "", TODAY)
    assert kept.warning_grade is None
