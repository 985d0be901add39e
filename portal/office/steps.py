"""The registry of step forms shown on a case page, and of the extra panels beside them.

Each workflow action a person can take on the case page has a ``StepForm``: the template of
its fields (``office/steps/<action>.html``), what the template needs to offer (people to pick,
the measure library...), and the handler that reads the form and calls the service. The
handler modules are grouped by stage of the procedure; this module only gathers them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Callable

from domain.workflow import Action
from models import Case, User
from portal.office.formdata import FormReader

Handler = Callable[[User, Case, FormReader, date], None]
Options = Callable[[User, Case, date], dict]


def no_options(actor: User, case: Case, today: date) -> dict:
    return {}


@dataclass(frozen=True)
class StepForm:
    handle: Handler
    options: Options = no_options
    multipart: bool = False  # the form uploads files

    def template(self, action: Action | str) -> str:
        return f"office/steps/{Action(action).value}.html"


@dataclass(frozen=True)
class Panel:
    """A section of the case page beside the steps (the help plan, evaluations, papers...)."""

    template: str
    context: dict = field(default_factory=dict)


PanelProvider = Callable[[User, Case, date], "Panel | None"]

STEP_FORMS: dict[Action, StepForm] = {}
PANELS: list[PanelProvider] = []


def register(forms: dict[Action, StepForm], panels: list[PanelProvider] = ()) -> None:
    for action, form in forms.items():
        if action in STEP_FORMS:
            raise RuntimeError(f"step form for {action.value} registered twice")
        STEP_FORMS[action] = form
    PANELS.extend(panels)
