"""H5 pages: staff login and landing for now; farmer pages and field app come next."""
from portal.views import bp

__all__ = ["bp"]
