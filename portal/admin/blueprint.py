"""The administration blueprint: accounts, regions, policy settings and the audit log.
Route modules register on ``bp``; ``portal.admin`` imports them."""
from flask import Blueprint

bp = Blueprint("admin", __name__)
