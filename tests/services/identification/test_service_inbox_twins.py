"""The inbox finds the likely duplicates of the cases it shows without loading every open case:
their twins are looked up by the keys they share, and the groups are those of the rule over
every open case."""
from datetime import date

from sqlalchemy import select

from core.extensions import db
from domain.duplicates import ClueFacts, find_duplicates
from domain.enums import CaseSource
from domain.workflow import CaseState
from factories import build_world, household, new_id
from models import Case
from services.identification import inbox
from services.workflow import cases

TODAY = date(2026, 11, 20)


def test_only_clues_that_may_have_a_twin_are_compared_and_the_groups_are_complete(app):
    w = build_world()
    staff = w.users["village_a"]
    shared_id = new_id()
    h1, h2, h3, h4 = (household(w.village_a, TODAY) for _ in range(4))
    report = lambda h=None, **kw: cases.open_case(staff, w.village_a, CaseSource.GRID_VISIT,  # noqa: E731
                                                  today=TODAY, household=h, **kw)
    # Linked to different households but claiming the same ID number: the same person.
    same_person = [report(h1, claimed_id_number=shared_id), report(h2, claimed_id_number=shared_id)]
    # Linked to different households, the same phone claimed in one village: a hint.
    same_phone = [report(h3, claimed_phone="13800009999"), report(h4, claimed_phone="13800009999")]
    lonely = [report(household(w.village_a, TODAY)) for _ in range(3)]  # nobody to be confused with
    unlinked = report(claimed_name="孙二娘")
    closed = report(household(w.village_a, TODAY), claimed_id_number=shared_id)
    closed.state = CaseState.REJECTED.value
    db.session.flush()

    shown = [same_person[0], same_phone[1], unlinked, *lonely]  # a page without the twins
    twin_name = report(claimed_name="孙 二娘")  # the same name, spaced otherwise, not linked
    db.session.flush()

    facts = inbox.clue_facts(staff, shown)

    # The twins of the cases shown are found; nothing else is read.
    assert set(facts) == {c.id for c in shown + same_person + same_phone} | {twin_name.id}
    assert closed.id not in facts
    groups = {g.case_ids for g in find_duplicates(facts.values())}
    expected = {tuple(sorted(c.id for c in same_person)), tuple(sorted(c.id for c in same_phone)),
                tuple(sorted((unlinked.id, twin_name.id)))}
    assert groups == expected
    # The same groups as the rule finds over every open case of the scope.
    every_open = [ClueFacts(c.id, w.village_a.id, c.household_id, c.claimed_id_number_index, c.claimed_phone_index,
                            c.claimed_name)
                  for c in db.session.execute(select(Case).where(Case.state == CaseState.REPORTED.value)).scalars()]
    assert {g.case_ids for g in find_duplicates(every_open)} == expected
    view = inbox.inbox(staff, inbox.Filters(), TODAY)
    assert view.duplicates == 6 and view.total == 9  # flagged among the rows shown
