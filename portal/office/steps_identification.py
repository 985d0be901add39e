"""Step forms of identification (识别纳入): triage, verification, village review and notice,
township review, county confirmation (seed 003, seed 004)."""
from __future__ import annotations

from datetime import date

from domain.workflow import Action
from models import Case, User
from portal.office.formdata import FormReader
from portal.office.steps import StepForm, register
from services import cases, people
from services.cases import StepInput


def _accept(actor: User, case: Case, form: FormReader, today: date) -> None:
    comment = form.text("comment", "受理意见", max_len=500)
    form.done()
    cases.perform(actor, case.id, Action.ACCEPT, StepInput(comment=comment), today=today)


def _verifier_options(actor: User, case: Case, today: date) -> dict:
    return {"choices": [(p.id, p.label) for p in people.verifiers_for(actor, case)]}


def _assign(action: Action):
    def handle(actor: User, case: Case, form: FormReader, today: date) -> None:
        assignee = form.integer("assignee_id", "核实人", required=True)
        comment = form.text("comment", "说明", max_len=500)
        form.done()
        cases.perform(actor, case.id, action, StepInput(assignee_id=assignee, comment=comment), today=today)
    return handle


register({
    Action.ACCEPT: StepForm(_accept),
    Action.ASSIGN_VERIFIER: StepForm(_assign(Action.ASSIGN_VERIFIER), _verifier_options),
    Action.REASSIGN_VERIFIER: StepForm(_assign(Action.REASSIGN_VERIFIER), _verifier_options),
})
