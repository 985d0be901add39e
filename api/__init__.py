"""JSON API under /api/v1 (the WeChat mini program's endpoints arrive with the field app)."""
from api.v1 import bp

__all__ = ["bp"]
