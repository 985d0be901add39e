"""集中排查 pages (``/campaigns``): each part of the campaign registers its routes on this
blueprint from a module of its own (imported at the end, after the blueprint exists)."""
from flask import Blueprint

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")
from portal.campaigns import ledger, problems  # noqa: E402,F401  (附件2, 附件4)
from portal.campaigns import pages  # noqa: E402,F401  (campaigns and their progress)
from portal.campaigns import exports, weekly  # noqa: E402,F401  (附件3 weeks, the forms' exports)
