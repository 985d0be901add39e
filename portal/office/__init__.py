"""Back office screens. Importing the route and step modules registers them on ``bp``."""
from portal.office import (  # noqa: F401  (each module registers its routes or step forms)
    case_page,
    channels,
    clues,
    dashboard,
    head_visits,
    household_edit,
    households,
    inbox,
    incomes,
    lookback,
    matching,
    measures,
    notices,
    notifications,
    overdue,
    reviews,
    steps_elimination,
    steps_help,
    steps_identification,
    tasks,
    todo,
    unresolved,
)
from portal.office.blueprint import bp
from portal.office.nav import nav_items

bp.add_app_template_global(nav_items)

__all__ = ["bp"]
