"""Back office screens. Importing the route and step modules registers them on ``bp``."""
from portal.office import case_page, steps_identification  # noqa: F401  (routes and step forms)
from portal.office.blueprint import bp
from portal.office.nav import nav_items

bp.add_app_template_global(nav_items)

__all__ = ["bp"]
