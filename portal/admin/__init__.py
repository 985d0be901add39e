"""Administration screens. Importing the route modules registers them on ``bp``."""
from portal.admin import audit, regions, settings, users  # noqa: F401  (each registers its routes)
from portal.admin.blueprint import bp

__all__ = ["bp"]
