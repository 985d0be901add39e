"""Administration screens. Importing the route modules registers them on ``bp``."""
from portal.admin.blueprint import bp

__all__ = ["bp"]
from portal.admin import regions  # noqa: F401
from portal.admin import users  # noqa: F401
from portal.admin import settings  # noqa: F401
from portal.admin import audit  # noqa: F401
